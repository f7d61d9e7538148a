"""Gradient clipping between backward() and optimizer.step(), as torch.nn.utils offers it:
clip_grad_norm_ scales all gradients together so their joint norm is at most max_norm;
clip_grad_value_ clamps each gradient element. Both change the .grad arrays in place and
skip parameters without a gradient."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..function import no_grad
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients in place so that their total norm is at most max_norm.

    The total norm is the p-norm of the vector of every gradient's own p-norm (the norm of
    all gradient elements as one vector). The gradients are multiplied by
    min(1, max_norm / (total + 1e-6)), PyTorch's factor.

    Args:
        parameters: a Tensor or an iterable of Tensors; those whose .grad is None are left.
        max_norm: the largest total norm allowed (>= 0).
        norm_type: p, a positive number, or inf (also 'inf') for the largest |element|.
        error_if_nonfinite: raise instead of scaling when the total norm is nan or inf.

    Returns:
        The total norm before clipping, as a 0-d Tensor (0 when no parameter has a gradient).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np.nn.utils import clip_grad_norm_
        >>> w = tnp.zeros(2, requires_grad=True)
        >>> (w * tnp.tensor([3.0, 4.0])).sum().backward()
        >>> clip_grad_norm_([w], max_norm=1.0)       # the norm before: sqrt(3² + 4²)
        tensor(5.)
        >>> w.grad.numpy().round(4)                    # scaled by 1 / (5 + 1e-6)
        array([0.6, 0.8], dtype=float32)
    """
    try:
        p = float(norm_type)  # 'inf' and inf alike
    except (TypeError, ValueError):
        p = math.nan
    if not p > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be a positive number or inf, got "
                         f"{norm_type!r}")
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm!r}")
    grads = _gradients(parameters)
    if not grads:
        return Tensor(np.float32(0.0))
    norms = np.array([_vector_norm(g.numpy(), p) for g in grads])
    total = np.result_type(*[g.dtype for g in grads]).type(_vector_norm(norms, p))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {p} of the gradients is "
                           f"{float(total)}, so they cannot be scaled to max_norm; pass "
                           "error_if_nonfinite=False to scale them by it anyway")
    scale = max_norm / (float(total) + 1e-6)
    scale = 1.0 if scale >= 1.0 else scale  # not min(): a nan norm makes every gradient nan,
    # as in PyTorch, rather than leaving the finite ones as they were
    with no_grad():
        for g in grads:
            g.mul_(scale)
    return Tensor(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place.

    Args:
        parameters: a Tensor or an iterable of Tensors; those whose .grad is None are left.
        clip_value: the largest |element| allowed (>= 0).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np.nn.utils import clip_grad_value_
        >>> w = tnp.zeros(3, requires_grad=True)
        >>> (w * tnp.tensor([0.5, -3.0, 9.0])).sum().backward()
        >>> clip_grad_value_(w, 1.0); w.grad
        tensor([ 0.5, -1. ,  1. ])
    """
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value!r}")
    with no_grad():
        for g in _gradients(parameters):
            g.clamp_(-clip_value, clip_value)


def _gradients(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [t._grad for t in params if t._grad is not None]


def _vector_norm(a: np.ndarray, p: float) -> float:
    """The p-norm of a's elements as one vector (max |a| for p = inf, 0 when empty)."""
    a = np.abs(a.ravel())
    if not a.size:
        return 0.0
    if math.isinf(p):
        return float(a.max())
    return float(np.sum(a.astype(np.float64) ** p) ** (1 / p))
