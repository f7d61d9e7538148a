"""Tensor: an ndarray plus what autograd needs. Order: construction, properties, autograd,
arithmetic operators, math, reductions, movement, comparisons, in-place updates, conversion.

Every differentiable method is one line that names its op class in tinygrad_np.ops, where
forward and backward are written side by side.
"""

from __future__ import annotations

import math
import warnings
from collections import namedtuple
from typing import Any

import numpy as np

from . import engine
from ._args import is_integer
from ._indexing import _integers_first, _normalize_index
from ._shapes import as_shape, broadcast_shapes, normalize_dim, reshape_shape
from .function import (
    _UNCHANGED,
    _bump_version,
    _has_views,
    _mode,
    _no_grad_view_of,
    _register_tensor_class,
    _replaced_version,
    _shared_version,
)
from .ops.elementwise import (
    Abs,
    Add,
    Cast,
    Clamp,
    Clone,
    Cos,
    Div,
    Exp,
    FloorDivide,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    ReLU,
    Remainder,
    Sigmoid,
    Sign,
    Sin,
    Sqrt,
    SqrtOfVariance,
    Sub,
    Tanh,
    Where,
    _check_integer_divisor,
)
from .ops.linalg import MatMul
from .ops.movement import Cat, Expand, GetItem, Permute, Reshape, SumTo
from .ops.reduce import LogSumExp, Max, Prod, Sum
from .ops.softmax import LogSoftmax, Softmax

