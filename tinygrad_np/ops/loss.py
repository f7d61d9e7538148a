"""Ops fused for losses: LabelCrossEntropy and CrossEntropy (log-softmax and the class-label
loss in one op; the first for the common case, the second with every option) and Softplus
(log(1 + e^a) without overflow, for binary cross-entropy with logits).

The user-facing losses, with their checks and reductions, are in tinygrad_np.nn.functional.
"""

from __future__ import annotations

import numpy as np

from .._kernels import row_max, row_sums
from ..function import Function


class LabelCrossEntropy(Function):
    """Cross-entropy of 2-D logits z (N, C) against labels t that are all class indices,
    without weights or smoothing, reduced to a scalar; scale is 1/N ('mean') or 1 ('sum'):
        loss = scale Σ_i (logsumexp(z_i) - z_i,t_i),   d loss / d z = scale (softmax(z) - onehot(t))
    The common case of CrossEntropy below, with none of its per-row weights and masks. The
    labels come as `positions`, their flat indices i C + t_i (label_positions), which
    pick z_i,t_i from the raveled logits without a two-axis gather."""

    @staticmethod
    def forward(ctx, z, positions=None, scale=1.0):
        shifted, probs, lse = _shifted_softmax(z)  # fresh and row-major: ravel is a view
        # positions is the caller's fresh array, so backward uses the labels forward used
        ctx.probs, ctx.positions, ctx.scale = probs, positions, scale
        # backward's d = g probs has z's shape, and its dtype unless z's byte order is not
        # native (NumPy's results are)
        ctx._exact_gradients = probs.dtype is z.dtype
        # scale is a Python float, so a float32 loss stays float32
        return np.add.reduce(lse - shifted.reshape(-1)[positions]) * scale

    @staticmethod
    def backward(ctx, grad):
        # differentiable (create_graph): softmax again from the input, not the saved one
        (z,) = ctx.inputs
        onehot = np.zeros(ctx.probs.shape, ctx.probs.dtype)
        onehot.reshape(-1)[ctx.positions] = 1
        return (z.softmax(1) - onehot) * (grad * ctx.probs.dtype.type(ctx.scale))

    @staticmethod
    def backward_numpy(ctx, grad, z):
        g = float(grad) * ctx.scale  # a Python float: d stays in the softmax's dtype
        d = ctx.probs * g
        d.reshape(-1)[ctx.positions] -= g
        return d


