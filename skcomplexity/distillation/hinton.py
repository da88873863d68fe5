"""Hinton distillation, Vapnik's privileged information, probabilistic and multi-domain distillation.

The estimators extend :class:`skcomplexity.neural.MLPClassifier` /
:class:`~skcomplexity.neural.MLPRegressor`: the trained skorch net is a
:class:`skorch.NeuralNetClassifier` subclass that changes one thing,
``get_loss`` (and ``infer``, so that the teacher's answers can ride along
with each mini-batch as ``X = {"X": ..., "teacher": ..., "mask": ...}``).

Privileged information
----------------------
``privileged_features`` names columns of ``X`` that only the teacher sees.
``fit`` gives the teacher those columns (or all columns with
``teacher_features="all"``) and the student the remaining ones; ``predict``
never reads the privileged columns: it accepts either the full-width ``X``
(privileged columns ignored, they may be NaN) or ``X`` with only the student
columns. A row whose privileged values contain NaN is outside the set I of
the slides: it contributes only the label term (weight 1), rows in I get
``(1 - alpha)`` label term + ``alpha`` teacher term.
"""

import inspect
from collections.abc import Mapping
from numbers import Real

import numpy as np
import torch.nn.functional as F
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_array, validate_data
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import to_tensor

from .._docstrings import fill_doc
from ..neural import MLPClassifier, MLPRegressor
from ._common import (
    TEACHER_CONSTRAINTS,
    get_teacher,
    resolve_privileged,
    split_for_teacher,
    teacher_log_proba,
    teacher_predictions,
)
from .losses import distillation_loss, regression_distillation_loss

__all__ = [
    "DistillationClassifier",
    "DistillationRegressor",
    "MultiDomainDistillationClassifier",
]


def _teacher_batch(X, device):
    """The teacher's answers and the mask of a batch dict, on the predictions' device."""
    return to_tensor(X["teacher"], device=device), to_tensor(X["mask"], device=device)


class _TeacherBatchMixin:
    """skorch side: the module sees ``X["X"]``; ``get_loss`` sees the whole batch dict."""

    distillation_params = None

    def infer(self, x, **fit_params):
        if isinstance(x, Mapping):
            x = x["X"]
        return super().infer(x, **fit_params)


class _DistillationNetClassifier(_TeacherBatchMixin, NeuralNetClassifier):
    """:class:`skorch.NeuralNetClassifier` whose ``get_loss`` is :func:`distillation_loss`.

    Private: the skorch net behind :class:`DistillationClassifier` (its
    ``net_``), not a scikit-learn estimator of its own.

    Fit it with ``X = {"X": inputs, "teacher": teacher_logits, "mask": mask}``;
    set the loss options in the ``distillation_params`` attribute (a dict of
    keyword arguments of :func:`distillation_loss`). Without a dict ``X`` the
    loss is plain cross-entropy. Users normally go through
    :class:`DistillationClassifier`.
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=y_pred.device)
        if not isinstance(X, Mapping):
            return F.cross_entropy(y_pred, y_true.long())
        params = self.distillation_params or {}
        teacher, mask = _teacher_batch(X, y_pred.device)
        return distillation_loss(y_pred, y_true, teacher, mask=mask, **params)


class _DistillationNetRegressor(_TeacherBatchMixin, NeuralNetRegressor):
    """:class:`skorch.NeuralNetRegressor` whose ``get_loss`` is :func:`regression_distillation_loss`.

    Private: the skorch net behind :class:`DistillationRegressor` (its ``net_``).
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=y_pred.device)
        if not isinstance(X, Mapping):
            return F.mse_loss(y_pred, y_true.reshape(y_pred.shape))
        params = self.distillation_params or {}
        teacher, mask = _teacher_batch(X, y_pred.device)
        return regression_distillation_loss(y_pred, y_true, teacher, mask=mask, **params)


def _drop_unsupported_weight_decay(net, optimizer, weight_decay):
    """Let optimizers without ``weight_decay`` (e.g. ``torch.optim.LBFGS``) run when it is 0."""
    if weight_decay == 0 and "weight_decay" not in inspect.signature(optimizer).parameters:
        delattr(net, "optimizer__weight_decay")


