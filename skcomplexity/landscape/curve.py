"""The one-object loss change ``|L_{k+1}(θ) − L_k(θ)|`` over random orders (Section 2.3).

``L_k`` is the mean loss of the first ``k`` objects in a random order; the
experiments of the text draw ``n_permutations`` orders of the per-object
losses of one trained model, average ``Δ_k = |L_{k+1} − L_k|`` over them and
smooth the mean with an exponential moving average (EMA),
``s_1 = Δ̄_1, s_k = β s_{k-1} + (1 − β) Δ̄_k``.

All orders are processed together: a matrix of permutations, cumulative sums
along each row, no Python loop over ``k``.
"""

from dataclasses import dataclass, field
from numbers import Real

import numpy as np
from scipy.signal import lfilter
from sklearn.utils._param_validation import Interval, validate_params

from .._decision import sufficient_size
from .._parallel import root_seed_sequence
from ._model import per_object_losses
from ._operator import POSITIVE_INT, RANDOM_STATE

__all__ = ["LandscapeCurve", "loss_difference_curve", "landscape_curve", "ema_smooth"]

#: the EMA weight of the previous value, in [0, 1)
_EMA = [Interval(Real, 0, 1, closed="left")]


@validate_params({"values": ["array-like"], "ema": _EMA}, prefer_skip_nested_validation=True)
def ema_smooth(values, ema):
    """Exponential moving average ``s_1 = x_1``, ``s_k = ema * s_{k-1} + (1 - ema) * x_k``.

    Parameters
    ----------
    values : array-like of shape (n,)
    ema : float in [0, 1)
        Weight of the previous value (0.99 in the FC experiments, 0.995 for CNNs).

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> from skcomplexity.landscape import ema_smooth
    >>> ema_smooth([1.0, 0.0, 0.0], 0.5)
    array([1.  , 0.5 , 0.25])
    """
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return x
    y, _ = lfilter([1.0 - ema], [1.0, -ema], x, zi=[ema * x[0]])
    return y


