"""Loss modules: CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss. Each holds its
options (class weights as buffers, as PyTorch does) and calls nn.functional; a prediction and
target whose shapes disagree raise ValueError instead of broadcasting."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .module import Module


def _buffer(value: Any) -> Tensor | None:
    """A weight option as a buffer Tensor (a list of Python floats becomes float32)."""
    if value is None or isinstance(value, Tensor):
        return value
    return Tensor(value)


class CrossEntropyLoss(Module):
    """Cross-entropy of logits against class labels or probabilities; see
    nn.functional.cross_entropy for the arguments.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
        >>> round(loss_fn(tnp.zeros(4, 10), tnp.tensor([0, 1, 2, 3])).item(), 4)
        2.3026
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = ignore_index
        self.reduction = reduction
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(Module):
    """Negative log-likelihood of log-probabilities at the class labels; see
    nn.functional.nll_loss."""

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = ignore_index
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(Module):
    """Mean squared error; input and target must have the same shape (see
    nn.functional.mse_loss).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.MSELoss(reduction="sum")(tnp.tensor([1.0, 2.0]), tnp.tensor([0.0, 0.0]))
        tensor(5.)
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.mse_loss(input, target, self.reduction)


class BCEWithLogitsLoss(Module):
    """Binary cross-entropy on logits, stable for logits of any size; see
    nn.functional.binary_cross_entropy_with_logits."""

    def __init__(self, weight: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__()
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))
        self.reduction = reduction

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)
