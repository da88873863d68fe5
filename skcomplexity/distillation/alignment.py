"""Structure alignment of Gaussian parameter posteriors (slides S-L183-321), numpy only.

A fully connected net with layer sizes ``(n_0, n_1, ..., n_L)`` (``n_0`` the
input) has weight matrices ``W_k`` of shape ``(n_{k+1}, n_k)`` and, with
``bias=True``, biases ``b_k``. Its parameter vector is PyTorch's order::

    vec = [W_0.ravel(), b_0, W_1.ravel(), b_1, ..., W_{L-1}.ravel(), b_{L-1}]

(``torch.nn.utils.parameters_to_vector`` of an ``nn.Sequential`` of
``nn.Linear``). Layer indices below are positions in ``layer_sizes``
(0 = input): the slides' phi(2) on ``(10, 6, 7, 10)`` is ``layer=1`` here.

Neuron removal phi(t) (Theorems of S-L215-252)
    Condition the posterior on the *outgoing* weights of neuron ``j`` of
    layer ``t`` being 0 (column ``j`` of ``W_t``): the neuron no longer acts,
    so its *incoming* weights (row ``j`` of ``W_{t-1}``, and its bias) are free
    and are integrated out (marginalised). Gaussian in, Gaussian out::

        mu = m_r + S_r1 S_11^{-1} (0 - m_1),   Xi = S_rr - S_r1 S_11^{-1} S_1r

Layer removal psi(t) (Theorem of S-L254-274)
    Needs ``n_t = n_{t-1}`` and an idempotent activation (ReLU):
    conditioning ``W_{t-1} = I`` (and ``b_{t-1} = 0``) makes
    ``sigma(I sigma(.)) = sigma(.)``, so the layer disappears. The mean uses
    ``(i - m_vbar)`` (the slide's ``(i - vbar)`` is a typo). Removing the
    first hidden layer (``t = 1``) leaves ``sigma`` applied to the raw input,
    which is exact only for non-negative inputs under ReLU.

Sequential conditioning on disjoint sets equals joint conditioning, and
marginalisation commutes with conditioning on the kept variables, so a whole
alignment sequence is applied as one conditioning (:func:`apply_alignment`).
"""

from itertools import combinations

import numpy as np
from scipy.linalg import cho_factor, cho_solve

__all__ = [
    "mlp_parameter_layout",
    "remove_neuron_gaussian",
    "remove_layer_gaussian",
    "alignment_sequence",
    "apply_alignment",
    "align_posterior",
]


def _check_sizes(layer_sizes, name="layer_sizes"):
    try:
        sizes = tuple(int(s) for s in layer_sizes)
    except TypeError as exc:
        raise ValueError(f"{name} must be a sequence of positive ints, got {layer_sizes!r}.") from exc
    if len(sizes) < 2 or any(s < 1 for s in sizes):
        raise ValueError(
            f"{name} must hold at least an input and an output size, all >= 1, got {layer_sizes!r}."
        )
    return sizes


def mlp_parameter_layout(layer_sizes, bias=True):
    """Indices of every weight matrix and bias in the flat parameter vector.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_0, ..., n_L)``.
    bias : bool, default=True

    Returns
    -------
    weights : list of ndarray of int
        ``weights[k]`` has shape ``(n_{k+1}, n_k)``.
    biases : list of ndarray of int or None
    n_params : int

    Examples
    --------
    >>> from skcomplexity.distillation import mlp_parameter_layout
    >>> w, b, n = mlp_parameter_layout((10, 100, 50, 1), bias=False)
    >>> n
    6050
    """
    sizes = _check_sizes(layer_sizes)
    weights, biases, pos = [], [], 0
    for k in range(len(sizes) - 1):
        n_w = sizes[k + 1] * sizes[k]
        weights.append(np.arange(pos, pos + n_w).reshape(sizes[k + 1], sizes[k]))
        pos += n_w
        if bias:
            biases.append(np.arange(pos, pos + sizes[k + 1]))
            pos += sizes[k + 1]
        else:
            biases.append(None)
    return weights, biases, pos


