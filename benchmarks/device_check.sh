#!/usr/bin/env bash
# The device check of issue 22: is the neural side correct, and how fast, on a GPU?
#
#   bash benchmarks/device_check.sh                      # on a CUDA machine (< 8 min on an H200)
#   bash benchmarks/device_check.sh --device cpu --quick # the same steps, small, on the CPU (CI)
#
# Steps (each under its own time limit, so the whole check has a known worst case):
#   1. the `gpu`-marked tests (CUDA against the CPU; they skip without CUDA), the sample-size
#      engine's included: the default, D, M and the three asymptotic tests (score, likelihood
#      ratio, Wald) on regression and binary targets, and the logistic Z-test;
#   2. the neural-side suite with device="auto" resolving to the checked device
#      (tests/neural, landscape, pruning, distillation, rademacher, data_quality, test_fmri.py;
#      not the `slow` ones; `-n 12` when pytest-xdist is installed); --quick runs only the
#      device-placement tests and the four tests that failed on CUDA in issue 22;
#   3. bench_hessian.py on the device, all rows in one process (top eigenvalue and trace; 1M
#      parameters, 5,000 objects, and on CUDA the 10M-parameter convolutional row, 64 images;
#      --quick: 100k parameters, 500 objects, the eigenvalue only);
#   4. bench_scorers.py on the device (landscape, Rademacher and the Belsley pruner against
#      the fit; 100k and 1M parameters, 10,000 objects, 5 epochs);
#   5. bench_scaling.py --device: the default sample-size front door on torch tensors under
#      scikit-learn's array API dispatch (1,000,000 x 20 and 10,000,000 x 50; --quick: 20,000 x 20
#      and 50,000 x 50 with the NumPy baseline and the largest difference from it);
#   6. the same for D-sufficiency (1,000 bootstrap replicates) on 1,000,000 x 20 (--quick:
#      20,000 x 20 with the NumPy baseline);
#   7. the default front door on a binary target (KL-sufficiency's Laplace one-step path:
#      Newton steps and Cholesky factors on the device) on 1,000,000 x 20 (--quick: 5,000 x 10
#      with the NumPy baseline).
# The benchmark tables are printed as the scripts print them; the last lines are a summary
# (step, status, seconds). Exit status: 0 when every step passed, 1 otherwise, 2 on bad use.
set -uo pipefail

usage() { sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; }

DEVICE=cuda
QUICK=0
JOBS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --device) DEVICE="${2:?--device needs a value}"; shift 2 ;;
        --device=*) DEVICE="${1#--device=}"; shift ;;
        --quick) QUICK=1; shift ;;
        -n|--jobs) JOBS="${2:?-n needs a value}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "device_check.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$DEVICE" in
    cpu) export CUDA_VISIBLE_DEVICES="" ;;  # device="auto" must resolve to the CPU
    cuda|cuda:*) ;;
    *) echo "device_check.sh: --device must be cpu, cuda or cuda:N, got $DEVICE" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.." || exit 2
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"  # the scripts measure this checkout's code
PY="${PYTHON:-python}"

if [ "$DEVICE" != cpu ]; then
    if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
        echo "device_check.sh: torch sees no CUDA device; run with --device cpu --quick" >&2
        exit 2
    fi
fi
resolved=$("$PY" -c "from skcomplexity.neural import resolve_device; print(resolve_device('auto'))")
echo "device_check: --device $DEVICE, device='auto' resolves to $resolved, quick=$QUICK"
"$PY" -c "import torch; print('torch', torch.__version__, '| CUDA', torch.version.cuda,
      '|', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')"
case "$DEVICE:$resolved" in
    cpu:cpu|cuda*:cuda*) ;;
    *) echo "device_check.sh: device='auto' resolves to $resolved, not $DEVICE" >&2; exit 1 ;;
esac

if [ -z "$JOBS" ]; then
    if [ "$QUICK" = 1 ]; then JOBS=1; else JOBS=12; fi  # quick: xdist start-up costs more than it saves
fi
XDIST=()
if "$PY" -c "import xdist" 2>/dev/null && [ "$JOBS" -gt 1 ]; then XDIST=(-n "$JOBS"); fi
PYTEST=("$PY" -m pytest -q -p no:cacheprovider)

NEURAL_SUITE=(tests/neural tests/landscape tests/pruning tests/distillation tests/rademacher
              tests/data_quality tests/test_fmri.py)
