"""Functional forms of the layers and losses, PyTorch's torch.nn.functional names.
Order: linear, activations, dropout, one_hot, then losses (cross_entropy, nll_loss,
mse_loss, binary_cross_entropy_with_logits) and their shared checks.

Every loss refuses a target whose shape differs from what the prediction implies, instead
of broadcasting (a deliberate difference from PyTorch, which only warns for mse_loss: a
(N, 1) prediction against a (N,) target would silently train on an (N, N) matrix).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._args import is_integer
from ..ops.elementwise import ReLU
from ..ops.linalg import Linear
from ..ops.loss import CrossEntropy, LabelCrossEntropy, Softplus, label_positions
from ..random import generator
from ..tensor import Tensor, where
from ._erf import GELU

__all__ = [
    "binary_cross_entropy_with_logits", "cross_entropy", "dropout", "gelu", "leaky_relu",
    "linear", "log_softmax", "mse_loss", "nll_loss", "one_hot", "relu", "sigmoid", "softmax",
    "tanh",
]

_REDUCTIONS = ("none", "mean", "sum")
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}  # by itemsize
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """input @ weightᵀ + bias, fused into one op.

    Args:
        input: shape (..., in_features).
        weight: shape (out_features, in_features), as in PyTorch.
        bias: shape (out_features,), or None.

    Returns:
        Shape (..., out_features).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.functional.linear(tnp.ones(1, 2), tnp.ones(3, 2), tnp.zeros(3))
        tensor([[2., 2., 2.]])
    """
    # the bias is a third input only when there is one
    return Linear.apply(input, weight) if bias is None else Linear.apply(input, weight, bias)


# ---- activations -----------------------------------------------------------------------------


def relu(input: Tensor) -> Tensor:  # noqa: A002
    """max(x, 0) elementwise."""
    return ReLU.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """x where x > 0, else negative_slope * x.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.functional.leaky_relu(tnp.tensor([-2.0, 3.0]), 0.5)
        tensor([-1.,  3.])
    """
    return where(input.data > 0, input, input * negative_slope)


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """1 / (1 + e^-x) elementwise, without overflow."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """tanh(x) elementwise."""
    return input.tanh()


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit: x Φ(x), Φ the standard normal CDF.

    Args:
        input: any shape.
        approximate: 'none' for the exact form (computed with erf), or 'tanh' for
            0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.functional.gelu(tnp.tensor([0.0, 1.0])).tolist()
        [0.0, 0.8413447141647339]
    """
    if approximate == "none":
        return GELU.apply(input)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * _SQRT_2_OVER_PI
        return input * 0.5 * (inner.tanh() + 1)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softmax(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """exp(x) / Σ exp(x) along dim, max-shifted so it never overflows. Without dim, the
    last of a 1-D or 2-D input (PyTorch's choice too); other inputs need one."""
    return input.softmax(_softmax_dim(input, dim, "softmax"))


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """x - logsumexp(x) along dim, stable for logits of any size. Without dim, the last of
    a 1-D or 2-D input (PyTorch's choice too); other inputs need one."""
    return input.log_softmax(_softmax_dim(input, dim, "log_softmax"))


def _softmax_dim(input: Tensor, dim: int | None, op: str) -> int:  # noqa: A002
    """dim, or the one PyTorch implies where that is the last: for up to 2 dims. PyTorch
    implies dim 0 for 3-D input and 1 for 4-D ((N, C, H, W): the channels), with a
    deprecation warning; a silent guess either way would normalise the wrong axis."""
    if dim is not None:
        return dim
    if input.ndim <= 2:
        return -1
    raise ValueError(f"{op}: pass dim for an input of shape {input.shape} (PyTorch's "
                     "implicit dim for 3-D and 4-D input, 0 and 1, is deprecated)")


def dropout(input: Tensor, p: float = 0.5, training: bool = True) -> Tensor:  # noqa: A002
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted
    dropout: the expectation is unchanged), drawing the mask from the shared generator.

    Args:
        input: a floating point tensor.
        p: the probability of zeroing, in [0, 1]; p = 1 gives zeros.
        training: when False (evaluation), input is returned unchanged.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> x = tnp.ones(100)
        >>> nn.functional.dropout(x, 0.5, training=False) is x
        True
        >>> sorted(set(nn.functional.dropout(x, 0.5).tolist()))  # zeroed, or kept and doubled
        [0.0, 2.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if input.dtype.kind != "f":
        raise TypeError(f"dropout: input must be floating point, got {input.dtype}")
    if not training or p == 0.0:
        return input
    dtype = input.dtype if input.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    if p == 1.0:
        return input * np.zeros(input.shape, dtype=input.dtype)
    keep = generator().random(input.shape, dtype=dtype.type) >= dtype.type(p)
    scale = np.asarray(1.0 / (1.0 - p), dtype=input.dtype)
    return input * (keep.astype(input.dtype) * scale)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Integer labels of any shape -> int64 one-hot of shape (*tensor.shape, num_classes)
    (num_classes = -1: one more than the largest label).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.functional.one_hot(tnp.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]])
    """
    labels = np.asarray(tensor.data if isinstance(tensor, Tensor) else tensor)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    if num_classes == -1:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise ValueError(f"one_hot: label(s) {np.unique(bad)[:5].tolist()} out of range for "
                         f"num_classes={num_classes}")
    out = (labels[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor(out)


# ---- losses ----------------------------------------------------------------------------------


def cross_entropy(input: Tensor, target: Any, weight: Any = None,  # noqa: A002
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and class labels or class probabilities, computed from
    a stable log-softmax (finite for logits of any size).

    With integer labels the loss and its gradient (softmax - target distribution) are one
    fused op; probability targets are differentiable too. Unlike PyTorch, a target of the
    wrong shape is an error, never broadcast.

    Args:
        input: logits of shape (N, C), (C,) or (N, C, d1, ...); classes along dim 1 (0 for
            1-D input).
        target: integer class labels of shape (N,) (() for 1-D input, (N, d1, ...)), or
            float class probabilities of input's shape.
        weight: optional (C,) weight per class (a constant: it gets no gradient).
        ignore_index: label whose rows add nothing and are not counted (labels only).
        reduction: 'mean' (over non-ignored rows; weighted by their class weights when a
            weight is given), 'sum' or 'none'.
        label_smoothing: ε in [0, 1]: the target becomes (1 - ε) target + ε / C.

    Returns:
        A scalar tensor, or the per-row losses for reduction='none'.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> logits = tnp.tensor([[0.0, 0.0], [10000.0, -10000.0]], requires_grad=True)
        >>> loss = nn.functional.cross_entropy(logits, tnp.tensor([1, 0]))
        >>> round(loss.item(), 4)
        0.3466
        >>> loss.backward(); logits.grad
        tensor([[ 0.25, -0.25],
                [ 0.  ,  0.  ]])
    """
    labels = target._data if type(target) is Tensor else target
    if type(input) is Tensor and type(labels) is np.ndarray and weight is None and \
            label_smoothing == 0.0 and (reduction == "mean" or reduction == "sum"):
        # the call of every training step, (N, C) logits and (N,) class indices, checked
        # inline: everything it skips is checked below when this test fails
        z = input._data
        n_classes = z.shape[1] if z.ndim == 2 else 0
        if n_classes and z.dtype.kind == "f" and labels.dtype.kind in "iu" and \
                labels.shape == z.shape[:1] and labels.size and \
                not 0 <= ignore_index < n_classes:
            positions = label_positions(labels, z.shape)  # None: a label to ignore or refuse
            if positions is not None:
                scale = 1.0 / len(labels) if reduction == "mean" else 1.0
                return LabelCrossEntropy.apply(input, positions=positions, scale=scale)
    op = "cross_entropy"
    _check_input(input, op)
    _check_reduction(reduction, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    dim = _class_dim(input)
    w = _class_weight(weight, input, op)
    target = _as_tensor(target)
    if target._data.dtype.kind == "f":
        target = _as_tensor(target, input.dtype)
        if target.shape != input.shape:
            raise ValueError(
                f"{op}: a floating point target holds class probabilities and must have the "
                f"input's shape {input.shape}, got {target.shape}; class labels must be "
                f"integers of shape {_label_shape(input)}"
            )
        n_classes = input.shape[dim]
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        if w is not None:
            target = target * _along_dim(w, dim, input.ndim)
        loss = -(input.log_softmax(dim) * target).sum(dim)
        return _reduce(loss, reduction)
    labels, in_range = _labels(input, target, ignore_index, op)
    return CrossEntropy.apply(input, labels=labels, in_range=in_range, weight=w,
                              ignore_index=ignore_index,
                              label_smoothing=float(label_smoothing), reduction=reduction,
                              dim=dim)


def nll_loss(input: Tensor, target: Any, weight: Any = None,  # noqa: A002
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -input[i, target[i]] (times the class weight), from
    log-probabilities such as log_softmax's output.

    Args:
        input: log-probabilities of shape (N, C), (C,) or (N, C, d1, ...).
        target: integer class labels of shape (N,) (() for 1-D input, (N, d1, ...)).
        weight: optional (C,) weight per class.
        ignore_index: label whose rows add nothing and are not counted.
        reduction: 'mean' (divided by the summed weights of the non-ignored rows), 'sum'
            or 'none'.

    Returns:
        A scalar tensor, or the per-row losses for reduction='none'.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> log_p = tnp.tensor([[-1.0, -2.0], [-3.0, -4.0]])
        >>> nn.functional.nll_loss(log_p, tnp.tensor([1, 0]))
        tensor(2.5)
    """
    op = "nll_loss"
    _check_input(input, op)
    _check_reduction(reduction, op)
    target = _as_tensor(target)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold integer class labels of shape "
                        f"{_label_shape(input)}, got {target.dtype} of shape {target.shape}; "
                        "for class probabilities use cross_entropy")
    dim = _class_dim(input)
    labels, _ = _labels(input, target, ignore_index, op)
    w = _class_weight(weight, input, op)
    valid = labels != ignore_index
    safe = np.where(valid, labels, 0)
    w_row = np.where(valid, 1 if w is None else w[safe], 0).astype(input.dtype)
    # a constant one-hot mask weighted per row picks -input[i, target[i]]
    classes = _along_dim(np.arange(input.shape[dim]), dim, input.ndim)
    pick = (np.expand_dims(safe, dim) == classes) * np.expand_dims(w_row, dim)
    loss = -(input * pick.astype(input.dtype)).sum(dim)
    if reduction == "mean":
        total_weight = w_row.sum()
        if total_weight == 0:  # all rows ignored (or of weight 0): 0/0 is nan, as in PyTorch,
            return loss.sum() + float("nan")  # and no row gets a gradient (pick is all 0)
        return loss.sum() / total_weight
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """Mean squared error (input - target)², reduced.

    Unlike PyTorch, input and target must have the same shape: mse_loss of a (N, 1)
    prediction and a (N,) target raises ValueError instead of broadcasting to (N, N).

    Args:
        input: predictions, any shape.
        target: the same shape as input (a Tensor, array or number list).
        reduction: 'mean', 'sum' or 'none'.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.functional.mse_loss(tnp.tensor([1.0, 2.0]), tnp.tensor([1.0, 4.0]))
        tensor(2.)
        >>> nn.functional.mse_loss(tnp.zeros(3, 1), tnp.zeros(3))
        Traceback (most recent call last):
        ValueError: mse_loss: input shape (3, 1) and target shape (3,) differ; ...
    """
    op = "mse_loss"
    _check_input(input, op)
    _check_reduction(reduction, op)
    target = _same_shape_target(input, target, op)
    diff = input - target
    return _reduce(diff * diff, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any,  # noqa: A002
                                     weight: Any = None, reduction: str = "mean",
                                     pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy of sigmoid(input) against target, computed from the logits
    without overflow. With c = 1 + (pos_weight - 1) t, the loss is (1 - t) x + c softplus(-x),
    which is also c softplus(x) - pos_weight t x; the first form is used where x >= 0 and the
    second where x < 0, so that neither the loss nor its gradient, c sigmoid(x) - pos_weight t,
    loses precision to cancellation where it is tiny.

    Args:
        input: logits, any shape.
        target: probabilities in [0, 1] of input's shape (differentiable too).
        weight: optional weight broadcast against the per-element losses.
        reduction: 'mean', 'sum' or 'none'.
        pos_weight: optional weight of the positive term, broadcast along the last dim
            (one per class).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> x = tnp.tensor([0.0, 1e4, -1e4])
        >>> nn.functional.binary_cross_entropy_with_logits(x, tnp.tensor([1.0, 1.0, 0.0]),
        ...                                                reduction="none")
        tensor([0.6931472, 0.       , 0.       ])
    """
    op = "binary_cross_entropy_with_logits"
    _check_input(input, op)
    _check_reduction(reduction, op)
    if isinstance(weight, str):  # PyTorch's order: (input, target, weight, ..., reduction)
        raise TypeError(f"{op}: weight is the third argument, got {weight!r}; pass reduction "
                        "by keyword: reduction='sum'")
    target = _same_shape_target(input, target, op)
    c, pw_t = 1.0, target  # c = 1 + (pos_weight - 1) t
    if pos_weight is not None:
        pw = _weight_for(input, pos_weight, "pos_weight", op)
        c, pw_t = (pw - 1) * target + 1, pw * target
    # softplus(a) = log(1 + e^a), so softplus(-x) = -log sigmoid(x) = softplus(x) - x. Both
    # forms add two non-negative terms; their gradients, (1 - t) - c sigmoid(-x) for x >= 0
    # and c sigmoid(x) - pos_weight t for x < 0, do not cancel when t is 0 or 1
    nonnegative_x = (1 - target) * input + c * Softplus.apply(-input)
    negative_x = c * Softplus.apply(input) - pw_t * input
    loss = where(input._data >= 0, nonnegative_x, negative_x)
    if weight is not None:
        loss = loss * _weight_for(input, weight, "weight", op)
    return _reduce(loss, reduction)


# ---- shared checks ---------------------------------------------------------------------------


def _as_tensor(value: Any, dtype: Any = None) -> Tensor:
    """value as a Tensor; with `dtype` (the input's), converted to it, so a float64 NumPy
    target or weight does not turn a float32 loss into float64."""
    t = value if isinstance(value, Tensor) else Tensor(value)
    return t if dtype is None or t.dtype == dtype else t.to(dtype)


def _weight_for(input: Tensor, weight: Any, name: str, op: str) -> Tensor:  # noqa: A002
    """A weight in input's dtype that broadcasts to input's shape without enlarging it (a
    (N, 1) weight against (N,) logits must not turn the loss into (N, N))."""
    w = _as_tensor(weight, input.dtype)
    try:
        fits = np.broadcast_shapes(w.shape, input.shape) == input.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{op}: {name} of shape {w.shape} does not broadcast to the input's "
                         f"shape {input.shape}")
    return w


def _check_input(input: Tensor, op: str) -> None:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input._data.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got {input.dtype}")


def _check_reduction(reduction: str, op: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _class_dim(input: Tensor) -> int:  # noqa: A002
    ndim = input._data.ndim
    if ndim == 0:
        raise ValueError("a classification loss needs input of shape (C,), (N, C) or "
                         "(N, C, d1, ...), got a 0-d tensor")
    return 0 if ndim == 1 else 1


def _label_shape(input: Tensor) -> tuple[int, ...]:  # noqa: A002
    shape = input._data.shape
    return () if len(shape) == 1 else shape[:1] + shape[2:]


def _along_dim(v: np.ndarray, dim: int, ndim: int) -> np.ndarray:
    shape = [1] * ndim
    shape[dim] = -1
    return v.reshape(shape)


def _labels(input: Tensor, target: Tensor, ignore_index: int,  # noqa: A002
            op: str) -> tuple[np.ndarray, bool]:
    """The labels as an ndarray, checked for dtype, shape and range, and whether all of
    them are class indices (True), or some may be ignore_index outside 0..C-1 (False)."""
    if not is_integer(ignore_index):
        raise TypeError(f"{op}: ignore_index must be an int, got {ignore_index!r}")
    expected = _label_shape(input)
    labels = target._data
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{op}: class labels must be integers, got {target.dtype}")
    if labels.shape != expected:
        raise ValueError(f"{op}: input of shape {input.shape} needs class labels of shape "
                         f"{expected}, got target of shape {target.shape}")
    n_classes = input._data.shape[_class_dim(input)]
    if labels.size == 0:
        return labels, True
    if labels.dtype.isnative:
        in_range = _all_class_indices(labels, n_classes)
    else:
        in_range = labels.min() >= 0 and labels.max() < n_classes
    if in_range:
        return labels, True
    bad = labels[(labels != ignore_index) & ((labels < 0) | (labels >= n_classes))]
    if bad.size:
        raise IndexError(f"{op}: target label(s) {np.unique(bad)[:5].tolist()} out of range "
                         f"for {n_classes} classes (input shape {input.shape}; valid labels "
                         f"are 0..{n_classes - 1} or ignore_index={ignore_index})")
    return labels, False


def _all_class_indices(labels: np.ndarray, n_classes: int) -> bool:
    """True if every label (integers in native byte order) is in 0..n_classes-1. One pass:
    seen as unsigned, a negative label is at least 2^(bits-1), too large for any class
    index that the signed type can hold."""
    itemsize = labels.dtype.itemsize
    limit = n_classes if labels.dtype.kind == "u" else min(n_classes, 1 << (8 * itemsize - 1))
    return bool(np.maximum.reduce(labels.view(_UNSIGNED[itemsize]), axis=None) < limit)


def _class_weight(weight: Any, input: Tensor, op: str) -> np.ndarray | None:  # noqa: A002
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    n_classes = input.shape[_class_dim(input)]
    if w.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have shape ({n_classes},), one per class of "
                         f"input {input.shape}, got {w.shape}")
    return w.astype(input.dtype)


def _same_shape_target(input: Tensor, target: Any, op: str) -> Tensor:  # noqa: A002
    target = _as_tensor(target, input.dtype)
    if target.shape != input.shape:
        raise ValueError(
            f"{op}: input shape {input.shape} and target shape {target.shape} differ; losses "
            "do not broadcast (a (N, 1) prediction against a (N,) target would compare every "
            "pair). Reshape one of them, e.g. input.squeeze(1) or target.reshape(input.shape)"
        )
    return target
