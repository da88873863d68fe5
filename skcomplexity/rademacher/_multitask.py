"""Single-task vs multi-task random-label protocol (§6.4.1, Theorem 34), CPU-sized.

torch and skorch are imported inside the functions only.
"""

import math

import numpy as np
from sklearn.utils.validation import check_array

from .._parallel import parallel_map, root_seed_sequence
from .._validation import check_positive
from ..bounds import mtl_rademacher_bound

__all__ = ["multitask_rademacher_protocol"]


def _fit_and_measure(protocol, X, y, target_rows, sigma_t, cfg, seed):
    import torch
    from skorch import NeuralNet

    from ..neural import BatchLoader, SeededFit
    from ..neural.callbacks import InputNormalization, NormBallProjection, SpectralNormalization
    from ..neural.multitask import MultiTaskLoss, SharedEncoderMultiTask

    head_outputs = cfg["head_outputs"] if protocol == "mtl" else (1,)
    budget = cfg["B_enc"] / math.sqrt(len(head_outputs)) if protocol == "mtl" else cfg["B_enc"]
    radii = {"encoder.": budget}
    radii.update({f"heads.{t}.": cfg["B_head"] for t in range(len(head_outputs))})
    callbacks = [InputNormalization(R=cfg["R"]), NormBallProjection(radii)]
    if cfg["spectral_norm"]:
        callbacks.insert(0, SpectralNormalization(prefixes="encoder"))
    net = NeuralNet(
        SharedEncoderMultiTask,
        module__n_features=X.shape[1],
        module__hidden_units=cfg["hidden_units"],
        module__head_outputs=head_outputs,
        module__activation=cfg["activation"],
        module__lora_rank=cfg["lora_rank"],
        module__lora_alpha=cfg["lora_alpha"],
        module__encoder_seed=cfg["encoder_seed"],
        criterion=MultiTaskLoss,
        criterion__head_outputs=head_outputs,
        criterion__target_loss=cfg["target_loss"],
        optimizer=torch.optim.Adam,
        lr=cfg["lr"],
        max_epochs=cfg["max_epochs"],
        batch_size=cfg["batch_size"],
        iterator_train=BatchLoader,
        iterator_valid=BatchLoader,
        iterator_train__shuffle=True,
        train_split=None,
        callbacks=callbacks,
        device=cfg["device"],
        verbose=0,
    )
    # seeded inside a forked RNG: the caller's global torch state is left alone
    with SeededFit(seed, cfg["device"]):
        net.fit(X.astype(np.float32), y.astype(np.float32))
    scores = net.predict(X[target_rows].astype(np.float32))[:, 0].astype(np.float64)
    return float(np.mean(sigma_t * scores)), budget


def _replicate(Xt, aux, cfg, seed_seq):
    rng = np.random.default_rng(seed_seq)
    n = Xt.shape[0]
    sigma_t = (1 - 2 * rng.integers(0, 2, size=n)).astype(np.float64)
    seed = int(rng.integers(np.iinfo(np.int32).max))
    X_aux = [Xa for Xa, _ in aux]
    out = {}
    # STL: one head, every input (nT examples) with random labels; measured on S_t
    X_stl = np.vstack([Xt, *X_aux]) if cfg["stl_data"] == "pooled" else Xt
    sigma_all = np.concatenate([sigma_t, 1 - 2 * rng.integers(0, 2, size=len(X_stl) - n)])
    y_stl = np.column_stack([np.zeros(len(X_stl)), sigma_all])
    out["stl"] = _fit_and_measure("stl", X_stl, y_stl, slice(0, n), sigma_t, cfg, seed)
    if aux:
        # MTL: target with random labels, auxiliary tasks with their true labels
        X_mtl = np.vstack([Xt, *X_aux])
        y_mtl = np.vstack(
            [np.column_stack([np.zeros(n), sigma_t])]
            + [np.column_stack([np.full(len(ya), t), ya]) for t, (_, ya) in enumerate(aux, 1)]
        )
        out["mtl"] = _fit_and_measure("mtl", X_mtl, y_mtl, slice(0, n), sigma_t, cfg, seed)
    return out


