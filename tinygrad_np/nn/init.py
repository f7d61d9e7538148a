"""Parameter initialization, as torch.nn.init defines it: gains and fans, then the random
schemes (uniform, normal, Xavier, Kaiming), then constants.

Every function fills the tensor in place under no_grad (keeping its dtype, bumping its
version counter) and returns it; random ones draw from the shared generator, so
tinygrad_np.manual_seed makes them reproducible.
"""

from __future__ import annotations

import math

import numpy as np

from ..function import no_grad
from ..random import generator
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "constant_", "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_",
    "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_",
]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain PyTorch recommends for a nonlinearity: 1 for linear and sigmoid, 5/3 for
    tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope = param, default 0.01),
    3/4 for selu.

    Example:
        >>> from tinygrad_np import nn
        >>> nn.init.calculate_gain("relu") == 2 ** 0.5, nn.init.calculate_gain("tanh")
        (True, 1.6666666666666667)
    """
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fans(tensor: Tensor, op: str) -> tuple[int, int]:
    """(fan_in, fan_out) = (size(1), size(0)) times the receptive field prod(shape[2:])."""
    if tensor.ndim < 2:
        raise ValueError(f"{op}: fan in and fan out cannot be computed for a tensor of shape "
                         f"{tensor.shape} (at least 2 dimensions are needed)")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str, op: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{op}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, op)
    return fan_in if mode == "fan_in" else fan_out


def _random_dtype(tensor: Tensor, op: str) -> type:
    if tensor.dtype.kind != "f":
        raise TypeError(f"{op}: only floating point tensors can be filled with random values, "
                        f"got {tensor.dtype}")
    return np.float64 if tensor.dtype == np.float64 else np.float32


def _fill(tensor: Tensor, values: np.ndarray | float) -> Tensor:
    with no_grad():
        tensor.copy_(values)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples of U(a, b).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> w = nn.init.uniform_(tnp.zeros(1000), -2, 2)
        >>> bool((w.data >= -2).all() and (w.data <= 2).all())
        True
    """
    dtype = _random_dtype(tensor, "uniform_")
    u = generator().random(tensor.shape, dtype=dtype)
    return _fill(tensor, u * dtype(b - a) + dtype(a))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    dtype = _random_dtype(tensor, "normal_")
    z = generator().standard_normal(tensor.shape, dtype=dtype)
    return _fill(tensor, z * dtype(std) + dtype(mean))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return _fill(tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std²) with std = gain √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He uniform: U(-b, b) with b = gain √(3 / fan), gain = calculate_gain(nonlinearity, a).

    Args:
        tensor: at least 2-D; fan_in = size(1) × receptive field, fan_out = size(0) × it.
        a: the negative slope of a following leaky_relu.
        mode: 'fan_in' (preserves the forward variance) or 'fan_out' (the backward's).
        nonlinearity: 'relu' or 'leaky_relu' (PyTorch's recommendation).

    Example:
        >>> import math
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> w = nn.init.kaiming_uniform_(tnp.zeros(64, 100), a=math.sqrt(5))
        >>> bool(abs(w.data).max() <= 1 / math.sqrt(100))   # Linear's default init
        True
    """
    fan = _fan(tensor, mode, "kaiming_uniform_")
    if tensor.numel() == 0:
        return tensor
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, std²) with std = gain / √fan (arguments as kaiming_uniform_)."""
    fan = _fan(tensor, mode, "kaiming_normal_")
    if tensor.numel() == 0:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))