def label_positions(labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray | None:
    """The flat index i C + t_i of each row's label t_i in C-ordered logits of 2-D `shape`
    (N, C), for LabelCrossEntropy; None if some label is not a class index in 0..C-1.
    ravel_multi_index checks the range as it computes: no separate pass over the labels."""
    try:
        return np.ravel_multi_index((np.arange(len(labels)), labels), shape)
    except (ValueError, TypeError):  # TypeError: labels that do not cast to indices
        return None


class CrossEntropy(Function):
    """Cross-entropy of logits `a` against integer class labels along `dim`, fused for
    stability and speed: log-softmax is max-shifted and computed once.

    With ε = label_smoothing, C classes, w the class weights (1 if none), t_i the label of
    row i and v_i = 0 for rows whose label is ignore_index, else 1:
        loss_i = v_i [(1-ε) w_{t_i} (-log p_{i t_i}) + ε/C Σ_c w_c (-log p_ic)]
        d loss_i / d a_ic = r_i p_ic - q_ic,   q_ic = v_i [(1-ε) w_{t_i} [c = t_i] + ε/C w_c],
                                               r_i = Σ_c q_ic
    which is softmax - onehot without weights or smoothing. 'mean' divides the sum by
    Σ_i v_i w_{t_i} (the count of non-ignored rows without weights), as PyTorch does.

    Options: labels (an int ndarray of a's shape without `dim`, already range-checked),
    in_range (True when every label is a class index, none an out-of-range ignore_index),
    weight (a (C,) ndarray of a's dtype, or None), ignore_index, label_smoothing,
    reduction, dim. Internally rows are a 2-D (rows, classes) view of `a`.
    """

    @staticmethod
    def forward(ctx, a, labels=None, in_range=False, weight=None, ignore_index=-100,
                label_smoothing=0.0, reduction="mean", dim=1):
        # the labels are copied: backward must use the ones forward used, even if the
        # caller changes the target in between
        z, t = _rows(a, dim), labels.reshape(-1).copy()
        n_rows, n_classes = z.shape
        eps = label_smoothing
        shifted, probs, lse = _shifted_softmax(z)  # the softmax is saved for backward
        # a row can be ignored only if ignore_index is a class index or some label is not
        # one (in_range: the caller checked all labels are in 0..C-1); else no mask is needed
        maybe_ignored = 0 <= ignore_index < n_classes or not in_range
        valid = t != ignore_index if maybe_ignored else None
        safe = t if valid is None else np.where(valid, t, 0)
        rows = np.arange(n_rows)
        nll = lse - shifted[rows, safe]  # -log p at the label
        if weight is None and valid is None:
            w_row = None  # every row has weight 1
            loss = nll if not eps else nll * (1 - eps)
        else:
            w = np.ones(n_classes, a.dtype) if weight is None else weight
            w_row = w[safe] if valid is None else np.where(valid, w[safe], 0).astype(a.dtype)
            loss = nll * ((1 - eps) * w_row)
        if eps:
            w = np.ones(n_classes, a.dtype) if weight is None else weight
            smooth = w.sum() * lse - shifted @ w  # Σ_c w_c (-log p_c)
            loss = loss + (eps / n_classes) * smooth
        if valid is not None:
            loss = np.where(valid, loss, 0).astype(a.dtype, copy=False)
        scale = 1.0
        if reduction == "mean":
            total_weight = n_rows if w_row is None else w_row.sum(dtype=np.float64)
            # a Python float, so the float32 loss stays float32; all rows ignored (or of
            # weight 0): the loss is 0/0, nan, and no row gets a gradient, as in PyTorch
            scale = float(1.0 / total_weight) if total_weight else 0.0
        ctx.probs, ctx.shape, ctx.rows, ctx.safe = probs, a.shape, rows, safe
        ctx.w_row, ctx.valid, ctx.weight, ctx.eps = w_row, valid, weight, eps
        ctx.reduction, ctx.dim, ctx.scale = reduction, dim, scale
        if reduction == "none":
            return loss.reshape(labels.shape)
        total = np.add.reduce(loss)
        if reduction == "sum":
            return total
        return total * scale if scale else total * float("nan")  # a Python float keeps dtype

    @staticmethod
    def backward(ctx, grad):
        # differentiable (create_graph): softmax again from the input, not the saved one
        (a,) = ctx.inputs
        dim, dtype = ctx.dim, ctx.probs.dtype
        on_target, row_total, smooth = _targets(ctx)
        q = np.zeros(ctx.probs.shape, dtype)
        q[ctx.rows, ctx.safe] = on_target
        if smooth is not None:
            q += smooth
        keep = a.shape[:dim] + (1,) + a.shape[dim + 1 :]
        r = row_total if np.isscalar(row_total) else row_total.reshape(keep)
        step = a.softmax(dim) * r - _unrows(q, a.shape, dim)
        if ctx.reduction == "none":
            return step * grad.reshape(keep)
        return step * (grad * dtype.type(ctx.scale))

    @staticmethod
    def backward_numpy(ctx, grad, a):
        probs = ctx.probs
        if ctx.w_row is None and not ctx.eps and ctx.reduction != "none":
            # the common case, q = onehot and r = 1: d = g (p - onehot)
            d = _softmax_minus_onehot(probs, ctx.rows, ctx.safe, float(grad) * ctx.scale)
            return _unrows(d, ctx.shape, ctx.dim)
        on_target, row_total, smooth = _targets(ctx)
        if ctx.reduction == "none":
            g = np.asarray(grad).reshape(-1).astype(probs.dtype, copy=False)  # one per row
        else:
            g = float(grad) * ctx.scale  # a Python float: d stays in probs' dtype
        # d = g (r p - q): the saved softmax scaled once, then the label entries taken off
        coef = g * row_total
        d = probs * (coef[:, None] if np.ndim(coef) else coef)
        d[ctx.rows, ctx.safe] -= g * on_target
        if smooth is not None:
            d -= (g[:, None] if np.ndim(g) else g) * smooth
        return _unrows(d, ctx.shape, ctx.dim)


def _shifted_softmax(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For 2-D logits z (rows, classes): z - max (so no exp overflows), softmax(z), and
    log Σ exp(z - max) per row (so log p = z - max - that)."""
    # row-major whatever z's layout (transposed logits are column-major), so ravel is a
    # view and LabelCrossEntropy's writes through it land
    shifted = np.subtract(z, row_max(z).reshape(-1, 1), order="C")
    probs = np.exp(shifted)
    sum_exp = row_sums(probs)
    lse = np.log(sum_exp)
    probs /= sum_exp.reshape(-1, 1)
    return shifted, probs, lse


def _softmax_minus_onehot(probs: np.ndarray, rows: np.ndarray, labels: np.ndarray,
                          g: float) -> np.ndarray:
    """g (softmax - onehot(labels)), from the saved softmax; g is a Python float, so the
    result stays in probs' dtype."""
    d = probs * g
    d[rows, labels] -= g
    return d


def _targets(ctx) -> tuple:
    """(q at each row's label, r_i = Σ_c q_ic, the smoothing part of q or None); r is 1
    for every row without weights, ignores or smoothing."""
    probs, eps = ctx.probs, ctx.eps
    n_classes, dtype = probs.shape[1], probs.dtype
    on_target = (1 - eps) if ctx.w_row is None else (1 - eps) * ctx.w_row
    row_total = on_target
    smooth = None
    if eps:
        w = np.ones(n_classes, dtype) if ctx.weight is None else ctx.weight
        valid = 1 if ctx.valid is None else ctx.valid
        smooth = np.outer(np.broadcast_to(valid * dtype.type(eps / n_classes),
                                          probs.shape[:1]), w).astype(dtype)
        row_total = row_total + smooth.sum(axis=1)
    return on_target, row_total, smooth


def _rows(a: np.ndarray, dim: int) -> np.ndarray:
    """a as a 2-D (rows, classes) array with the class axis `dim` last."""
    if a.ndim == 1:
        return a.reshape(1, -1)
    if dim == a.ndim - 1:
        return a
    return np.moveaxis(a, dim, -1).reshape(-1, a.shape[dim])


def _unrows(d: np.ndarray, shape: tuple[int, ...], dim: int) -> np.ndarray:
    """The inverse of _rows: a (rows, classes) array back to `shape` with classes at `dim`."""
    if len(shape) <= 2 and dim == len(shape) - 1:
        return d if d.shape == shape else d.reshape(shape)
    moved = shape[:dim] + shape[dim + 1 :] + (shape[dim],)
    return np.moveaxis(d.reshape(moved), -1, dim)


class Softplus(Function):
    """out = log(1 + e^a), as max(a, 0) + log1p(e^-|a|) so it never overflows;
    d/da = sigmoid(a)"""

    @staticmethod
    def forward(ctx, a):
        return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * a.sigmoid()

    @staticmethod
    def backward_numpy(ctx, grad, a):
        e = np.exp(-np.abs(a))  # sigmoid(a) without overflow, as Sigmoid computes it
        return grad * np.where(a >= 0, 1 / (1 + e), e / (1 + e))
