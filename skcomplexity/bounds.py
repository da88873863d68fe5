"""Classical capacity bounds: VC, PAC, Rademacher, combinatorial, multi-task.

Plain functions, each the formula of the dissertation (``seeds/000``, Chapter 1
§1.1–1.2 and Chapter 6 §6.1) as transcribed in ``spec/ch6_rademacher.md`` §2.
Conventions, all documented per function:

* logarithms are natural unless ``base`` is given (the text never states a base);
* ``C`` is an *unknown universal constant* the text leaves unspecified; it is an
  explicit argument with default ``1.0``;
* the two probability bounds of Vorontsov are reproduced *as stated in the
  dissertation* (their conditions are not stated there) and clipped to [0, 1].
"""

import math
from numbers import Integral, Real

import numpy as np

__all__ = [
    "sauer_bound",
    "growth_function_bound",
    "vc_dimension_linear",
    "vc_generalization_bound",
    "pac_sample_size",
    "rademacher_generalization_bound",
    "linear_rademacher_bound",
    "growth_rademacher_bound",
    "vc_overfitting_probability",
    "rademacher_overfitting_probability",
    "mtl_rademacher_bound",
    "mtl_shared_norm_budget",
    "mtl_complexity_ratio",
    "lora_num_params",
]


# --------------------------------------------------------------------------- checks
def _int(value, name, *, minimum=0):
    if isinstance(value, bool) or not isinstance(value, Integral | np.integer):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}.")
    return value


def _real(value, name, *, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, Real | np.floating | np.integer):
        raise TypeError(f"{name} must be a real number, got {value!r}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}.")
    if low is not None and (value <= low if low_open else value < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}.")
    if high is not None and (value >= high if high_open else value > high):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}.")
    return value


def _log(x, base):
    if base is None:
        return math.log(x)
    base = _real(base, "base", low=0, low_open=True)
    if base == 1:
        raise ValueError("base must be a positive number other than 1, got 1.")
    return math.log(x) / math.log(base)


# --------------------------------------------------------------------------- VC / growth
def sauer_bound(m, d, form="sum"):
    r"""Sauer's lemma: an upper bound on the growth function :math:`\Pi_{\mathfrak F}(m)`.

    For a class of VC dimension :math:`d` (spec §2.1, text L344)

    .. math:: \Pi_{\mathfrak F}(m) \le \sum_{k=0}^{d}\binom{m}{k}
              \le \Big(\frac{e m}{d}\Big)^d \quad (m \ge d).

    Parameters
    ----------
    m : int
        Sample size, ``m >= 0``.
    d : int
        VC dimension, ``d >= 0``.
    form : {"sum", "exp"}, default="sum"
        ``"sum"`` gives the binomial sum, computed exactly with Python integers
        (it equals :math:`2^m` when ``m <= d``); ``"exp"`` gives
        :math:`(em/d)^d`, which the text states only for ``m >= d >= 1``.

    Returns
    -------
    bound : int or float
        An ``int`` for ``form="sum"``, a ``float`` for ``form="exp"``.

    Examples
    --------
    >>> from skcomplexity.bounds import sauer_bound
    >>> sauer_bound(10, 2)
    56
    >>> sauer_bound(3, 5)  # m <= d: every labelling, 2**3
    8
    >>> round(sauer_bound(10, 2, form="exp"), 2)
    184.73
    """
    m = _int(m, "m")
    d = _int(d, "d")
    if form == "sum":
        return sum(math.comb(m, k) for k in range(min(d, m) + 1))
    if form == "exp":
        if d == 0:
            return 1.0
        if m < d:
            raise ValueError(
                f"form='exp' (em/d)^d holds only for m >= d; got m={m}, d={d}. Use form='sum'."
            )
        return float((math.e * m / d) ** d)
    raise ValueError(f"form must be 'sum' or 'exp', got {form!r}.")


def growth_function_bound(m, d):
    r"""Best bound on the growth function from the VC dimension: :math:`\min(2^m, \text{Sauer})`.

    :math:`\Pi_{\mathfrak F}(m) \le 2^m` always (L342) and
    :math:`\Pi_{\mathfrak F}(m)\le\sum_{k\le d}\binom mk` (L344); the Sauer sum
    is never larger than :math:`2^m`, so this is ``sauer_bound(m, d, "sum")``.
    ``d=None`` means an infinite VC dimension, giving :math:`2^m`.

    Parameters
    ----------
    m : int
        Sample size.
    d : int or None
        VC dimension (None for infinite).

    Returns
    -------
    bound : int

    Examples
    --------
    >>> from skcomplexity.bounds import growth_function_bound
    >>> growth_function_bound(4, None), growth_function_bound(4, 1)
    (16, 5)
    """
    m = _int(m, "m")
    if d is None:
        return 2**m
    return sauer_bound(m, d, "sum")


