"""Learning-rate schedulers, as torch.optim.lr_scheduler: the LRScheduler base, then StepLR,
ExponentialLR, CosineAnnealingLR and LambdaLR.

A scheduler sets each parameter group's 'lr' when constructed (epoch 0) and at every step();
call scheduler.step() after optimizer.step(). Each group remembers its starting rate as
'initial_lr', which is what a resumed scheduler (last_epoch >= 0) starts from.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class of the schedulers: subclasses compute the next rates in `get_lr()`.

    Args:
        optimizer: the optimizer whose groups' 'lr' this scheduler sets.
        last_epoch: the index of the last epoch; -1 (the default) starts a new schedule,
            a larger value resumes one (each group must then hold 'initial_lr').

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=1.0)
        >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     opt.step()
        ...     sched.step()
        ...     lrs.append(sched.get_last_lr()[0])
        >>> lrs
        [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an "
                            "Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param_groups[{i}] has no "
                                   "'initial_lr', needed to resume a schedule with last_epoch "
                                   f"{last_epoch}; load the optimizer's state_dict first")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True  # the constructor's step sets epoch 0 without decaying
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for epoch `last_epoch` (already advanced); subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr")

    def step(self) -> None:
        """Advance one epoch and set each group's 'lr' to the scheduled rate."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rate of each parameter group as last set by this scheduler."""
        return list(self._last_lr)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything the scheduler holds except the optimizer, for checkpoints.

        Example:
            >>> import tinygrad_np as tnp
            >>> from tinygrad_np import optim
            >>> opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=1.0)
            >>> sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5); sched.step()
            >>> sd = sched.state_dict(); sd["last_epoch"], sd["base_lrs"], sd["_last_lr"]
            (1, [1.0], [0.5])
        """
        return {k: (list(v) if isinstance(v, list) else v)
                for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` returned (load the optimizer's state as well)."""
        self.__dict__.update({k: (list(v) if isinstance(v, list) else v)
                              for k, v in state_dict.items()})


class StepLR(LRScheduler):
    """Multiply each group's rate by gamma every `step_size` epochs.

    Args:
        optimizer: the optimizer to schedule.
        step_size: the period of the decay, in epochs.
        gamma: the decay factor (default 0.1).
        last_epoch: -1 to start, or the last epoch of a schedule being resumed.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.5)
        >>> sched = optim.lr_scheduler.StepLR(opt, step_size=3)
        >>> for _ in range(3):
        ...     sched.step()
        >>> sched.get_last_lr()
        [0.05]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times gamma when last_epoch is a non-zero multiple of step_size."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply each group's rate by gamma every epoch.

    Args:
        optimizer: the optimizer to schedule.
        gamma: the decay factor per epoch.
        last_epoch: -1 to start, or the last epoch of a schedule being resumed.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=1.0)
        >>> sched = optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> sched.step(); sched.step(); sched.get_last_lr()
        [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times gamma (unchanged by the constructor's step)."""
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]


class CosineAnnealingLR(LRScheduler):
    """Anneal each group's rate from its initial value to eta_min along a half cosine over
    T_max epochs (and back up over the next T_max, as PyTorch's schedule does):

        lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    computed, as in PyTorch, by the recursion
        lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t/T_max)) / (1 + cos(pi (t-1)/T_max))
    so that changes made to 'lr' by others are carried along.

    Args:
        optimizer: the optimizer to schedule.
        T_max: the number of epochs from the initial rate down to eta_min.
        eta_min: the smallest rate (default 0).
        last_epoch: -1 to start, or the last epoch of a schedule being resumed.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=1.0)
        >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
        >>> lrs = []
        >>> for _ in range(4):
        ...     sched.step()
        ...     lrs.append(round(sched.get_last_lr()[0], 12))
        >>> lrs
        [0.5, 0.0, 0.5, 1.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The next rates by PyTorch's recursion (closed form when resuming mid-schedule)."""
        t, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:  # resumed with last_epoch >= 0: closed form
            return [eta_min + (base - eta_min) * (1 + math.cos(t * math.pi / t_max)) / 2
                    for base in self.base_lrs]
        if (t - 1 - t_max) % (2 * t_max) == 0:
            # leaving the minimum, where the recursion's denominator 1 + cos(pi) is 0
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                    for base, lr in zip(self.base_lrs, self._current_lrs())]
        return [(1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
                * (lr - eta_min) + eta_min for lr in self._current_lrs()]


class LambdaLR(LRScheduler):
    """Set each group's rate to its initial rate times lr_lambda(epoch).

    Args:
        optimizer: the optimizer to schedule.
        lr_lambda: a function of the epoch (an int) returning a factor, or a list with one
            function per parameter group.
        last_epoch: -1 to start, or the last epoch of a schedule being resumed.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.5)
        >>> sched = optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
        >>> sched.step(); sched.get_last_lr()
        [0.25]
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"LambdaLR: expected {n} lr_lambdas (one per parameter group), "
                                 f"got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """base_lr * lr_lambda(last_epoch) for each group."""
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """As LRScheduler.state_dict; the lambdas are saved only as the attributes of callable
        objects (plain functions and lambdas are not saved), as in PyTorch."""
        state = {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__")
            else dict(fn.__dict__)
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` returned; the lambdas themselves stay as constructed."""
        state = dict(state_dict)
        saved_lambdas = state.pop("lr_lambdas", [])
        super().load_state_dict(state)
        for fn, attrs in zip(self.lr_lambdas, saved_lambdas):
            if attrs is not None:
                fn.__dict__.update(attrs)
