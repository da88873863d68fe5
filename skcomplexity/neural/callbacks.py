"""skorch callbacks enforcing the conditions of Theorem 34 (Algorithm 1 of the text, L5033–5050).

1. :class:`SpectralNormalization` -- spectral normalisation of the encoder's
   linear layers (Lipschitz features);
2. :class:`InputNormalization` -- inputs rescaled into a ball of radius ``R``;
3. :class:`NormBallProjection` -- after every optimizer step, each parameter
   group ``(w, B)`` is projected onto its ℓ2 ball, :math:`w\\leftarrow
   w\\min(1, B/\\|w\\|_2)`, with :math:`\\|w\\|_2` the norm of the group's
   concatenated parameters.

Only torch and skorch are used here.
"""

import torch
from skorch.callbacks import Callback

__all__ = [
    "NormBallProjection",
    "SpectralNormalization",
    "InputNormalization",
    "normalize_inputs",
    "project_onto_ball",
]


def project_onto_ball(params, radius):
    """Project a group of tensors (in place) onto the ℓ2 ball of ``radius``; return the old norm.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural.callbacks import project_onto_ball
    >>> w = [torch.tensor([3.0, 4.0])]
    >>> project_onto_ball(w, 1.0), w[0].tolist()
    (5.0, [0.6000000238418579, 0.800000011920929])
    """
    return float(_project(params, radius))


def _project(params, radius):
    """The projection on the device, without a host synchronisation; returns the norm tensor."""
    params = list(params)
    with torch.no_grad():
        norm = torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(p.detach()) for p in params]))
        scale = torch.clamp(radius / norm.clamp_min(torch.finfo(norm.dtype).tiny), max=1.0)
        for p in params:
            p.mul_(scale.to(p.dtype))
    return norm


class NormBallProjection(Callback):
    """Project parameter groups onto ℓ2 balls after every optimizer step (Algorithm 1, step 3).

    Parameters
    ----------
    radii : float or dict of {str: float}
        A float puts all trainable parameters of ``net.module_`` in one ball.
        A dict maps a parameter-name prefix (as in ``module_.named_parameters()``,
        e.g. ``"encoder."`` or ``"heads.0."``) to the radius of that group's
        ball; a parameter joins the group of its longest matching prefix, and
        parameters matching no prefix are left alone.

    Notes
    -----
    The projection also runs once when training begins, so the model starts
    inside the constraint set.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetRegressor
    >>> from skcomplexity.neural.callbacks import NormBallProjection
    >>> net = NeuralNetRegressor(torch.nn.Linear, module__in_features=3, module__out_features=1,
    ...                          max_epochs=5, lr=1.0, train_split=None, verbose=0,
    ...                          callbacks=[NormBallProjection(0.5)])
    >>> X = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
    >>> _ = net.fit(X, (X @ [10.0, 0, 0]).astype(np.float32)[:, None])
    >>> norm = sum(float((p ** 2).sum()) for p in net.module_.parameters()) ** 0.5
    >>> norm <= 0.5 + 1e-5
    True
    """

    def __init__(self, radii):
        self.radii = radii

    def initialize(self):
        radii = self.radii if isinstance(self.radii, dict) else {"": self.radii}
        for key, r in radii.items():
            if not isinstance(key, str):
                raise TypeError(f"radii keys must be parameter-name prefixes (str), got {key!r}.")
            if isinstance(r, bool) or not isinstance(r, int | float) or not r >= 0:
                raise ValueError(f"radius for {key!r} must be a number >= 0, got {r!r}.")
        self.radii_ = dict(radii)
        return self

    def _groups(self, net):
        prefixes = sorted(self.radii_, key=len, reverse=True)
        groups = {k: [] for k in self.radii_}
        for name, p in net.module_.named_parameters():
            if not p.requires_grad:
                continue
            for pre in prefixes:
                if name.startswith(pre):
                    groups[pre].append(p)
                    break
        return groups

    def project(self, net):
        """Project every group now; return ``{prefix: norm before projection}``."""
        return {
            pre: project_onto_ball(ps, self.radii_[pre])
            for pre, ps in self._groups(net).items()
            if ps
        }

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.project(net)

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training:  # no .item(): the projection stays on the device
            for pre, ps in self._groups(net).items():
                if ps:
                    _project(ps, self.radii_[pre])


