"""scikit-learn's estimator checks for the MLP-teacher distillation estimators.

The teacher is a tiny unfitted MLP refitted inside ``fit`` (``refit_teacher=True``): the
checks feed data of many shapes and label sets, which no single fitted teacher matches.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skcomplexity.distillation import AntiDistillationClassifier, BayesianDistillationClassifier
from skcomplexity.neural import MLPClassifier

# check_methods_subset_invariance: the students run in float32 and a batched matmul over a
# subset may differ from the full batch in the last float32 ulp (~1e-7 relative, above the
# check's 1e-7 tolerance). It passes by luck for the tiny widths below but fails for both
# estimators from ~64 hidden units, as for every skorch-backed estimator of the package.
EXPECTED_FAILED_CHECKS = {
    "check_methods_subset_invariance": "float32 batched matmul differs in the last ulp by batch",
}


def _teacher(hidden_units):
    return MLPClassifier(hidden_units=hidden_units, lr=1e-2, max_epochs=5, batch_size=32,
                         device="cpu", random_state=0)


@parametrize_with_checks(
    [
        BayesianDistillationClassifier(_teacher((6,)), refit_teacher=True, hidden_units=(4,),
                                       lr=1e-2, max_epochs=10, batch_size=32, device="cpu",
                                       random_state=0),
        AntiDistillationClassifier(_teacher((4,)), refit_teacher=True, init="anti_distillation",
                                   hidden_units=(8,), expand_epochs=1, lr=1e-2, max_epochs=10,
                                   batch_size=32, device="cpu", random_state=0),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
