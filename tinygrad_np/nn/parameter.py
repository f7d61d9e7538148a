"""Parameter: a Tensor that a Module registers as trainable when it is assigned as an attribute."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import _shared_version
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that requires grad and that Modules register for training.

    Assigning a Parameter to a Module attribute adds it to `parameters()` and
    `state_dict()`; a plain Tensor assigned the same way is not registered.

    Args:
        data: a Tensor (its array is shared, not copied; its graph is dropped), an ndarray
            (wrapped without a copy) or a nested list (float32). None gives an empty float32
            parameter.
        requires_grad: whether backward() fills `.grad` (default True).

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> nn.Parameter(tnp.ones(2))
        Parameter containing:
        tensor([1., 1.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        shared = None
        if data is None:
            data = np.empty(0, dtype=np.float32)
        elif isinstance(data, Tensor):
            data, shared = data.data, data
        super().__init__(data, requires_grad=requires_grad)
        if shared is not None:
            self._vc = _shared_version(shared)  # one array, one counter: changes are seen

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
