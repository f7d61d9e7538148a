"""Layers: Linear, then the activations (ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Softmax,
LogSoftmax), then Dropout, Flatten and Identity. Each forward calls nn.functional."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """An affine map y = x Wᵀ + b, with PyTorch's layout and default initialization.

    W has shape (out_features, in_features) and is drawn from U(-1/√in, 1/√in) (PyTorch's
    kaiming_uniform_ with a = √5), b from the same range, using the shared generator.

    Args:
        in_features: the size of the last input dimension.
        out_features: the size of the last output dimension.
        bias: whether to add a learned bias.
        dtype: the parameters' dtype (float32 by default).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> fc = nn.Linear(784, 128)
        >>> fc
        Linear(in_features=784, out_features=128, bias=True)
        >>> fc.weight.shape, fc(tnp.ones(32, 784)).shape
        ((128, 784), (32, 128))
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the weight and bias again, as PyTorch's Linear initializes them."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """x @ weightᵀ + bias for x of shape (..., in_features)."""
        p = self._parameters  # what self.weight reads, without the __getattr__ detour
        if "weight" in p and "bias" in p:
            return F.linear(x, p["weight"], p["bias"])
        # a weight or bias replaced by a plain tensor (del lin.weight; lin.weight = w, as
        # fast-weight methods do): an attribute now
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """max(x, 0) elementwise.

    Args:
        inplace: accepted for code written for PyTorch; the result is always a new tensor
            (the input is left as it is), with the same values and gradients.
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.LeakyReLU(0.1)(tnp.tensor([-10.0, 10.0]))
        tensor([-1., 10.])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace  # accepted as ReLU's is: the result is a new tensor

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e^-x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x) elementwise."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class GELU(Module):
    """x Φ(x), exact ('none', with erf) or with the tanh approximation ('tanh').

    Example:
        >>> from tinygrad_np import nn
        >>> nn.GELU(approximate="tanh")
        GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """exp(x) / Σ exp(x) along dim, stable for logits of any size. Without dim: the last of
    a 1-D or 2-D input, as in PyTorch; other inputs need one (see functional.softmax)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """x - logsumexp(x) along dim, stable for logits of any size. Without dim: the last of
    a 1-D or 2-D input, as in PyTorch; other inputs need one."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Dropout(Module):
    """Inverted dropout while training (zero with probability p, scale the rest by
    1 / (1 - p)); the identity after eval().

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> drop = nn.Dropout(p=0.2).eval()
        >>> drop(tnp.ones(3))
        tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = p
        self.inplace = inplace  # accepted as ReLU's is: the result is a new tensor

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Merge dimensions start_dim..end_dim (by default all but the batch dimension).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.Flatten()(tnp.zeros(32, 1, 28, 28)).shape
        (32, 784)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for a removed layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x