class _DistillationMixin:
    """Shared fit logic: validation, privileged split, teacher answers, seeded training."""

    def _teacher_view(self, X_student, X_teacher):
        return X_teacher

    def _validate_fit_data(self, X, y):
        """``X`` in float64 (the teacher reads it), NaN allowed in the privileged columns."""
        allow_nan = self.privileged_features is not None
        return validate_data(
            self, X, y, dtype=np.float64, ensure_all_finite="allow-nan" if allow_nan else True,
            multi_output=not self._is_classifier, y_numeric=not self._is_classifier,
        )

    def _fit_net(self, X, y, y_t, *, seed, seeded, **fit_params):
        """Split off the privileged columns, get the teacher's answers, train the student."""
        self.student_features_, self.privileged_features_ = resolve_privileged(
            self.privileged_features, X.shape[1]
        )
        X_student, X_teacher, mask = split_for_teacher(
            X, self.student_features_, self.privileged_features_, self.teacher_features
        )
        X_teacher = self._teacher_view(X_student, X_teacher)
        if not mask.any():
            raise ValueError("No training row has complete privileged features; the teacher cannot be used.")
        with seeded.fork():  # a refitted teacher's draws leave the student's stream alone
            self.teacher_ = get_teacher(
                self.teacher, X_teacher[mask], y[mask], self.refit_teacher,
                kind="classifier" if self._is_classifier else "regressor",
            )
        teacher_out = self._teacher_answers(X_teacher, mask, y_t)
        self.teacher_mask_ = mask
        X_dict = {
            "X": X_student.astype(np.float32),
            "teacher": teacher_out.astype(np.float32),
            "mask": mask.astype(np.float32),
        }
        self.net_ = self._make_net(X_student.shape[1], self.n_outputs_, seed, seeded.device)
        _drop_unsupported_weight_decay(self.net_, self._optimizer_class(), self.weight_decay)
        self.net_.distillation_params = self._loss_params()
        self.net_.fit(X_dict, y_t, **fit_params)

    def _validate_X(self, X, reset):
        if self.privileged_features_.size == 0:
            return validate_data(self, X, reset=False, dtype=np.float32)
        X = check_array(X, dtype=np.float32, ensure_all_finite="allow-nan")
        n_student = self.student_features_.size
        if X.shape[1] == self.n_features_in_:
            X = X[:, self.student_features_]
        elif X.shape[1] != n_student:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} expects either "
                f"{self.n_features_in_} (the columns seen in fit; privileged ones are ignored) "
                f"or {n_student} (the student's columns only)."
            )
        if not np.all(np.isfinite(X)):
            raise ValueError("X contains NaN or infinity in the student's (non-privileged) columns.")
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.privileged_features is not None
        return tags


_DISTILL_PARAMS_DOC = """
    teacher : fitted classifier/regressor, or unfitted with ``refit_teacher=True``
        Any scikit-learn or skorch estimator with ``predict_proba`` (or
        ``decision_function``) for classification, ``predict`` for regression.
        With ``privileged_features`` it must have been fitted on the
        columns it sees (see ``teacher_features``).
    alpha : float in [0, 1], default=0.5
        Weight of the teacher term (the lambda of the slides and of Lopez-Paz
        et al.): ``alpha=0`` is plain training on the labels, ``alpha=1``
        trains on the teacher alone (for rows with teacher answers).
        The dissertation's Ch. 1 weight on the label term is ``1 - alpha``.
    privileged_features : None, list of int or boolean mask, default=None
        Columns of ``X`` available only during training (Vapnik's x*): the
        teacher sees them, the student and ``predict`` never do. NaN in
        these columns marks objects without privileged information.
    teacher_features : {"privileged", "all"}, default="privileged"
        With ``privileged_features``: the teacher sees x* only (the slides'
        f: R^{n*} -> Y') or all columns.
    refit_teacher : bool, default=False
        Fit a clone of ``teacher`` inside ``fit`` on the teacher's columns of
        the training rows that have them (``teacher_`` holds it). Needed
        inside cross-validation when the teacher must not see held-out data.
"""

