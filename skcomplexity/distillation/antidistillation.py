"""Anti-distillation (§5.3): grow a large student from a small teacher, and robustness criteria.

The teacher ``g(., u)`` is an MLP trained on the simple task D1 (a subset of
the classes); the student ``f(., w)`` is a wider MLP for the full task D2.
The student starts from ``w = phi(u)``, where ``phi`` is one of

* ``"xavier"``: the text's default rule, every parameter ~ U[-1/sqrt(n), 1/sqrt(n)]
  with ``n`` the layer's fan-in (the teacher is ignored: training from scratch);
* ``"zero_pad"`` / ``"uniform_pad"``: the teacher's blocks copied into the
  first neurons of every layer (``Pr``), the new parameters 0 / uniform;
* ``"net2net"``: Net2WiderNet -- new units copy random existing units and the
  outgoing weights of a replicated unit are divided by its number of copies
  (the function is preserved); new output rows uniform;
* ``"transfer"``: the teacher's body with a new classification layer, body
  frozen for ``freeze_epochs`` epochs (the student then has the teacher's
  hidden widths);
* ``"anti_distillation"``: the solution of problem (5.3)::

      min_w  l1 CE(w; D1) + l2 ||u - Pr[w]||^2 + l3 E_{x' ~ U[x - delta, x + delta]} CE(w; x', y)
             + l4 tr(d^2 CE / dw^2)

  started from the uniform pad (``expand_start``) and solved with Adam on D1; the Hessian trace
  is Hutchinson's estimator with Hessian-vector products (double
  backward). ``lambdas=(1, 0, 1, 0)`` is the text's "With Data Noise"
  baseline and ``(l1, l2, l3, 0)`` its "Anti-Distillation, lambda_4 = 0".

Then the student is trained on D2 with plain cross-entropy. The robustness
criteria the text compares the initialisations by (:func:`fgsm_accuracy`,
:func:`parameter_noise_accuracy`) live in :mod:`._robustness` and are
re-exported here.
"""

from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import Callback

from ..landscape import hutchinson_trace, torch_generator
from ..neural import MLPClassifier
from ._common import check_nonnegative
from ._robustness import fgsm_accuracy, parameter_noise_accuracy
from .bayesian import _teacher_for_fit, mlp_structure

__all__ = [
    "expand_mlp",
    "anti_distillation_expand",
    "hutchinson_trace",
    "AntiDistillationClassifier",
    "fgsm_accuracy",
    "parameter_noise_accuracy",
]

INITS = ("xavier", "zero_pad", "uniform_pad", "net2net", "transfer", "anti_distillation")


def _uniform_like(p, low, high, gen):
    """U[low, high] of ``p``'s shape, drawn on the CPU with ``gen`` and moved to ``p``'s device
    (a CPU generator cannot fill a CUDA tensor; CPU and GPU runs draw the same numbers)."""
    return torch.empty(p.shape, dtype=torch.float32).uniform_(low, high, generator=gen).to(p)


def _uniform_fan_in_(lin, gen):
    bound = 1.0 / np.sqrt(lin.in_features)
    with torch.no_grad():
        lin.weight.copy_(_uniform_like(lin.weight, -bound, bound, gen))
        if lin.bias is not None:
            lin.bias.copy_(_uniform_like(lin.bias, -bound, bound, gen))


def _check_pair(t_lin, s_lin, output_rows):
    if len(t_lin) != len(s_lin):
        raise ValueError(
            f"Teacher and student must have the same number of layers for padding, got "
            f"{len(t_lin)} and {len(s_lin)}."
        )
    if t_lin[0].in_features != s_lin[0].in_features:
        raise ValueError("Teacher and student must share the input dimension.")
    for k, (a, b) in enumerate(zip(t_lin[:-1], s_lin[:-1], strict=True)):
        if b.out_features < a.out_features:
            raise ValueError(
                f"Student layer {k} has {b.out_features} units, fewer than the teacher's "
                f"{a.out_features}; anti-distillation only expands."
            )
    if (t_lin[-1].bias is None) != (s_lin[-1].bias is None):
        raise ValueError("Teacher and student must both have biases or both not.")
    if len(output_rows) != t_lin[-1].out_features or max(output_rows) >= s_lin[-1].out_features:
        raise ValueError("output_rows must map every teacher output to a student output.")


