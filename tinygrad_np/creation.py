"""Factories: tensor, zeros, ones, full, arange, eye, rand, randn, randint and the *_like forms.

Floating point factories make float32 unless given a dtype; random ones draw from the
shared generator, so manual_seed makes them reproducible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._args import is_integer
from ._shapes import as_shape
from .random import generator
from .tensor import Tensor


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a Tensor from a number, a (nested) list or an array, always with its own copy
    of the data, as torch.tensor: changing the array later changes neither the tensor nor
    a gradient computed from it. (Tensor(ndarray) and from_numpy share the array instead.)

    Example:
        >>> import numpy as np
        >>> import tinygrad_np as tnp
        >>> a = np.array([1.0, 2.0], dtype=np.float32)
        >>> t = tnp.tensor(a); a[0] = 5.0; t
        tensor([1., 2.])
    """
    if isinstance(data, (np.ndarray, np.generic)):
        data = np.array(data, dtype=dtype, copy=True)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor that shares `array`'s memory, as torch.from_numpy: no copy, so changes to
    one show in the other. Change the array in place only while no graph that used the
    tensor is waiting for backward (the tensor's version counter cannot see such changes).

    Example:
        >>> import numpy as np
        >>> import tinygrad_np as tnp
        >>> a = np.zeros(2, dtype=np.float32)
        >>> t = tnp.from_numpy(a); t += 1; a
        array([1., 1.], dtype=float32)
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: tensors hold numbers, got an array of dtype {array.dtype}")
    return Tensor(array)


def _wrap(arr: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(arr, requires_grad=requires_grad)


def zeros(*size: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: zeros(2, 3) or zeros((2, 3))."""
    return _wrap(np.zeros(as_shape(size, "zeros"), dtype=dtype), requires_grad)


def ones(*size: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ones(2, 3) or ones((2, 3))."""
    return _wrap(np.ones(as_shape(size, "ones"), dtype=dtype), requires_grad)


def full(size: Any, fill_value: float, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of shape `size` filled with `fill_value`; without a dtype, the fill value's
    kind decides it, as in PyTorch: a bool gives bool, an int int64, a float float32.

    Example:
        >>> import tinygrad_np as tnp
        >>> tnp.full((2,), 7).dtype, tnp.full((2,), True).dtype, tnp.full((2,), 0.5).dtype
        (dtype('int64'), dtype('bool'), dtype('float32'))
    """
    shape = as_shape((size,), "full")
    if dtype is None:  # by kind, for Python and NumPy scalars alike (np.float64 too)
        kind = np.asarray(fill_value).dtype.kind
        if kind not in "biuf":
            raise TypeError(f"full: the fill value must be a number or a bool, got "
                            f"{fill_value!r}")
        dtype = {"b": np.bool_, "i": np.int64, "u": np.int64, "f": np.float32}[kind]
    return _wrap(np.full(shape, fill_value, dtype=dtype), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be non-zero")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if ints else np.float32
    return _wrap(np.arange(start, end, step, dtype=dtype), requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = np.float32,
        requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m defaults to n)."""
    return _wrap(np.eye(n, m, dtype=dtype), requires_grad)


def rand(*size: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the shared generator."""
    arr = generator().random(as_shape(size, "rand"), dtype=np.dtype(dtype).type)
    return _wrap(arr, requires_grad)


def randn(*size: Any, dtype: Any = np.float32, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the shared generator."""
    arr = generator().standard_normal(as_shape(size, "randn"), dtype=np.dtype(dtype).type)
    return _wrap(arr, requires_grad)


def randint(low: int = 0, high: int | None = None, size: Any = None,
            dtype: Any = np.int64) -> Tensor:
    """Integers uniformly drawn from [low, high), in PyTorch's forms: randint(low, high,
    size), randint(high, size) (low 0), and with keywords, randint(high=5, size=(2,)).

    Example:
        >>> import tinygrad_np as tnp
        >>> tnp.randint(10, (2, 3)).shape, bool(tnp.randint(5, 7, (4,)).numpy().min() >= 5)
        ((2, 3), True)
    """
    if size is None and high is not None and not is_integer(high):  # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=...)
        low, high = 0, low
    if size is None or is_integer(size):
        raise TypeError(f"randint: size must be a tuple of ints, got {size!r} (randint(low, "
                        "high, size) or randint(high, size))")
    shape = as_shape((size,), "randint")
    if not high > low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    return Tensor(generator().integers(low, high, shape, dtype=dtype))


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros with t's shape and dtype."""
    return _wrap(np.zeros(t.shape, dtype=dtype or t.dtype), requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones with t's shape and dtype."""
    return _wrap(np.ones(t.shape, dtype=dtype or t.dtype), requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """`fill_value` with t's shape and dtype."""
    return _wrap(np.full(t.shape, fill_value, dtype=dtype or t.dtype), requires_grad)


def rand_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return rand(t.shape, dtype=t.dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return randn(t.shape, dtype=t.dtype, requires_grad=requires_grad)
