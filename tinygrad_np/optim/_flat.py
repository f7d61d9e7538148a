"""The running averages of a group's small parameters kept back to back in flat arrays, so
that one NumPy call updates them all (what PyTorch's foreach optimizers call multi-tensor
apply).

Adam's update is a dozen elementwise NumPy calls per parameter, and for a bias of 128
numbers each call's fixed cost, about a microsecond, is all of it. The parameters of a
group with at most FLAT_LIMIT elements and one dtype get their first and second moments
as views into two flat arrays (the per-parameter state entries are those views, so
state_dict and load_state_dict see what they always saw); their gradients are gathered
into a third flat array by one np.concatenate, and the update runs once over them all.
The arithmetic is elementwise, so each parameter gets the values it would get alone.
"""

from __future__ import annotations

from itertools import repeat
from operator import is_
from typing import Any

import numpy as np

from ..function import _mode

FLAT_LIMIT = 1 << 16  # elements: larger parameters are updated one by one (their calls'
# fixed cost is small beside their arithmetic, and gathering their gradients is a copy)

_get = dict.get


class FlatMoments:
    """The flat first and second moments ("exp_avg", "exp_avg_sq") of `params`, whose
    state entries become views into them, with flat scratch for the gradients and the
    step. Made from the state the parameters have (all at one step), or none yet (zeros at
    step 0); `current` tells whether that is still the state laid out here."""

    def __init__(self, params: list, states: list[dict[str, Any]]) -> None:
        dtype = params[0]._data.dtype
        sizes = [p._data.size for p in params]
        total = sum(sizes)
        self.params, self.states = params, states
        self.replacements = _mode.replacements  # a parameter given a new array: remake
        self.exp_avg, self.exp_avg_sq = np.zeros(total, dtype), np.zeros(total, dtype)
        self.grad, self.step = np.empty(total, dtype), np.empty(total, dtype)
        self.exp_avg_views, self.exp_avg_sq_views, self.step_views = [], [], []
        start = 0
        for p, n, state in zip(params, sizes, states):
            shape, end = p._data.shape, start + n
            m, v = self.exp_avg[start:end].reshape(shape), self.exp_avg_sq[start:end].reshape(shape)
            if state:  # the state so far (one-by-one steps, or loaded), moved in here
                m[...], v[...] = state["exp_avg"], state["exp_avg_sq"]
            else:
                state["step"] = 0
            state["exp_avg"], state["exp_avg_sq"] = m, v
            self.exp_avg_views.append(m)
            self.exp_avg_sq_views.append(v)
            self.step_views.append(self.step[start:end].reshape(shape))
            start = end

    def current(self, state_of: dict) -> bool:
        """True if no parameter has been given a new array and each one's state (from the
        optimizer's `state_of`) is still the dict, with the views, laid out here and at
        one step (not replaced or edited, e.g. by load_state_dict)."""
        states = self.states
        return self.replacements == _mode.replacements and \
            all(map(is_, map(state_of.__getitem__, self.params), states)) and \
            all(map(is_, map(_get, states, repeat("exp_avg")), self.exp_avg_views)) and \
            all(map(is_, map(_get, states, repeat("exp_avg_sq")), self.exp_avg_sq_views)) and \
            _all_equal(list(map(_get, states, repeat("step"))))

    def gather_gradients(self, gradients) -> np.ndarray:
        """The parameters' gradients (arrays, in order) copied back to back into self.grad."""
        return np.concatenate([g.reshape(-1) for g in gradients], out=self.grad)


def _all_equal(values: list) -> bool:
    return values.count(values[0]) == len(values)


def flat_candidates(params: list, state_of: dict) -> tuple[list, list]:
    """(the parameters to keep flat, the others): those of at most FLAT_LIMIT elements and
    the first such one's dtype whose states are all empty or all at one step, if there
    are at least two; else ([], params). Parameters that share memory are all updated one
    by one: each one's update must see the one before it (weight decay reads p)."""
    small = [p for p in params if p._data.size <= FLAT_LIMIT]
    flat = [p for p in small if p._data.dtype == small[0]._data.dtype] if small else []
    steps = {state_of[p].get("step") for p in flat}  # None: no state yet
    if len(flat) < 2 or len(steps) != 1 or not _whole_state(flat, state_of) or \
            not _separate_memory(params):
        return [], params
    chosen = set(map(id, flat))
    return flat, [p for p in params if id(p) not in chosen]


def _whole_state(params: list, state_of: dict) -> bool:
    """Every parameter's state is empty, or has a step and both moments in the parameter's
    shape (anything else is left to the one-by-one update, which reports it)."""
    for p in params:
        state = state_of[p]
        if state and ("step" not in state or not all(
                isinstance(state.get(k), np.ndarray) and state[k].shape == p._data.shape
                for k in ("exp_avg", "exp_avg_sq"))):
            return False
    return True


def _separate_memory(params: list) -> bool:
    """No two parameters' arrays come from the same memory (the owner at the end of each
    one's chain of .base)."""
    owners = set()
    for p in params:
        a = p._data
        while isinstance(a, np.ndarray) and a.base is not None:
            a = a.base
        if id(a) in owners:
            return False
        owners.add(id(a))
    return True
