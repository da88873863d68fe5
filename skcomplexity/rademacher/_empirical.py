"""Direct estimators of the empirical Rademacher complexity (Def. 8): R1, R2, R3.

.. math:: \\hat{\\mathfrak R}_D(\\mathcal F)=\\mathbb E_\\sigma\\Big[\\sup_{f\\in\\mathcal F}
          \\frac1m\\sum_{i=1}^m\\sigma_i f(x_i)\\Big]

The expectation over the sign vector :math:`\\sigma` is computed exactly (R1,
small ``m``) or by Monte Carlo in chunks of sign draws; the supremum is exact
(a max over a finite class, or the Cauchy–Schwarz closed form of the linear
class).
"""

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils.validation import check_array

from .._parallel import root_seed_sequence
from .._validation import check_positive

__all__ = [
    "RademacherEstimate",
    "finite_class_rademacher",
    "linear_rademacher",
    "linear_head_rademacher",
    "extract_features",
]

#: memory (bytes) one chunk of sign draws may use when ``chunk_size`` is None
_CHUNK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class RademacherEstimate:
    """Result of an empirical Rademacher complexity estimator.

    ``float(result)`` is the estimate.

    Attributes
    ----------
    complexity : float
        The estimate of :math:`\\hat{\\mathfrak R}_D`.
    std_error : float
        Monte Carlo standard error ``sd(v) / sqrt(n_draws)``; 0 for exact enumeration.
    n_draws : int
        Number of sign vectors averaged (``2**m`` when exact).
    exact : bool
        Whether all sign vectors were enumerated.
    n_samples : int
        ``m``, the number of points.
    bounds : dict
        Analytic upper bounds that apply to this class, by name.
    values : ndarray or None
        Per-draw suprema ``v_k`` when ``return_values=True``.

    Examples
    --------
    >>> from skcomplexity.rademacher import linear_rademacher
    >>> res = linear_rademacher([[1.0, 0.0], [0.0, 1.0]], exact=True)
    >>> res.n_draws, res.exact, round(float(res), 4)  # E||s1 e1 + s2 e2|| / 2
    (4, True, 0.7071)
    """

    complexity: float
    std_error: float
    n_draws: int
    exact: bool
    n_samples: int
    bounds: dict = field(default_factory=dict)
    values: np.ndarray | None = field(default=None, repr=False, compare=False)

    def __float__(self):
        return float(self.complexity)


# --------------------------------------------------------------------------- sign vectors
def _check_signs(signs, m):
    signs = check_array(signs, dtype=None, ensure_2d=False, input_name="signs")
    if signs.ndim == 1:
        signs = signs[None, :]
    if signs.ndim != 2 or signs.shape[1] != m:
        raise ValueError(
            f"signs must have shape (n_draws, {m}) to match the {m} points, got {signs.shape}."
        )
    if not np.isin(signs, (-1, 1)).all():
        bad = np.unique(signs[~np.isin(signs, (-1, 1))])[:5]
        raise ValueError(
            f"signs must contain only -1 and +1 (Rademacher variables); found values {bad.tolist()}."
        )
    return signs.astype(np.float64)


