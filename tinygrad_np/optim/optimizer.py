"""Optimizer: the base class of every optimizer. Order: construction and parameter groups,
option checks, zero_grad, step (the per-parameter loop; subclasses write `_update`), work
arrays, state_dict / load_state_dict, repr.

Updates work on the parameters' ndarrays in place, so no graph is recorded; each updated
parameter's version counter is bumped so a graph built before the step refuses to backward.
"""

from __future__ import annotations

import copy
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable
from operator import attrgetter, is_
from typing import Any

import numpy as np

from ..function import _bump_versions, _mode, enable_grad
from ..tensor import Tensor, zero_grads

_grad_array = attrgetter("_grad._data")  # a parameter's gradient array


class Optimizer:
    """Base class of the optimizers: parameter groups, per-parameter state, step, checkpoints.

    A subclass passes its options to `__init__` as `defaults`, checks them in `_check_options`,
    unpacks a group's options in `_group_options` and updates the arrays of a group's
    parameters in `_update`. Everything else lives here.

    Args:
        params: an iterable of Tensors, or of dicts (parameter groups), each with a
            'params' entry and any options that override `defaults` for that group.
        defaults: the options of a group that does not set them.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import optim
        >>> w, b = tnp.ones(2, requires_grad=True), tnp.zeros(1, requires_grad=True)
        >>> opt = optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.5]
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict[str, Any]],
                 defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if isinstance(params, (Tensor, dict)):
            raise TypeError(f"{name}: params should be an iterable of Tensors or of dicts, "
                            f"but got a {type(params).__name__}; wrap it in a list")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: params must be an ordered collection (e.g. a list), not a "
                            "set, whose order changes between runs and would break state_dict")
        self._check_options(defaults)
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._work: dict[Tensor, list[np.ndarray]] = {}  # per parameter, by index
        self._work_lists: dict[tuple, tuple] = {}  # (index, group) -> _work_arrays' result
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (unset ones come from `defaults`).

        Args:
            param_group: a dict with 'params' (a Tensor or an iterable of Tensors) and options.

        Example:
            >>> import tinygrad_np as tnp
            >>> from tinygrad_np import optim
            >>> opt = optim.SGD([tnp.ones(2, requires_grad=True)], lr=0.1)
            >>> opt.add_param_group({"params": tnp.ones(3, requires_grad=True), "lr": 0.01})
            >>> len(opt.param_groups), opt.param_groups[1]["lr"]
            (2, 0.01)
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got "
                            f"{type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: params must be an ordered collection (e.g. a list), "
                            "not a set")
        params = list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but parameter {i} of "
                                f"group {len(self.param_groups)} is a {type(p).__name__}")
            if p.dtype.kind != "f":  # it can never have a gradient (a frozen float
                # parameter is accepted and skipped while it has none, as in PyTorch)
                raise TypeError(f"{name}: parameter {i} of group {len(self.param_groups)} "
                                f"(shape {p.shape}) is {p.dtype}; only floating-point "
                                "tensors can be optimized")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf tensor (parameter {i} of "
                                 f"group {len(self.param_groups)}, shape {p.shape}); "
                                 "optimize the leaves it was computed from")
            if id(p) in seen:
                raise ValueError(f"{name}: parameter {i} of group {len(self.param_groups)} "
                                 f"(shape {p.shape}) appears more than once in the "
                                 "optimizer's parameters")
            seen.add(id(p))
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_options(group)
        self.param_groups.append(group)

    # ---- option checks (subclasses call these from _check_options) -----------------------

    def _check_options(self, options: dict[str, Any]) -> None:
        """Raise ValueError for an invalid option; the base checks lr, eps and weight_decay."""
        for key in ("lr", "eps", "weight_decay"):
            if key in options:
                self._check_nonnegative(options, key)

    def _check_nonnegative(self, options: dict[str, Any], key: str) -> None:
        value = options[key]
        if not value >= 0:  # also refuses NaN
            raise ValueError(f"{type(self).__name__}: invalid {key} {value!r}; it must be >= 0")

    def _check_unit_interval(self, name: str, value: float) -> None:
        """value must lie in [0, 1) (betas, alpha)."""
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{type(self).__name__}: invalid {name} {value!r}; it must lie "
                             "in [0, 1)")

    # ---- zero_grad and step --------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters before the next backward.

        Args:
            set_to_none: drop the gradients (`p.grad = None`, the default and the cheapest);
                with False, fill the existing gradient arrays with zeros in place.

        Example:
            >>> import tinygrad_np as tnp
            >>> from tinygrad_np import optim
            >>> w = tnp.ones(2, requires_grad=True)
            >>> (w * 3).sum().backward()
            >>> opt = optim.SGD([w])
            >>> opt.zero_grad(set_to_none=False); w.grad
            tensor([0., 0.])
            >>> opt.zero_grad(); w.grad is None
            True
        """
        for group in self.param_groups:
            zero_grads(group["params"], set_to_none)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient (those whose .grad is None are skipped).

        Args:
            closure: optional; recomputes the loss (with gradients enabled) before the update.

        Returns:
            What the closure returned, or None.

        Example:
            >>> import tinygrad_np as tnp
            >>> from tinygrad_np import optim
            >>> w = tnp.tensor([3.0], requires_grad=True)
            >>> opt = optim.SGD([w], lr=0.25)
            >>> def closure():
            ...     opt.zero_grad()
            ...     loss = (w * w).sum()
            ...     loss.backward()
            ...     return loss
            >>> opt.step(closure).item(), w.item()    # loss 9 at w = 3, then w -= 0.25 * 6
            (9.0, 1.5)
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = group["params"]
            for p in params:  # usually every parameter has a gradient: no copy of the list
                if p._grad is None:
                    params = [p for p in params if p._grad is not None]
                    break
            if not params:
                continue
            try:  # one call per group: the per-parameter loop is the subclass's
                self._update(params, *self._group_options(group))
            finally:  # even after an error part way: a graph that saved the old values
                _bump_versions(params)  # must refuse to backward
        return loss

    def _group_options(self, group: dict[str, Any]) -> tuple:
        """The group's options as the positional arguments `_update` takes (Python floats,
        so NumPy's weak-scalar rule keeps float32 arrays float32)."""
        raise NotImplementedError(f"{type(self).__name__} must define _group_options")

    def _update(self, params: list[Tensor], *options: Any) -> None:
        """Update each parameter's array (p.data) in place from its gradient (p.grad, never
        None here); self.state[p] is p's state dict. `options` are _group_options'."""
        raise NotImplementedError(f"{type(self).__name__} must define _update")

    # ---- per-parameter work arrays -------------------------------------------------------

    def _work_arrays(self, params: list[Tensor], i: int = 0) -> list[np.ndarray]:
        """Each parameter's i-th scratch array, of its shape and dtype, allocated once and
        reused each step (its contents are undefined on entry). The list for a group is
        kept too, and given back while the group has the same parameters and no tensor
        has been given a new array since (`t.data = ...`, counted process-wide): two
        checks instead of one per parameter. It holds the parameters themselves and their
        scratch arrays: a parameter's replaced data array is not kept alive, nor is any
        version counter."""
        key = (i, id(params[0]), len(params))
        kept = self._work_lists.get(key)
        if kept is not None and kept[1] == _mode.replacements and \
                all(map(is_, params, kept[0])):
            return kept[2]
        arrays = [self._work_array(p, i) for p in params]
        if len(self._work_lists) >= 64:  # groups whose members change from step to step:
            self._work_lists.clear()  # keep a bounded number of lists
        self._work_lists[key] = (list(params), _mode.replacements, arrays)
        return arrays

    def _work_array(self, p: Tensor, i: int) -> np.ndarray:
        """p's i-th scratch array, made again if p.data was replaced by another shape."""
        data = p._data
        own = self._work.setdefault(p, [])
        if len(own) <= i:
            own.extend(np.empty_like(data) for _ in range(i + 1 - len(own)))
        if own[i].shape != data.shape or own[i].dtype != data.dtype:  # p.data was replaced
            own[i] = np.empty_like(data)
        return own[i]

    def _gradient_of(self, weight_decay: float, maximize: bool) -> Callable[[Tensor], Any]:
        """p -> the gradient a group's update uses: p.grad's array itself (read without a
        Python frame) when there is no weight decay and no maximize, else
        _effective_grad."""
        if not weight_decay and not maximize:
            return _grad_array
        return functools.partial(self._effective_grad, weight_decay=weight_decay,
                                 maximize=maximize)

    def _effective_grad(self, p: Tensor, weight_decay: float, maximize: bool) -> np.ndarray:
        """p's gradient, negated for maximize, plus weight_decay * p (L2 penalty), as in
        PyTorch; written to work array 1, never into the gradient. Taken just before p's
        update: p may share its array with a parameter updated before it."""
        grad = p._grad._data
        out = self._work_array(p, 1)
        if weight_decay:
            np.multiply(p._data, weight_decay, out=out)
            (np.subtract if maximize else np.add)(out, grad, out=out)  # -g + wd p, g + wd p
        else:
            np.negative(grad, out=out)
        return out

    # ---- checkpoints ---------------------------------------------------------------------

    def _indexed_params(self) -> list[Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state and options, in PyTorch's layout, with arrays copied.

        Returns:
            {'state': {index: {name: value}}, 'param_groups': [{options..., 'params':
            [index, ...]}]}, where indices count the parameters across groups in order.

        Example:
            >>> import tinygrad_np as tnp
            >>> from tinygrad_np import optim
            >>> w = tnp.ones(2, requires_grad=True)
            >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
            >>> (w * 3).sum().backward(); opt.step()
            >>> sd = opt.state_dict()
            >>> sd["state"][0]["momentum_buffer"], sd["param_groups"][0]["params"]
            (array([3., 3.], dtype=float32), [0])
        """
        index = {id(p): i for i, p in enumerate(self._indexed_params())}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if s and id(p) in index:
                state[index[id(p)]] = {k: _copy_value(v) for k, v in s.items()}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state and options saved by `state_dict()` (arrays are copied in and cast
        to their parameter's dtype), so training resumes exactly where it stopped.

        Args:
            state_dict: what `state_dict()` returned, for an optimizer whose groups hold the
                same number of parameters.

        Example:
            >>> import tinygrad_np as tnp
            >>> from tinygrad_np import optim
            >>> w = tnp.ones(2, requires_grad=True)
            >>> saved = optim.Adam([w], lr=0.5).state_dict()
            >>> opt = optim.Adam([w], lr=0.1)
            >>> opt.load_state_dict(saved); opt.param_groups[0]["lr"]
            0.5
        """
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: the saved state has {len(saved_groups)} "
                             f"parameter group(s), the optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: saved parameter group {i} has "
                                 f"{len(saved['params'])} parameter(s), the optimizer's has "
                                 f"{len(group['params'])}")
        params = {}
        for saved, group in zip(saved_groups, self.param_groups):
            params.update(zip(saved["params"], group["params"]))
        new_state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, values in state_dict["state"].items():
            p = params.get(key)
            if p is None:
                continue
            entry = {}
            for k, v in values.items():
                if isinstance(v, np.ndarray):
                    if v.shape != p.shape:
                        raise ValueError(f"{name}.load_state_dict: state {k!r} of parameter "
                                         f"{key} has shape {v.shape}, the parameter has "
                                         f"shape {p.shape}")
                    dtype = p.dtype if v.dtype.kind == "f" else v.dtype
                    v = np.array(v, dtype=dtype, copy=True)
                else:
                    v = copy.deepcopy(v)
                entry[k] = v
            new_state[p] = entry
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            options = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            new_groups.append({**options, "params": group["params"]})
        self.state = new_state
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])


def _copy_value(v: Any) -> Any:
    return v.copy() if isinstance(v, np.ndarray) else copy.deepcopy(v)