_MLP_PARAMS_DOC = """
    hidden_units : tuple of int, default=(100,)
        Student MLP hidden widths (``()`` gives a linear / softmax-regression student).
    activation : str, default="relu"
    dropout : float, default=0.0
    lr, max_epochs, batch_size, weight_decay, optimizer, early_stopping,
    validation_fraction, n_iter_no_change, tol, bias, callbacks, device,
    random_state, verbose
        As in :class:`skcomplexity.neural.MLPClassifier` (Adam, batch 64;
        ``random_state`` seeds torch inside ``fit`` only), except the
        defaults ``lr=1e-2`` and ``max_epochs=50``: the MLP defaults
        (``lr=1e-3``, 10 epochs) make ``10 n / 64`` Adam steps, about 10 on
        60 objects, which left the student far below its teacher (0.45
        against 0.84 on 60 standardised digits; 0.83 with these defaults).
"""


_HINTON_DOC = dict(distill=_DISTILL_PARAMS_DOC, mlp=_MLP_PARAMS_DOC)


@fill_doc(**_HINTON_DOC)
class DistillationClassifier(_DistillationMixin, MLPClassifier):
    """MLP student trained on labels and on a teacher's tempered probabilities.

    Minimises the batch mean of (see :func:`distillation_loss`)::

        (1 - alpha m_i) CE(y_i, softmax(z_i)) + alpha m_i T^2 CE(s_i, softmax(z_i / T))

    with ``s_i = softmax(v_i / T)`` the tempered teacher distribution and
    ``m_i = 1`` for rows where the teacher's answer is known. The ``T**2``
    factor (``temperature_scaling=True``) is Hinton et al.'s: the soft
    term's gradient shrinks like ``1/T**2``, so the factor keeps the relative
    weight of the two terms independent of ``T``. With
    ``temperature_scaling=False`` and ``alpha=0.5`` the loss is half the
    dissertation's Ch. 5 formula (hard + soft, no ``T**2``).

    ``loss="probabilistic"`` uses the slides' probabilistic statement
    instead: the same two terms plus the log-normaliser
    ``-alpha m_i T^2 sum_k [log g_k + log log(1/g_k)]`` at temperature T.

    Parameters
    ----------
    %(distill)s
    temperature : float > 0, default=2.0
        T (the text only says T > 1; 2 is a documented default).
    loss : {"hinton", "probabilistic"}, default="hinton"
    temperature_scaling : bool, default=True
        Multiply the teacher term by ``T**2``.
    log_normalizer : bool, default=True
        For ``loss="probabilistic"``: include the ``log C`` term.
    eps : float, default=1e-6
        Clamp of ``g`` inside ``log log(1/g)``.
    %(mlp)s

    Attributes
    ----------
    classes_ : ndarray
    teacher_ : estimator
        The teacher used (``teacher`` itself, or the clone fitted in ``fit``).
    student_features_, privileged_features_ : ndarray of int
        Column indices of the student's and the privileged features.
    teacher_mask_ : ndarray of bool
        Training rows that had a teacher answer (the set I).
    net_ : _DistillationNetClassifier
    module_ : torch.nn.Module
    n_features_in_, n_iter_ : int

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skcomplexity.distillation import DistillationClassifier
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> teacher = RandomForestClassifier(random_state=0).fit(X, y)
    >>> student = DistillationClassifier(teacher=teacher, temperature=3.0, alpha=0.7,
    ...                                  hidden_units=(16,), max_epochs=5, random_state=0)
    >>> student.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        **MLPClassifier._parameter_constraints,
        **TEACHER_CONSTRAINTS,
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "loss": [StrOptions({"hinton", "probabilistic"})],
        "temperature_scaling": ["boolean"],
        "log_normalizer": ["boolean"],
        "eps": [Interval(Real, 0, 0.5, closed="left")],
    }

    def __init__(self, teacher=None, *, alpha=0.5, temperature=2.0, loss="hinton",
                 temperature_scaling=True, log_normalizer=True, eps=1e-6,
                 privileged_features=None, teacher_features="privileged", refit_teacher=False,
                 hidden_units=(100,), activation="relu", dropout=0.0, lr=1e-2, max_epochs=50,
                 batch_size=64, weight_decay=0.0, optimizer="adam", early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=5, tol=1e-4, bias=True,
                 callbacks=None, device="auto", random_state=None, verbose=0):
        super().__init__(
            hidden_units=hidden_units, activation=activation, dropout=dropout, lr=lr,
            max_epochs=max_epochs, batch_size=batch_size, weight_decay=weight_decay,
            optimizer=optimizer, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change,
            tol=tol, bias=bias, callbacks=callbacks, device=device,
            random_state=random_state, verbose=verbose,
        )
        self.teacher = teacher
        self.alpha = alpha
        self.temperature = temperature
        self.loss = loss
        self.temperature_scaling = temperature_scaling
        self.log_normalizer = log_normalizer
        self.eps = eps
        self.privileged_features = privileged_features
        self.teacher_features = teacher_features
        self.refit_teacher = refit_teacher

    def _net_class(self):
        return _DistillationNetClassifier

    def _loss_params(self):
        return dict(
            alpha=float(self.alpha), temperature=float(self.temperature), kind=self.loss,
            temperature_scaling=bool(self.temperature_scaling),
            log_normalizer=bool(self.log_normalizer), eps=float(self.eps),
        )

    def _teacher_answers(self, X_teacher, mask, y_t):
        """The teacher's log-probabilities on the rows of ``mask`` (zeros elsewhere)."""
        teacher_out = np.zeros((X_teacher.shape[0], self.n_outputs_))
        teacher_out[mask] = teacher_log_proba(self.teacher_, X_teacher[mask], self.classes_)
        return teacher_out

    def fit(self, X, y):
        """Train the student on ``X`` (student columns), ``y`` and the teacher's answers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            All columns, privileged ones included.
        y : array-like of shape (n_samples,)
            Class labels; they must be the teacher's ``classes_``.

        Returns
        -------
        self : object
        """
        return super().fit(X, y)