_new = object.__new__
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
_NOT_PICKLED = ("_no_grad_view_of", "__weakref__")  # slots Tensor.__getstate__ leaves out


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Python numbers and lists become float32 (ints int64, bools bool); arrays keep their
    dtype and are not copied."""
    if isinstance(data, Tensor):
        # a copy, as torch.tensor(t) makes: a new leaf must not share t's memory unseen by
        # t's version counter (use t.detach() to share)
        return data._data.astype(dtype or data.dtype, copy=True)
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.asarray(data)
    else:
        arr = np.asarray(data)
        if arr.dtype == np.float64 and dtype is None:  # with a dtype, no float32 detour:
            arr = arr.astype(np.float32)  # tensor([0.3], dtype=float64) keeps 0.3 exactly
        elif arr.dtype.kind in "OUSV":
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data "
                            f"(dtype {arr.dtype}); tensors hold numbers")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


class Tensor:
    """An n-dimensional array that records the operations applied to it, for autograd.

    Args:
        data: a number, a (nested) list, or an ndarray. Python floats become float32; an
            ndarray keeps its dtype and is wrapped without a copy, as from_numpy (the
            function tensor() copies it, as torch.tensor).
        requires_grad: record operations on this tensor so backward() can fill `.grad`.
        dtype: convert the data to this NumPy dtype first.

    Example:
        >>> import tinygrad_np as tnp
        >>> x = tnp.Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4., 6.])
    """

    __slots__ = ("_data", "_requires_grad", "_grad", "_ctx", "_vc", "_retains_grad",
                 "_no_grad_view_of", "__weakref__")  # _no_grad_view_of: on some views only
    __array_ufunc__ = None  # `ndarray * Tensor` calls Tensor.__rmul__ instead of looping

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        # the slots, but not _no_grad_view_of: a weak reference, which pickle and deepcopy
        # cannot take (and a copy shares no memory with the tensor viewed anyway)
        return None, {name: getattr(self, name) for name in Tensor.__slots__
                      if name not in _NOT_PICKLED and hasattr(self, name)}

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        # an ndarray is wrapped as it is (the common case, checked first)
        arr = data if type(data) is np.ndarray and dtype is None else _to_array(data, dtype)
        if requires_grad and arr.dtype.kind != "f":
            raise TypeError(
                f"tensor: only floating point tensors can require grad, got dtype {arr.dtype}; "
                "convert it first, e.g. x.float()"
            )
        self._data = arr
        self._requires_grad = bool(requires_grad)
        self._grad = None
        self._ctx = None
        self._vc = _UNCHANGED  # version counter, shared with views (see function.py)
        self._retains_grad = False

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, ctx) -> Tensor:
        """Wrap an ndarray produced by an op (no checks, no copy)."""
        t = _new(cls)
        t._data = data
        t._requires_grad = requires_grad
        t._grad = None
        t._ctx = ctx
        t._vc = _UNCHANGED
        t._retains_grad = False
        return t

    # ---- properties ----------------------------------------------------------------------

    @property
    def data(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied)."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        arr = _to_array(value)
        if self._requires_grad and arr.dtype.kind != "f":
            raise TypeError(f"data: a tensor that requires grad cannot hold {arr.dtype} data")
        self._data = arr
        _replaced_version(self)  # whatever saved the old array must not use the new one

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded for backward()."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward(); None until then (leaves only)."""
        if self._grad is None and self._ctx is not None and not self._retains_grad:
            warnings.warn(
                f"the .grad of a non-leaf tensor (the result of {type(self._ctx).__name__}, "
                f"shape {self.shape}) is not kept by backward(), so it is None; call "
                ".retain_grad() on it before backward() if you need it, or read the .grad of "
                "the leaf tensors you created with requires_grad=True",
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            value = value if isinstance(value, Tensor) else Tensor(value, dtype=self.dtype)
            if value.shape != self.shape:
                raise ValueError(f"grad: assigned gradient of shape {value.shape} to a tensor "
                                 f"of shape {self.shape}")
            if value.dtype != self.dtype:
                raise TypeError(f"grad: assigned gradient of dtype {value.dtype} to a tensor "
                                f"of dtype {self.dtype}")
        self._grad = value

    @property
    def grad_fn(self):
        """The op that produced this tensor (None for leaves)."""
        return self._ctx

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created; False for results of recorded operations."""
        return self._ctx is None

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (the matrix transpose for 2-D tensors)."""
        return Permute.apply(self, axes=tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a batch of transposed matrices)."""
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the size of dimension `dim` (PyTorch's x.size(), x.size(0))."""
        if dim is None:
            return self.shape
        return self.shape[normalize_dim(dim, self.ndim, "size")[0]]

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    # ---- autograd ------------------------------------------------------------------------

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor into the `.grad` of every leaf behind it.

        Args:
            gradient: d(something)/d(self); may be omitted when self has one element.
            retain_graph: keep the graph so backward can run through it again
                (default: create_graph).
            create_graph: record the backward pass too, for higher-order gradients.
        """
        engine.backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory and version counter)."""
        t = Tensor._make(self._data, False, None)
        t._vc = _shared_version(self)
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad in place (leaves only) and return self."""
        if self._ctx is not None and not requires_grad:
            raise RuntimeError("requires_grad_: a non-leaf tensor's requires_grad cannot be "
                               "turned off; use .detach() to get a tensor without a graph")
        if requires_grad and self.dtype.kind != "f":
            raise TypeError(f"requires_grad_: only floating point tensors can require grad, "
                            f"this one is {self.dtype}")
        self._requires_grad = bool(requires_grad) or self._ctx is not None
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in .grad during backward() (and grad(),
        when the tensor lies between the outputs and the inputs asked for)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        self._retains_grad = True

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (the gradient passes through)."""
        return Clone.apply(self)

    # ---- arithmetic operators ------------------------------------------------------------

    def _operand(self, other: Any) -> Tensor:
        """`other` as a Tensor; a Python number takes this tensor's float dtype (as NumPy's
        weak scalars do), so float32 stays float32."""
        if isinstance(other, Tensor):
            return other
        kind = type(other)
        if (kind is float or kind is int) and self._data.dtype.kind in "fc":
            return _constant(other, self._data.dtype)  # the common case, checked first
        if isinstance(other, (int, float, bool, np.generic)):
            if self._data.dtype.kind in "fc" and np.asarray(other).dtype.kind in "biuf":
                dtype = self._data.dtype
            elif isinstance(other, float):
                dtype = np.dtype(np.float32)
            else:
                dtype = np.result_type(self._data.dtype, other)
            return _constant(other, dtype)
        if isinstance(other, np.ndarray):
            return Tensor._make(other, False, None)
        if isinstance(other, (list, tuple)):
            return Tensor(other)
        raise TypeError(f"unsupported operand type for a Tensor operation: {type(other).__name__}")

    def _binary(self, op, other, reflected=False):
        try:
            other = self._operand(other)
        except TypeError:
            return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        kind_a, kind_b = a._data.dtype.kind, b._data.dtype.kind
        if kind_a != kind_b or (op is Div and kind_a in "biu"):
            a, b = _promote(a, b, op is Div)
        try:
            return op.apply(a, b)
        except ValueError as e:
            if "broadcast" in str(e) and "matmul" not in str(e):
                name = "floor_divide" if op is FloorDivide else op.__name__.lower()
                raise ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast "
                                 "together") from None
            raise

    def __add__(self, other): return self._binary(Add, other)
    def __radd__(self, other): return self._binary(Add, other, reflected=True)
    def __sub__(self, other): return self._binary(Sub, other)
    def __rsub__(self, other): return self._binary(Sub, other, reflected=True)
    def __mul__(self, other): return self._binary(Mul, other)
    def __rmul__(self, other): return self._binary(Mul, other, reflected=True)
    def __truediv__(self, other): return self._binary(Div, other)
    def __rtruediv__(self, other): return self._binary(Div, other, reflected=True)
    def __floordiv__(self, other): return self._binary(FloorDivide, other)
    def __rfloordiv__(self, other): return self._binary(FloorDivide, other, reflected=True)
    def __mod__(self, other): return self._binary(Remainder, other)
    def __rmod__(self, other): return self._binary(Remainder, other, reflected=True)
    def __pow__(self, other): return self._binary(Pow, other)
    def __rpow__(self, other): return self._binary(Pow, other, reflected=True)
    def __matmul__(self, other): return self._binary(MatMul, other)
    def __rmatmul__(self, other): return self._binary(MatMul, other, reflected=True)
    def __neg__(self): return Neg.apply(self)
    def __pos__(self): return self

    add = __add__
    sub = __sub__
    mul = __mul__
    div = __truediv__
    floor_divide = __floordiv__
    remainder = __mod__
    pow = __pow__
    matmul = __matmul__

    # ---- math ----------------------------------------------------------------------------

    def neg(self) -> Tensor: return Neg.apply(self)
    def exp(self) -> Tensor: return Exp.apply(self)
    def log(self) -> Tensor: return Log.apply(self)
    def sqrt(self) -> Tensor: return Sqrt.apply(self)
    def abs(self) -> Tensor: return Abs.apply(self)
    def sign(self) -> Tensor: return Sign.apply(self)
    def sin(self) -> Tensor: return Sin.apply(self)
    def cos(self) -> Tensor: return Cos.apply(self)
    def tanh(self) -> Tensor: return Tanh.apply(self)
    def sigmoid(self) -> Tensor: return Sigmoid.apply(self)
    def relu(self) -> Tensor: return ReLU.apply(self)
    def square(self) -> Tensor: return self * self
    def reciprocal(self) -> Tensor: return 1 / self

    def maximum(self, other: Any) -> Tensor:
        """Elementwise max; at ties the gradient is split evenly."""
        return self._binary(Maximum, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise min; at ties the gradient is split evenly."""
        return self._binary(Minimum, other)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch names)
        """Limit values to [min, max] (either may be None, or a Tensor)."""
        if min is None and max is None:
            raise ValueError("clamp: at least one of min and max must be given")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            bounds = [np.shape(b) for b in (min, max) if b is not None]
            try:
                broadcast_shapes("clamp", self.shape, *bounds)
            except ValueError:
                raise ValueError(f"clamp: the bounds' shapes {bounds} do not broadcast to "
                                 f"the input's shape {self.shape}") from None
            # where, not maximum/minimum: at a bound the gradient goes to self (as PyTorch)
            out = self if min is None else where(self < min, min, self)
            return out if max is None else where(out > max, max, out)
        # Python numbers: NumPy's weak scalars, so a np.float64 bound keeps float32 float32,
        # and integer bounds keep an integer tensor integer (as in PyTorch)
        low, high = (None if v is None else int(v) if is_integer(v) else float(v)
                     for v in (min, max))
        return Clamp.apply(self, low=low, high=high)

    clip = clamp

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where condition is true, else other (PyTorch's x.where(cond, y))."""
        return where(condition, self, other)

    # ---- reductions ----------------------------------------------------------------------

    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Sum over `dim` (an int, a tuple, or None for all dimensions)."""
        return Sum.apply(self, axes=normalize_dim(dim, self.ndim, "sum"), keepdim=keepdim)

    def prod(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Product over `dim` (an int, a tuple, or None for all dimensions). Its gradient is
        exact at zeros: each element gets the product of the others in its slice."""
        return Prod.apply(self, axes=normalize_dim(dim, self.ndim, "prod"), keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Mean over `dim`; integer and bool tensors are averaged in float32."""
        x = self if self.dtype.kind in "fc" else self.float()
        axes = normalize_dim(dim, self.ndim, "mean")
        if x.dtype == np.float16:  # the count itself may overflow float16 (max 65504)
            return (x.float().sum(axes, keepdim) / _count(self.shape, axes)).to(np.float16)
        return x.sum(axes, keepdim) / _count(self.shape, axes)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        """Variance over `dim`, divided by N - correction (Bessel's correction by default).
        As in PyTorch, the second positional argument is `unbiased` (correction 1 or 0)."""
        if unbiased is not None and correction is not None:
            raise TypeError("var: pass either unbiased or correction, not both")
        if correction is None:
            correction = 1 if unbiased is None else int(unbiased)
        axes = normalize_dim(dim, self.ndim, "var")
        centered = self - self.mean(axes, keepdim=True)
        return (centered * centered).sum(axes, keepdim) / max(_count(self.shape, axes) -
                                                              correction, 0)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: int | None = None) -> Tensor:
        """Standard deviation over `dim` (square root of var); its gradient is 0 where it
        is 0 (all values equal), as in PyTorch, not nan."""
        variance = self.var(dim, unbiased, keepdim, correction=correction)
        return SqrtOfVariance.apply(variance)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Maximum over `dim` (int or tuple); tied maxima share the gradient evenly."""
        return Max.apply(self, axes=normalize_dim(dim, self.ndim, "max"), keepdim=keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Minimum over `dim` (int or tuple); tied minima share the gradient evenly."""
        return -((-self).amax(dim, keepdim))

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """Maximum; with an int `dim`, a (values, indices) pair as in PyTorch; with a
        Tensor, the elementwise maximum (x.max(y) is maximum(x, y))."""
        if isinstance(dim, Tensor):
            return self.maximum(dim)
        if dim is None or not isinstance(dim, (int, np.integer)):
            return self.amax(dim, keepdim)
        # the gradient goes to the index returned, not shared among ties (as PyTorch)
        axes = normalize_dim(dim, self.ndim, "max")
        values = Max.apply(self, axes=axes, keepdim=keepdim, at_index=True)
        return ValuesIndices(values, self.argmax(dim, keepdim))

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """Minimum; with an int `dim`, a (values, indices) pair as in PyTorch; with a
        Tensor, the elementwise minimum."""
        if isinstance(dim, Tensor):
            return self.minimum(dim)
        if dim is None or not isinstance(dim, (int, np.integer)):
            return self.amin(dim, keepdim)
        axes = normalize_dim(dim, self.ndim, "min")
        values = -Max.apply(-self, axes=axes, keepdim=keepdim, at_index=True)
        return ValuesIndices(values, self.argmin(dim, keepdim))

    def logsumexp(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """log Σ exp(x) over `dim`, without overflow."""
        axes = normalize_dim(dim, self.ndim, "logsumexp")
        return LogSumExp.apply(self, axes=axes, keepdim=keepdim)

    def softmax(self, dim: int = -1) -> Tensor:
        """exp(x) / Σ exp(x) along `dim`, computed stably."""
        return Softmax.apply(self, dim=_one_dim(dim, self.ndim, "softmax"))

    def log_softmax(self, dim: int = -1) -> Tensor:
        """x - logsumexp(x) along `dim`, computed stably."""
        return LogSoftmax.apply(self, dim=_one_dim(dim, self.ndim, "log_softmax"))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the maximum (over the flattened tensor when dim is None); no gradient."""
        return self._arg(np.argmax, "argmax", dim, keepdim)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Index of the minimum (over the flattened tensor when dim is None); no gradient."""
        return self._arg(np.argmin, "argmin", dim, keepdim)

    def _arg(self, fn, name: str, dim, keepdim: bool) -> Tensor:
        axis = None if dim is None else _one_dim(dim, self.ndim, name)
        if self.numel() == 0 and (axis is None or self.shape[axis] == 0):
            where = "" if axis is None else f" along dim {dim}"
            raise ValueError(f"{name}: nothing to choose from: the tensor of shape "
                             f"{self.shape} is empty{where}")
        return Tensor._make(np.asarray(fn(self._data, axis=axis, keepdims=keepdim)), False, None)

    # ---- movement ------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape; one dimension may be -1."""
        new = reshape_shape(self.shape, self.numel(), as_shape(shape, "reshape"), "reshape")
        return self if new == self.shape else Reshape.apply(self, shape=new)

    def view(self, *shape: Any) -> Tensor:
        """reshape, for a tensor whose memory can take the new shape without a copy (as
        PyTorch's view): the result shares this tensor's memory, or an error says to use
        reshape (a transposed, sliced or expanded tensor often cannot be viewed)."""
        out = self.reshape(*shape)
        if out._data.size and not np.may_share_memory(out._data, self._data):
            raise RuntimeError(
                f"view: this tensor of shape {self.shape} cannot be viewed as shape "
                f"{out.shape} without a copy (its memory is laid out transposed, sliced or "
                "broadcast); use reshape(), which copies when it must")
        return out

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge dimensions start_dim..end_dim into one."""
        if self.ndim == 0:
            return self.reshape(1)
        start = _one_dim(start_dim, self.ndim, "flatten")
        end = _one_dim(end_dim, self.ndim, "flatten")
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        # the merged size itself, not -1, which NumPy cannot infer for an empty batch
        merged = math.prod(self.shape[start : end + 1])
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1 :])

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the dimensions: out.shape[i] = self.shape[dims[i]]."""
        dims = as_shape(dims, "permute")
        axes = tuple(_one_dim(d, self.ndim, "permute") for d in dims)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} "
                             f"dimensions of a tensor of shape {self.shape}")
        return Permute.apply(self, axes=axes)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions."""
        axes = list(range(self.ndim))
        a, b = _one_dim(dim0, self.ndim, "transpose"), _one_dim(dim1, self.ndim, "transpose")
        if a == b:  # nothing to swap (also the only case for a 0-d tensor)
            return self
        axes[a], axes[b] = axes[b], axes[a]
        return Permute.apply(self, axes=tuple(axes))

    def squeeze(self, dim: Any = None) -> Tensor:
        """Drop dimensions of size 1 (all, or those in `dim`; others are left as they are)."""
        axes = normalize_dim(dim, self.ndim, "squeeze", empty_is_all=False)
        shape = tuple(n for i, n in enumerate(self.shape)
                      if n != 1 or (axes is not None and i not in axes))
        return self.reshape(shape)

    def unsqueeze(self, dim: int) -> Tensor:
        """Insert a dimension of size 1 at `dim` (negative counts from the new end)."""
        if not -self.ndim - 1 <= dim <= self.ndim:
            raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor with "
                             f"{self.ndim} dimension(s) (expected [{-self.ndim - 1}, {self.ndim}])")
        d = dim % (self.ndim + 1)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along `dim`: of split_size each (the last may be smaller), or of the
        sizes in a list, which must add up to the dim's size. Each piece is a view."""
        axis = self._piece_dim(dim, "split")
        n = self.shape[axis]
        if is_integer(split_size_or_sections):
            step = int(split_size_or_sections)
            if step < 0 or (step == 0 and n):
                raise ValueError(f"split: split_size must be positive, got {step}")
            sizes = [min(step, n - start) for start in range(0, n, step)] if n else [0]
        else:
            sections = split_size_or_sections
            if not isinstance(sections, (list, tuple)) or not all(map(is_integer, sections)):
                raise TypeError(f"split: split_size_or_sections must be an int or a list of "
                                f"ints, got {sections!r}")  # not 1.5 cut down to 1, nor True
            sizes = [int(k) for k in sections]
            if sum(sizes) != n or min(sizes, default=0) < 0:
                raise ValueError(f"split: sizes {sizes} do not add up to {n}, the size of "
                                 f"dim {dim} (shape {self.shape})")
        lead = (slice(None),) * axis
        starts = np.cumsum([0] + sizes[:-1])
        return tuple(self[lead + (slice(int(a), int(a) + k),)] for a, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """At most `chunks` pieces of equal size along `dim` (the last may be smaller), as
        PyTorch's chunk: pieces of ceil(size / chunks)."""
        if not is_integer(chunks):
            raise TypeError(f"chunk: chunks must be an int, got {chunks!r}")
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        axis = self._piece_dim(dim, "chunk")
        n = self.shape[axis]
        if n == 0:  # as PyTorch: `chunks` empty pieces
            return tuple(self[(slice(None),) * axis + (slice(0, 0),)] for _ in range(chunks))
        return self.split(-(-n // int(chunks)), dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along `dim`, each without that dim (views)."""
        axis = self._piece_dim(dim, "unbind")
        lead = (slice(None),) * axis
        return tuple(self[lead + (i,)] for i in range(self.shape[axis]))

    def _piece_dim(self, dim: Any, op: str) -> int:
        if self.ndim == 0:
            raise ValueError(f"{op}: expects a tensor of at least one dimension, got a 0-d one")
        return _one_dim(dim, self.ndim, op)

    def expand(self, *sizes: Any) -> Tensor:
        """Broadcast to `sizes` without copying (-1 keeps a dimension)."""
        sizes = as_shape(sizes, "expand")
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: cannot expand shape {self.shape} to fewer dimensions "
                             f"{sizes}")
        if any(n < 0 for n in sizes[:lead]) or any(n < -1 for n in sizes):
            raise ValueError(f"expand: invalid sizes {sizes} for shape {self.shape}: -1 may only "
                             "keep an existing dimension, and no other size may be negative")
        shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                      for i, n in enumerate(sizes))
        for i, n in enumerate(self.shape):
            if n != 1 and n != shape[lead + i]:
                raise ValueError(f"expand: shape {self.shape} cannot be expanded to {sizes} "
                                 f"(dimension {i} has size {n}, not 1)")
        return self if shape == self.shape else Expand.apply(self, shape=shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def _sum_to(self, shape: tuple[int, ...]) -> Tensor:
        """Sum down to `shape` (the adjoint of broadcasting); used by the engine."""
        return SumTo.apply(self, shape=shape)

    def __getitem__(self, index: Any) -> Tensor:
        index = _normalize_index(index)
        try:
            split = _integers_first(index, self.ndim)
            if split is not None:
                return GetItem.apply(GetItem.apply(self, index=split[0]), index=split[1])
            return GetItem.apply(self, index=index)
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor of shape {self.shape})") from None

    # ---- comparisons (no gradient) -------------------------------------------------------

    def _compare(self, fn, other, reflected: bool = False) -> Tensor:
        other = other._data if isinstance(other, Tensor) else other
        try:
            out = fn(other, self._data) if reflected else fn(self._data, other)
        except ValueError:
            raise ValueError(f"{fn.__name__}: shapes {self.shape} and {np.shape(other)} do not "
                             "broadcast together") from None
        except TypeError:
            raise TypeError(f"{fn.__name__}: not defined for a tensor of dtype {self.dtype} and "
                            f"{np.asarray(other).dtype} operands") from None
        return Tensor._make(np.asarray(out), False, None)

    def __eq__(self, other): return self._compare(np.equal, other)  # type: ignore[override]
    def __ne__(self, other): return self._compare(np.not_equal, other)  # type: ignore[override]
    def __lt__(self, other): return self._compare(np.less, other)
    def __le__(self, other): return self._compare(np.less_equal, other)
    def __gt__(self, other): return self._compare(np.greater, other)
    def __ge__(self, other): return self._compare(np.greater_equal, other)
    def __invert__(self): return Tensor._make(~self._data, False, None)
    # bitwise on integers and logical on bools, as in PyTorch (no gradient)
    def __and__(self, other): return self._compare(np.bitwise_and, other)
    def __or__(self, other): return self._compare(np.bitwise_or, other)
    def __xor__(self, other): return self._compare(np.bitwise_xor, other)
    def __rand__(self, other): return self._compare(np.bitwise_and, other, reflected=True)
    def __ror__(self, other): return self._compare(np.bitwise_or, other, reflected=True)
    def __rxor__(self, other): return self._compare(np.bitwise_xor, other, reflected=True)

    __hash__ = object.__hash__  # tensors are hashable by identity, as in PyTorch

    def eq(self, other): return self == other
    def ne(self, other): return self != other
    def lt(self, other): return self < other
    def le(self, other): return self <= other
    def gt(self, other): return self > other
    def ge(self, other): return self >= other

    # ---- in-place updates (refused while a graph would be recorded) ----------------------

    def _check_inplace(self, op: str, other: Any = None) -> None:
        other_grad = isinstance(other, Tensor) and other._requires_grad
        if _mode.grad_enabled and (self._requires_grad or other_grad):
            if self._ctx is None and self._requires_grad:
                raise RuntimeError(
                    f"{op}: a leaf tensor that requires grad (shape {self.shape}) cannot be "
                    "modified in place while gradients are recorded; do the update inside "
                    "`with tinygrad_np.no_grad():`, as optimizers do"
                )
            raise RuntimeError(
                f"{op}: in-place change of a tensor that takes part in a graph (shape "
                f"{self.shape}) is not supported, as backward would use the wrong values; use "
                "the out-of-place form (x = x + y, tinygrad_np.where(mask, value, x)) instead"
            )
        if _mode.grad_enabled and _no_grad_view_of(self) is not None:
            raise RuntimeError(
                f"{op}: this tensor (shape {self.shape}) is a view made under no_grad() of a "
                "tensor that requires grad; changing it while gradients are recorded would "
                "change that tensor without the graph knowing. Do both the view and the "
                "change inside no_grad(), or both outside it")
        if not self._data.flags.writeable:
            raise RuntimeError(f"{op}: the tensor's data (shape {self.shape}) is read-only "
                               "(e.g. a broadcast view from expand(), or a DataLoader batch, "
                               "a view of the dataset); clone() it first")

    def _inplace(self, op: str, ufunc, other: Any) -> Tensor:
        self._check_inplace(op, other)
        value = other._data if isinstance(other, Tensor) else other
        if ufunc is np.floor_divide or ufunc is np.remainder:
            _check_integer_divisor(op, self._data, np.asarray(value))
        try:
            ufunc(self._data, value, out=self._data, casting="same_kind")
        except (ValueError, TypeError) as e:
            shape = np.shape(value)
            raise ValueError(f"{op}: cannot update a tensor of shape {self.shape} "
                             f"({self.dtype}) in place with a value of shape {shape}: "
                             f"{e}") from None
        _bump_version(self)
        return self

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace("add_", np.add, other if alpha == 1 else _scaled(other, alpha))

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace("sub_", np.subtract, other if alpha == 1 else _scaled(other, alpha))

    def mul_(self, other: Any) -> Tensor: return self._inplace("mul_", np.multiply, other)
    def div_(self, other: Any) -> Tensor: return self._inplace("div_", np.true_divide, other)

    def copy_(self, src: Any) -> Tensor:
        """Copy src's values into this tensor (broadcasting src)."""
        return self._inplace("copy_", _copy_into, src)

    def fill_(self, value: float) -> Tensor:
        return self._inplace("fill_", _copy_into, value)

    def zero_(self) -> Tensor:
        return self._inplace("zero_", _copy_into, 0)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        if min is None and max is None:
            raise ValueError("clamp_: at least one of min and max must be given")
        self._check_inplace("clamp_")
        np.clip(self._data, min, max, out=self._data)
        _bump_version(self)
        return self

    def _augmented(self, op: str, ufunc, fn, other: Any) -> Tensor:
        """x op= y: in place, unless a graph must be recorded; then x is rebound to the
        out-of-place result (a leaf that requires grad is refused, as in PyTorch)."""
        other_grad = isinstance(other, Tensor) and other._requires_grad
        if _mode.grad_enabled and (self._requires_grad or other_grad):
            if self._ctx is None and self._requires_grad:
                self._check_inplace(op, other)
            leaf = self._viewed_leaf()
            if leaf is not None:  # PyTorch refuses this too: rebinding would change nothing
                raise RuntimeError(
                    f"{op}: this tensor is a view of a leaf tensor that requires grad (shape "
                    f"{leaf.shape}, e.g. a parameter), so changing it would change the leaf "
                    "while a graph is recorded. Update parameters under tnp.no_grad(), as "
                    "optimizers do.")
            if not self._requires_grad and _has_views(self):
                # a buffer (or a view of one) taking a value that needs a graph: PyTorch
                # writes it into the shared memory, a new tensor would leave the others
                # unchanged, so say so rather than give another result
                raise RuntimeError(
                    f"{op}: this tensor (shape {self.shape}) shares its memory with another "
                    "tensor (it is a view, or has one), and the value added needs a graph, "
                    "which cannot be written into memory outside the graph. Build the result "
                    f"out of place (tnp.where, tnp.cat, tnp.stack), or write x = x {op[0]} y "
                    "if the other tensor may keep its values.")
            return fn(self, other)
        return self._inplace(op, ufunc, other)

    def _viewed_leaf(self) -> Tensor | None:
        """The leaf requiring grad whose memory this tensor views through recorded view ops
        (sharing its version counter), or None."""
        t = self
        while t._ctx is not None and type(t._ctx).is_view and t._ctx._inputs is not None:
            base = t._ctx._inputs[0]
            if base._vc is not t._vc:  # e.g. advanced indexing: a copy, not a view
                return None
            t = base
        return t if t is not self and t._ctx is None and t._requires_grad else None

    def __iadd__(self, other): return self._augmented("+=", np.add, Tensor.__add__, other)
    def __isub__(self, other): return self._augmented("-=", np.subtract, Tensor.__sub__, other)
    def __imul__(self, other): return self._augmented("*=", np.multiply, Tensor.__mul__, other)
    def __itruediv__(self, other):
        return self._augmented("/=", np.true_divide, Tensor.__truediv__, other)

    def __ifloordiv__(self, other):
        return self._augmented("//=", np.floor_divide, Tensor.__floordiv__, other)

    def __imod__(self, other): return self._augmented("%=", np.remainder, Tensor.__mod__, other)
    def __ipow__(self, other): return self._augmented("**=", np.power, Tensor.__pow__, other)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("setitem", value)
        value = value._data if isinstance(value, Tensor) else value
        try:
            index = _normalize_index(index, "setitem")
            split = _integers_first(index, self.ndim)
            if split is None:
                self._data[index] = value
            else:  # the integer part is basic indexing: a view that the rest writes into
                self._data[split[0]][split[1]] = value
        except IndexError as e:
            raise IndexError(f"setitem: {e} (tensor of shape {self.shape})") from None
        except (ValueError, TypeError) as e:
            raise ValueError(f"setitem: cannot assign a value of shape {np.shape(value)} to "
                             f"{index!r} of a tensor of shape {self.shape} ({self.dtype}): "
                             f"{e}") from None
        _bump_version(self)

    # ---- conversion ----------------------------------------------------------------------

    def to(self, dtype: Any) -> Tensor:
        """Convert to `dtype` (differentiable between float dtypes)."""
        dtype = np.dtype(dtype)
        return self if dtype == self.dtype else Cast.apply(self, dtype=dtype)

    def float(self) -> Tensor: return self.to(np.float32)
    def double(self) -> Tensor: return self.to(np.float64)
    def long(self) -> Tensor: return self.to(np.int64)
    def int(self) -> Tensor: return self.to(np.int32)
    def bool(self) -> Tensor: return self.to(np.bool_)

    def numpy(self) -> np.ndarray:
        """The underlying ndarray (shared, not copied)."""
        return self._data

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item: only a one-element tensor converts to a Python number; "
                             f"this one has shape {self.shape}")
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __float__(self) -> float: return float(self.item())
    def __int__(self) -> int: return int(self.item())
    def __index__(self) -> int:
        if self.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype}")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is "
                               "ambiguous; use .any() or .all()")
        return bool(self._data.item())

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether any element (over `dim`, an int or a tuple, or all) is nonzero: a bool
        tensor, as in PyTorch (`if x.any():` reads its one element)."""
        axes = normalize_dim(dim, self.ndim, "any", empty_is_all=False)  # () as torch: none
        return Tensor._make(np.asarray(self._data.any(axis=axes, keepdims=keepdim)), False, None)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether every element (over `dim`, an int or a tuple, or all) is nonzero: a bool
        tensor, as in PyTorch."""
        axes = normalize_dim(dim, self.ndim, "all", empty_is_all=False)  # () as torch: none
        return Tensor._make(np.asarray(self._data.all(axis=axes, keepdims=keepdim)), False, None)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __format__(self, spec: str) -> str:
        if spec and self._data.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        extras = []
        if self.dtype not in (np.float32, np.int64, np.bool_):
            extras.append(f"dtype={self.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"


# ---- module-level helpers used by the methods above ----------------------------------------


_constants: dict = {}


def _constant(value: Any, dtype: np.dtype) -> Tensor:
    """A read-only 0-d tensor for a Python scalar, cached: `x * 0.5` in a loop makes one."""
    # the array depends only on the value and the dtype; the sign tells 0.0 from -0.0, which
    # compare equal but divide differently
    key = (value, dtype) if value else (value, dtype, math.copysign(1, value))
    t = _constants.get(key)
    if t is None:
        if len(_constants) >= 4096:  # scalars that change every step must not pile up
            _constants.clear()
        arr = np.asarray(value, dtype=dtype)
        arr.flags.writeable = False
        t = _constants[key] = Tensor._make(arr, False, None)
    return t


_register_tensor_class(Tensor)  # Function.apply wraps op outputs with Tensor._make


def zero_grads(tensors: Any, set_to_none: bool = True) -> None:
    """Reset the .grad of each tensor: to None, or to zeros in place (Module.zero_grad and
    Optimizer.zero_grad both come here)."""
    if set_to_none:
        for p in tensors:
            p._grad = None
        return
    for p in tensors:
        g = p._grad
        if g is None:
            continue
        if g._requires_grad or g._ctx is not None or not g._data.flags.writeable:
            # a gradient that is part of a graph (create_graph) or a read-only view is
            # replaced, never written through
            p._grad = Tensor._make(np.zeros(g.shape, dtype=g.dtype), False, None)
        else:
            g._data.fill(0)
            _bump_version(g)


def _promote(a: Tensor, b: Tensor, true_division: bool) -> tuple[Tensor, Tensor]:
    """PyTorch's rule where it differs from NumPy's: an integer or bool operand takes the
    float operand's dtype (float32 stays float32), and integers divide into float32."""
    float_a, float_b = a.dtype.kind in "fc", b.dtype.kind in "fc"
    if float_a and not float_b:
        return a, b.to(a.dtype)
    if float_b and not float_a:
        return a.to(b.dtype), b
    if true_division and not float_a:
        return a.float(), b.float()
    return a, b


def _count(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    """How many elements a reduction over `axes` combines."""
    if axes is None:
        return int(np.prod(shape, dtype=np.int64))
    return int(np.prod([shape[a] for a in axes], dtype=np.int64)) if shape else 1


def _one_dim(dim: Any, ndim: int, op: str) -> int:
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be a single int, got {dim!r}")
    (axis,) = normalize_dim(dim, ndim, op) or (0,)
    return axis


def _copy_into(dst: np.ndarray, src: Any, out: np.ndarray, casting: str) -> None:
    """copy_ in the calling convention of the ufuncs _inplace applies."""
    np.copyto(out, src, casting=casting)


def _scaled(other: Any, alpha: float) -> Any:
    return (other._data if isinstance(other, Tensor) else np.asarray(other)) * alpha


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002 (PyTorch names)
    """Elementwise `input if condition else other`, broadcasting all three.

    Example:
        >>> import tinygrad_np as tnp
        >>> x = tnp.tensor([-1.0, 2.0])
        >>> tnp.where(x > 0, x, 0.0)
        tensor([0., 2.])
    """
    # a copy, so that backward uses the mask forward used
    cond = np.array(condition._data if isinstance(condition, Tensor) else condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got {cond.dtype}")
    like = input if isinstance(input, Tensor) else other
    if not isinstance(like, Tensor):
        like = Tensor(input)  # Python numbers: float32 (or int64), as Tensor() makes them
    a, b = like._operand(input), like._operand(other)
    if a.dtype.kind != b.dtype.kind:  # PyTorch's promotion, as _binary applies it
        a, b = _promote(a, b, False)
    return Where.apply(a, b, cond=cond)


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension; shapes must agree elsewhere."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty list of tensors")
    ndim = tensors[0].ndim
    if ndim == 0 or any(t.ndim != ndim for t in tensors):
        raise ValueError(f"cat: all tensors need the same number (>= 1) of dimensions, got "
                         f"shapes {[t.shape for t in tensors]}")
    axis = _one_dim(dim, ndim, "cat")
    rest = {t.shape[:axis] + t.shape[axis + 1 :] for t in tensors}
    if len(rest) > 1:
        raise ValueError(f"cat: shapes {[t.shape for t in tensors]} differ outside dim {dim}")
    return Cat.apply(*_common_dtype(tensors), dim=axis)


def _common_dtype(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors in one dtype, by PyTorch's rule: floats win over integers and bools, in
    the widest float among them (int64 with float32 is float32; NumPy would say float64)."""
    if not all(isinstance(t, Tensor) for t in tensors):
        return tensors  # Cat.apply names what is not a Tensor
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) == 1:
        return tensors
    floats = [d for d in dtypes if d.kind in "fc"]
    target = np.result_type(*floats) if floats else np.result_type(*dtypes)
    return [t.to(target) for t in tensors]


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got "
                         f"{[t.shape for t in tensors]}")
    ndim = tensors[0].ndim + 1
    if not isinstance(dim, (int, np.integer)) or not -ndim <= dim < ndim:
        raise IndexError(f"stack: dim {dim} is out of range for stacking tensors of shape "
                         f"{tensors[0].shape} (expected a value in [{-ndim}, {ndim - 1}])")
    return cat([t.unsqueeze(dim) for t in tensors], dim=dim)