class _Tracker:
    """Tracks which original parameters are conditioned (to which values) or dropped."""

    def __init__(self, layer_sizes, bias):
        self.sizes = list(_check_sizes(layer_sizes))
        self.bias = bias
        self.W, self.b, self.n_params = mlp_parameter_layout(self.sizes, bias)
        self.cond_idx, self.cond_val, self.drop_idx = [], [], []

    def remove_neuron(self, t, j=-1):
        n_layers = len(self.sizes)
        if not 1 <= t <= n_layers - 2:
            raise ValueError(
                f"layer must index a hidden layer (1..{n_layers - 2}) of sizes {tuple(self.sizes)}, "
                f"got {t}."
            )
        n_t = self.sizes[t]
        if n_t <= 1:
            raise ValueError(f"layer {t} has a single neuron; remove the layer instead.")
        if not -n_t <= j < n_t:
            raise ValueError(f"neuron must lie in [-{n_t}, {n_t}), got {j}.")
        j = j % n_t
        out_w = self.W[t][:, j]
        self.cond_idx.append(out_w)
        self.cond_val.append(np.zeros(out_w.size))
        self.drop_idx.append(self.W[t - 1][j, :])
        self.W[t] = np.delete(self.W[t], j, axis=1)
        self.W[t - 1] = np.delete(self.W[t - 1], j, axis=0)
        if self.bias:
            self.drop_idx.append(self.b[t - 1][j : j + 1])
            self.b[t - 1] = np.delete(self.b[t - 1], j)
        self.sizes[t] -= 1

    def remove_layer(self, t):
        n_layers = len(self.sizes)
        if not 1 <= t <= n_layers - 2:
            raise ValueError(
                f"layer must index a hidden layer (1..{n_layers - 2}) of sizes {tuple(self.sizes)}, "
                f"got {t}."
            )
        if self.sizes[t] != self.sizes[t - 1]:
            raise ValueError(
                f"Layer {t} can be removed only when its weight matrix is square "
                f"(n_t = n_(t-1)); sizes are {tuple(self.sizes)}. Remove neurons first."
            )
        w = self.W[t - 1]
        self.cond_idx.append(w.ravel())
        self.cond_val.append(np.eye(w.shape[0]).ravel())
        del self.W[t - 1]
        if self.bias:
            self.cond_idx.append(self.b[t - 1])
            self.cond_val.append(np.zeros(self.b[t - 1].size))
        del self.b[t - 1]
        del self.sizes[t]

    def keep(self):
        parts = []
        for w, b in zip(self.W, self.b, strict=True):
            parts.append(w.ravel())
            if b is not None:
                parts.append(b)
        return np.concatenate(parts)


def _condition(mean, cov, cond_idx, cond_val, keep_idx, jitter):
    if cond_idx.size == 0:
        return mean[keep_idx].copy(), cov[np.ix_(keep_idx, keep_idx)].copy()
    s11 = cov[np.ix_(cond_idx, cond_idx)]
    s11 = s11 + jitter * np.mean(np.diag(s11)) * np.eye(cond_idx.size)
    try:
        factor = cho_factor(s11)
    except np.linalg.LinAlgError as exc:
        raise ValueError(
            "The covariance block of the conditioned parameters is not positive definite; "
            "pass a positive-definite covariance or increase jitter."
        ) from exc
    s_k1 = cov[np.ix_(keep_idx, cond_idx)]
    new_mean = mean[keep_idx] + s_k1 @ cho_solve(factor, cond_val - mean[cond_idx])
    new_cov = cov[np.ix_(keep_idx, keep_idx)] - s_k1 @ cho_solve(factor, s_k1.T)
    return new_mean, 0.5 * (new_cov + new_cov.T)


