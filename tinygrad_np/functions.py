"""Function forms of Tensor methods, as PyTorch offers them (tinygrad_np.exp(x) == x.exp()).

Each is one line that calls the method, so the documentation and the gradient live there.
"""

from __future__ import annotations

from typing import Any

from .tensor import Tensor, cat, stack, where  # noqa: F401 (re-exported)


def exp(x: Tensor) -> Tensor: return x.exp()
def log(x: Tensor) -> Tensor: return x.log()
def sqrt(x: Tensor) -> Tensor: return x.sqrt()
def abs(x: Tensor) -> Tensor: return x.abs()  # noqa: A001 (PyTorch's name)
def sin(x: Tensor) -> Tensor: return x.sin()
def cos(x: Tensor) -> Tensor: return x.cos()
def tanh(x: Tensor) -> Tensor: return x.tanh()
def sigmoid(x: Tensor) -> Tensor: return x.sigmoid()
def relu(x: Tensor) -> Tensor: return x.relu()
def maximum(a: Tensor, b: Any) -> Tensor: return a.maximum(b)
def minimum(a: Tensor, b: Any) -> Tensor: return a.minimum(b)
def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor: return x.clamp(min, max)  # noqa: A002
def matmul(a: Tensor, b: Any) -> Tensor: return a @ b
def floor_divide(a: Tensor, b: Any) -> Tensor: return a // b
def remainder(a: Tensor, b: Any) -> Tensor: return a % b
def sum(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor: return x.sum(dim, keepdim)  # noqa: A001
def prod(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor: return x.prod(dim, keepdim)
def mean(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor: return x.mean(dim, keepdim)
def logsumexp(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    return x.logsumexp(dim, keepdim)
def softmax(x: Tensor, dim: int = -1) -> Tensor: return x.softmax(dim)
def log_softmax(x: Tensor, dim: int = -1) -> Tensor: return x.log_softmax(dim)
def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return x.argmax(dim, keepdim)
def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    return x.argmin(dim, keepdim)
def reshape(x: Tensor, *shape: Any) -> Tensor: return x.reshape(*shape)
def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return x.flatten(start_dim, end_dim)
def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor: return x.transpose(dim0, dim1)
def permute(x: Tensor, *dims: Any) -> Tensor: return x.permute(*dims)
def squeeze(x: Tensor, dim: Any = None) -> Tensor: return x.squeeze(dim)
def unsqueeze(x: Tensor, dim: int) -> Tensor: return x.unsqueeze(dim)