QUICK_SUITE=(tests/neural/test_device_placement.py
             tests/neural/test_loader.py::test_distillation_student_is_the_same
             tests/distillation/test_hinton.py::test_multidomain_uses_mapping
             tests/distillation/test_hinton.py::test_distillation_regressor_follows_teacher
             tests/pruning/test_pruners.py::test_half_pruned_digits_net_stays_above_chance)

if [ "$QUICK" = 1 ]; then
    # seconds per step: the whole quick check stays under 4 minutes on 2 cores (+ the
    # binary step, 40 s measured with another job on the machine)
    LIMITS=(60 60 60 60 60 40 90)
    SUITE=("${QUICK_SUITE[@]}")
    HESSIAN=(--sizes 100k --n-objects 500 --seeds 0 --tasks eig)
    SCORERS=(--sizes 10k --n-objects 1000 --epochs 1 --repeat 1 --skip-pruner)
    SCALING=(--quick)
    SCALING_D=(--shapes 20000x20 --baseline yes)
    SCALING_BINARY=(--shapes 5000x10 --baseline yes)
else
    # the whole check stays under 8 minutes on an H200
    LIMITS=(60 140 150 80 90 60 90)  # bench_hessian: +50 s for the 10M row
    SUITE=("${NEURAL_SUITE[@]}")
    HESSIAN=(--sizes 1M --n-objects 5000 --seeds 0)
    if [ "$DEVICE" != cpu ]; then HESSIAN+=(--conv10m --conv10m-objects 64); fi
    SCORERS=(--sizes 100k 1M --n-objects 10000 --epochs 5 --repeat 1)
    SCALING=(--baseline no)  # the NumPy row of 1,000,000 x 20 is the README's CPU table
    SCALING_D=(--shapes 1000000x20 --baseline no)
    SCALING_BINARY=(--shapes 1000000x20 --baseline no)
fi

NAMES=()
STATUS=()
SECONDS_USED=()
FAILED=0

step() {  # step LIMIT NAME COMMAND...
    local limit=$1 name=$2
    shift 2
    echo
    echo "=== $name (limit ${limit} s): $*"
    local start=$SECONDS rc
    timeout --signal=INT --kill-after=10 "$limit" "$@"
    rc=$?
    local status=passed
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        status="ran past ${limit} s"
    elif [ $rc -eq 5 ] && [ "$name" = "gpu tests" ]; then
        status="no gpu tests collected"
    elif [ $rc -ne 0 ]; then
        status="FAILED (exit $rc)"
    fi
    case "$status" in passed|"no gpu tests collected") ;; *) FAILED=1 ;; esac
    NAMES+=("$name")
    STATUS+=("$status")
    SECONDS_USED+=($((SECONDS - start)))
}

TOTAL_START=$SECONDS
step "${LIMITS[0]}" "gpu tests" "${PYTEST[@]}" -m gpu -rs "${NEURAL_SUITE[@]}" \
    tests/sample_size/test_array_api.py
step "${LIMITS[1]}" "neural suite on $resolved" "${PYTEST[@]}" -m "not slow and not gpu" \
    "${XDIST[@]}" "${SUITE[@]}"
step "${LIMITS[2]}" "bench_hessian $DEVICE" "$PY" benchmarks/bench_hessian.py --device "$DEVICE" "${HESSIAN[@]}"
step "${LIMITS[3]}" "bench_scorers $DEVICE" "$PY" benchmarks/bench_scorers.py --device "$DEVICE" "${SCORERS[@]}"
step "${LIMITS[4]}" "bench_scaling $DEVICE" "$PY" benchmarks/bench_scaling.py --device "$DEVICE" "${SCALING[@]}"
step "${LIMITS[5]}" "bench_scaling d-sufficiency $DEVICE" "$PY" benchmarks/bench_scaling.py \
    --device "$DEVICE" --device-method d-sufficiency "${SCALING_D[@]}"
step "${LIMITS[6]}" "bench_scaling binary $DEVICE" "$PY" benchmarks/bench_scaling.py \
    --device "$DEVICE" --target binary "${SCALING_BINARY[@]}"

echo
echo "=== device_check summary (--device $DEVICE, quick=$QUICK)"
printf '%-32s %-26s %8s\n' step status seconds
for i in "${!NAMES[@]}"; do
    printf '%-32s %-26s %8s\n' "${NAMES[$i]}" "${STATUS[$i]}" "${SECONDS_USED[$i]}"
done
printf '%-32s %-26s %8s\n' total "$([ $FAILED = 0 ] && echo passed || echo FAILED)" \
    $((SECONDS - TOTAL_START))
exit $FAILED