def vc_dimension_linear(n_features):
    r"""VC dimension of affine half-spaces (linear classifiers with bias) in :math:`\mathbb R^d`: :math:`d+1`.

    Text L348, L362.

    Examples
    --------
    >>> from skcomplexity.bounds import vc_dimension_linear
    >>> vc_dimension_linear(2)
    3
    """
    return _int(n_features, "n_features") + 1


def vc_generalization_bound(emp_risk, vc, m, C=1.0, *, base=None):
    r"""VC generalisation bound (text L290).

    .. math:: R(f) \le \hat R_m(f) + C\sqrt{\frac{\mathrm{VC}(\mathfrak F)\log m}{m}}

    Parameters
    ----------
    emp_risk : float
        Empirical risk :math:`\hat R_m(f)`.
    vc : int
        VC dimension.
    m : int
        Sample size, ``m >= 1``.
    C : float, default=1.0
        Unknown universal constant (unspecified in the text).
    base : float, optional
        Logarithm base; natural log by default.

    Returns
    -------
    bound : float

    Examples
    --------
    >>> from skcomplexity.bounds import vc_generalization_bound
    >>> round(vc_generalization_bound(0.1, 10, 1000), 4)
    0.3628
    """
    emp_risk = _real(emp_risk, "emp_risk")
    vc = _int(vc, "vc")
    m = _int(m, "m", minimum=1)
    C = _real(C, "C", low=0, low_open=True)
    return emp_risk + C * math.sqrt(vc * _log(m, base) / m)


def pac_sample_size(eps, delta, vc, setting="agnostic", C=1.0, *, base=None):
    r"""PAC sample complexity: the sample size the text says suffices.

    * ``setting="agnostic"`` (text L304):
      :math:`m \ge C\,\varepsilon^{-2}\big(d\log\frac1\varepsilon + \log\frac1\delta\big)`.
    * ``setting="realizable"`` (text L362, cited to [2, th. 5.1]):
      :math:`m \ge \varepsilon^{-1}\big(4d\log\frac{13}{\varepsilon} + \log\frac2\delta\big)`
      (``C`` is not used). This differs from the usually cited Blumer et al.
      form :math:`\max\{\frac4\varepsilon\log_2\frac2\delta, \frac{8d}\varepsilon\log_2\frac{13}\varepsilon\}`;
      the text's version is implemented.

    Parameters
    ----------
    eps, delta : float
        Accuracy and confidence, both in (0, 1).
    vc : int
        VC dimension :math:`d`.
    setting : {"agnostic", "realizable"}, default="agnostic"
    C : float, default=1.0
        Unknown universal constant of the agnostic bound.
    base : float, optional
        Logarithm base; natural log by default.

    Returns
    -------
    m : int
        The bound rounded up.

    Examples
    --------
    >>> from skcomplexity.bounds import pac_sample_size
    >>> pac_sample_size(0.1, 0.05, 10)
    2603
    >>> pac_sample_size(0.1, 0.05, 10, setting="realizable")
    1984
    """
    eps = _real(eps, "eps", low=0, high=1, low_open=True, high_open=True)
    delta = _real(delta, "delta", low=0, high=1, low_open=True, high_open=True)
    vc = _int(vc, "vc")
    if setting == "agnostic":
        C = _real(C, "C", low=0, low_open=True)
        value = C / eps**2 * (vc * _log(1 / eps, base) + _log(1 / delta, base))
    elif setting == "realizable":
        value = (4 * vc * _log(13 / eps, base) + _log(2 / delta, base)) / eps
    else:
        raise ValueError(f"setting must be 'agnostic' or 'realizable', got {setting!r}.")
    return int(math.ceil(value - 1e-9))