def multitask_rademacher_protocol(
    X_target,
    auxiliary=(),
    *,
    hidden_units=(16,),
    activation=None,
    lora_rank=None,
    lora_alpha=None,
    B_enc=1.0,
    B_head=1.0,
    R=1.0,
    spectral_norm=False,
    target_loss="correlation",
    stl_data="pooled",
    max_epochs=3,
    lr=0.01,
    batch_size=64,
    n_repeats=5,
    encoder_seed=0,
    n_jobs=None,
    random_state=None,
    verbose=0,
    device="auto",
):
    """Random-label Rademacher estimate of the target task, single-task vs multi-task (§6.4.1).

    A CPU-sized version of the text's experiment with a shared encoder
    (:class:`skcomplexity.neural.multitask.SharedEncoderMultiTask`) under
    Algorithm 1's constraints (inputs in the ``R``-ball, heads in the
    ``B_head``-ball, encoder parameters in an ℓ2 ball). For each replicate a
    sign vector :math:`\\sigma` replaces the target labels and:

    * **STL**: one head; the encoder ball has radius ``B_enc``; trained on the
      target inputs and (``stl_data="pooled"``) the auxiliary inputs, all with
      random labels, so both protocols see the same :math:`nT` examples;
    * **MTL**: ``T = 1 + len(auxiliary)`` heads; the encoder ball has radius
      :math:`B_{shared}=B_{enc}/\\sqrt T` (Theorem 34's assumption 3); the
      auxiliary tasks keep their true labels.

    Both are then measured on the target points :math:`S_t` only,
    :math:`c=\\frac1n\\sum_i\\sigma_if_t(x_i)` (the text's protocol), and the
    same :math:`\\sigma` is used for STL and MTL within a replicate.

    Parameters
    ----------
    X_target : array-like of shape (n, n_features)
        Target-task inputs :math:`S_t`.
    auxiliary : sequence of (X_a, y_a)
        Auxiliary tasks with their true class labels (integers ``0..C_a-1``
        after encoding; any labels are encoded here). Empty: STL only.
    hidden_units : tuple of int, default=(16,)
        Encoder widths.
    activation : {None, "relu", "tanh"}, default=None
        None keeps the encoder linear (the theorem's setting).
    lora_rank : int, optional
        Freeze the encoder's base weights (the "pretrained" encoder, seeded by
        ``encoder_seed``) and train rank-``lora_rank`` adapters instead; the
        encoder ball then constrains the adapters.
    lora_alpha : float, optional
        LoRA scaling numerator (default: the rank).
    B_enc, B_head, R : float, default=1.0
        Encoder budget (STL), head radius, input radius.
    spectral_norm : bool, default=False
        Also spectrally normalise the encoder (Algorithm 1, step 1). Off by
        default: it fixes :math:`\\|W\\|_2=1`, which makes the encoder budget
        (and so the STL/MTL difference) ineffective (spec §10 Q7).
    target_loss : {"correlation", "logistic", "hinge"}, default="correlation"
        Loss fitting the random labels.
    stl_data : {"pooled", "target"}, default="pooled"
        STL training inputs: all :math:`nT` inputs, or the target's :math:`n`.
    max_epochs : int, default=3
        Training epochs (3 in the text).
    lr : float, default=0.01
        Adam learning rate.
    batch_size : int, default=64
    n_repeats : int, default=5
        Replicates (random labellings).
    encoder_seed : int, default=0
        Seed of the shared "pretrained" encoder weights.
    n_jobs : int, default=None
        Replicates in parallel (results do not depend on it).
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0
    device : str, default="auto"
        Torch device of the fits (``"auto"``: CUDA when available).

    Notes
    -----
    Each fit runs with one torch intra-op thread (the models are tiny); use
    ``n_jobs`` for parallelism across replicates.

    Returns
    -------
    results : pandas.DataFrame
        One row per protocol (``"stl"``, ``"mtl"``) with ``n_tasks``,
        ``n_target``, ``encoder_budget``, ``complexity`` (mean), ``complexity_std``
        and ``bound``: Theorem 34's :math:`B_{head}LRB/\\sqrt n` with ``L = 1``,
        valid for a one-layer linear encoder without adapters (NaN otherwise).

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.rademacher import multitask_rademacher_protocol
    >>> rng = np.random.default_rng(0)
    >>> Xt = rng.normal(size=(64, 6))
    >>> aux = [(Xa, (Xa[:, 0] > 0).astype(int)) for Xa in rng.normal(size=(2, 64, 6))]
    >>> res = multitask_rademacher_protocol(Xt, aux, n_repeats=2, max_epochs=5, random_state=0)
    >>> res["protocol"].tolist(), res["n_tasks"].tolist()
    (['stl', 'mtl'], [1, 3])
    >>> bool((res["complexity"] <= res["bound"]).all())
    True
    """
    import pandas as pd

    from ..neural import resolve_device

    Xt = check_array(X_target, dtype=np.float64, input_name="X_target", ensure_min_samples=2)
    aux = []
    for i, item in enumerate(auxiliary):
        try:
            Xa, ya = item
        except (TypeError, ValueError):
            raise ValueError(f"auxiliary[{i}] must be a pair (X, y).") from None
        Xa = check_array(Xa, dtype=np.float64, input_name=f"auxiliary[{i}] X")
        ya = np.asarray(ya)
        if Xa.shape[1] != Xt.shape[1] or ya.shape != (Xa.shape[0],):
            raise ValueError(
                f"auxiliary[{i}] must have {Xt.shape[1]} features and one label per row; "
                f"got X {Xa.shape}, y {ya.shape}."
            )
        classes, codes = np.unique(ya, return_inverse=True)
        if classes.size < 2:
            raise ValueError(f"auxiliary[{i}] has a single class; a task needs at least two.")
        aux.append((Xa, codes.astype(np.float64)))
    for name, v in (("B_enc", B_enc), ("B_head", B_head), ("R", R), ("lr", lr)):
        check_positive(v, name)
    check_positive(n_repeats, "n_repeats", integer=True)
    check_positive(max_epochs, "max_epochs", integer=True)
    if stl_data not in ("pooled", "target"):
        raise ValueError(f"stl_data must be 'pooled' or 'target', got {stl_data!r}.")
    head_outputs = (1, *(int(ya.max()) + 1 for _, ya in aux))
    cfg = dict(
        head_outputs=head_outputs, hidden_units=tuple(hidden_units), activation=activation,
        lora_rank=lora_rank, lora_alpha=lora_alpha, B_enc=float(B_enc), B_head=float(B_head),
        R=float(R), spectral_norm=spectral_norm, target_loss=target_loss, stl_data=stl_data,
        max_epochs=max_epochs, lr=lr, batch_size=batch_size, encoder_seed=encoder_seed,
        device=resolve_device(device),
    )
    children = root_seed_sequence(random_state).spawn(n_repeats)
    reps = parallel_map(
        _replicate, [(Xt, aux, cfg, c) for c in children], n_jobs=n_jobs, verbose=verbose,
        desc="STL/MTL random-label fits",
    )
    n = Xt.shape[0]
    bound_ok = len(cfg["hidden_units"]) == 1 and lora_rank is None and not spectral_norm
    rows = []
    for protocol in ("stl", "mtl"):
        if protocol not in reps[0]:
            continue
        vals = np.array([r[protocol][0] for r in reps])
        budget = reps[0][protocol][1]
        rows.append(
            dict(
                protocol=protocol,
                n_tasks=len(head_outputs) if protocol == "mtl" else 1,
                n_target=n,
                encoder_budget=budget,
                complexity=float(vals.mean()),
                complexity_std=float(vals.std(ddof=1)) if n_repeats > 1 else 0.0,
                bound=mtl_rademacher_bound(B_head, 1.0, R, budget, n) if bound_ok else np.nan,
            )
        )
    return pd.DataFrame(rows)
