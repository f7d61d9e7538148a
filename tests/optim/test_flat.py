"""Adam's flat moments (optim/_flat.py): a group's small parameters updated together must get
exactly the values, and leave exactly the state, that updating them one by one gives,
whatever happens to the state or the parameters between steps."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import tinygrad_np as tnp
from tinygrad_np import optim
from tinygrad_np.optim import _flat

SHAPES = ((6, 5), (5,), (3, 6), (3,), (40, 3))  # with FLAT_LIMIT 30, the last is left alone
OPTIMIZERS = {
    "Adam": lambda ps: optim.Adam(ps, lr=0.1),
    "Adam-decay-maximize": lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.1, maximize=True),
    "AdamW": lambda ps: optim.AdamW(ps, lr=0.1),
}


@pytest.fixture(autouse=True)
def small_flat_limit(monkeypatch):
    monkeypatch.setattr(_flat, "FLAT_LIMIT", 30)


def _params(seed=0, dtypes=None):
    rng = np.random.default_rng(seed)
    dtypes = dtypes or [np.float32] * len(SHAPES)
    return [tnp.Tensor(rng.standard_normal(s).astype(d), requires_grad=True)
            for s, d in zip(SHAPES, dtypes)]


def _set_gradients(params, step, skip=()):
    for i, p in enumerate(params):
        rng = np.random.default_rng(100 * step + i)
        p.grad = None if i in skip else tnp.Tensor(rng.standard_normal(p.shape).astype(p.dtype))


def _run(make, params, steps, between=None, skip=lambda step: ()):
    opt = make(params)
    for step in range(steps):
        _set_gradients(params, step, skip(step))
        opt.step()
        if between is not None:
            between(opt, params, step)
    return opt


def _one_by_one(monkeypatch, make, steps, **kwargs):
    """The same run with no flat moments (every parameter alone)."""
    with monkeypatch.context() as m:
        m.setattr(_flat, "FLAT_LIMIT", 0)
        params = kwargs.pop("params", None) or _params()
        opt = _run(make, params, steps, **kwargs)
    assert not any(kept[1] for kept in opt._flat.values())
    return opt, params


def _assert_same(a_opt, a_params, b_opt, b_params):
    for a, b in zip(a_params, b_params):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    a_state, b_state = a_opt.state_dict()["state"], b_opt.state_dict()["state"]
    assert a_state.keys() == b_state.keys()
    for i in a_state:
        assert a_state[i]["step"] == b_state[i]["step"]
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(a_state[i][key], b_state[i][key])


def _flat_params(opt):
    (kept,) = opt._flat.values()
    return [] if kept[1] is None else kept[1].params


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_flat_updates_equal_one_by_one_bit_for_bit(monkeypatch, name):
    make = OPTIMIZERS[name]
    params = _params()
    opt = _run(make, params, 4)
    assert [p.shape for p in _flat_params(opt)] == [s for s in SHAPES if np.prod(s) <= 30]
    # each parameter's state entries are views into the flat arrays
    assert all(opt.state[p]["exp_avg"].base is not None for p in _flat_params(opt))
    _assert_same(opt, params, *_one_by_one(monkeypatch, make, 4))


def test_parameters_of_another_dtype_are_updated_one_by_one(monkeypatch):
    dtypes = [np.float32, np.float64, np.float32, np.float64, np.float32]
    params = _params(dtypes=dtypes)
    opt = _run(OPTIMIZERS["Adam"], params, 3)
    assert [p.dtype for p in _flat_params(opt)] == [np.float32, np.float32]
    ref_opt, ref_params = _one_by_one(monkeypatch, OPTIMIZERS["Adam"], 3,
                                      params=_params(dtypes=dtypes))
    _assert_same(opt, params, ref_opt, ref_params)


def test_parameters_without_a_gradient_on_some_steps(monkeypatch):
    # parameter 1 misses steps 1 and 2: the group is laid out again, then runs one by one
    # once the steps differ
    skip = {1: (1,), 2: (1,)}.get
    params = _params()
    opt = _run(OPTIMIZERS["Adam"], params, 5, skip=lambda s: skip(s, ()))
    _assert_same(opt, params, *_one_by_one(monkeypatch, OPTIMIZERS["Adam"], 5,
                                          skip=lambda s: skip(s, ())))


def _edit_moments(opt, params, step):
    if step == 1:  # replaced (as a user resetting one parameter's state would)
        opt.state[params[1]]["exp_avg"] = np.full(params[1].shape, 0.5, np.float32)
    if step == 2:  # the whole state of one parameter dropped: it starts again at step 0
        opt.state[params[3]] = {}


def _edit_step(opt, params, step):
    if step == 0:  # one parameter's step count set (its bias corrections change)
        opt.state[params[2]]["step"] = 10


def _replace_data(opt, params, step):
    if step == 1:
        params[0].data = np.full(params[0].shape, 2.0, np.float32)


def _load_own_state(opt, params, step):
    if step == 1:
        opt.load_state_dict(copy.deepcopy(opt.state_dict()))


@pytest.mark.parametrize("between", [_edit_moments, _edit_step, _replace_data,
                                     _load_own_state])
def test_changes_between_steps_are_seen(monkeypatch, between):
    params = _params()
    opt = _run(OPTIMIZERS["AdamW"], params, 4, between=between)
    _assert_same(opt, params, *_one_by_one(monkeypatch, OPTIMIZERS["AdamW"], 4,
                                          between=between))


@pytest.mark.parametrize("clone", [copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))],
                         ids=["deepcopy", "pickle"])
def test_a_copied_optimizer_goes_on_like_the_original(monkeypatch, clone):
    params = _params()
    opt = _run(OPTIMIZERS["Adam"], params, 2)
    twin_opt, twin_params = clone((opt, params))
    for o, ps in ((opt, params), (twin_opt, twin_params)):
        for step in (2, 3):
            _set_gradients(ps, step)
            o.step()
    reference = _one_by_one(monkeypatch, OPTIMIZERS["Adam"], 4)
    _assert_same(opt, params, *reference)
    _assert_same(twin_opt, twin_params, *reference)


def test_amsgrad_runs_one_by_one(monkeypatch):
    make = lambda ps: optim.Adam(ps, lr=0.1, amsgrad=True)  # noqa: E731
    params = _params()
    opt = _run(make, params, 3)
    assert not opt._flat  # never laid out
    ref_opt, ref_params = _one_by_one(monkeypatch, make, 3)
    for a, b in zip(params, ref_params):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_gradient_that_does_not_fit_fails_before_any_change(monkeypatch):
    a, b = tnp.tensor([1.0, 2.0], requires_grad=True), tnp.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.AdamW([a, b], lr=0.1)
    loss = (a * a).sum()  # Mul's backward reads a
    a.grad, b.grad = tnp.ones(2), tnp.ones(2)
    b.data = np.ones(3, np.float32)  # b's gradient no longer fits its array
    with pytest.raises(ValueError):
        opt.step()
    assert a.tolist() == [1.0, 2.0] and not opt.state[a]["step"]  # nothing was updated
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()  # the step still counts as a change: the graph is refused