# --------------------------------------------------------------------------- Rademacher
def rademacher_generalization_bound(emp_risk, rad, m, delta):
    r"""Rademacher generalisation bound (text L322–324), with probability :math:`\ge 1-\delta`.

    .. math:: R(f) \le \hat R_m(f) + 2\hat{\mathfrak R}_D(\mathcal F)
              + 3\sqrt{\frac{\log(2/\delta)}{2m}}

    Parameters
    ----------
    emp_risk : float
        Empirical risk.
    rad : float
        Empirical Rademacher complexity :math:`\hat{\mathfrak R}_D` (``>= 0``), e.g.
        from :func:`skcomplexity.rademacher.linear_rademacher`.
    m : int
        Sample size.
    delta : float
        Confidence level in (0, 1).

    Returns
    -------
    bound : float

    Examples
    --------
    >>> from skcomplexity.bounds import rademacher_generalization_bound
    >>> round(rademacher_generalization_bound(0.1, 0.05, 1000, 0.05), 4)
    0.3288
    """
    emp_risk = _real(emp_risk, "emp_risk")
    rad = _real(rad, "rad", low=0)
    m = _int(m, "m", minimum=1)
    delta = _real(delta, "delta", low=0, high=1, low_open=True, high_open=True)
    return emp_risk + 2 * rad + 3 * math.sqrt(math.log(2 / delta) / (2 * m))


def linear_rademacher_bound(B, R, m):
    r"""Rademacher bound of the linear class in an :math:`\ell_2` ball (text L380–386).

    For :math:`\mathcal F=\{x\mapsto\langle w,x\rangle:\|w\|_2\le B\}` and
    :math:`\|x_i\|_2\le R`: :math:`\hat{\mathfrak R}_D(\mathcal F)\le BR/\sqrt m`.

    Examples
    --------
    >>> from skcomplexity.bounds import linear_rademacher_bound
    >>> linear_rademacher_bound(2.0, 3.0, 36)
    1.0
    """
    B = _real(B, "B", low=0)
    R = _real(R, "R", low=0)
    m = _int(m, "m", minimum=1)
    return B * R / math.sqrt(m)


def growth_rademacher_bound(growth, m):
    r"""Massart-type bound through the growth function (text L408).

    .. math:: \hat{\mathfrak R}_D(\mathfrak F)\le\sqrt{\frac{2\log\Pi_{\mathfrak F}(m)}{m}}

    Combine with :func:`sauer_bound` for a VC-only bound.

    Parameters
    ----------
    growth : int or float
        :math:`\Pi_{\mathfrak F}(m)`, ``>= 1``.
    m : int
        Sample size.

    Examples
    --------
    >>> from skcomplexity.bounds import growth_rademacher_bound, sauer_bound
    >>> round(growth_rademacher_bound(sauer_bound(100, 3), 100), 4)
    0.4904
    """
    if isinstance(growth, Integral):
        growth = int(growth)
        if growth < 1:
            raise ValueError(f"growth must be >= 1, got {growth}.")
        log_growth = math.log(growth)  # exact for huge ints
    else:
        growth = _real(growth, "growth", low=1)
        log_growth = math.log(growth)
    m = _int(m, "m", minimum=1)
    return math.sqrt(2 * log_growth / m)


def vc_overfitting_probability(m, eps, growth_2m):
    r"""Vorontsov's VC bound on the overfitting probability, as stated in the text (L398).

    .. math:: \Pr\{R(f)-\hat R_m(f)>\varepsilon\}\le 8\,\Pi_{\mathfrak F}(2m)\,e^{-m\varepsilon^2/32}

    The text quotes it without its conditions (loss range, uniformity over
    :math:`f`); the result is clipped to [0, 1].

    Parameters
    ----------
    m : int
        Sample size.
    eps : float
        Deviation, ``> 0``.
    growth_2m : int or float
        :math:`\Pi_{\mathfrak F}(2m)`, e.g. ``sauer_bound(2 * m, d)``.

    Examples
    --------
    >>> from skcomplexity.bounds import vc_overfitting_probability
    >>> round(vc_overfitting_probability(10000, 0.2, 10), 6)
    0.000298
    """
    m = _int(m, "m", minimum=1)
    eps = _real(eps, "eps", low=0, low_open=True)
    if isinstance(growth_2m, Integral):
        if growth_2m < 1:
            raise ValueError(f"growth_2m must be >= 1, got {growth_2m}.")
        log_g = math.log(int(growth_2m))
    else:
        log_g = math.log(_real(growth_2m, "growth_2m", low=1))
    log_p = math.log(8) + log_g - m * eps**2 / 32
    return float(min(1.0, math.exp(min(log_p, 0.0))))


