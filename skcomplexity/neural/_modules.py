"""Plain ``torch.nn`` modules behind the estimators.

They are public so that other parts of the package (pruning, distillation,
Rademacher constraints) and users can reuse them with skorch or plain torch.
Every module maps a float tensor of inputs to *raw outputs* (logits for
classification, predictions for regression); no softmax is applied.
"""

import math

import torch
from torch import nn

__all__ = ["MLPModule", "CNNModule", "TransformerModule", "get_activation"]

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def get_activation(activation):
    """Return a fresh activation module from a name or a module class.

    Parameters
    ----------
    activation : str or type
        One of ``"relu", "tanh", "sigmoid", "gelu", "elu", "leaky_relu",
        "identity"`` or an ``nn.Module`` subclass (instantiated without
        arguments).

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> from skcomplexity.neural import get_activation
    >>> get_activation("tanh")
    Tanh()
    """
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)} or an nn.Module class, "
                f"got {activation!r}."
            )
        return _ACTIVATIONS[activation]()
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation()
    raise ValueError(
        f"activation must be one of {sorted(_ACTIVATIONS)} or an nn.Module class, got {activation!r}."
    )


class MLPModule(nn.Module):
    """Fully connected network: blocks ``Linear -> act [-> dropout]``, then a linear output layer.

    With ``hidden_units=(h,) * L`` this is the network of Theorem 9 with
    ``L + 1`` weight matrices (the experiments' "L hidden layers").

    Parameters
    ----------
    n_features : int
        Input dimension.
    n_outputs : int
        Output dimension (classes or regression targets).
    hidden_units : tuple of int, default=(100,)
        Width of each hidden layer; ``()`` gives a linear model.
    activation : str or type, default="relu"
        Activation after every hidden layer (see :func:`get_activation`).
    dropout : float, default=0.0
        Dropout probability after every hidden activation.
    bias : bool, default=True
        Whether the linear layers have biases (Theorem 9 assumes none).

    Attributes
    ----------
    layers : torch.nn.Sequential
        The whole network.
    linear_layers : list of torch.nn.Linear
        The weight layers in order (handy for norms and pruning).

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural import MLPModule
    >>> net = MLPModule(4, 3, hidden_units=(8, 8))
    >>> net(torch.zeros(5, 4)).shape
    torch.Size([5, 3])
    """

    def __init__(self, n_features, n_outputs, hidden_units=(100,), activation="relu",
                 dropout=0.0, bias=True):
        super().__init__()
        self.n_features = int(n_features)
        self.n_outputs = int(n_outputs)
        self.hidden_units = tuple(int(h) for h in hidden_units)
        layers = []
        width = self.n_features
        for h in self.hidden_units:
            layers.append(nn.Linear(width, h, bias=bias))
            layers.append(get_activation(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, self.n_outputs, bias=bias))
        self.layers = nn.Sequential(*layers)

    @property
    def linear_layers(self):
        return [m for m in self.layers if isinstance(m, nn.Linear)]

    def forward(self, X):
        return self.layers(X)


def _pool(kind, size, dim):
    if kind == "max":
        return (nn.MaxPool1d if dim == 1 else nn.MaxPool2d)(size)
    if kind == "avg":
        return (nn.AvgPool1d if dim == 1 else nn.AvgPool2d)(size)
    raise ValueError(f"pooling must be None, 'max' or 'avg', got {kind!r}.")


class CNNModule(nn.Module):
    """Small 1-D or 2-D convolutional network with a linear head.

    ``Conv -> act`` blocks (stride 1) followed by ``Flatten -> Linear``, the
    family of Theorems 13-17. A pooling layer may replace the activation after
    the convolution at index ``pool_position`` (Theorems 15/16).

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, length)`` for 1-D or ``(channels, height, width)`` for 2-D
        inputs. Inputs of shape ``(n, prod(input_shape))`` are reshaped.
    n_outputs : int
        Output dimension.
    channels : tuple of int, default=(8, 16)
        Output channels of each convolution.
    kernel_size : int, default=3
        Kernel size of every convolution.
    padding : int or "same", default=0
        Padding of every convolution (the bounds assume 0).
    activation : str or type, default="relu"
    pooling : {None, "max", "avg"}, default=None
    pool_position : int, default=0
        Index of the convolution after which pooling replaces the activation.
    pool_size : int, default=2
    dropout : float, default=0.0
        Dropout before the linear head.

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural import CNNModule
    >>> net = CNNModule((1, 8, 8), 10, channels=(4,), kernel_size=3)
    >>> net(torch.zeros(2, 64)).shape
    torch.Size([2, 10])
    """

    def __init__(self, input_shape, n_outputs, channels=(8, 16), kernel_size=3, padding=0,
                 activation="relu", pooling=None, pool_position=0, pool_size=2, dropout=0.0):
        super().__init__()
        self.input_shape = tuple(int(s) for s in input_shape)
        if len(self.input_shape) not in (2, 3):
            raise ValueError(
                "input_shape must be (channels, length) or (channels, height, width), "
                f"got {input_shape!r}."
            )
        dim = len(self.input_shape) - 1
        conv = nn.Conv1d if dim == 1 else nn.Conv2d
        layers = []
        c_in = self.input_shape[0]
        for i, c_out in enumerate(channels):
            layers.append(conv(c_in, int(c_out), kernel_size, stride=1, padding=padding))
            if pooling is not None and i == pool_position:
                layers.append(_pool(pooling, pool_size, dim))
            else:
                layers.append(get_activation(activation))
            c_in = int(c_out)
        self.features = nn.Sequential(*layers)
        with torch.no_grad():
            n_flat = self.features(torch.zeros(1, *self.input_shape)).numel()
        head = [nn.Flatten()]
        if dropout:
            head.append(nn.Dropout(dropout))
        head.append(nn.Linear(n_flat, int(n_outputs)))
        self.head = nn.Sequential(*head)

    def forward(self, X):
        X = X.reshape(X.shape[0], *self.input_shape)
        return self.head(self.features(X))


