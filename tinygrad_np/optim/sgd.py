"""SGD: stochastic gradient descent with optional momentum, Nesterov momentum, weight decay and
maximization, with torch.optim.SGD's update equations and defaults."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum, as torch.optim.SGD.

    Per step, with g the gradient:
        g = -g if maximize;  g = g + weight_decay * p
        b = g on the first step, else b = momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov, else g = b          (when momentum != 0)
        p = p - lr * g

    Args:
        params: an iterable of parameters, or of dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening of the gradient's share of the momentum (default 0).
        weight_decay: L2 penalty coefficient (default 0).
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> w = tnp.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad()
        ...     (w * w).sum().backward()       # gradient 2w
        ...     opt.step()
        >>> w
        tensor([ 0.46, -0.92], requires_grad=True)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 momentum: float = 0, dampening: float = 0, weight_decay: float = 0,
                 nesterov: bool = False, maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        super()._check_options(options)
        if "momentum" in options:
            self._check_nonnegative(options, "momentum")
        if options.get("nesterov") and (options.get("momentum", 0) <= 0
                                        or options.get("dampening", 0) != 0):
            raise ValueError(f"SGD: Nesterov momentum requires momentum > 0 and dampening 0, got "
                             f"momentum {options.get('momentum')!r} and dampening "
                             f"{options.get('dampening')!r}")

    def _group_options(self, group: dict[str, Any]) -> tuple:
        return (float(group["lr"]), float(group["momentum"]), float(group["dampening"]),
                float(group["weight_decay"]), bool(group["nesterov"]), bool(group["maximize"]))

    def _update(self, params, lr, momentum, dampening, weight_decay, nesterov,
                maximize) -> None:
        work = self._work_arrays(params, 0)
        if not (momentum or weight_decay or maximize):  # plain SGD, the common case:
            for p, tmp in zip(params, work):  # p -= lr g, with the loop below's arithmetic
                np.multiply(p._grad._data, lr, out=tmp)
                p._data -= tmp
            return
        gradient_of = self._gradient_of(weight_decay, maximize)
        for p, tmp in zip(params, work):
            d = gradient_of(p)
            if momentum != 0:
                d = self._momentum_step(p, d, tmp, momentum, dampening, nesterov)
            data = p._data
            np.multiply(d, lr, out=tmp)
            data -= tmp

    def _momentum_step(self, p, d, tmp, momentum, dampening, nesterov) -> np.ndarray:
        """The momentum buffer b updated from the gradient d; returns what the step scales
        by lr: b, or d + momentum * b (Nesterov, in tmp)."""
        state = self.state[p]
        buf = state.get("momentum_buffer")
        if buf is None:  # the first step takes the gradient as it is: no dampening
            buf = state["momentum_buffer"] = np.array(d, dtype=p._data.dtype, copy=True)
        else:
            buf *= momentum
            if dampening != 0:
                np.multiply(d, 1.0 - dampening, out=tmp)
                buf += tmp
            else:
                buf += d
        if not nesterov:
            return buf
        np.multiply(buf, momentum, out=tmp)  # d + momentum * b
        tmp += d
        return tmp