@fill_doc(**_HINTON_DOC)
class MultiDomainDistillationClassifier(DistillationClassifier):
    """Distillation across domains (§5.2): the teacher answers on ``mapping(X)``.

    The teacher was trained on a large source-domain sample; the student is
    trained on the small target-domain sample ``(X, y)`` with the soft
    labels ``f(phi(x))``, where ``phi = mapping`` maps target-domain
    objects into the teacher's domain (a CycleGAN or a translation model in
    the dissertation; any callable or fitted transformer here). The loss is
    the dissertation's::

        (1 - alpha) CE(y, g(x)) + alpha CE(f(phi(x)), g(x))

    i.e. its lambda (the weight of the label term) is ``1 - alpha``, and
    there is no temperature (``temperature=1`` by default; other values use
    the Hinton tempering). ``mapping=None`` is "teacher, no mapping" and
    ``alpha=0`` is "no teacher".

    Parameters
    ----------
    %(distill)s
    mapping : callable, transformer with ``transform``, or None, default=None
        phi: X_target -> X_source, applied to the student's columns.
    temperature : float > 0, default=1.0
    loss, temperature_scaling, log_normalizer, eps
        As in :class:`DistillationClassifier`.
    %(mlp)s

    Attributes
    ----------
    classes_, teacher_, teacher_mask_, net_, module_
        As in :class:`DistillationClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcomplexity.distillation import MultiDomainDistillationClassifier
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(300, 2)); ys = (Xs[:, 0] > 0).astype(int)
    >>> teacher = LogisticRegression().fit(Xs, ys)          # source domain
    >>> Xt = rng.normal(size=(40, 2)) * 3 + 1               # target domain
    >>> yt = (Xt[:, 0] > 1).astype(int)
    >>> phi = lambda X: (X - 1) / 3                          # target -> source
    >>> clf = MultiDomainDistillationClassifier(teacher=teacher, mapping=phi, alpha=0.5,
    ...                                         hidden_units=(), max_epochs=20,
    ...                                         random_state=0).fit(Xt, yt)
    >>> clf.predict(Xt[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **DistillationClassifier._parameter_constraints,
        "mapping": [callable, HasMethods(["transform"]), None],
    }

    def __init__(self, teacher=None, *, mapping=None, alpha=0.5, temperature=1.0,
                 loss="hinton", temperature_scaling=True, log_normalizer=True, eps=1e-6,
                 privileged_features=None, teacher_features="privileged", refit_teacher=False,
                 hidden_units=(100,), activation="relu", dropout=0.0, lr=1e-2, max_epochs=50,
                 batch_size=64, weight_decay=0.0, optimizer="adam", early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=5, tol=1e-4, bias=True,
                 callbacks=None, device="auto", random_state=None, verbose=0):
        super().__init__(
            teacher=teacher, alpha=alpha, temperature=temperature, loss=loss,
            temperature_scaling=temperature_scaling, log_normalizer=log_normalizer, eps=eps,
            privileged_features=privileged_features, teacher_features=teacher_features,
            refit_teacher=refit_teacher, hidden_units=hidden_units, activation=activation,
            dropout=dropout, lr=lr, max_epochs=max_epochs, batch_size=batch_size,
            weight_decay=weight_decay, optimizer=optimizer, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change,
            tol=tol, bias=bias, callbacks=callbacks, device=device,
            random_state=random_state, verbose=verbose,
        )
        self.mapping = mapping

    def _teacher_view(self, X_student, X_teacher):
        if self.mapping is None:
            return X_teacher
        if hasattr(self.mapping, "transform"):
            out = self.mapping.transform(X_student)
        else:  # a callable (the constraints admit nothing else)
            out = self.mapping(X_student)
        return np.asarray(out, dtype=np.float64)


@fill_doc(**_HINTON_DOC)
class DistillationRegressor(_DistillationMixin, MLPRegressor):
    """MLP student trained on targets and on a teacher's predictions.

    Minimises the batch mean of the slides' probabilistic regression loss
    (see :func:`regression_distillation_loss`)::

        (1 - alpha m_i) sigma^2 (y_i - g_i)^2 + alpha m_i sigma_s^2 (s_i - g_i)^2

    For a linear student (``hidden_units=()``) the minimiser is the weighted
    least squares of :class:`DistilledLinearRegression` (Theorem of S-L151).

    Parameters
    ----------
    %(distill)s
    sigma, sigma_s : float > 0, default=1.0
        Weights (written sigma^2, sigma_s^2 on the slide) of the two terms.
    %(mlp)s

    Attributes
    ----------
    teacher_, teacher_mask_, student_features_, privileged_features_, net_, module_
        As in :class:`DistillationClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> from skcomplexity.distillation import DistillationRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3)); y = X @ [1.0, -1.0, 0.5] + 0.1 * rng.normal(size=200)
    >>> teacher = RandomForestRegressor(n_estimators=20, random_state=0).fit(X, y)
    >>> reg = DistillationRegressor(teacher=teacher, alpha=0.3, hidden_units=(16,),
    ...                             max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:4]).shape
    (4,)
    """

    _parameter_constraints = {
        **MLPRegressor._parameter_constraints,
        **TEACHER_CONSTRAINTS,
        "sigma": [Interval(Real, 0, None, closed="neither")],
        "sigma_s": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, teacher=None, *, alpha=0.5, sigma=1.0, sigma_s=1.0,
                 privileged_features=None, teacher_features="privileged", refit_teacher=False,
                 hidden_units=(100,), activation="relu", dropout=0.0, lr=1e-2, max_epochs=50,
                 batch_size=64, weight_decay=0.0, optimizer="adam", early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=5, tol=1e-4, bias=True,
                 callbacks=None, device="auto", random_state=None, verbose=0):
        super().__init__(
            hidden_units=hidden_units, activation=activation, dropout=dropout, lr=lr,
            max_epochs=max_epochs, batch_size=batch_size, weight_decay=weight_decay,
            optimizer=optimizer, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change,
            tol=tol, bias=bias, callbacks=callbacks, device=device,
            random_state=random_state, verbose=verbose,
        )
        self.teacher = teacher
        self.alpha = alpha
        self.sigma = sigma
        self.sigma_s = sigma_s
        self.privileged_features = privileged_features
        self.teacher_features = teacher_features
        self.refit_teacher = refit_teacher

    def _net_class(self):
        return _DistillationNetRegressor

    def _loss_params(self):
        return dict(alpha=float(self.alpha), sigma=float(self.sigma), sigma_s=float(self.sigma_s))

    def _teacher_answers(self, X_teacher, mask, y_t):
        """The teacher's predictions on the rows of ``mask`` (zeros elsewhere)."""
        s = np.zeros(y_t.shape)
        pred = teacher_predictions(self.teacher_, X_teacher[mask])
        if pred.size != mask.sum() * self.n_outputs_:
            raise ValueError(
                f"The teacher predicts {pred.shape} values but y has {self.n_outputs_} target(s)."
            )
        s[mask] = pred.reshape(-1, self.n_outputs_)
        return s

    def fit(self, X, y):
        """Train the student on ``X`` (student columns), ``y`` and the teacher's predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : object
        """
        return super().fit(X, y)
