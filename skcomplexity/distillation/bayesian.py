"""Bayesian distillation: the student's prior is the teacher's (aligned) Gaussian posterior.

Pipeline (slides S-L80-321; the estimators are unspecified in the text):

1. the teacher's posterior ``N(m, Sigma)`` by a Laplace approximation at its
   trained weights, with the generalised Gauss-Newton (GGN) curvature
   ``sum_i J_i^T H_i J_i + tau I`` (always positive definite; the exact
   Hessian of a non-convex net need not be) -- :func:`laplace_posterior`;
2. structure alignment teacher -> student by neuron and layer removal
   (:func:`~skcomplexity.distillation.align_posterior`);
3. variational training of the student with a mean-field Gaussian
   ``q(w) = N(mu, diag(s^2))`` (reparameterisation trick) minimising
   ``KL(q || p) - E_q sum_i log p(y_i | x_i, w)`` (per-object mean: the KL
   is divided by the number of training objects).
"""

import math
from numbers import Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval, StrOptions
from skorch import NeuralNetClassifier
from skorch.utils import to_tensor
from torch import nn

from ..landscape import ParameterIndex, laplace_covariance, unwrap
from ..neural import MLPClassifier, MLPModule
from ._common import check_nonnegative
from .alignment import align_posterior

__all__ = [
    "laplace_posterior",
    "mlp_structure",
    "BayesianDistillationClassifier",
    "MeanFieldMLP",
]


def _get_module(model):
    try:
        return unwrap(model).module
    except (TypeError, NotFittedError) as exc:
        raise ValueError(
            "Expected a torch module, a fitted skorch net or a fitted skcomplexity.neural "
            f"estimator, got {type(model).__name__}."
        ) from exc


def _teacher_for_fit(teacher, refit_teacher, X, y, seed):
    """``teacher`` itself, or (``refit_teacher=True``) a clone of it fitted on ``(X, y)``.

    A refitted teacher whose ``random_state`` is None gets the student's seed, so that
    a seeded student is reproducible end to end.
    """
    if not refit_teacher:
        return teacher
    if isinstance(teacher, nn.Module) or not hasattr(teacher, "get_params"):
        raise ValueError(
            "refit_teacher=True needs a scikit-learn style teacher (e.g. an unfitted "
            f"skcomplexity.neural.MLPClassifier), got {type(teacher).__name__}."
        )
    fitted = clone(teacher)
    if seed is not None and fitted.get_params().get("random_state", 0) is None:
        fitted.set_params(random_state=seed)
    return fitted.fit(X, y)


def mlp_structure(model):
    """Layer sizes, bias flag and ``nn.Linear`` layers of a plain MLP.

    Parameters
    ----------
    model : torch.nn.Module, skorch net or fitted skcomplexity.neural estimator
        A stack of ``nn.Linear`` layers with parameter-free activations
        between them (e.g. :class:`skcomplexity.neural.MLPModule`).

    Returns
    -------
    sizes : tuple of int
    bias : bool
    linears : list of torch.nn.Linear

    Examples
    --------
    >>> from skcomplexity.neural import MLPModule
    >>> from skcomplexity.distillation.bayesian import mlp_structure
    >>> mlp_structure(MLPModule(4, 3, hidden_units=(8,)))[:2]
    ((4, 8, 3), True)
    """
    module = _get_module(model)
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    n_lin = sum(p.numel() for lin in linears for p in lin.parameters())
    if not linears or n_lin != sum(p.numel() for p in module.parameters()):
        raise ValueError(
            "Bayesian distillation and anti-distillation need a plain MLP teacher (only nn.Linear "
            f"layers carry parameters), got {type(module).__name__}."
        )
    has_bias = {lin.bias is not None for lin in linears}
    if len(has_bias) != 1:
        raise ValueError("All linear layers must have biases, or none.")
    sizes = (linears[0].in_features, *[lin.out_features for lin in linears])
    return sizes, has_bias.pop(), linears


class _FunctionalMLP:
    """f(theta, x) of a template MLP for a flat parameter vector (ParameterIndex order).

    The template is kept out of the module tree (its parameters are never trained); a
    plain class, so that it pickles.
    """

    def __init__(self, template):
        self.template = template
        self.index = ParameterIndex(template)

    def __call__(self, theta, x):
        from torch.func import functional_call

        return functional_call(self.template, self.index.unflatten(theta), (x,))


