"""Matrix products: MatMul (NumPy's matmul rules, batched and broadcasting), the fused
affine map Linear (x @ wᵀ + b), which saves two graph nodes and a temporary per layer, and
LinearReLU (a Linear layer and the ReLU after it, as nn.Sequential runs them)."""

from __future__ import annotations

import math

import numpy as np

from ..function import Function


class MatMul(Function):
    """out = a @ b;  d/da = grad @ bᵀ,  d/db = aᵀ @ grad (1-D operands promoted as NumPy does)"""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes "
                             f"{a.shape} and {b.shape}")
        k_a = a.shape[-1]
        k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are not aligned: "
                             f"{k_a} (dim -1 of the first) != {k_b} (dim "
                             f"{-2 if b.ndim > 1 else 0} of the second)")
        try:
            return np.matmul(a, b)
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} "
                             "cannot be broadcast together") from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        # a 1-D operand acts as a row (a) or a column (b) whose unit axis is dropped in out
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        # b's axis first: for vector @ vector the gradient is 0-d and gets both back
        if b.ndim == 1:
            grad = grad.unsqueeze(-1)
        if a.ndim == 1:
            grad = grad.unsqueeze(-2)
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ b2.mT
            if a.ndim == 1:
                grad_a = grad_a.squeeze(-2)
        if need_b:
            grad_b = a2.mT @ grad
            if b.ndim == 1:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        need_a, need_b = ctx.needs_input_grad
        a2 = a[None, :] if a.ndim == 1 else a  # as in backward: a row and a column
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:
            grad = np.expand_dims(grad, -1)
        if a.ndim == 1:
            grad = np.expand_dims(grad, -2)
        grad_a = grad_b = None
        if need_a:
            grad_a = grad @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                grad_a = grad_a.squeeze(-2)
        if need_b:
            grad_b = _transposed_product(a2, grad) if a2.ndim == grad.ndim == 2 else \
                np.swapaxes(a2, -1, -2) @ grad
            if b.ndim == 1:
                grad_b = grad_b.squeeze(-1)
        return grad_a, grad_b


def _transposed_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """aᵀ @ b for 2-D a and b. With one row, aᵀ @ b is an outer product, for which NumPy's
    matmul leaves BLAS for a slow loop (numpy/numpy#23588: 7x slower for a 128 x 784
    weight gradient); np.dot keeps BLAS. For more rows matmul is the faster of the two."""
    return np.dot(a.T, b) if len(a) == 1 else a.T @ b


class Linear(Function):
    """out = x @ wᵀ + b for x of shape (..., in), w (out, in), b (out,);
    d/dx = grad @ w,  d/dw = gradᵀ x (over all leading dims),  d/db = Σ grad"""

    @staticmethod
    def forward(ctx, x, w, b=None):
        if x.ndim == 0 or w.ndim != 2 or x.shape[-1] != w.shape[1]:
            expected = f"input (..., {w.shape[1]})" if w.ndim == 2 else "a 2-D weight"
            raise ValueError(f"linear: input of shape {x.shape} does not match weight of shape "
                             f"{w.shape} (expected {expected})")
        out = x @ w.T
        if b is not None:
            if b.shape not in ((w.shape[0],), ()):
                raise ValueError(f"linear: bias of shape {b.shape} does not match weight of "
                                 f"shape {w.shape} (expected ({w.shape[0]},))")
            out += b  # in place: out is a fresh array
        return out

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.inputs[:2]
        needs = ctx.needs_input_grad
        grad_x = grad @ w if needs[0] else None
        grad_w = None
        if needs[1]:
            rows = math.prod(x.shape[:-1])  # not -1: a feature size may be 0
            flat_grad = grad.reshape(rows, w.shape[0])
            flat_x = x.reshape(rows, w.shape[1])
            grad_w = flat_grad.mT @ flat_x
        # the bias gradient is grad itself: the engine sums it over the broadcast dims
        return (grad_x, grad_w, grad) if len(needs) == 3 else (grad_x, grad_w)

    @staticmethod
    def backward_numpy(ctx, grad, x, w, b=None):
        needs = ctx.needs_input_grad
        grad_x = grad @ w if needs[0] else None
        if x.ndim != 2:  # for w and b, the leading dims are one batch dim (not -1: a
            rows = math.prod(x.shape[:-1])  # feature size may be 0)
            grad, x = grad.reshape(rows, w.shape[0]), x.reshape(rows, w.shape[1])
        grad_w = _transposed_product(grad, x) if needs[1] else None
        if b is None:
            return grad_x, grad_w
        return grad_x, grad_w, (np.add.reduce(grad, axis=0) if needs[2] else None)


class LinearReLU(Linear):
    """out = max(x @ wᵀ + b, 0): Linear with the ReLU after it applied in place to its fresh
    output, one graph node and one array fewer than the two ops;
    d/d(x @ wᵀ + b) = grad where out > 0, else 0, then Linear's gradients from that.
    (out > 0 exactly where x @ wᵀ + b > 0, so the gradients are ReLU's and Linear's.)"""

    @staticmethod
    def forward(ctx, x, w, b=None):
        out = Linear.forward(ctx, x, w, b)
        return np.maximum(out, 0, out=out)

    @staticmethod
    def backward(ctx, grad):
        return Linear.backward(ctx, grad * _active(ctx))

    @staticmethod
    def backward_numpy(ctx, grad, x, w, b=None):
        return Linear.backward_numpy(ctx, grad * _active(ctx), x, w, b)


def _active(ctx) -> np.ndarray:
    """Where LinearReLU's output is positive (ctx.output refuses an output changed in place
    since forward, which would give the wrong mask)."""
    return ctx.output._data > 0
