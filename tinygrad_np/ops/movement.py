"""Movement ops: Reshape, Permute, Expand, SumTo (the adjoint pair of broadcasting),
GetItem and its adjoint IndexAdd, Cat.

Reshape, Permute, Expand and basic indexing return NumPy views of their input, so they
share its version counter: an in-place change to either is seen by backward.
"""

from __future__ import annotations

import numpy as np

from .._shapes import sum_to
from ..function import Function


class Reshape(Function):
    """out = a viewed with a new shape (same elements, C order)"""

    is_view = True

    @staticmethod
    def forward(ctx, a, shape=()):
        return a.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad.reshape(a.shape)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return np.reshape(grad, a.shape)


class Permute(Function):
    """out = a with its axes reordered; the gradient is permuted back"""

    is_view = True
    reads_input_values = False

    @staticmethod
    def forward(ctx, a, axes=()):
        ctx.axes = axes
        return a.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(*np.argsort(ctx.axes).tolist())

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad.transpose(np.argsort(ctx.axes))


class Expand(Function):
    """out = a broadcast to `shape` (a read-only view); the adjoint of broadcast is a sum,
    which the engine applies to every gradient, so backward passes `grad` through."""

    is_view = True
    reads_input_values = False

    @staticmethod
    def forward(ctx, a, shape=()):
        return np.broadcast_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad


class SumTo(Function):
    """out = a summed down to `shape`, which broadcasts to a.shape;  adjoint: Expand"""

    @staticmethod
    def forward(ctx, a, shape=()):
        return sum_to(a, shape)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad.expand(a.shape)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return np.broadcast_to(grad, a.shape)


def is_basic_index(index: tuple) -> bool:
    """True when NumPy indexing with `index` makes a view (no arrays, no lists, no bools)."""
    return all(
        i is None or i is Ellipsis or isinstance(i, slice)
        or (isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)))
        for i in index
    )


class GetItem(Function):
    """out = a[index]; its adjoint adds the gradient back at the indexed places (IndexAdd)"""

    is_view = True  # for basic indexing; apply shares the counter only if memory is shared

    @staticmethod
    def forward(ctx, a, index=()):
        ctx.index = index
        out = a[index]
        if type(out) is not np.ndarray:  # integers picked one element: NumPy gives a copy,
            out = a[index + (Ellipsis,)]  # a scalar; with "..." it is a 0-d view, as PyTorch's
        return out

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return IndexAdd.apply(grad, shape=a.shape, index=ctx.index)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return _index_add(grad, a.shape, ctx.index)


class IndexAdd(Function):
    """out = zeros(shape) with `a` added at [index]; repeated indices accumulate;
    adjoint: GetItem"""

    @staticmethod
    def forward(ctx, a, shape=(), index=()):
        ctx.index = index
        return _index_add(a, shape, index)

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, index=ctx.index)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad[ctx.index]


def _index_add(a: np.ndarray, shape: tuple[int, ...], index: tuple) -> np.ndarray:
    """zeros(shape) with `a` added at [index]."""
    out = np.zeros(shape, dtype=a.dtype)
    if is_basic_index(index):
        out[index] = a  # a view: every element appears once
    else:
        np.add.at(out, index, a)  # integer arrays may repeat an element
    return out


class Cat(Function):
    """out = the inputs concatenated along `dim`; each input's gradient is its slice"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return _slices(ctx, grad)

    @staticmethod
    def backward_numpy(ctx, grad, *arrays):
        return _slices(ctx, grad)


def _slices(ctx, grad):
    """Each input's part of grad along ctx.dim (None where no gradient is needed); works
    for a Tensor and an ndarray alike."""
    grads, start = [], 0
    lead = (slice(None),) * ctx.dim
    for size, need in zip(ctx.sizes, ctx.needs_input_grad):
        grads.append(grad[lead + (slice(start, start + size),)] if need else None)
        start += size
    return tuple(grads)
