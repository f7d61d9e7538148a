"""Reductions along `dim`: Sum, Prod, Max (Min is -max(-a)), LogSumExp.

Forward receives `axes` already normalized (a sorted tuple, or None for all). Backward
reshapes the gradient to keepdim form and broadcasts it back over the reduced axes.
"""

from __future__ import annotations

import numpy as np

from ..function import Function


def _keepdim_shape(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> tuple[int, ...]:
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """out = Σ a over axes;  d/da = 1 (the gradient is broadcast back)"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False):
        ctx.axes = axes
        return a.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad.reshape(_keepdim_shape(a.shape, ctx.axes)).expand(a.shape)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return np.broadcast_to(np.reshape(grad, _keepdim_shape(a.shape, ctx.axes)), a.shape)


class Prod(Function):
    """out = Π a over axes;  d/da_i = Π_{j≠i} a_j, the product of the others in a_i's slice.
    That product is taken as it is, never as out / a_i, so zeros are exact: a slice with
    one zero sends the product of the rest to the zero's place and 0 elsewhere; with two
    or more, every gradient in it is 0"""

    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False):
        ctx.axes = axes
        # bools and integers multiply in int64, as in PyTorch (NumPy: uint64 for unsigned)
        dtype = np.int64 if a.dtype.kind in "biu" else None
        return np.prod(a, axis=axes, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        # differentiable (create_graph): the product of the others, as Tensor ops whose own
        # derivatives are right. With z zeros in a slice and p = Π of its nonzero values:
        # z = 0: others_i = p / a_i;  z = 1: p at the zero, a_zero p / a_i elsewhere (0, but
        # its derivative by a_zero is p / a_i). z >= 2 would need the zeros' own products.
        (a,) = ctx.inputs
        axes, kshape = ctx.axes, _keepdim_shape(a.shape, ctx.axes)
        is_zero = a.data == 0
        zeros = is_zero.sum(axis=axes, keepdims=True)
        if (zeros >= 2).any():
            raise NotImplementedError(
                f"prod: with create_graph, the gradient of a product over a slice holding two "
                f"or more zeros is not implemented (input of shape {a.shape}); its first "
                "derivatives are all 0, but their own derivatives are not")
        nonzero = a.where(~is_zero, 1.0)
        p = nonzero.prod(axes, keepdim=True)
        zero_value = a.where(is_zero, 0.0).sum(axes, keepdim=True) + (zeros == 0)  # a_zero, or 1
        others = (zero_value * p / nonzero).where(~is_zero, p)
        return grad.reshape(kshape) * others

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return np.reshape(grad, _keepdim_shape(a.shape, ctx.axes)) * _product_of_others(a, ctx.axes)


def _product_of_others(a: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    """For each element, the product of the other elements of its slice over `axes`: the
    product of those before it times the product of those after it (exclusive cumulative
    products from either end), with the reduced axes laid out as one."""
    reduced = tuple(range(a.ndim)) if axes is None else axes
    kept = tuple(i for i in range(a.ndim) if i not in reduced)
    moved = np.transpose(a, kept + reduced)
    lines = moved.reshape(moved.shape[:len(kept)] + (-1,))
    before, after = np.ones_like(lines), np.ones_like(lines)
    if lines.shape[-1] > 1:
        np.cumprod(lines[..., :-1], axis=-1, out=before[..., 1:])
        np.cumprod(lines[..., :0:-1], axis=-1, out=after[..., -2::-1])
    others = (before * after).reshape(moved.shape)
    return np.transpose(others, np.argsort(kept + reduced))


class Max(Function):
    """out = max of a over axes; the gradient is shared evenly among the tied maxima, or,
    with `at_index` (max(dim) of one dim, as in PyTorch), goes to the first maximum only"""

    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False, at_index=False):
        if 0 in (a.shape if axes is None else [a.shape[i] for i in axes]):
            raise ValueError(f"max: cannot reduce over an empty dimension (tensor of shape "
                             f"{a.shape}); there is no maximum of nothing")
        ctx.axes = axes
        ctx.at_index = at_index
        return a.max(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        kshape = _keepdim_shape(a.shape, ctx.axes)
        if ctx.at_index and ctx.axes:
            (axis,) = ctx.axes
            is_max = np.zeros(a.shape, dtype=grad.data.dtype)
            first = np.argmax(a.data, axis=axis, keepdims=True)  # the index max(dim) returns
            np.put_along_axis(is_max, first, 1, axis=axis)
        else:
            is_max = (a.data == ctx.output.data.reshape(kshape)).astype(grad.data.dtype)
            is_max /= is_max.sum(axis=ctx.axes, keepdims=True)
        return grad.reshape(kshape) * is_max


class LogSumExp(Function):
    """out = log Σ e^a over axes, shifted by the max so nothing overflows;  d/da = softmax(a)"""

    @staticmethod
    def forward(ctx, a, axes=None, keepdim=False):
        ctx.axes = axes
        m = max_or_minus_inf(a, axes)
        m = np.where(np.isfinite(m), m, 0)  # all -inf along an axis: log 0 = -inf, not nan
        with np.errstate(divide="ignore"):  # log 0 = -inf: an empty or all -inf axis
            out = np.log(np.exp(a - m).sum(axis=axes, keepdims=True)) + m
        return out if keepdim else np.squeeze(out, axis=axes)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        kshape = _keepdim_shape(a.shape, ctx.axes)
        return grad.reshape(kshape) * (a - ctx.output.reshape(kshape)).exp()

    @staticmethod
    def backward_numpy(ctx, grad, a):
        kshape = _keepdim_shape(a.shape, ctx.axes)
        return np.reshape(grad, kshape) * np.exp(a - ctx.output._data.reshape(kshape))


def max_or_minus_inf(a: np.ndarray, axes) -> np.ndarray:
    """a's max over axes, kept as size-1 dims; for an empty array, -inf (in a float dtype)
    where NumPy's max would raise: logsumexp over nothing is log 0, and the softmax of an
    empty array is empty."""
    if a.size:
        return a.max(axis=axes, keepdims=True)
    dtype = a.dtype if a.dtype.kind == "f" else np.float64
    return np.zeros(a.shape, dtype).max(axis=axes, keepdims=True, initial=-np.inf)