@dataclass
class LandscapeCurve:
    """The loss-difference curve and its summaries.

    Attributes
    ----------
    sizes : ndarray of int, shape (m - 1,)
        ``k = 1, ..., m - 1``.
    mean : ndarray
        ``Δ̄_k``, the mean of ``|L_{k+1} − L_k|`` over the orders.
    std : ndarray
        Standard deviation of ``Δ_k`` over the orders.
    smoothed : ndarray
        EMA of ``mean``.
    ema : float
    n_permutations : int
    losses : ndarray of shape (m,)
        The per-object losses the curve was built from.
    """

    sizes: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    smoothed: np.ndarray
    ema: float
    n_permutations: int
    losses: np.ndarray = field(repr=False)

    def sufficient_sample_size(self, eps, *, smoothed=True):
        """Rule B: ``min{k : curve_j <= eps for all j >= k}``, or None.

        Parameters
        ----------
        eps : float > 0
            Allowed change of the mean loss per added object.
        smoothed : bool, default=True
            Use the EMA-smoothed curve (as the text's plots) or the raw mean.

        Returns
        -------
        int or None
            None when the last point of the curve exceeds ``eps``.
        """
        if isinstance(eps, bool) or not np.isfinite(eps) or eps <= 0:
            raise ValueError(f"eps must be a finite number > 0, got {eps!r}.")
        curve = self.smoothed if smoothed else self.mean
        return sufficient_size(self.sizes, curve <= eps)

    @property
    def scaled_mean(self):
        """``(k + 1) Δ̄_k``: estimates ``E|l_new − L_k|``, the constant of the 1/k decay."""
        return (self.sizes + 1) * self.mean

    def plot(self, ax=None, *, label=None, smoothed=True, **kwargs):
        """Draw the curve against ``k`` on a log y axis; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        y = self.smoothed if smoothed else self.mean
        ax.plot(self.sizes, y, label=label, **kwargs)
        ax.set_yscale("log")
        ax.set_xlabel("sample size k")
        ax.set_ylabel(r"$|\mathcal{L}_{k+1}(\hat\theta) - \mathcal{L}_k(\hat\theta)|$")
        return ax


@validate_params(
    {
        "losses": ["array-like"],
        "n_permutations": POSITIVE_INT,
        "ema": _EMA,
        "random_state": RANDOM_STATE,
        "max_elements": POSITIVE_INT,
    },
    prefer_skip_nested_validation=True,
)
def loss_difference_curve(losses, *, n_permutations=100, ema=0.99, random_state=None,
                          max_elements=10_000_000):
    """``|L_{k+1} − L_k|`` over random orders of fixed per-object losses.

    Parameters
    ----------
    losses : array-like of shape (m,)
        Per-object losses ``l_i`` of a fitted model (``m >= 2``).
    n_permutations : int, default=100
        Random orders ("repeated 100 times" in the text).
    ema : float in [0, 1), default=0.99
        EMA weight of the previous value (0.99 FC, 0.995 CNN in the text).
    random_state : int, RandomState, SeedSequence or None
    max_elements : int, default=1e7
        Permutations are processed in chunks of at most this many entries.

    Returns
    -------
    LandscapeCurve

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.landscape import loss_difference_curve
    >>> losses = np.random.default_rng(0).exponential(size=500)
    >>> curve = loss_difference_curve(losses, n_permutations=20, random_state=0)
    >>> bool(curve.mean[0] > curve.mean[-1])
    True
    """
    losses = np.asarray(losses, dtype=float).reshape(-1)
    if losses.size < 2:
        raise ValueError(f"losses must hold at least 2 objects, got {losses.size}.")
    if not np.all(np.isfinite(losses)):
        raise ValueError("losses contain NaN or inf.")
    m = losses.size
    rng = np.random.default_rng(root_seed_sequence(random_state))
    k = np.arange(1, m + 1, dtype=float)
    total = np.zeros(m - 1)
    total_sq = np.zeros(m - 1)
    chunk = max(1, int(max_elements // m))
    done = 0
    while done < n_permutations:
        r = min(chunk, n_permutations - done)
        perms = rng.permuted(np.broadcast_to(np.arange(m), (r, m)), axis=1)
        running = np.cumsum(losses[perms], axis=1) / k  # L_k for k = 1..m
        delta = np.abs(np.diff(running, axis=1))  # |L_{k+1} - L_k|, k = 1..m-1
        total += delta.sum(axis=0)
        total_sq += (delta ** 2).sum(axis=0)
        done += r
    mean = total / n_permutations
    var = np.maximum(total_sq / n_permutations - mean ** 2, 0.0)
    std = np.sqrt(var * n_permutations / max(n_permutations - 1, 1))
    return LandscapeCurve(
        sizes=np.arange(1, m), mean=mean, std=std, smoothed=ema_smooth(mean, ema), ema=ema,
        n_permutations=int(n_permutations), losses=losses,
    )


@validate_params(
    {
        # the model and its data are checked where they are read (per_object_losses)
        "model": "no_validation",
        "X": "no_validation",
        "y": "no_validation",
        "loss": [callable, None],
        "n_permutations": POSITIVE_INT,
        "ema": _EMA,
        "radius": [Interval(Real, 0, np.inf, closed="left")],
        "n_directions": POSITIVE_INT,
        "random_state": RANDOM_STATE,
    },
    prefer_skip_nested_validation=True,
)
def landscape_curve(model, X, y, *, loss=None, n_permutations=100, ema=0.99, radius=0.0,
                    n_directions=1, random_state=None):
    """Loss-difference curve of a fitted model on ``(X, y)`` (the experiments of §2.4).

    The curve is evaluated at the fitted parameters ``θ̂``, where the Hessian
    term of the bounds vanishes: it measures the loss values' spread
    (``E|l_new − L_k| / (k + 1)``).

    Parameters
    ----------
    model : fitted estimator or torch model
        See :func:`per_object_losses`.
    X, y : array-like
        Usually the training data.
    loss : callable or None
        Per-object torch loss (``reduction='none'``) for torch models.
    n_permutations : int, default=100
    ema : float, default=0.99
    radius : float >= 0, default=0.0
        Evaluate the losses at ``θ̂ + δ`` with ``‖δ‖₂ = radius`` along random
        Gaussian directions instead of at ``θ̂`` (torch models only), so that
        the Hessian term of (2.5) contributes (spec Q1). 0 is the text's
        setting.
    n_directions : int, default=1
        Random directions averaged when ``radius > 0``.
    random_state : int or None

    Returns
    -------
    LandscapeCurve
        With ``radius > 0``, ``mean``/``std``/``smoothed`` are averaged over
        the directions and ``losses`` has shape ``(n_directions, m)``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skcomplexity.landscape import landscape_curve
    >>> X, y = load_iris(return_X_y=True)
    >>> curve = landscape_curve(LogisticRegression(max_iter=500).fit(X, y), X, y,
    ...                         n_permutations=10, random_state=0)
    >>> curve.sizes.shape
    (149,)
    """
    if radius == 0:
        losses = per_object_losses(model, X, y, loss=loss)
        return loss_difference_curve(
            losses, n_permutations=n_permutations, ema=ema, random_state=random_state
        )
    import torch

    from ._model import as_functional, is_torch_model

    if not is_torch_model(model):
        raise TypeError("radius > 0 needs a torch model (the parameters are perturbed).")
    fm = as_functional(model, X, y, loss=loss)
    root = root_seed_sequence(random_state)
    dir_ss, order_ss = root.spawn(2)
    gen = torch.Generator().manual_seed(int(dir_ss.generate_state(1)[0]))
    curves, all_losses = [], []
    for ss in order_ss.spawn(int(n_directions)):
        delta = torch.randn(fm.n_params, generator=gen, dtype=torch.float64)
        delta = (delta * (radius / delta.norm())).to(fm.theta.dtype).to(fm.device)
        with torch.no_grad():
            li = torch.cat([fm.losses(fm.theta + delta, fm.X[s:s + 4096], fm.y[s:s + 4096])
                            for s in range(0, fm.n_objects, 4096)]).double().cpu().numpy()
        all_losses.append(li)
        curves.append(loss_difference_curve(li, n_permutations=n_permutations, ema=ema,
                                            random_state=ss))
    mean = np.mean([c.mean for c in curves], axis=0)
    return LandscapeCurve(
        sizes=curves[0].sizes, mean=mean, std=np.mean([c.std for c in curves], axis=0),
        smoothed=ema_smooth(mean, ema), ema=ema, n_permutations=int(n_permutations),
        losses=np.asarray(all_losses),
    )