class _EncoderBlock(nn.Module):
    """Post-norm encoder block (3.10): ``Y = LN(X + MHA(X))``, ``Z = LN(Y + FFN(Y))``."""

    def __init__(self, d_model, n_heads, d_ff, dropout):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}.")
        self.n_heads = n_heads
        self.d_head = d_model // n_heads
        self.W_Q = nn.Linear(d_model, d_model, bias=False)
        self.W_K = nn.Linear(d_model, d_model, bias=False)
        self.W_V = nn.Linear(d_model, d_model, bias=False)
        self.W_O = nn.Linear(d_model, d_model, bias=False)
        self.norm1 = nn.LayerNorm(d_model)
        self.ffn = nn.Sequential(nn.Linear(d_model, d_ff), nn.ReLU(), nn.Linear(d_ff, d_model))
        self.norm2 = nn.LayerNorm(d_model)
        self.drop = nn.Dropout(dropout)

    def forward(self, X):
        n, L, _ = X.shape

        def split(t):
            return t.reshape(n, L, self.n_heads, self.d_head).transpose(1, 2)

        Q, K, V = split(self.W_Q(X)), split(self.W_K(X)), split(self.W_V(X))
        A = torch.softmax(Q @ K.transpose(-1, -2) / math.sqrt(self.d_head), dim=-1)
        F = (A @ V).transpose(1, 2).reshape(n, L, -1)
        Y = self.norm1(X + self.drop(self.W_O(F)))
        return self.norm2(Y + self.drop(self.ffn(Y)))


class TransformerModule(nn.Module):
    """Small transformer-encoder classifier/regressor over a sequence of tokens.

    Tokens (rows of ``X.reshape(n, seq_len, token_dim)``) are embedded
    linearly, a learned positional embedding is added, ``n_blocks`` post-norm
    encoder blocks (the block (3.10) of Section 3.3, with ``n_heads`` heads)
    are applied, the tokens are mean-pooled and a linear head gives the
    outputs.

    Parameters
    ----------
    input_shape : tuple of int
        ``(seq_len, token_dim)``.
    n_outputs : int
    d_model : int, default=16
    n_heads : int, default=1
        Heads of the self-attention (the bounds of Theorem 18 are single-head).
    d_ff : int, default=64
    n_blocks : int, default=1
    dropout : float, default=0.0

    Examples
    --------
    >>> import torch
    >>> from skcomplexity.neural import TransformerModule
    >>> net = TransformerModule((4, 2), 3, d_model=8, d_ff=16)
    >>> net(torch.zeros(5, 8)).shape
    torch.Size([5, 3])
    """

    def __init__(self, input_shape, n_outputs, d_model=16, n_heads=1, d_ff=64, n_blocks=1,
                 dropout=0.0):
        super().__init__()
        self.input_shape = tuple(int(s) for s in input_shape)
        if len(self.input_shape) != 2:
            raise ValueError(f"input_shape must be (seq_len, token_dim), got {input_shape!r}.")
        seq_len, token_dim = self.input_shape
        self.embed = nn.Linear(token_dim, d_model)
        self.pos = nn.Parameter(torch.randn(seq_len, d_model) * 0.02)
        self.blocks = nn.ModuleList(
            [_EncoderBlock(d_model, n_heads, d_ff, dropout) for _ in range(n_blocks)]
        )
        self.head = nn.Linear(d_model, int(n_outputs))

    def forward(self, X):
        X = X.reshape(X.shape[0], *self.input_shape)
        Z = self.embed(X) + self.pos
        for block in self.blocks:
            Z = block(Z)
        return self.head(Z.mean(dim=1))
