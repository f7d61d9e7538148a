"""Adam and AdamW (Adam with decoupled weight decay), with torch.optim.Adam's and
torch.optim.AdamW's update equations and defaults."""

from __future__ import annotations

from collections.abc import Iterable
from operator import is_
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._flat import FlatMoments, flat_candidates
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square, as torch.optim.Adam.

    Per step t = 1, 2, ..., with g the gradient:
        g = -g if maximize;  g = g + weight_decay * p      (L2 penalty, coupled)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g²
        v̂ = max(v̂, v) if amsgrad, else v
        p = p - lr / (1 - beta1^t) * m / (sqrt(v̂) / sqrt(1 - beta2^t) + eps)
    (the same update as torch.optim.Adam, to rounding)

    Args:
        params: an iterable of parameters, or of dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: decay rates (beta1, beta2) of the running averages, each in [0, 1).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty coefficient added to the gradient (default 0).
        amsgrad: normalise by the largest second moment seen so far (AMSGrad).
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> w = tnp.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()                        # the first step moves each weight by about lr
        >>> w.data.round(4)
        array([ 0.9, -1.9], dtype=float32)
    """

    _decoupled = False  # AdamW: weight decay shrinks p directly instead of adding to g

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, maximize: bool = False) -> None:
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize)
        super().__init__(params, defaults)
        self._flat: dict[tuple, tuple] = {}  # per group: see _flat_moments

    def __getstate__(self) -> dict[str, Any]:
        # a copy or pickle gets the moments as separate arrays (a view does not stay a
        # view of its flat array through either): it lays them out flat again itself
        return dict(self.__dict__, _flat={})

    def _check_options(self, options: dict[str, Any]) -> None:
        super()._check_options(options)
        if "betas" in options:
            betas = options["betas"]
            if len(betas) != 2:
                raise ValueError(f"{type(self).__name__}: betas must be a pair (beta1, beta2), "
                                 f"got {betas!r}")
            self._check_unit_interval("beta1 (betas[0])", betas[0])
            self._check_unit_interval("beta2 (betas[1])", betas[1])

    def _group_options(self, group: dict[str, Any]) -> tuple:
        beta1, beta2 = group["betas"]
        return (float(group["lr"]), float(beta1), float(beta2), float(group["eps"]),
                float(group["weight_decay"]), bool(group["amsgrad"]), bool(group["maximize"]))

    def _update(self, params, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize) -> None:
        # the L2 penalty goes into the gradient (Adam) or shrinks p directly (AdamW)
        coupled, decoupled = (0.0, weight_decay) if self._decoupled else (weight_decay, 0.0)
        gradient_of = self._gradient_of(coupled, maximize)
        flat, one_by_one = (None, params) if amsgrad else self._flat_moments(params)
        t_last = None  # the step whose bias corrections eps_c and step_size hold
        for p, tmp in zip(one_by_one, self._work_arrays(one_by_one, 0) if one_by_one else ()):
            g = gradient_of(p)
            data, state = p._data, self.state[p]
            if not state:
                state["step"] = 0
                state["exp_avg"] = np.zeros_like(data)
                state["exp_avg_sq"] = np.zeros_like(data)
            if decoupled != 0:
                data *= 1.0 - lr * decoupled
            t = state["step"] = state["step"] + 1
            v_max = None
            if amsgrad:
                v_max = state.get("max_exp_avg_sq")
                if v_max is None:
                    v_max = state["max_exp_avg_sq"] = np.zeros_like(data)
            if t != t_last:  # the parameters of a group are usually at the same step
                t_last, (eps_c, step_size) = t, _bias_corrections(t, lr, beta1, beta2, eps)
            _adam_step(g, state["exp_avg"], state["exp_avg_sq"], tmp, v_max, beta1, beta2,
                       eps_c, step_size)
            data -= tmp
        if flat is not None:  # the same, once for all the small parameters
            g = flat.gather_gradients(map(gradient_of, flat.params))
            if decoupled != 0:
                for p in flat.params:
                    p._data *= 1.0 - lr * decoupled
            t = flat.states[0]["step"] + 1
            for state in flat.states:
                state["step"] = t
            _adam_step(g, flat.exp_avg, flat.exp_avg_sq, flat.step, None, beta1, beta2,
                       *_bias_corrections(t, lr, beta1, beta2, eps))
            for p, step in zip(flat.params, flat.step_views):
                p._data -= step

    def _flat_moments(self, params: list) -> tuple[FlatMoments | None, list]:
        """(the FlatMoments of the group's small parameters, or None; the parameters to
        update one by one), kept for the group while its parameters and their state stay
        as laid out (see optim/_flat.py)."""
        key = (id(params[0]), len(params))
        kept = self._flat.get(key)
        if kept is not None and all(map(is_, params, kept[0])) and \
                (kept[1] is None or kept[1].current(self.state)):  # the key has the length
            return kept[1], kept[2]
        flat_params, others = flat_candidates(params, self.state)
        flat = FlatMoments(flat_params, [self.state[p] for p in flat_params]) if flat_params \
            else None
        if len(self._flat) >= 64:  # groups whose members change from step to step
            self._flat.clear()
        self._flat[key] = (list(params), flat, others)
        return flat, others


def _bias_corrections(t: int, lr: float, beta1: float, beta2: float,
                      eps: float) -> tuple[float, float]:
    """(eps_c, step_size) for step t: the update p -= lr / (1 - beta1^t) * m /
    (sqrt(v) / c + eps), with c = sqrt(1 - beta2^t) the bias corrections of m and v, is
    multiplied through by c to be one pass shorter: p -= step_size * m / (sqrt(v) + eps_c)
    with step_size = lr c / (1 - beta1^t) and eps_c = eps c."""
    c = (1.0 - beta2**t) ** 0.5
    return eps * c, lr * c / (1.0 - beta1**t)


def _adam_step(g, m, v, tmp, v_max, beta1, beta2, eps_c, step_size) -> None:
    """Take gradient g into the running averages m and v (and v's running maximum v_max,
    for AMSGrad, unless None), all in place, and leave in tmp the step to subtract from
    the parameter: step_size * m / (sqrt(v) + eps_c)."""
    m *= beta1  # m = beta1 m + (1 - beta1) g
    np.multiply(g, 1.0 - beta1, out=tmp)
    m += tmp
    v *= beta2  # v = beta2 v + (1 - beta2) g²
    np.multiply(g, g, out=tmp)
    tmp *= 1.0 - beta2
    v += tmp
    if v_max is not None:
        v = np.maximum(v_max, v, out=v_max)
    np.sqrt(v, out=tmp)
    tmp += eps_c
    np.divide(m, tmp, out=tmp)
    tmp *= step_size


class AdamW(Adam):
    """Adam with decoupled weight decay, as torch.optim.AdamW: before the Adam update,
    p = p * (1 - lr * weight_decay); the gradient itself carries no penalty.

    Args:
        params: an iterable of parameters, or of dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: decay rates (beta1, beta2) of the running averages, each in [0, 1).
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: decoupled decay coefficient (default 1e-2).
        amsgrad: normalise by the largest second moment seen so far (AMSGrad).
        maximize: ascend the objective instead of descending it.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> w = tnp.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * 0).sum().backward()          # zero gradient: only the decay acts
        >>> opt.step()
        >>> w
        tensor([ 0.95, -1.9 ], requires_grad=True)
    """

    _decoupled = True

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