class SpectralNormalization(Callback):
    """Spectral normalisation of linear layers, :math:`W\\leftarrow W/\\|W\\|_2` (Algorithm 1, step 1).

    Uses :func:`torch.nn.utils.parametrizations.spectral_norm` (power
    iteration) on every ``torch.nn.Linear`` of ``net.module_`` whose qualified
    name starts with one of ``prefixes``. Applied when training begins (once
    per module instance); the original weight stays the same parameter, so the
    optimizer keeps working.

    Parameters
    ----------
    prefixes : str or tuple of str, default=""
        Module-name prefixes to normalise (``""``: every linear layer; e.g.
        ``"encoder"`` to leave the heads alone).
    n_power_iterations : int, default=1

    Notes
    -----
    Spectral normalisation fixes :math:`\\|W\\|_2\\approx1`, so a norm ball on
    the *pre-normalised* weights (:class:`NormBallProjection`) no longer
    limits the layer: use one or the other for a given layer.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetRegressor
    >>> from skcomplexity.neural.callbacks import SpectralNormalization
    >>> _ = torch.manual_seed(0)  # the layer's initial weights (and power-iteration vectors)
    >>> net = NeuralNetRegressor(torch.nn.Linear, module__in_features=4, module__out_features=3,
    ...                          max_epochs=3, train_split=None, verbose=0,
    ...                          callbacks=[SpectralNormalization()])
    >>> X = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)
    >>> _ = net.fit(X, 5 * X[:, :3])
    >>> round(float(torch.linalg.matrix_norm(net.module_.weight, ord=2)), 1)
    1.0
    """

    def __init__(self, prefixes="", n_power_iterations=1):
        self.prefixes = prefixes
        self.n_power_iterations = n_power_iterations

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        from torch.nn.utils import parametrize
        from torch.nn.utils.parametrizations import spectral_norm

        prefixes = (self.prefixes,) if isinstance(self.prefixes, str) else tuple(self.prefixes)
        for name, mod in list(net.module_.named_modules()):
            if not isinstance(mod, torch.nn.Linear) or not name.startswith(prefixes):
                continue
            if not mod.weight.requires_grad:
                continue  # frozen (e.g. the base of a LoRA layer)
            if parametrize.is_parametrized(mod, "weight"):
                continue
            spectral_norm(mod, n_power_iterations=self.n_power_iterations)


def normalize_inputs(x, R=1.0):
    """Algorithm 1, step 2: rescale inputs into a ball of radius ``R``.

    * 3-D input ``(batch, tokens, dim)``: every token
      :math:`\\tilde x_i=x_i/\\max(1,\\|x_i\\|_2)`, then every sequence
      :math:`x\\leftarrow\\tilde x\\min(1,R/\\|\\tilde x\\|_F)` (the text's two steps);
    * 2-D input ``(batch, features)``: every row projected onto the ``R``-ball,
      :math:`x\\leftarrow x\\min(1,R/\\|x\\|_2)` (a row is a one-token sequence;
      the per-token unit cap is dropped so that ``R > 1`` keeps its meaning).

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural.callbacks import normalize_inputs
    >>> normalize_inputs(torch.tensor([[3.0, 4.0], [0.3, 0.4]]), R=1.0).tolist()
    [[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]]
    """
    if x.dim() >= 3:
        tok = torch.linalg.vector_norm(x, dim=-1, keepdim=True).clamp(min=1.0)
        x = x / tok
        flat = x.flatten(start_dim=1)
        seq = torch.linalg.vector_norm(flat, dim=1).clamp(min=1e-12)
        scale = torch.clamp(R / seq, max=1.0)
        return x * scale.view(-1, *([1] * (x.dim() - 1)))
    if x.dim() == 2:
        n = torch.linalg.vector_norm(x, dim=1, keepdim=True).clamp(min=1e-12)
        return x * torch.clamp(R / n, max=1.0)
    return x * torch.clamp(R / torch.linalg.vector_norm(x).clamp(min=1e-12), max=1.0)


class _InputNormHook:
    """Picklable forward pre-hook applying :func:`normalize_inputs` to the first input."""

    def __init__(self, R):
        self.R = R

    def __call__(self, module, args):
        if not args or not torch.is_tensor(args[0]):
            return None
        return (normalize_inputs(args[0], self.R), *args[1:])


class InputNormalization(Callback):
    """Rescale the module's inputs into a ball of radius ``R`` (Algorithm 1, step 2).

    Registers a forward pre-hook (see :func:`normalize_inputs`) on
    ``net.module_`` or on its submodule ``module_name`` when training begins;
    the hook stays on the module, so prediction sees the same normalised
    inputs.

    Parameters
    ----------
    R : float, default=1.0
        Radius of the input ball.
    module_name : str, default=""
        Submodule whose input is normalised (e.g. the layer after an embedding);
        ``""`` is the whole module.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetRegressor
    >>> from skcomplexity.neural.callbacks import InputNormalization
    >>> net = NeuralNetRegressor(torch.nn.Linear, module__in_features=2, module__out_features=1,
    ...                          max_epochs=1, train_split=None, verbose=0,
    ...                          callbacks=[InputNormalization(R=1.0)])
    >>> X = np.array([[30.0, 40.0], [0.0, 1.0]], dtype=np.float32)
    >>> _ = net.fit(X, X[:, :1])
    >>> w = net.module_.weight.detach().numpy()[0]; b = float(net.module_.bias.detach()[0])
    >>> bool(np.isclose(net.predict(X[:1])[0, 0], 0.6 * w[0] + 0.8 * w[1] + b, atol=1e-5))
    True
    """

    def __init__(self, R=1.0, module_name=""):
        self.R = R
        self.module_name = module_name

    def initialize(self):
        if isinstance(self.R, bool) or not isinstance(self.R, int | float) or not self.R > 0:
            raise ValueError(f"R must be a number > 0, got {self.R!r}.")
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        mod = net.module_.get_submodule(self.module_name) if self.module_name else net.module_
        for h in mod._forward_pre_hooks.values():
            if isinstance(h, _InputNormHook):
                h.R = self.R
                return
        mod.register_forward_pre_hook(_InputNormHook(self.R))