def _projection_index(t_lin, s_lin, output_rows):
    """For each layer: (row index, column index) of the student block matching the teacher (Pr)."""
    out = []
    for k, (a, _) in enumerate(zip(t_lin, s_lin, strict=True)):
        rows = np.asarray(output_rows) if k == len(t_lin) - 1 else np.arange(a.out_features)
        cols = np.arange(a.in_features)
        device = s_lin[k].weight.device
        out.append((torch.as_tensor(rows, device=device), torch.as_tensor(cols, device=device)))
    return out


def expand_mlp(teacher, student, method="zero_pad", *, output_rows=None, random_state=None):
    """Initialise a wider student MLP from a teacher MLP, in place.

    Parameters
    ----------
    teacher : torch.nn.Module, skorch net or fitted skcomplexity.neural estimator
    student : torch.nn.Module
        Plain MLP with the same depth, at least the teacher's widths.
    method : {"xavier", "zero_pad", "uniform_pad", "net2net"}, default="zero_pad"
    output_rows : array-like of int, optional
        Student output index of each teacher output (default ``0..c1-1``).
    random_state : int, RandomState or None

    Returns
    -------
    student : torch.nn.Module

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural import MLPModule
    >>> from skcomplexity.distillation import expand_mlp
    >>> t, s = MLPModule(4, 2, (3,)), MLPModule(4, 5, (6,))
    >>> _ = expand_mlp(t, s, "net2net", random_state=0)
    >>> x = torch.randn(7, 4)
    >>> bool(torch.allclose(t(x), s(x)[:, :2], atol=1e-5))
    True
    """
    if method not in ("xavier", "zero_pad", "uniform_pad", "net2net"):
        raise ValueError(
            f"method must be 'xavier', 'zero_pad', 'uniform_pad' or 'net2net', got {method!r}."
        )
    rs = check_random_state(random_state)
    gen = torch_generator(rs)
    _, _, t_lin = mlp_structure(teacher)
    _, _, s_lin = mlp_structure(student)
    output_rows = np.arange(t_lin[-1].out_features) if output_rows is None else np.asarray(output_rows)
    _check_pair(t_lin, s_lin, output_rows)
    for lin in s_lin:
        _uniform_fan_in_(lin, gen)
    if method == "xavier":
        return student
    if method == "net2net":
        return _net2wider(t_lin, s_lin, output_rows, rs)
    with torch.no_grad():
        for (rows, cols), a, b in zip(_projection_index(t_lin, s_lin, output_rows), t_lin, s_lin,
                                      strict=True):
            if method == "zero_pad":
                b.weight.zero_()
                if b.bias is not None:
                    b.bias.zero_()
            b.weight[rows[:, None], cols[None, :]] = a.weight.detach().to(b.weight)
            if b.bias is not None:
                b.bias[rows] = a.bias.detach().to(b.bias)
    return student


