"""Small shared-encoder multi-task torch model with optional LoRA adapters (§6.1, Theorem 34).

A CPU-sized stand-in for the text's DeBERTa experiment: a stack of linear
layers (the text's Theorem 34 setting: "encoder and head consist of linear
layers"), shared by ``T`` linear heads; head 0 is the target task's scalar
score, the other heads classify auxiliary tasks. With ``lora_rank`` the
encoder's base weights are frozen ("pretrained") and only low-rank adapters
:math:`W + \\frac{\\alpha}{r}AB` train (Table 6.1).

Data layout for skorch: ``X`` is the input matrix; ``y`` has two columns,
``[task_id, label]`` (``label`` is ±1 for the target task, a class index for
the others). The module returns all heads' outputs side by side and
:class:`MultiTaskLoss` picks each row's head.
"""

import math

import torch
from torch import nn

__all__ = ["LoRALinear", "SharedEncoderMultiTask", "MultiTaskLoss", "CorrelationLoss"]


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable low-rank update: :math:`y = xW + \\frac{\\alpha}{r}\\,\\mathrm{dropout}(x)AB`.

    :math:`A\\in\\mathbb R^{d\\times r}` is initialised Kaiming-uniform and
    :math:`B\\in\\mathbb R^{r\\times k}` at zero, so the layer starts equal to
    the base layer. Trainable entries: :math:`r(d+k)`
    (:func:`skcomplexity.bounds.lora_num_params`).

    Parameters
    ----------
    base : nn.Linear
        The pretrained layer; its parameters are frozen.
    r : int
        Rank, ``1 <= r``.
    alpha : float, optional
        Scaling numerator (default ``r``, i.e. scale 1).
    dropout : float, default=0.0
    generator : torch.Generator, optional
        Draws :math:`A`'s initial values (default: torch's global RNG).

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural.multitask import LoRALinear
    >>> layer = LoRALinear(torch.nn.Linear(6, 4), r=2)
    >>> sum(p.numel() for p in layer.parameters() if p.requires_grad)  # r * (d + k)
    20
    >>> x = torch.randn(3, 6)
    >>> torch.allclose(layer(x), layer.base(x))  # B = 0 at start
    True
    """

    def __init__(self, base, r, alpha=None, dropout=0.0, generator=None):
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"base must be a torch.nn.Linear, got {type(base).__name__}.")
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"r (LoRA rank) must be an integer >= 1, got {r!r}.")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        d, k = base.in_features, base.out_features
        self.r = r
        self.scaling = (r if alpha is None else alpha) / r
        like = {"device": base.weight.device, "dtype": base.weight.dtype}
        self.lora_A = nn.Parameter(torch.empty(d, r, **like))
        self.lora_B = nn.Parameter(torch.zeros(r, k, **like))
        nn.init.kaiming_uniform_(self.lora_A.T, a=math.sqrt(5), generator=generator)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, x):
        return self.base(x) + self.scaling * (self.dropout(x) @ self.lora_A @ self.lora_B)


_ACTIVATIONS = {None: nn.Identity, "identity": nn.Identity, "relu": nn.ReLU, "tanh": nn.Tanh}


def _seeded_linear(n_in, n_out, bias, generator):
    """``nn.Linear(n_in, n_out)`` with its default initialisation drawn from ``generator``."""
    lin = nn.utils.skip_init(nn.Linear, n_in, n_out, bias=bias)
    nn.init.kaiming_uniform_(lin.weight, a=math.sqrt(5), generator=generator)
    if bias:
        bound = 1 / math.sqrt(n_in) if n_in > 0 else 0
        nn.init.uniform_(lin.bias, -bound, bound, generator=generator)
    return lin


class SharedEncoderMultiTask(nn.Module):
    """A linear (optionally activated) encoder shared by several linear heads.

    Parameters
    ----------
    n_features : int
        Input dimension.
    hidden_units : tuple of int, default=(16,)
        Widths of the encoder's layers; the last is the feature dimension.
    head_outputs : tuple of int, default=(1,)
        Output size of each head; ``head_outputs[0]`` is the target head and
        should be 1 (a scalar score). ``len(head_outputs)`` is the number of tasks.
    activation : {None, "relu", "tanh"}, default=None
        Between encoder layers and after the last one; None keeps the encoder
        linear as in Theorem 34.
    bias : bool, default=False
        Biases in the encoder and heads (the theorem's classes have none).
    lora_rank : int, optional
        Wrap every encoder layer in :class:`LoRALinear` with this rank; the
        base weights are then frozen.
    lora_alpha : float, optional
        LoRA scaling numerator (default: the rank).
    encoder_seed : int, default=0
        Seeds the encoder's base weights (drawn from a generator of their own,
        without touching torch's global RNG), so every fit starts from the same
        "pretrained" encoder; heads and adapters use torch's global RNG.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural.multitask import SharedEncoderMultiTask
    >>> net = SharedEncoderMultiTask(5, hidden_units=(8,), head_outputs=(1, 3, 4))
    >>> net(torch.randn(2, 5)).shape  # 1 + 3 + 4 outputs
    torch.Size([2, 8])
    """

    def __init__(
        self,
        n_features,
        hidden_units=(16,),
        head_outputs=(1,),
        activation=None,
        bias=False,
        lora_rank=None,
        lora_alpha=None,
        encoder_seed=0,
    ):
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {list(_ACTIVATIONS)}, got {activation!r}.")
        head_outputs = tuple(int(k) for k in head_outputs)
        if not head_outputs or min(head_outputs) < 1:
            raise ValueError(f"head_outputs must be a non-empty tuple of sizes >= 1, got {head_outputs}.")
        # the "pretrained" encoder is drawn from its own generator, touching no global RNG
        gen = torch.Generator().manual_seed(int(encoder_seed))
        layers, width = [], int(n_features)
        for h in hidden_units:
            lin = _seeded_linear(width, int(h), bias, gen)
            if lora_rank is not None:
                lin = LoRALinear(lin, lora_rank, lora_alpha, generator=gen)
            layers += [lin, _ACTIVATIONS[activation]()]
            width = int(h)
        if lora_rank is not None:
            # adapters get their own, fit-dependent initialisation
            for lin in layers[::2]:
                nn.init.kaiming_uniform_(lin.lora_A.T, a=math.sqrt(5))
        self.encoder = nn.Sequential(*layers).to(torch.get_default_device())
        self.heads = nn.ModuleList(nn.Linear(width, k, bias=bias) for k in head_outputs)
        self.head_outputs = head_outputs

    def features(self, x):
        """The shared representation :math:`\\phi(x; w)`."""
        return self.encoder(x)

    def forward(self, x):
        z = self.encoder(x)
        return torch.cat([head(z) for head in self.heads], dim=1)


class CorrelationLoss(nn.Module):
    """Negative correlation with ±1 labels, :math:`-\\frac1n\\sum_i\\sigma_if(x_i)` (Def. 8's objective).

    Well posed only on a bounded class (e.g. with
    :class:`~skcomplexity.neural.callbacks.NormBallProjection`).

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural.multitask import CorrelationLoss
    >>> float(CorrelationLoss()(torch.tensor([[0.5], [-1.0]]), torch.tensor([[1.0], [-1.0]])))
    -0.75
    """

    def forward(self, y_pred, y):
        return -(y_pred.reshape(-1) * y.reshape(-1).to(y_pred.dtype)).mean()


class MultiTaskLoss(nn.Module):
    """The MTL objective :math:`\\frac1T\\sum_t\\frac1{n_t}\\sum_i\\ell_t` (text L4596) over a batch.

    ``y`` has columns ``[task_id, label]``. Task 0 (the target, scalar head)
    uses ``target_loss``; task ``t >= 1`` uses cross-entropy on its head's
    logits. The per-task means are averaged over the tasks present in the batch.

    Parameters
    ----------
    head_outputs : tuple of int
        As in :class:`SharedEncoderMultiTask`.
    target_loss : {"correlation", "logistic", "hinge"}, default="correlation"
        Loss fitting the ±1 target labels on the scalar score ``f``:
        :math:`-\\sigma f`, :math:`\\log(1+e^{-\\sigma f})` or :math:`\\max(0, 1-\\sigma f)`.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural.multitask import MultiTaskLoss
    >>> loss = MultiTaskLoss(head_outputs=(1, 2))
    >>> y_pred = torch.tensor([[0.5, 0.0, 0.0], [9.0, 0.0, 0.0]])
    >>> y = torch.tensor([[0.0, 1.0], [1.0, 1.0]])  # a target row, an auxiliary row
    >>> round(float(loss(y_pred, y)), 4)  # (-0.5 + log 2) / 2
    0.0966
    """

    def __init__(self, head_outputs=(1,), target_loss="correlation"):
        super().__init__()
        if target_loss not in ("correlation", "logistic", "hinge"):
            raise ValueError(
                f"target_loss must be 'correlation', 'logistic' or 'hinge', got {target_loss!r}."
            )
        self.head_outputs = tuple(int(k) for k in head_outputs)
        self.target_loss = target_loss
        offs = [0]
        for k in self.head_outputs:
            offs.append(offs[-1] + k)
        self.offsets = offs

    def forward(self, y_pred, y):
        y = y.reshape(-1, 2)
        task = y[:, 0].long()
        label = y[:, 1]
        losses = []
        rows = task == 0
        if rows.any():
            f = y_pred[rows, 0]
            s = label[rows].to(f.dtype)
            if self.target_loss == "correlation":
                losses.append(-(s * f).mean())
            elif self.target_loss == "logistic":
                losses.append(nn.functional.softplus(-s * f).mean())
            else:
                losses.append(torch.clamp(1 - s * f, min=0).mean())
        for t in range(1, len(self.head_outputs)):
            rows = task == t
            if rows.any():
                logits = y_pred[rows, self.offsets[t] : self.offsets[t + 1]]
                losses.append(nn.functional.cross_entropy(logits, label[rows].long()))
        return torch.stack(losses).mean()