def _check_gaussian(mean, cov, n_params):
    mean = np.asarray(mean, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    if mean.shape != (n_params,) or cov.shape != (n_params, n_params):
        raise ValueError(
            f"mean and cov must have shapes ({n_params},) and ({n_params}, {n_params}) for this "
            f"layout, got {mean.shape} and {cov.shape}."
        )
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
        raise ValueError("mean and cov must be finite.")
    return mean, cov


def apply_alignment(mean, cov, layer_sizes, sequence, *, bias=True, jitter=1e-10):
    """Apply a sequence of neuron/layer removals to a Gaussian posterior.

    Parameters
    ----------
    mean : ndarray of shape (n_params,)
    cov : ndarray of shape (n_params, n_params)
        Symmetric positive-definite covariance.
    layer_sizes : sequence of int
    sequence : list of ("neuron", t) or ("neuron", t, j) or ("layer", t)
        Steps in order; ``t`` refers to the structure *at that step*;
        ``j`` (default -1, the last neuron) is the neuron removed.
    bias : bool, default=True
    jitter : float, default=1e-10
        Relative ridge added to the conditioned covariance block.

    Returns
    -------
    mean, cov : ndarray
        The aligned Gaussian, in the new structure's parameter order.
    sizes : tuple of int
        The new layer sizes.

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.distillation import apply_alignment, mlp_parameter_layout
    >>> p = mlp_parameter_layout((2, 3, 1), bias=False)[2]
    >>> m, S, sizes = apply_alignment(np.zeros(p), np.eye(p), (2, 3, 1), [("neuron", 1)], bias=False)
    >>> sizes, m.shape
    ((2, 2, 1), (6,))
    """
    tracker = _Tracker(layer_sizes, bias)
    mean, cov = _check_gaussian(mean, cov, tracker.n_params)
    for step in sequence:
        kind, t, *rest = step
        if kind == "neuron":
            tracker.remove_neuron(int(t), int(rest[0]) if rest else -1)
        elif kind == "layer":
            tracker.remove_layer(int(t))
        else:
            raise ValueError(f"Alignment steps are ('neuron', t[, j]) or ('layer', t), got {step!r}.")
    cond_idx = np.concatenate(tracker.cond_idx) if tracker.cond_idx else np.array([], dtype=int)
    cond_val = np.concatenate(tracker.cond_val) if tracker.cond_val else np.array([])
    new_mean, new_cov = _condition(mean, cov, cond_idx, cond_val, tracker.keep(), jitter)
    return new_mean, new_cov, tuple(tracker.sizes)


def remove_neuron_gaussian(mean, cov, layer_sizes, layer, neuron=-1, *, bias=True, jitter=1e-10):
    """Neuron removal phi(t): condition the outgoing weights on 0, marginalise the incoming ones.

    Parameters
    ----------
    mean, cov : ndarray
        Gaussian posterior over the parameter vector of ``layer_sizes``.
    layer_sizes : sequence of int
    layer : int
        Hidden layer ``t`` (1 .. len(layer_sizes) - 2).
    neuron : int, default=-1
        Which neuron (the text does not say; the last by default).
    bias : bool, default=True
    jitter : float, default=1e-10

    Returns
    -------
    mean, cov, sizes

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.distillation import remove_neuron_gaussian
    >>> m, S, sizes = remove_neuron_gaussian(np.zeros(9), np.eye(9), (2, 3, 1), 1, bias=False)
    >>> sizes
    (2, 2, 1)
    """
    return apply_alignment(mean, cov, layer_sizes, [("neuron", layer, neuron)], bias=bias,
                           jitter=jitter)


def remove_layer_gaussian(mean, cov, layer_sizes, layer, *, bias=True, jitter=1e-10):
    """Layer removal psi(t): condition the square ``W_{t-1}`` on the identity (and its bias on 0).

    Parameters
    ----------
    mean, cov : ndarray
    layer_sizes : sequence of int
        ``layer_sizes[layer]`` must equal ``layer_sizes[layer - 1]``.
    layer : int
        Hidden layer ``t`` to remove.
    bias : bool, default=True
    jitter : float, default=1e-10

    Returns
    -------
    mean, cov, sizes

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.distillation import remove_layer_gaussian
    >>> m, S, sizes = remove_layer_gaussian(np.zeros(10), np.eye(10), (2, 2, 2, 1), 2, bias=False)
    >>> sizes, m.shape
    ((2, 2, 1), (6,))
    """
    return apply_alignment(mean, cov, layer_sizes, [("layer", layer)], bias=bias, jitter=jitter)


def alignment_sequence(teacher_sizes, student_sizes):
    """A sequence of neuron and layer removals turning the teacher's structure into the student's.

    The student's hidden layers are matched to an increasing subsequence of
    the teacher's hidden layers (wide enough); every other teacher layer is
    shrunk to the width of the layer before it and then removed. Among the
    feasible matchings the one that avoids removing the first hidden layer
    (which would leave the activation on the raw inputs) and needs the fewest
    steps is chosen. Neuron removals come layer-ascending, as the slides'
    first sequence ``tau_1``. The sequence exists whenever the student is in
    the set ``H_f`` of the slides' existence theorem; it is not unique.

    Parameters
    ----------
    teacher_sizes, student_sizes : sequence of int
        Layer sizes including input and output (these must agree).

    Returns
    -------
    list of tuple
        ``("neuron", t)`` and ``("layer", t)`` steps, ``t`` indexing the
        structure at that step.

    Examples
    --------
    >>> from skcomplexity.distillation import alignment_sequence
    >>> alignment_sequence((10, 6, 7, 10), (10, 4, 6, 10))
    [('neuron', 1), ('neuron', 1), ('neuron', 2)]
    """
    t_sizes = _check_sizes(teacher_sizes, "teacher_sizes")
    s_sizes = _check_sizes(student_sizes, "student_sizes")
    if t_sizes[0] != s_sizes[0] or t_sizes[-1] != s_sizes[-1]:
        raise ValueError(
            f"Teacher {t_sizes} and student {s_sizes} must share input and output sizes."
        )
    h, g, n0 = t_sizes[1:-1], s_sizes[1:-1], t_sizes[0]
    if len(g) > len(h):
        raise ValueError(
            f"The student {s_sizes} is deeper than the teacher {t_sizes}; alignment only removes "
            "neurons and layers."
        )
    best = None
    for kept in combinations(range(len(h)), len(g)):
        if any(h[k] < gj for k, gj in zip(kept, g, strict=True)):
            continue
        removed = [r for r in range(len(h)) if r not in kept]
        cost, ok = sum(h[k] - gj for k, gj in zip(kept, g, strict=True)), True
        for r in removed:
            before = [j for j, k in enumerate(kept) if k < r]
            p = g[before[-1]] if before else n0
            if h[r] < p:
                ok = False
                break
            cost += h[r] - p + 1
        if ok:
            key = (0 in removed, cost)
            if best is None or key < best[0]:
                best = (key, kept, removed)
    if best is None:
        raise ValueError(
            f"No sequence of neuron/layer removals turns the teacher {t_sizes} into the student "
            f"{s_sizes}: the student is not in the set of structures generated by the teacher."
        )
    _, kept, removed = best
    seq = []
    for k, gj in zip(kept, g, strict=True):
        seq += [("neuron", k + 1)] * (h[k] - gj)
    for n_done, r in enumerate(removed):
        before = [j for j, k in enumerate(kept) if k < r]
        p = g[before[-1]] if before else n0
        pos = r + 1 - n_done
        seq += [("neuron", pos)] * (h[r] - p)
        seq.append(("layer", pos))
    return seq


def align_posterior(mean, cov, teacher_sizes, student_sizes, *, bias=True, jitter=1e-10):
    """Teacher's Gaussian posterior aligned to the student's structure (the student's prior).

    Parameters
    ----------
    mean, cov : ndarray
        Teacher posterior over its parameter vector.
    teacher_sizes, student_sizes : sequence of int
    bias : bool, default=True
    jitter : float, default=1e-10

    Returns
    -------
    mean, cov : ndarray
        Gaussian over the student's parameter vector (PyTorch order).
    sequence : list
        The alignment steps used (:func:`alignment_sequence`).

    Examples
    --------
    >>> import numpy as np
    >>> from skcomplexity.distillation import align_posterior, mlp_parameter_layout
    >>> p = mlp_parameter_layout((3, 5, 4, 2))[2]
    >>> m, S, seq = align_posterior(np.zeros(p), np.eye(p), (3, 5, 4, 2), (3, 4, 2))
    >>> m.shape == (mlp_parameter_layout((3, 4, 2))[2],)
    True
    """
    seq = alignment_sequence(teacher_sizes, student_sizes)
    m, S, sizes = apply_alignment(mean, cov, teacher_sizes, seq, bias=bias, jitter=jitter)
    assert sizes == tuple(int(s) for s in student_sizes)
    return m, S, seq