def _net2wider(t_lin, s_lin, output_rows, rs):
    """Net2WiderNet: replicate random units, split their outgoing weights; new output rows stay uniform."""
    # mapping[k][j] = teacher unit copied into student unit j of hidden layer k
    with torch.no_grad():
        prev_map, prev_counts = None, None
        for k, (a, b) in enumerate(zip(t_lin, s_lin, strict=True)):
            last = k == len(t_lin) - 1
            if last:
                W = a.weight.detach().clone()
                if prev_map is not None:
                    W = W[:, prev_map] / prev_counts[prev_map][None, :]
                rows = torch.as_tensor(output_rows, device=b.weight.device)
                b.weight[rows] = W.to(b.weight)
                if b.bias is not None:
                    b.bias[rows] = a.bias.detach().to(b.bias)
                break
            n_t, n_s = a.out_features, b.out_features
            mapping = np.concatenate([np.arange(n_t), rs.randint(0, n_t, size=n_s - n_t)])
            counts = torch.as_tensor(np.bincount(mapping, minlength=n_t), dtype=a.weight.dtype,
                                     device=a.weight.device)
            W = a.weight.detach()[mapping]
            if prev_map is not None:
                W = W[:, prev_map] / prev_counts[prev_map][None, :]
            b.weight.copy_(W.to(b.weight))
            if b.bias is not None:
                b.bias.copy_(a.bias.detach()[mapping].to(b.bias))
            prev_map, prev_counts = torch.as_tensor(mapping, device=a.weight.device), counts
    return s_lin


def anti_distillation_expand(teacher, student, X1, y1, *, lambdas=(1.0, 1.0, 1.0, 1.0),
                             delta=0.1, epochs=5, lr=1e-3, batch_size=128, n_probes=1,
                             noise_init=1e-3, start="uniform_pad", output_rows=None,
                             random_state=None):
    """Solve the expansion problem (5.3) for the student's initial parameters, in place.

    Parameters
    ----------
    teacher : torch.nn.Module, skorch net or fitted skcomplexity.neural estimator
    student : torch.nn.Module
    X1 : array-like of shape (n, d)
        The simple task's inputs.
    y1 : array-like of shape (n,)
        **Student** output indices of the labels.
    lambdas : tuple of 4 floats >= 0, default=(1, 1, 1, 1)
        Weights of CE, the parameter proximity ``||u - Pr[w]||^2``, the
        input-noise CE and the Hessian trace.
    delta : float >= 0, default=0.1
        Half-width of the uniform input noise.
    epochs, lr, batch_size : Adam settings on D1.
    n_probes : int, default=1
        Rademacher probes of Hutchinson's estimator of the Hessian trace (the
        fourth term), drawn afresh for every mini-batch.
    noise_init : float, default=1e-3
        U[-noise_init, noise_init] added to the starting point.
    start : {"uniform_pad", "zero_pad"}, default="uniform_pad"
        Starting point of the optimisation (the text does not give one).
        With ``"zero_pad"`` a new hidden unit has zero incoming *and*
        outgoing weights, so under ReLU both of its gradients are exactly 0
        and only ``noise_init`` can revive it; the uniform pad avoids these
        dead units.
    output_rows : array-like of int, optional
        Student output index of each teacher output.
    random_state : int, RandomState or None

    Returns
    -------
    student : torch.nn.Module

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.neural import MLPModule
    >>> from skcomplexity.distillation import anti_distillation_expand
    >>> X = np.random.default_rng(0).normal(size=(64, 4)); y = (X[:, 0] > 0).astype(int)
    >>> s = anti_distillation_expand(MLPModule(4, 2, (3,)), MLPModule(4, 4, (6,)), X, y,
    ...                              epochs=1, random_state=0)
    >>> type(s).__name__
    'MLPModule'
    """
    lambdas = tuple(check_nonnegative(v, "lambdas") for v in lambdas)
    if len(lambdas) != 4:
        raise ValueError(f"lambdas must hold four weights, got {lambdas!r}.")
    delta = check_nonnegative(delta, "delta")
    rs = check_random_state(random_state)
    gen = torch_generator(rs)
    if start not in ("uniform_pad", "zero_pad"):
        raise ValueError(f"start must be 'uniform_pad' or 'zero_pad', got {start!r}.")
    expand_mlp(teacher, student, start, output_rows=output_rows, random_state=rs)
    _, _, t_lin = mlp_structure(teacher)
    _, _, s_lin = mlp_structure(student)
    output_rows = np.arange(t_lin[-1].out_features) if output_rows is None else np.asarray(output_rows)
    proj = _projection_index(t_lin, s_lin, output_rows)
    with torch.no_grad():
        for lin in s_lin:
            for p in lin.parameters():
                p.add_(_uniform_like(p, -noise_init, noise_init, gen))
    device = s_lin[0].weight.device
    targets = [(a.weight.detach().to(device), None if a.bias is None else a.bias.detach().to(device))
               for a in t_lin]
    X1 = torch.as_tensor(np.asarray(X1, dtype=np.float32), device=device)
    y1 = torch.as_tensor(np.asarray(y1, dtype=np.int64), device=device)
    params = [p for p in student.parameters()]
    opt = torch.optim.Adam(params, lr=lr)
    student.train()
    n = X1.shape[0]
    for _ in range(int(epochs)):
        perm = torch.randperm(n, generator=gen).to(device)
        for start in range(0, n, int(batch_size)):
            idx = perm[start : start + int(batch_size)]
            xb, yb = X1[idx], y1[idx]
            l1 = F.cross_entropy(student(xb), yb)
            loss = lambdas[0] * l1
            if lambdas[1]:
                l2 = 0.0
                for (rows, cols), lin, (tw, tb) in zip(proj, s_lin, targets, strict=True):
                    l2 = l2 + ((lin.weight[rows[:, None], cols[None, :]] - tw) ** 2).sum()
                    if tb is not None:
                        l2 = l2 + ((lin.bias[rows] - tb) ** 2).sum()
                loss = loss + lambdas[1] * l2
            if lambdas[2]:
                noise = (torch.rand(xb.shape, generator=gen).to(device) * 2 - 1) * delta
                loss = loss + lambdas[2] * F.cross_entropy(student(xb + noise), yb)
            if lambdas[3]:
                loss = loss + lambdas[3] * hutchinson_trace(
                    l1, params, n_probes=n_probes, generator=gen)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return student


