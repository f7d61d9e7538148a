"""Optimizer.state_dict / load_state_dict: PyTorch's layout, copies in and out, checks, and a
resumed run that is bit-identical to one that never stopped."""

from __future__ import annotations

import numpy as np
import pytest
from optim_cases import (  # tests/optim is on sys.path (pytest's prepend mode)
    FULL,
    make_params,
    train,
)

import tinygrad_np as tnp
from tinygrad_np import optim

# ---- state_dict and load_state_dict --------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FULL))
def test_resuming_from_a_state_dict_is_bit_identical_to_not_stopping(name):
    params = make_params()
    opt = FULL[name](params)
    train(opt, params, 10)
    expected = [p.data.copy() for p in params]

    params = make_params()
    opt = FULL[name](params)
    train(opt, params, 4)
    saved_state = opt.state_dict()
    saved_params = [p.data.copy() for p in params]
    train(opt, params, 3)  # work done after the checkpoint is thrown away

    resumed = [tnp.Tensor(a.copy(), requires_grad=True) for a in saved_params]
    opt = FULL[name](resumed)
    opt.load_state_dict(saved_state)
    train(opt, resumed, 6)
    for p, e in zip(resumed, expected):
        np.testing.assert_array_equal(p.data, e)


def test_resuming_with_a_scheduler_is_bit_identical_to_not_stopping():
    def setup(params):
        opt = optim.SGD(params, lr=0.1, momentum=0.9)
        return opt, optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)

    def run(opt, sched, params, steps):
        for _ in range(steps):
            train(opt, params, 1)
            sched.step()

    params = make_params()
    opt, sched = setup(params)
    run(opt, sched, params, 10)
    expected = [p.data.copy() for p in params]

    params = make_params()
    opt, sched = setup(params)
    run(opt, sched, params, 4)
    saved = opt.state_dict(), sched.state_dict(), [p.data.copy() for p in params]

    resumed = [tnp.Tensor(a.copy(), requires_grad=True) for a in saved[2]]
    opt, sched = setup(resumed)
    opt.load_state_dict(saved[0])
    sched.load_state_dict(saved[1])
    run(opt, sched, resumed, 6)
    assert sched.get_last_lr() == [0.1 * 0.5**3]
    for p, e in zip(resumed, expected):
        np.testing.assert_array_equal(p.data, e)


def test_state_dict_has_pytorch_layout():
    a, b = make_params()
    c = tnp.ones(2, requires_grad=True)
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    a.grad, c.grad = tnp.ones_like(a), tnp.ones_like(c)
    opt.step()
    sd = opt.state_dict()
    assert sorted(sd) == ["param_groups", "state"]
    assert sorted(sd["state"]) == [0, 2]  # b had no gradient, so it has no state
    assert sorted(sd["state"][0]) == ["momentum_buffer"]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert [g["lr"] for g in sd["param_groups"]] == [0.1, 0.5]


def test_state_dict_copies_the_state_arrays():
    params = make_params()
    opt = optim.Adam(params)
    train(opt, params, 1)
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"][...] = 123.0
    sd["param_groups"][0]["lr"] = 9.0
    assert not (opt.state[params[0]]["exp_avg"] == 123.0).any()
    assert opt.param_groups[0]["lr"] == 1e-3


def test_load_state_dict_copies_the_state_arrays_in():
    params = make_params()
    opt = optim.Adam(params)
    train(opt, params, 1)
    sd = opt.state_dict()
    opt.load_state_dict(sd)
    sd["state"][0]["exp_avg"][...] = 123.0
    assert not (opt.state[params[0]]["exp_avg"] == 123.0).any()


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    params64 = make_params(np.float64)
    opt = optim.Adam(params64)
    train(opt, params64, 1)
    params32 = make_params(np.float32)
    opt32 = optim.Adam(params32)
    opt32.load_state_dict(opt.state_dict())
    assert opt32.state[params32[0]]["exp_avg"].dtype == np.float32


def test_load_state_dict_rejects_a_different_number_of_groups():
    a, b = make_params()
    sd = optim.SGD([a, b]).state_dict()
    opt = optim.SGD([{"params": [a]}, {"params": [b]}])
    with pytest.raises(ValueError, match="1 parameter group"):
        opt.load_state_dict(sd)


def test_load_state_dict_rejects_a_group_of_another_size():
    a, b = make_params()
    sd = optim.SGD([a, b]).state_dict()
    with pytest.raises(ValueError, match="has 2 parameter"):
        optim.SGD([a]).load_state_dict(sd)


def test_load_state_dict_rejects_state_of_another_shape():
    params = make_params()
    opt = optim.Adam(params)
    train(opt, params, 1)
    other = make_params(shapes=((4, 3), (5,)))
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 1 has shape \(3,\)"):
        optim.Adam(other).load_state_dict(opt.state_dict())
