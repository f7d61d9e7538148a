"""Softmax and log-softmax along one dim, fused for numerical stability (max-subtracted)."""

from __future__ import annotations

import numpy as np

from ..function import Function
from .reduce import max_or_minus_inf


class Softmax(Function):
    """out = e^(a - max) / Σ e^(a - max);  d/da: out ⊙ (grad - Σ grad ⊙ out)"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a, dim=-1):
        ctx.dim = dim
        e = np.exp(a - max_or_minus_inf(a, dim))
        e /= e.sum(axis=dim, keepdims=True)
        return e

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return out * (grad - (grad * out).sum(ctx.dim, keepdim=True))

    @staticmethod
    def backward_numpy(ctx, grad, a):
        out = ctx.output._data
        return out * (grad - (grad * out).sum(axis=ctx.dim, keepdims=True))


class LogSoftmax(Function):
    """out = a - logsumexp(a), stable for logits of any size;  d/da: grad - softmax Σ grad"""

    reads_input_values = False

    @staticmethod
    def forward(ctx, a, dim=-1):
        ctx.dim = dim
        shifted = a - max_or_minus_inf(a, dim)
        shifted -= np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        return shifted

    @staticmethod
    def backward(ctx, grad):
        return grad - ctx.output.exp() * grad.sum(ctx.dim, keepdim=True)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad - np.exp(ctx.output._data) * grad.sum(axis=ctx.dim, keepdims=True)