class _FreezeBody(Callback):
    """Train only the last linear layer for the first ``epochs`` epochs."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_begin(self, net, **kwargs):
        frozen = len(net.history) <= self.epochs
        _, _, linears = mlp_structure(net.module_)
        for lin in linears[:-1]:
            for p in lin.parameters():
                p.requires_grad_(not frozen)


#: the student's settings that are fixed class attributes, not parameters
_FIXED_SETTINGS = ("dropout", "bias", "early_stopping", "validation_fraction",
                   "n_iter_no_change", "tol")


class AntiDistillationClassifier(MLPClassifier):
    """Student MLP for the full task initialised from a teacher trained on a sub-task.

    ``fit(X, y)`` takes the full task D2. The simple task D1 is the rows of
    ``(X, y)`` whose labels are among the teacher's ``classes_`` (the
    dissertation's construction, C1 a subset of C2). The student is
    initialised by ``init`` (see the module docstring) and trained on all of
    ``(X, y)`` with cross-entropy.

    Parameters
    ----------
    teacher : fitted plain-MLP classifier (skcomplexity.neural.MLPClassifier, skorch net)
        Trained on D1; not needed for ``init="xavier"``. Unfitted together with
        ``refit_teacher=True``.
    init : {"xavier", "zero_pad", "uniform_pad", "net2net", "transfer", "anti_distillation"}, default="anti_distillation"
    refit_teacher : bool, default=False
        Fit a clone of ``teacher`` inside ``fit`` on the rows of ``(X, y)``
        whose labels are in ``teacher_classes`` (``teacher_`` holds it; a
        ``random_state=None`` teacher gets the student's seed). Needed inside
        cross-validation, where ``clone`` hands the student an unfitted teacher.
    teacher_classes : array-like or None, default=None
        The classes of the simple task D1 for ``refit_teacher=True`` (None:
        all classes, D1 = D2). Ignored without ``refit_teacher``.
    lambdas : tuple of 4 floats, default=(1.0, 1.0, 1.0, 1.0)
        Weights of (5.3) for ``init="anti_distillation"``.
    delta : float, default=0.1
        Input-noise half-width of the third term.
    expand_epochs : int, default=3
        Adam epochs on D1 for (5.3) (not counted in ``max_epochs``, as in the text).
    expand_lr : float, default=1e-3
    expand_start : {"uniform_pad", "zero_pad"}, default="uniform_pad"
        Starting point for (5.3) (see :func:`anti_distillation_expand`).
    n_probes : int, default=1
        Rademacher probes of Hutchinson's estimator of the Hessian trace in
        (5.3), per mini-batch.
    freeze_epochs : int, default=3
        ``init="transfer"``: epochs with the body frozen.
    hidden_units : tuple of int, default=(256, 128, 64)
        Student widths (ignored by ``init="transfer"``, which keeps the
        teacher's). Must be at least the teacher's, same depth.
    lr, max_epochs, batch_size, weight_decay, optimizer, callbacks, device,
    random_state, verbose
        As in :class:`skcomplexity.neural.MLPClassifier`; the text's
        student: Adam, lr 1e-3, 10 epochs.

    Attributes
    ----------
    classes_, net_, module_, n_iter_
    teacher_rows_ : ndarray of int
        Student output index of each teacher class.
    teacher_ : estimator or None
        The teacher used (``teacher`` itself or the clone fitted in ``fit``;
        None for ``init="xavier"``).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skcomplexity.neural import MLPClassifier
    >>> from skcomplexity.distillation import AntiDistillationClassifier
    >>> X, y = load_digits(return_X_y=True); X = X / 16
    >>> simple = y < 5
    >>> teacher = MLPClassifier(hidden_units=(16,), max_epochs=5, random_state=0).fit(X[simple], y[simple])
    >>> clf = AntiDistillationClassifier(teacher, init="zero_pad", hidden_units=(32,),
    ...                                  max_epochs=2, random_state=0).fit(X, y)
    >>> clf.module_.linear_layers[0].weight.shape
    torch.Size([32, 64])
    """

    # Fixed settings of the student (not parameters): no dropout, no early stopping; the
    # biases follow the teacher (``bias`` is only read for ``init="xavier"``).
    dropout = 0.0
    bias = True
    early_stopping = False
    validation_fraction = 0.1
    n_iter_no_change = 5
    tol = 1e-4

    _parameter_constraints = {
        **{k: v for k, v in MLPClassifier._parameter_constraints.items()
           if k not in _FIXED_SETTINGS},
        "teacher": "no_validation",  # an estimator, skorch net or module: checked in fit
        "init": [StrOptions(set(INITS))],
        "refit_teacher": ["boolean"],
        "teacher_classes": ["array-like", None],
        "lambdas": ["array-like"],
        "delta": [Interval(Real, 0, None, closed="left")],
        "expand_epochs": [Interval(Integral, 1, None, closed="left")],
        "expand_lr": [Interval(Real, 0, None, closed="neither")],
        "expand_start": [StrOptions({"uniform_pad", "zero_pad"})],
        "n_probes": [Interval(Integral, 1, None, closed="left")],
        "freeze_epochs": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, teacher=None, *, init="anti_distillation", refit_teacher=False,
                 teacher_classes=None, lambdas=(1.0, 1.0, 1.0, 1.0), delta=0.1, expand_epochs=3,
                 expand_lr=1e-3, expand_start="uniform_pad", n_probes=1, freeze_epochs=3,
                 hidden_units=(256, 128, 64), activation="relu", lr=1e-3, max_epochs=10,
                 batch_size=64, weight_decay=0.0, optimizer="adam", callbacks=None,
                 device="auto", random_state=None, verbose=0):
        self.teacher = teacher
        self.init = init
        self.refit_teacher = refit_teacher
        self.teacher_classes = teacher_classes
        self.lambdas = lambdas
        self.delta = delta
        self.expand_epochs = expand_epochs
        self.expand_lr = expand_lr
        self.expand_start = expand_start
        self.n_probes = n_probes
        self.freeze_epochs = freeze_epochs
        self.hidden_units = hidden_units
        self.activation = activation
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_module_kwargs(self, n_features, n_outputs):
        module, kwargs = super()._build_module_kwargs(n_features, n_outputs)
        if self.init == "transfer":
            sizes, bias, _ = mlp_structure(self.teacher_)
            kwargs.update(hidden_units=tuple(sizes[1:-1]), bias=bias)
        elif self.init != "xavier":
            _, bias, _ = mlp_structure(self.teacher_)
            kwargs.update(bias=bias)
        return module, kwargs

    def fit(self, X, y):
        """Initialise from the teacher and train on the full task.

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
        """The teacher (refitted on the sub-task if asked), the student's initialisation, training."""
        n_probes = self.n_probes
        with seeded.fork():  # a refitted teacher's draws leave the student's stream alone
            if self.init != "xavier":
                if self.teacher is None:
                    raise ValueError(f"init={self.init!r} needs a fitted MLP teacher, got None.")
                if self.teacher_classes is None or not self.refit_teacher:
                    simple = np.ones(len(y), dtype=bool)
                else:
                    t_cls = np.asarray(self.teacher_classes)
                    missing = np.setdiff1d(t_cls, self.classes_)
                    if t_cls.ndim != 1 or t_cls.size == 0 or missing.size:
                        raise ValueError(
                            "teacher_classes must be None or a non-empty list of classes occurring "
                            f"in y, got {self.teacher_classes!r}."
                        )
                    simple = np.isin(y, t_cls)
                teacher = _teacher_for_fit(self.teacher, self.refit_teacher, X[simple], y[simple],
                                           seed)
                t_classes = np.asarray(getattr(teacher, "classes_", np.arange(
                    mlp_structure(teacher)[0][-1])))
                missing = np.setdiff1d(t_classes, self.classes_)
                if missing.size:
                    raise ValueError(
                        f"The teacher's classes {missing.tolist()} do not occur in y; the teacher's "
                        "task must be a sub-task (a subset of the classes) of the student's."
                    )
                self.teacher_rows_ = np.searchsorted(self.classes_, t_classes)
            else:
                teacher = None
                self.teacher_rows_ = np.array([], dtype=int)
        self.teacher_ = teacher
        self.net_ = self._make_net(X.shape[1], self.n_outputs_, seed, seeded.device)
        if self.init == "transfer":
            self.net_.callbacks = [*(self.net_.callbacks or []),
                                   ("freeze_body", _FreezeBody(self.freeze_epochs))]
        self.net_.initialize()
        self._initialise(self.net_.module_, X, y_t, seed, n_probes)
        self.net_.partial_fit(X, y_t, **fit_params)

    def _initialise(self, module, X, y_t, seed, n_probes):
        rs = np.random.RandomState(seed)
        if self.init == "transfer":
            _, _, t_lin = mlp_structure(self.teacher_)
            _, _, s_lin = mlp_structure(module)
            with torch.no_grad():
                for a, b in zip(t_lin[:-1], s_lin[:-1], strict=True):
                    b.weight.copy_(a.weight)
                    if b.bias is not None:
                        b.bias.copy_(a.bias)
            return
        if self.init in ("xavier", "zero_pad", "uniform_pad", "net2net"):
            teacher = module if self.init == "xavier" else self.teacher_
            rows = None if self.init == "xavier" else self.teacher_rows_
            expand_mlp(teacher, module, self.init, output_rows=rows, random_state=rs)
            return
        simple = np.isin(y_t, self.teacher_rows_)
        anti_distillation_expand(
            self.teacher_, module, X[simple], y_t[simple], lambdas=self.lambdas, delta=self.delta,
            epochs=self.expand_epochs, lr=self.expand_lr, batch_size=self.batch_size,
            n_probes=n_probes, start=self.expand_start,
            output_rows=self.teacher_rows_, random_state=rs,
        )
