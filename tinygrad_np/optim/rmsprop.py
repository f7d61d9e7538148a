"""RMSprop: steps divided by a running root mean square of the gradient, with
torch.optim.RMSprop's update equations and defaults (optionally centered, with momentum)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop.

    Per step, with g the gradient:
        g = -g if maximize;  g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g²
        centered:  ḡ = alpha * ḡ + (1 - alpha) * g,  avg = sqrt(v - ḡ²) + eps
        otherwise: avg = sqrt(v) + eps
        momentum > 0: b = momentum * b + g / avg,  p = p - lr * b
        otherwise:    p = p - lr * g / avg

    Args:
        params: an iterable of parameters, or of dicts defining parameter groups.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant of the running averages, in [0, 1) (default 0.99).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty coefficient (default 0).
        momentum: momentum factor (default 0).
        centered: normalise by an estimate of the gradient's variance instead of its raw
            second moment.
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> w = tnp.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.RMSprop([w], lr=0.01, alpha=0.75)
        >>> (w * w).sum().backward()
        >>> opt.step()                        # g / sqrt(0.25 g²) = 2 sign(g)
        >>> w
        tensor([ 0.98, -1.98], requires_grad=True)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-2,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, maximize: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def _check_options(self, options: dict[str, Any]) -> None:
        super()._check_options(options)
        if "momentum" in options:
            self._check_nonnegative(options, "momentum")
        if "alpha" in options:
            self._check_nonnegative(options, "alpha")

    def _group_options(self, group: dict[str, Any]) -> tuple:
        return (float(group["lr"]), float(group["alpha"]), float(group["eps"]),
                float(group["weight_decay"]), float(group["momentum"]), bool(group["centered"]),
                bool(group["maximize"]))

    def _update(self, params, lr, alpha, eps, weight_decay, momentum, centered,
                maximize) -> None:
        gradient_of = self._gradient_of(weight_decay, maximize)
        for p, avg in zip(params, self._work_arrays(params, 0)):
            g = gradient_of(p)
            data, state = p._data, self.state[p]
            if not state:
                state["step"] = 0
                state["square_avg"] = np.zeros_like(data)
            if momentum > 0 and "momentum_buffer" not in state:
                state["momentum_buffer"] = np.zeros_like(data)
            if centered and "grad_avg" not in state:
                state["grad_avg"] = np.zeros_like(data)
            state["step"] += 1
            v = state["square_avg"]
            # v = alpha v + (1 - alpha) g²
            v *= alpha
            np.multiply(g, 1.0 - alpha, out=avg)
            avg *= g
            v += avg
            if centered:
                # ḡ = alpha ḡ + (1 - alpha) g, written ḡ + (1 - alpha)(g - ḡ) as torch's lerp_
                mean = state["grad_avg"]
                np.subtract(g, mean, out=avg)
                avg *= 1.0 - alpha
                mean += avg
                np.multiply(mean, mean, out=avg)  # avg = sqrt(v - ḡ²)
                np.subtract(v, avg, out=avg)
                np.sqrt(avg, out=avg)
            else:
                np.sqrt(v, out=avg)
            avg += eps
            np.divide(g, avg, out=avg)  # g / avg
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf *= momentum
                buf += avg
                np.multiply(buf, lr, out=avg)
            else:
                avg *= lr
            data -= avg