def laplace_posterior(model, X, y, *, task="classification", prior_precision=1.0):
    """Gaussian (Laplace / GGN) posterior of a trained MLP's parameters.

    ``mean`` is the trained parameter vector (PyTorch order) and
    ``cov = (sum_i J_i^T H_i J_i + prior_precision I)^{-1}`` with ``J_i`` the
    Jacobian of the outputs and ``H_i`` the Hessian of the negative
    log-likelihood in the outputs: ``diag(p) - p p^T`` (softmax
    cross-entropy) or ``1 / sigma^2`` (Gaussian, sigma^2 the residual variance).

    Parameters
    ----------
    model : torch.nn.Module, skorch net or fitted skcomplexity.neural estimator
        A plain MLP (:func:`mlp_structure`).
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Integer labels ``0..K-1`` (classification) or targets (regression).
    task : {"classification", "regression"}, default="classification"
    prior_precision : float > 0, default=1.0
        tau, the isotropic Gaussian prior's precision.

    Returns
    -------
    mean : ndarray of shape (n_params,)
    cov : ndarray of shape (n_params, n_params)
    sizes : tuple of int
        The MLP's layer sizes (for :func:`align_posterior`).
    bias : bool

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.neural import MLPModule
    >>> from skcomplexity.distillation import laplace_posterior
    >>> X = np.random.default_rng(0).normal(size=(20, 2)); y = (X[:, 0] > 0).astype(int)
    >>> m, S, sizes, bias = laplace_posterior(MLPModule(2, 2, hidden_units=(3,)), X, y)
    >>> S.shape, sizes
    ((17, 17), (2, 3, 2))
    """
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression', got {task!r}.")
    tau = check_nonnegative(prior_precision, "prior_precision")
    if tau == 0:
        raise ValueError("prior_precision must be > 0 so that the posterior covariance exists.")
    module = _get_module(model)
    sizes, bias, _ = mlp_structure(module)
    theta = ParameterIndex(module).flat(module).double().cpu()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if task == "classification":
        loss = nn.CrossEntropyLoss(reduction="none")
        y = y.astype(np.int64)
    else:
        with torch.no_grad():
            ref = next(module.parameters())
            out = module(torch.as_tensor(X, dtype=ref.dtype, device=ref.device)).double().cpu()
        resid = out.reshape(len(y), -1) - torch.as_tensor(y, dtype=torch.float64).reshape(
            len(y), -1)
        noise_precision = 1.0 / max(float(resid.pow(2).mean()), 1e-12)
        y = y.astype(np.float64).reshape(out.shape)

        def loss(out, target):  # Gaussian negative log-likelihood, up to a constant
            d = (out - target.reshape(out.shape)).reshape(out.shape[0], -1)
            return 0.5 * noise_precision * (d**2).sum(dim=1)

    cov = laplace_covariance(module, X, y, kind="gauss_newton", prior_precision=tau, loss=loss,
                             dtype=torch.float64, max_params=np.iinfo(np.int64).max)
    return theta.numpy().copy(), cov, sizes, bias


class MeanFieldMLP(nn.Module):
    """MLP with a mean-field Gaussian over its flat parameter vector.

    ``forward`` samples ``w = mu + softplus(rho) * eps`` in training mode and
    uses ``w = mu`` in eval mode. :meth:`kl` is ``KL(q || p)`` against a
    (full-covariance) Gaussian prior given by its mean and precision.

    Parameters
    ----------
    n_features, n_outputs : int
    hidden_units : tuple of int
    activation : str, default="relu"
    bias : bool, default=True
    prior_mean : array-like of shape (n_params,), optional
        Default 0.
    prior_precision : array-like of shape (n_params, n_params), optional
        Default identity.
    init_mean : {"prior", "default"}, default="prior"
        Start ``mu`` at the prior mean or at PyTorch's default initialisation
        (always the latter when no ``prior_mean`` is given).
    init_std : float, default=1e-2
        Initial posterior standard deviation.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.distillation.bayesian import MeanFieldMLP
    >>> net = MeanFieldMLP(3, 2, (4,), init_mean="default").eval()
    >>> net(torch.zeros(5, 3)).shape
    torch.Size([5, 2])
    """

    def __init__(self, n_features, n_outputs, hidden_units=(50,), activation="relu", bias=True,
                 prior_mean=None, prior_precision=None, init_mean="prior", init_std=1e-2):
        super().__init__()
        template = MLPModule(n_features, n_outputs, hidden_units, activation=activation, bias=bias)
        self.sizes, self.bias, linears = mlp_structure(template)
        self._f = _FunctionalMLP(template)
        default = self._f.index.flat(template).float()
        P = default.numel()
        m = torch.zeros(P) if prior_mean is None else torch.as_tensor(prior_mean, dtype=torch.float32)
        Lam = torch.eye(P) if prior_precision is None else torch.as_tensor(
            prior_precision, dtype=torch.float32)
        if m.shape != (P,) or Lam.shape != (P, P):
            raise ValueError(
                f"prior_mean/prior_precision must have shapes ({P},) and ({P}, {P}) for the "
                f"student {self.sizes}, got {tuple(m.shape)} and {tuple(Lam.shape)}."
            )
        self.register_buffer("prior_mean", m)
        self.register_buffer("prior_precision", Lam)
        logdet = torch.linalg.slogdet(Lam.double())[1].float()
        self.register_buffer("prior_logdet_precision", logdet)
        if init_mean not in ("prior", "default"):
            raise ValueError(f"init_mean must be 'prior' or 'default', got {init_mean!r}.")
        use_prior = init_mean == "prior" and prior_mean is not None
        self.mu = nn.Parameter((m if use_prior else default).clone())
        rho0 = math.log(math.expm1(init_std))
        self.rho = nn.Parameter(torch.full((P,), rho0))

    @property
    def std(self):
        return F.softplus(self.rho)

    def forward(self, X):
        if self.training:
            w = self.mu + self.std * torch.randn_like(self.mu)
        else:
            w = self.mu
        return self._f(w, X)

    def kl(self):
        """KL(q || p) for q = N(mu, diag(std^2)) and the prior."""
        var = self.std**2
        d = self.prior_mean - self.mu
        Lam = self.prior_precision
        return 0.5 * (
            (torch.diagonal(Lam) * var).sum() + d @ (Lam @ d) - d.numel()
            - self.prior_logdet_precision - torch.log(var).sum()
        )