def rademacher_overfitting_probability(m, eps, rad):
    r"""Vorontsov's Rademacher bound on the overfitting probability, as stated (text L412).

    .. math:: \Pr\{R(f)-\hat R_m(f)>\varepsilon\}\le
              \exp\Big(-\frac{m\varepsilon^2}{8\hat{\mathfrak R}_D^2(\mathfrak F)+2\varepsilon}\Big)

    Clipped to [0, 1] (it is already in (0, 1] for ``eps > 0``).

    Examples
    --------
    >>> from skcomplexity.bounds import rademacher_overfitting_probability
    >>> round(rademacher_overfitting_probability(100, 0.1, 0.05), 6)
    0.010615
    """
    m = _int(m, "m", minimum=1)
    eps = _real(eps, "eps", low=0, low_open=True)
    rad = _real(rad, "rad", low=0)
    return float(min(1.0, math.exp(-m * eps**2 / (8 * rad**2 + 2 * eps))))


# --------------------------------------------------------------------------- multi-task
def mtl_rademacher_bound(B_head, L, R, B, n):
    r"""Theorem 34 (text L4736–4780): per-task bound for a shared encoder with linear heads.

    For :math:`\mathcal F(B)=\{x\mapsto h^\top\phi(x;w):\|h\|_2\le B_{head},\|w\|\le B\}`,
    :math:`\|\phi(x;w)\|_2\le L\|w\|\|x\|_2` and :math:`\|x_i\|_2\le R`:

    .. math:: \widehat{\mathfrak R}_n(\mathcal F(B);S_t)\le\frac{B_{head}\,L\,R\,B}{\sqrt n}

    Single-task learning uses :math:`B=B_{enc}`; multi-task learning with
    :math:`T` tasks uses :math:`B=B_{shared}\le B_{enc}/\sqrt T`
    (:func:`mtl_shared_norm_budget`), hence a :math:`1/\sqrt T` smaller bound.

    Examples
    --------
    >>> from skcomplexity.bounds import mtl_rademacher_bound, mtl_shared_norm_budget
    >>> mtl_rademacher_bound(1.0, 1.0, 2.0, 3.0, 36)
    1.0
    >>> round(mtl_rademacher_bound(1.0, 1.0, 2.0, mtl_shared_norm_budget(3.0, 4), 36), 3)
    0.5
    """
    B_head = _real(B_head, "B_head", low=0)
    L = _real(L, "L", low=0)
    R = _real(R, "R", low=0)
    B = _real(B, "B", low=0)
    n = _int(n, "n", minimum=1)
    return B_head * L * R * B / math.sqrt(n)


def mtl_shared_norm_budget(B_enc, T):
    r"""Multi-task scaling assumption of Theorem 34: :math:`B_{shared}=B_{enc}/\sqrt T`.

    Examples
    --------
    >>> from skcomplexity.bounds import mtl_shared_norm_budget
    >>> mtl_shared_norm_budget(2.0, 4)
    1.0
    """
    B_enc = _real(B_enc, "B_enc", low=0)
    T = _int(T, "T", minimum=1)
    return B_enc / math.sqrt(T)


def mtl_complexity_ratio(T):
    r"""Ratio of the MTL to the STL bound of Theorem 34: :math:`1/\sqrt T`.

    Examples
    --------
    >>> from skcomplexity.bounds import mtl_complexity_ratio
    >>> round(mtl_complexity_ratio(3), 4)
    0.5774
    """
    T = _int(T, "T", minimum=1)
    return 1 / math.sqrt(T)


def lora_num_params(d, k, r):
    r"""Trainable parameters of one LoRA-adapted :math:`d\times k` matrix: :math:`r(d+k)`.

    (Full fine-tuning of the same matrix trains :math:`dk`.) Spec §2.6.

    Examples
    --------
    >>> from skcomplexity.bounds import lora_num_params
    >>> 24 * lora_num_params(768, 768, 8) + 768 * 2 + 2  # DeBERTa-v3-base, q/v, r=8
    296450
    """
    d = _int(d, "d", minimum=1)
    k = _int(k, "k", minimum=1)
    r = _int(r, "r", minimum=1)
    return r * (d + k)
