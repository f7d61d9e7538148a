"""The Optimizer base, through every optimizer: in-place float32 updates without per-step
allocations, version counters, skipped gradients, closures, zero_grad and parameter groups."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from optim_cases import (  # tests/optim is on sys.path (pytest's prepend mode)
    FULL,
    make_params,
    quadratic_loss,
    train,
)

import tinygrad_np as tnp
from tinygrad_np import optim
from tinygrad_np.optim import _flat

# ---- the update itself ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FULL))
def test_step_updates_parameter_arrays_in_place(name):
    params = make_params()
    arrays = [p.data for p in params]
    before = [a.copy() for a in arrays]
    opt = FULL[name](params)
    train(opt, params, 2)
    for p, a, b in zip(params, arrays, before):
        assert p.data is a
        assert not np.array_equal(a, b)


@pytest.mark.parametrize("name", sorted(FULL))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_keeps_the_parameter_dtype_in_parameters_and_state(name, dtype):
    params = make_params(dtype)
    opt = FULL[name](params)
    train(opt, params, 3)
    for p in params:
        assert p.dtype == dtype
        for key, value in opt.state[p].items():
            if isinstance(value, np.ndarray):
                assert value.dtype == dtype, key


@pytest.mark.parametrize("name", sorted(FULL))
def test_step_allocates_no_arrays_after_the_first(name):
    # a temporary of either parameter's shape would be at least 16 KB; the bound leaves
    # room for Python's bookkeeping (lists, array views' headers) and nothing more
    params = make_params(shapes=((256, 256), (4096,)))
    opt = FULL[name](params)
    train(opt, params, 1)  # allocates state and work arrays once
    for p in params:
        p.grad = tnp.ones_like(p)
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4096


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_step_after_the_parameter_data_is_replaced_uses_scratch_of_the_new_shape(name):
    # the optimizer's scratch arrays belong to the parameter's array: a new array (here of
    # another shape and dtype) must get new ones, not be updated through the old
    p = tnp.ones(3, requires_grad=True)
    opt = getattr(optim, name)([p], lr=0.5)
    p.grad = tnp.ones(3)
    opt.step()
    p.data = np.zeros((2, 2))
    opt.state.clear()  # Adam's moments have the old shape; the scratch is the optimizer's
    p.grad = tnp.tensor(np.ones((2, 2)))
    opt.step()
    assert p.shape == (2, 2) and p.dtype == np.float64
    # SGD moves by lr * 1, and Adam's first step by lr (the bias-corrected m / sqrt(v) is 1)
    np.testing.assert_allclose(p.numpy(), np.full((2, 2), -0.5), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(FULL))
def test_a_replaced_parameter_array_is_not_kept_by_the_optimizer(name):
    import gc
    import weakref

    p = tnp.ones(1000, requires_grad=True)
    opt = FULL[name]([p])
    p.grad = tnp.ones(1000)
    opt.step()
    old = weakref.ref(p.data)
    p.data = np.zeros(10, np.float32)
    gc.collect()
    assert old() is None


def test_an_optimizer_does_not_make_its_parameters_look_shared():
    # x += y rebinds a tensor that shares memory with no other; the optimizer's own
    # bookkeeping must not count as a view (a frozen parameter, updated before)
    p = tnp.ones(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        p.grad = tnp.ones(3)
        opt.step()
    p.requires_grad_(False)
    q = tnp.ones(3, requires_grad=True)
    p += q
    assert p.requires_grad


@pytest.mark.parametrize("weight_decay", [0.0, 1e-4])
def test_many_parameters_get_their_scratch_without_a_check_each(weight_decay, monkeypatch):
    # the group's scratch list is kept from step to step; a per-parameter lookup for the
    # weight-decayed gradient must not push it out (70 parameters, more than the lists kept)
    params = [tnp.ones(2, requires_grad=True) for _ in range(70)]
    opt = optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=weight_decay)
    for p in params:
        p.grad = tnp.ones(2)
    opt.step()
    calls = []
    original = optim.SGD._work_array
    monkeypatch.setattr(optim.SGD, "_work_array", lambda self, p, i: calls.append(i) or
                        original(self, p, i))
    opt.step()
    assert calls.count(0) == 0
    assert calls.count(1) == (70 if weight_decay else 0)


@pytest.mark.parametrize("name", sorted(FULL))
def test_step_leaves_the_gradients_unchanged(name):
    params = make_params()
    opt = FULL[name](params)
    quadratic_loss(params).backward()
    grads = [p.grad.data.copy() for p in params]
    opt.step()
    opt.step()
    for p, g in zip(params, grads):
        np.testing.assert_array_equal(p.grad.data, g)


@pytest.mark.parametrize("name", sorted(FULL))
def test_step_bumps_the_version_counter_of_updated_parameters_only(name):
    params = make_params()
    opt = FULL[name](params)
    params[0].grad = tnp.ones_like(params[0])
    versions = [p._vc[0] for p in params]
    opt.step()
    assert params[0]._vc[0] == versions[0] + 1
    assert params[1]._vc[0] == versions[1]


def test_backward_through_a_graph_built_before_step_raises():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    loss = (params[0] * params[0]).sum()  # Mul's backward reads p
    quadratic_loss(params).backward()
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


@pytest.mark.parametrize("name", sorted(FULL))
def test_a_step_that_fails_part_way_still_refuses_graphs_built_before_it(name, monkeypatch):
    # the first parameter is updated, then the second's gradient does not fit its array
    # (one by one: Adam's flat moments gather every gradient before changing anything,
    # tests/optim/test_flat.py)
    monkeypatch.setattr(_flat, "FLAT_LIMIT", 0)
    a = tnp.tensor([1.0, 2.0], requires_grad=True)
    b = tnp.tensor([1.0, 2.0], requires_grad=True)
    opt = FULL[name]([a, b])
    loss = (a * a).sum()  # Mul's backward reads a
    a.grad, b.grad = tnp.ones(2), tnp.ones(2)
    b.data = np.ones(3, np.float32)
    before = a.data.copy()
    with pytest.raises(ValueError):
        opt.step()
    assert not np.array_equal(a.data, before)  # a was changed before the error
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


@pytest.mark.parametrize("optimizer", [
    lambda ps: optim.SGD(ps, lr=1.5, weight_decay=1.0),
    lambda ps: optim.Adam(ps, lr=1.5, weight_decay=1.0),  # a step large enough to flip a sign
    lambda ps: optim.RMSprop(ps, lr=1.5, weight_decay=1.0),
], ids=["SGD", "Adam", "RMSprop"])
def test_weight_decay_reads_each_parameter_just_before_its_update(optimizer):
    # b shares a's array: its L2 term must see a's update, as in PyTorch
    shared = tnp.tensor([1.0, 2.0], requires_grad=True)
    alias = shared.detach().requires_grad_()
    one_by_one = tnp.tensor([1.0, 2.0], requires_grad=True)
    for p in (shared, alias, one_by_one):
        p.grad = tnp.zeros(2)
    optimizer([shared, alias]).step()
    first, second = optimizer([one_by_one]), optimizer([one_by_one])
    first.step()
    second.step()
    np.testing.assert_allclose(shared.data, one_by_one.data, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(FULL))
def test_step_skips_parameters_without_gradient(name):
    params = make_params()
    opt = FULL[name](params)
    params[1].grad = tnp.ones_like(params[1])
    before = params[0].data.copy()
    opt.step()
    np.testing.assert_array_equal(params[0].data, before)
    assert not opt.state.get(params[0])


def test_sgd_without_momentum_keeps_no_state():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)
    train(opt, params, 2)
    assert opt.state_dict()["state"] == {}


def test_sgd_momentum_buffer_starts_as_the_first_gradient_without_dampening():
    (w,) = make_params(shapes=((3,),))
    opt = optim.SGD([w], lr=0.1, momentum=0.9, dampening=0.5)
    w.grad = tnp.tensor([1.0, 2.0, 3.0])
    opt.step()
    np.testing.assert_array_equal(opt.state[w]["momentum_buffer"], [1.0, 2.0, 3.0])
    opt.step()  # 0.9 b + (1 - 0.5) g
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"], [1.4, 2.8, 4.2], rtol=1e-6)


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    params = make_params()
    opt = optim.SGD(params, lr=0.1)

    def closure():
        opt.zero_grad()
        loss = quadratic_loss(params)
        loss.backward()
        return loss

    with tnp.no_grad():
        loss = opt.step(closure)
    assert isinstance(loss, tnp.Tensor) and loss.requires_grad


def test_step_without_closure_returns_none():
    assert optim.SGD(make_params()).step() is None


# ---- zero_grad -----------------------------------------------------------------------------


def test_zero_grad_sets_gradients_to_none_by_default():
    params = make_params()
    quadratic_loss(params).backward()
    optim.Adam(params).zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_without_set_to_none_zeroes_the_gradient_arrays_in_place():
    params = make_params()
    quadratic_loss(params).backward()
    arrays = [p.grad.data for p in params]
    optim.Adam(params).zero_grad(set_to_none=False)
    for p, a in zip(params, arrays):
        assert p.grad.data is a
        assert not a.any()


def test_zero_grad_without_set_to_none_then_backward_accumulates_from_zero():
    params = make_params()
    opt = optim.SGD(params)
    quadratic_loss(params).backward()
    expected = [p.grad.data.copy() for p in params]
    quadratic_loss(params).backward()
    opt.zero_grad(set_to_none=False)
    quadratic_loss(params).backward()
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.grad.data, e)


def test_zero_grad_without_set_to_none_detaches_a_gradient_that_has_a_graph():
    (w,) = make_params(shapes=((3,),))
    (w * w).sum().backward(create_graph=True)
    graph_grad = w.grad
    assert graph_grad.requires_grad
    optim.SGD([w]).zero_grad(set_to_none=False)
    assert not w.grad.requires_grad and not w.grad.data.any()
    np.testing.assert_allclose(graph_grad.data, 2 * w.data)  # the graph's values survive


def test_zero_grad_leaves_parameters_without_gradient_alone():
    params = make_params()
    optim.SGD(params).zero_grad(set_to_none=False)
    assert all(p.grad is None for p in params)


# ---- parameter groups ----------------------------------------------------------------------


def test_parameter_groups_take_their_own_options_and_the_defaults_for_the_rest():
    a, b = make_params()
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert opt.param_groups[1]["params"] == [b]


def test_parameter_groups_step_with_their_own_learning_rate():
    a, b = make_params(shapes=((2,), (2,)))
    a0, b0 = a.data.copy(), b.data.copy()
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = tnp.ones_like(a), tnp.ones_like(b)
    opt.step()
    np.testing.assert_allclose(a.data, a0 - 0.1, rtol=1e-6)
    np.testing.assert_allclose(b.data, b0 - 0.5, rtol=1e-6)


def test_changing_a_group_lr_takes_effect_at_the_next_step():
    (w,) = make_params(shapes=((2,),))
    w0 = w.data.copy()
    opt = optim.SGD([w], lr=0.1)
    opt.param_groups[0]["lr"] = 0.25
    w.grad = tnp.ones_like(w)
    opt.step()
    np.testing.assert_allclose(w.data, w0 - 0.25, rtol=1e-6)


def test_add_param_group_does_not_modify_the_given_dict():
    a, b = make_params()
    opt = optim.Adam([a])
    group = {"params": [b], "lr": 0.1}
    opt.add_param_group(group)
    assert group == {"params": [b], "lr": 0.1}
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_repr_lists_each_group_options():
    opt = optim.SGD(make_params(), lr=0.1)
    assert repr(opt).startswith("SGD (\nParameter Group 0\n")
    assert "    lr: 0.1\n" in repr(opt)