class _VariationalNetClassifier(NeuralNetClassifier):
    kl_scale = 1.0

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=y_pred.device)  # as skorch's own get_loss does
        nll = F.cross_entropy(y_pred, y_true.long())
        return nll + self.kl_scale * self.module_.kl()


#: the student's settings that are fixed class attributes, not parameters
_FIXED_SETTINGS = ("activation", "dropout", "early_stopping", "validation_fraction",
                   "n_iter_no_change", "tol")


class BayesianDistillationClassifier(MLPClassifier):
    """Student MLP trained by variational inference with the teacher's posterior as prior.

    ``fit`` computes the teacher's Laplace posterior on the training data
    (:func:`laplace_posterior`), aligns it to the student's structure by
    Gaussian conditioning and marginalisation
    (:func:`~skcomplexity.distillation.align_posterior`; ReLU, being
    idempotent, makes layer removal exact), and trains a mean-field Gaussian
    student (:class:`MeanFieldMLP`) on ``CE + kl_weight * KL(q || p) / n``.
    ``prior="standard"`` uses ``N(0, I)`` instead (the no-teacher baseline).

    Parameters
    ----------
    teacher : fitted plain-MLP classifier (skcomplexity.neural.MLPClassifier, skorch net)
        Ignored with ``prior="standard"``. Unfitted together with ``refit_teacher=True``.
    prior : {"teacher", "standard"}, default="teacher"
    refit_teacher : bool, default=False
        Fit a clone of ``teacher`` on the training data inside ``fit``
        (``teacher_`` holds it; a ``random_state=None`` teacher gets the
        student's seed). Needed inside cross-validation, where ``clone``
        hands the student an unfitted teacher.
    laplace_precision : float > 0, default=1.0
        tau of the teacher's Laplace approximation.
    prior_scale : float > 0, default=1.0
        Multiplies the aligned prior covariance (values > 1 loosen it).
    kl_weight : float >= 0, default=1.0
    init_mean : {"prior", "default"}, default="prior"
    init_std : float > 0, default=1e-2
    hidden_units : tuple of int, default=(50,)
        Student structure; activation is ReLU (layer removal needs an
        idempotent activation).
    lr, max_epochs, batch_size, weight_decay, optimizer, bias, callbacks,
    device, random_state, verbose
        As in :class:`skcomplexity.neural.MLPClassifier`.

    Attributes
    ----------
    prior_mean_, prior_cov_ : ndarray
        The student's prior (the aligned teacher posterior).
    alignment_ : list
        The alignment steps used.
    teacher_ : estimator or None
        The teacher used (``teacher`` itself or the clone fitted in ``fit``;
        None with ``prior="standard"``).
    classes_, net_, module_, n_iter_
        As in :class:`skcomplexity.neural.MLPClassifier`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.distillation import BayesianDistillationClassifier
    >>> X, y = make_classification(n_samples=200, n_features=4, n_informative=3,
    ...                            n_redundant=0, random_state=0)
    >>> teacher = MLPClassifier(hidden_units=(8, 6), max_epochs=20, lr=1e-2,
    ...                         random_state=0).fit(X, y)
    >>> student = BayesianDistillationClassifier(teacher, hidden_units=(5,), max_epochs=5,
    ...                                          random_state=0).fit(X, y)
    >>> student.alignment_[-1]
    ('layer', 2)
    """

    # Fixed settings of the student (not parameters): ReLU (layer removal needs an idempotent
    # activation), no dropout (the mean-field posterior is the noise), no early stopping.
    activation = "relu"
    dropout = 0.0
    early_stopping = False
    validation_fraction = 0.1
    n_iter_no_change = 5
    tol = 1e-4

    _parameter_constraints = {
        **{k: v for k, v in MLPClassifier._parameter_constraints.items()
           if k not in _FIXED_SETTINGS},
        "teacher": "no_validation",  # an estimator, skorch net or module: checked in fit
        "prior": [StrOptions({"teacher", "standard"})],
        "refit_teacher": ["boolean"],
        "laplace_precision": [Interval(Real, 0, None, closed="neither")],
        "prior_scale": [Interval(Real, 0, None, closed="neither")],
        "kl_weight": [Interval(Real, 0, None, closed="left")],
        "init_mean": [StrOptions({"prior", "default"})],
        "init_std": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, teacher=None, *, prior="teacher", refit_teacher=False,
                 laplace_precision=1.0, prior_scale=1.0, kl_weight=1.0, init_mean="prior",
                 init_std=1e-2, hidden_units=(50,), lr=1e-3, max_epochs=10, batch_size=64,
                 weight_decay=0.0, optimizer="adam", bias=True, callbacks=None, device="auto",
                 random_state=None, verbose=0):
        self.teacher = teacher
        self.prior = prior
        self.refit_teacher = refit_teacher
        self.laplace_precision = laplace_precision
        self.prior_scale = prior_scale
        self.kl_weight = kl_weight
        self.init_mean = init_mean
        self.init_std = init_std
        self.hidden_units = hidden_units
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.bias = bias
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _net_class(self):
        return _VariationalNetClassifier

    def _build_module_kwargs(self, n_features, n_outputs):
        _, kwargs = super()._build_module_kwargs(n_features, n_outputs)
        kwargs.pop("dropout")
        kwargs.update(prior_mean=self._prior_mean, prior_precision=self._prior_precision,
                      init_mean=self.init_mean, init_std=float(self.init_std))
        return MeanFieldMLP, kwargs

    def fit(self, X, y):
        """Compute the prior from the teacher and train the variational student.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        return super().fit(X, y)

    def _fit_net(self, X, y, y_t, *, seed, seeded, **fit_params):
        """The teacher's aligned Laplace posterior as the prior, then variational training."""
        _, module_kwargs = MLPClassifier._build_module_kwargs(self, X.shape[1], self.n_outputs_)
        student_sizes = (X.shape[1], *module_kwargs["hidden_units"], self.n_outputs_)
        with seeded.fork():  # a refitted teacher's draws leave the student's stream alone
            self._set_prior(X, y, y_t, seed, student_sizes)
        try:
            self.net_ = self._make_net(X.shape[1], self.n_outputs_, seed, seeded.device)
            self.net_.kl_scale = float(self.kl_weight) / X.shape[0]
            self.net_.fit(X, y_t, **fit_params)
        finally:
            del self._prior_mean, self._prior_precision

    def _set_prior(self, X, y, y_t, seed, student_sizes):
        if self.prior == "teacher":
            if self.teacher is None:
                raise ValueError("prior='teacher' needs a fitted MLP teacher, got teacher=None.")
            teacher = _teacher_for_fit(self.teacher, self.refit_teacher, X, y, seed)
            t_classes = getattr(teacher, "classes_", None)
            if t_classes is not None and (
                len(t_classes) != len(self.classes_) or np.any(np.asarray(t_classes) != self.classes_)
            ):
                raise ValueError(
                    f"The teacher's classes_ {list(t_classes)} differ from the classes in y "
                    f"{list(self.classes_)}."
                )
            m, S, t_sizes, t_bias = laplace_posterior(
                teacher, X, y_t, prior_precision=self.laplace_precision
            )
            if t_bias != self.bias:
                raise ValueError(f"teacher bias={t_bias} but the student has bias={self.bias}.")
            mv, Sv, self.alignment_ = align_posterior(m, S, t_sizes, student_sizes, bias=t_bias)
            Sv = Sv * float(self.prior_scale)
            self.prior_mean_, self.prior_cov_ = mv, Sv
            Sv = Sv + 1e-8 * np.mean(np.diag(Sv)) * np.eye(len(mv))
            self._prior_mean, self._prior_precision = mv, np.linalg.inv(Sv)
        else:
            self.alignment_ = []
            self._prior_mean = self._prior_precision = None
            self.prior_mean_ = None
            self.prior_cov_ = None
            teacher = None
        self.teacher_ = teacher