def _n_bytes(m):
    # a multiple of 4 bytes per draw keeps the generator's uint32 stream aligned,
    # so the draws do not depend on the chunk size
    return 4 * ((m + 31) // 32)


def _draw_signs(rng, n, m, dtype=np.float64):
    """``n`` i.i.d. uniform sign vectors of length ``m`` (rows), from raw random bits."""
    nb = _n_bytes(m)
    raw = np.frombuffer(rng.bytes(n * nb), dtype=np.uint8).reshape(n, nb)
    bits = np.unpackbits(raw, axis=1, count=m)
    return (1 - 2 * bits.astype(dtype)).astype(dtype, copy=False)


def _all_signs(m, start, stop, dtype=np.float64):
    """Sign vectors number ``start..stop-1`` of the ``2**m`` enumeration (bit k of the index)."""
    idx = np.arange(start, stop, dtype=np.int64)[:, None]
    bits = (idx >> np.arange(m, dtype=np.int64)[None, :]) & 1
    return (1 - 2 * bits).astype(dtype)


def _chunk(chunk_size, m, width):
    if chunk_size is None:
        return max(1, _CHUNK_BYTES // (8 * max(m, width, 1)))
    return check_positive(chunk_size, "chunk_size", integer=True)


def _resolve_exact(exact, m, exact_max_m):
    exact_max_m = check_positive(exact_max_m, "exact_max_m", integer=True)
    if exact == "auto":
        return m <= exact_max_m
    if exact is True:
        if m > 24:
            raise ValueError(
                f"exact=True enumerates 2**m sign vectors; m={m} is too large (at most 24). "
                "Use exact=False (Monte Carlo) or exact='auto'."
            )
        return True
    if exact is False:
        return False
    raise ValueError(f"exact must be True, False or 'auto', got {exact!r}.")


def _reduce(values, m, exact, bounds, return_values):
    values = np.asarray(values, dtype=np.float64)
    k = values.size
    mean = float(values.mean())
    se = 0.0 if exact or k < 2 else float(values.std(ddof=1) / math.sqrt(k))
    return RademacherEstimate(
        complexity=mean,
        std_error=se,
        n_draws=int(k),
        exact=bool(exact),
        n_samples=int(m),
        bounds=bounds,
        values=values if return_values else None,
    )


def _sign_sweep(sup_of_chunk, m, width, *, exact, n_draws, chunk_size, random_state, signs):
    """Apply ``sup_of_chunk(S) -> (k,)`` over chunks of sign vectors; return per-draw sups."""
    chunk = _chunk(chunk_size, m, width)
    out = []
    if signs is not None:
        S = _check_signs(signs, m)
        for a in range(0, S.shape[0], chunk):
            out.append(sup_of_chunk(S[a : a + chunk]))
        return np.concatenate(out), False
    if exact:
        total = 2**m
        for a in range(0, total, chunk):
            out.append(sup_of_chunk(_all_signs(m, a, min(total, a + chunk))))
        return np.concatenate(out), True
    n_draws = check_positive(n_draws, "n_draws", integer=True)
    rng = np.random.default_rng(root_seed_sequence(random_state))
    for a in range(0, n_draws, chunk):
        out.append(sup_of_chunk(_draw_signs(rng, min(chunk, n_draws - a), m)))
    return np.concatenate(out), False


# --------------------------------------------------------------------------- R1
def finite_class_rademacher(
    predictions,
    *,
    exact="auto",
    exact_max_m=16,
    n_draws=1000,
    chunk_size=None,
    signs=None,
    random_state=None,
    return_values=False,
):
    """R1: empirical Rademacher complexity of a finite class given by its predictions.

    Row ``j`` of ``predictions`` holds :math:`(f_j(x_1),\\dots,f_j(x_m))`; the
    supremum over the class is a max over rows:
    :math:`v(\\sigma)=\\max_j\\frac1m\\sum_i\\sigma_iP_{ji}`. The expectation over
    :math:`\\sigma` is exact (all :math:`2^m` vectors) for small ``m``, else Monte
    Carlo with a standard error.

    Parameters
    ----------
    predictions : array-like of shape (n_hypotheses, n_samples)
        The prediction matrix :math:`P` (finite real values). At least one
        hypothesis and one point.
    exact : {"auto", True, False}, default="auto"
        Enumerate every sign vector; ``"auto"`` does so when
        ``n_samples <= exact_max_m``.
    exact_max_m : int, default=16
        Largest ``m`` enumerated by ``exact="auto"``.
    n_draws : int, default=1000
        Monte Carlo sign draws when not exact.
    chunk_size : int, optional
        Sign vectors per batch (default: about 64 MiB of work per batch).
    signs : array-like of shape (n_draws, n_samples), optional
        Use these sign vectors (entries in {-1, +1}) instead of drawing them,
        e.g. to share draws between classes (common random numbers).
    random_state : int, RandomState instance or None, default=None
        Seeds the sign draws.
    return_values : bool, default=False
        Keep the per-draw suprema in ``result.values``.

    Returns
    -------
    result : RademacherEstimate
        ``result.bounds["massart"]`` is Massart's finite-class bound
        :math:`\\max_j\\|P_j\\|_2\\sqrt{2\\log N}/m` (``N`` distinct rows), which is
        the text's :math:`\\sqrt{2\\log\\Pi/m}` (L408) for :math:`\\pm1` rows.

    Examples
    --------
    >>> import itertools, numpy as np
    >>> from skcomplexity.rademacher import finite_class_rademacher
    >>> P = np.array(list(itertools.product([-1, 1], repeat=3)))  # all 2**3 labellings
    >>> finite_class_rademacher(P).complexity
    1.0
    >>> finite_class_rademacher(P[:1]).complexity  # a single hypothesis
    0.0
    """
    P = check_array(
        predictions, dtype=np.float64, input_name="predictions",
        ensure_min_samples=0, ensure_min_features=0,
    )
    n_hyp, m = P.shape
    if n_hyp == 0 or m == 0:
        raise ValueError(
            f"predictions must hold at least one hypothesis and one point; got shape {P.shape}."
        )
    is_exact = False if signs is not None else _resolve_exact(exact, m, exact_max_m)
    PT = P.T.copy()

    def sup(S):
        return (S @ PT).max(axis=1) / m

    values, is_exact = _sign_sweep(
        sup, m, n_hyp, exact=is_exact, n_draws=n_draws, chunk_size=chunk_size,
        random_state=random_state, signs=signs,
    )
    n_distinct = np.unique(P, axis=0).shape[0]
    massart = float(np.linalg.norm(P, axis=1).max() * math.sqrt(2 * math.log(n_distinct)) / m)
    return _reduce(values, m, is_exact, {"massart": massart}, return_values)


# --------------------------------------------------------------------------- R2
def linear_rademacher(
    X,
    *,
    radius=1.0,
    n_draws=1000,
    exact=False,
    exact_max_m=16,
    chunk_size=None,
    signs=None,
    random_state=None,
    return_values=False,
):
    """R2: empirical Rademacher complexity of the linear class in an ℓ2 ball.

    For :math:`\\mathcal F=\\{x\\mapsto\\langle w,x\\rangle:\\|w\\|_2\\le B\\}` the
    supremum has the closed form (Cauchy–Schwarz)
    :math:`\\sup_{\\|w\\|\\le B}\\frac1m\\sum_i\\sigma_i\\langle w,x_i\\rangle
    =\\frac Bm\\|X^\\top\\sigma\\|_2`, so only the expectation over :math:`\\sigma`
    is estimated, batched as one matrix product per chunk of sign draws. No
    intercept: the text's class has no bias term (append a constant column to
    ``X`` to include one).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The sample :math:`D` (finite values).
    radius : float, default=1.0
        :math:`B >= 0`, the ℓ2 radius of the weight ball.
    n_draws : int, default=1000
        Monte Carlo sign draws.
    exact : {False, True, "auto"}, default=False
        Enumerate all :math:`2^m` sign vectors (small ``m`` only).
    exact_max_m : int, default=16
        Largest ``m`` enumerated by ``exact="auto"``.
    chunk_size : int, optional
        Sign draws per matrix product (default: about 64 MiB per chunk).
    signs : array-like of shape (n_draws, n_samples), optional
        Sign vectors to use instead of random draws (entries in {-1, +1}).
    random_state : int, RandomState instance or None, default=None
        Seeds the sign draws.
    return_values : bool, default=False
        Keep the per-draw suprema in ``result.values``.

    Returns
    -------
    result : RademacherEstimate
        ``result.bounds`` holds ``"khintchine"`` :math:`\\frac Bm\\|X\\|_F` (text
        L4764–4772, holds for the expectation) and ``"BR/sqrt(m)"``
        :math:`BR/\\sqrt m` with :math:`R=\\max_i\\|x_i\\|_2` (text L386).

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.rademacher import linear_rademacher
    >>> X = np.random.default_rng(0).normal(size=(200, 5))
    >>> res = linear_rademacher(X, radius=2.0, random_state=0)
    >>> res.complexity <= res.bounds["khintchine"] <= res.bounds["BR/sqrt(m)"]
    True
    >>> linear_rademacher([[3.0, 4.0]], exact=True).complexity  # m = 1: B * ||x||
    5.0
    """
    X = check_array(X, dtype=np.float64, input_name="X", ensure_min_samples=1)
    radius = check_positive(radius, "radius", strict=False)
    m, p = X.shape
    is_exact = False if signs is not None else _resolve_exact(exact, m, exact_max_m)

    def sup(S):
        return np.linalg.norm(S @ X, axis=1) * (radius / m)

    values, is_exact = _sign_sweep(
        sup, m, p, exact=is_exact, n_draws=n_draws, chunk_size=chunk_size,
        random_state=random_state, signs=signs,
    )
    row_norms = np.linalg.norm(X, axis=1)
    bounds = {
        "khintchine": float(radius / m * math.sqrt(float(np.sum(row_norms**2)))),
        "BR/sqrt(m)": float(radius * row_norms.max() / math.sqrt(m)),
    }
    return _reduce(values, m, is_exact, bounds, return_values)


# --------------------------------------------------------------------------- R3
def _mlp_forward(mlp, X):
    from sklearn.neural_network._base import ACTIVATIONS

    act = ACTIVATIONS[mlp.activation]
    h = X
    for W, b in zip(mlp.coefs_[:-1], mlp.intercepts_[:-1], strict=True):
        h = h @ W + b
        act(h)  # scikit-learn's activations work in place
    return h


def _last_linear(module):
    import torch

    last = None
    for sub in module.modules():
        if isinstance(sub, torch.nn.Linear):
            last = sub
    if last is None:
        raise ValueError(
            f"{type(module).__name__} has no torch.nn.Linear layer to use as the linear head."
        )
    return last


def _torch_features(estimator, parts, X):
    """Penultimate features of the torch model ``parts`` (:func:`~skcomplexity.landscape.unwrap`)."""
    import torch

    head = _last_linear(parts.module)
    captured = []
    handle = head.register_forward_pre_hook(lambda mod, args: captured.append(args[0].detach()))
    try:
        if parts.net is not None:
            if hasattr(estimator, "_validate_X"):  # a skcomplexity.neural estimator's own checks
                X = estimator._validate_X(X, reset=False)
            parts.net.forward(X, training=False)
        else:
            module = parts.module
            param = next(module.parameters())
            Xt = torch.as_tensor(check_array(X, dtype=np.float32, allow_nd=True),
                                 dtype=param.dtype, device=param.device)
            was_training = module.training
            module.eval()
            try:
                with torch.no_grad():
                    module(Xt)
            finally:
                module.train(was_training)
    finally:
        handle.remove()
    feats = torch.cat(captured).cpu().double().numpy()
    weight = head.weight.detach().cpu().double().numpy()
    return feats, weight


def extract_features(estimator, X):
    """Features seen by the final linear layer of a fitted estimator, and that layer's weights.

    * a :class:`~sklearn.pipeline.Pipeline`: every step but the last transforms
      ``X``, then the last step is treated as below;
    * a linear model (``coef_``): the features are ``X`` itself;
    * :class:`~sklearn.neural_network.MLPClassifier` / ``MLPRegressor``: the last
      hidden layer's activations;
    * a torch model -- a fitted :mod:`skcomplexity.neural` estimator, a fitted
      skorch net or a ``torch.nn.Module`` (found by
      :func:`skcomplexity.landscape.unwrap`, the package's one adapter): the
      input of the last ``torch.nn.Linear`` module (the penultimate layer),
      captured with a forward pre-hook in eval mode.

    Parameters
    ----------
    estimator : fitted estimator
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    features : ndarray of shape (n_samples, n_hidden)
    head : ndarray of shape (n_outputs, n_hidden)
        Weights of the linear head (one row per output).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcomplexity.rademacher import extract_features
    >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> feats, head = extract_features(LogisticRegression().fit(X, y), X)
    >>> feats.shape, head.shape
    ((40, 3), (1, 3))
    """
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        Xt = estimator[:-1].transform(X)
        return extract_features(estimator[-1], Xt)
    if hasattr(estimator, "coefs_") and hasattr(estimator, "intercepts_"):
        Xv = check_array(X, dtype=np.float64)
        return _mlp_forward(estimator, Xv), np.asarray(estimator.coefs_[-1], dtype=float).T
    if hasattr(estimator, "coef_"):
        Xv = check_array(X, dtype=np.float64)
        coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
        if coef.shape[1] != Xv.shape[1]:
            raise ValueError(
                f"coef_ has {coef.shape[1]} features but X has {Xv.shape[1]}; "
                "pass the data the estimator was fitted on."
            )
        return Xv, coef
    from ..landscape import unwrap

    try:
        parts = unwrap(estimator)  # an unfitted torch model: NotFittedError (a ValueError)
    except (TypeError, ImportError) as exc:  # not a torch model (or torch is not installed)
        raise TypeError(
            f"Cannot find a linear head in {type(estimator).__name__}: expected a fitted linear "
            "model (coef_), a scikit-learn MLP (coefs_), a torch model (skcomplexity.neural "
            "estimator, skorch net or nn.Module) with a torch.nn.Linear output layer, or a "
            "Pipeline ending in one of these. Compute the features yourself and call "
            "linear_rademacher(features, radius=...)."
        ) from exc
    return _torch_features(estimator, parts, X)


def _head_radius(head):
    """ℓ2 norm of the scalar head: ``w`` for one output, ``w1 - w0`` for two, max row norm else."""
    if head.shape[0] == 1:
        return float(np.linalg.norm(head[0]))
    if head.shape[0] == 2:
        return float(np.linalg.norm(head[1] - head[0]))
    return float(np.linalg.norm(head, axis=1).max())


def linear_head_rademacher(estimator, X, *, radius="fitted", **kwargs):
    """R3: Rademacher complexity of a linear head on the fixed features of a fitted model.

    With the encoder frozen at its fitted weights, the class
    :math:`\\{x\\mapsto h^\\top\\phi(x):\\|h\\|_2\\le B_{head}\\}` is the linear class
    of R2 on the features :math:`\\Phi`; the per-draw supremum is
    :math:`\\frac{B_{head}}{n}\\|\\Phi^\\top\\sigma\\|_2` (text L4758). Fixing the
    encoder makes this a *lower* bound on the complexity of the class that also
    trains the encoder.

    Parameters
    ----------
    estimator : fitted estimator
        See :func:`extract_features` for what is supported.
    X : array-like of shape (n_samples, n_features)
        The points (the sample :math:`S`).
    radius : float or "fitted", default="fitted"
        :math:`B_{head}`. ``"fitted"`` uses the norm of the fitted head: ``||w||``
        for one output, ``||w_1 - w_0||`` for two (the logit difference of a
        softmax head), the largest row norm for more.
    **kwargs
        Passed to :func:`linear_rademacher` (``n_draws``, ``random_state``, ...).

    Returns
    -------
    result : RademacherEstimate

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neural_network import MLPClassifier
    >>> from skcomplexity.rademacher import linear_head_rademacher
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 4)); y = (X[:, 0] * X[:, 1] > 0).astype(int)
    >>> mlp = MLPClassifier((8,), solver="lbfgs", max_iter=500, random_state=0).fit(X, y)
    >>> res = linear_head_rademacher(mlp, X, radius=1.0, random_state=0)
    >>> 0 < res.complexity < res.bounds["BR/sqrt(m)"]
    True
    """
    feats, head = extract_features(estimator, X)
    if isinstance(radius, str):
        if radius != "fitted":
            raise ValueError(f"radius must be a non-negative number or 'fitted', got {radius!r}.")
        radius = _head_radius(head)
    return linear_rademacher(feats, radius=radius, **kwargs)
