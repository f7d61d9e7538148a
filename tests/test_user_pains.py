"""The promises of /work/shared/USER-PAINS.md, one test (or a few) per pain, named after it.
The engine and op tests check the same properties in more depth; these read as the list."""

from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest
from hypothesis import given

import tinygrad_np as tnp
from tinygrad_np import testing

# ---- 1. deep graphs crash backward --------------------------------------------------------------


def test_pain_1_deep_graph_backward_does_not_hit_recursion_limit():
    x = tnp.tensor(0.5, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(20_000):  # 20x the recursion limit of recursive engines
        y = (y * 0.5 + 0.25).tanh()
    y.backward()
    assert np.isfinite(x.grad.item())


def test_pain_1_deep_graph_is_freed_without_backward():
    x = tnp.ones(2, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    last = weakref.ref(y.numpy())
    del y
    gc.collect()
    assert last() is None


# ---- 2. backward twice ----------------------------------------------------------------------


def test_pain_2_backward_twice_raises_never_a_silent_no_op():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    first = x.grad.numpy().copy()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), first)  # nothing was double counted


def test_pain_2_retain_graph_accumulates_into_leaves_only():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3  # an intermediate: micrograd double-counts these on a second backward
    loss = (h * h).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad.tolist() == [36.0, 72.0]
    assert h._grad is None  # nothing accumulated into the intermediate (h.grad would warn)


# ---- 3. reused nodes and diamonds -------------------------------------------------------------


def test_pain_3_reused_nodes_and_diamonds_match_torch():
    torch = pytest.importorskip("torch")

    def f(x):
        a = x * 2
        b = a.sin()  # a feeds b, c and the output: a diamond with a shortcut
        c = a * a
        d = b * c + a
        return (d * d + b).sum()

    xt = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    xo = tnp.tensor(xt.detach().numpy().copy(), requires_grad=True)
    f(xt).backward()
    f(xo).backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


@given(x=testing.tensors(domain="small"))
def test_pain_3_shared_subexpression_passes_gradcheck(x):
    def f(x):
        h = x.tanh()
        return h * h.exp() + h.sum() * h

    assert testing.check_grads(f, [x])


# ---- 4. broadcasting in backward ---------------------------------------------------------------


def test_pain_4_unequal_rank_broadcast_backward():
    a = tnp.ones(3, 4, requires_grad=True)
    b = tnp.ones(4, requires_grad=True)
    (a + b).sum().backward()
    assert a.grad.shape == (3, 4) and b.grad.tolist() == [3.0] * 4


@given(ab=testing.broadcastable_tensors(2))
def test_pain_4_broadcast_gradients_sum_to_each_input_shape(ab):
    a, b = ab
    assert testing.check_grads(lambda a, b: a * b + a, [a, b], second_order=False)


# ---- 5. losses that broadcast silently --------------------------------------------------------


def test_pain_5_mse_loss_refuses_n1_against_n():
    from tinygrad_np.nn import functional as F

    pred, target = tnp.ones(8, 1, requires_grad=True), tnp.ones(8)
    with pytest.raises(ValueError, match=r"mse_loss.*\(8, 1\).*\(8,\)"):
        F.mse_loss(pred, target)


def test_pain_5_mse_loss_module_refuses_broadcasting():
    from tinygrad_np import nn

    with pytest.raises(ValueError, match="broadcast"):
        nn.MSELoss()(tnp.ones(8), tnp.ones(8, 1))


# ---- 6. unstable softmax, log and cross-entropy ------------------------------------------------


def test_pain_6_log_softmax_of_big_logits_is_finite():
    x = tnp.tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    out = x.log_softmax(-1)
    out[0, 2].backward()
    assert np.isfinite(out.numpy()).all() and np.isfinite(x.grad.numpy()).all()


def test_pain_6_cross_entropy_of_big_logits_has_softmax_minus_onehot_gradient():
    from tinygrad_np.nn import functional as F

    logits = np.array([[1000.0, 0.0, -1000.0], [2.0, 1.0, 0.5]])
    target = np.array([2, 0])
    x = tnp.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, tnp.tensor(target))
    loss.backward()
    shifted = np.exp(logits - logits.max(1, keepdims=True))
    softmax = shifted / shifted.sum(1, keepdims=True)
    onehot = np.eye(3)[target]
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), (2000.0 - np.log(softmax[1, 0])) / 2)
    np.testing.assert_allclose(x.grad.numpy(), (softmax - onehot) / 2, atol=1e-12)


# ---- 7. NaN through the branch not taken ------------------------------------------------------


def test_pain_7_detect_anomaly_points_at_the_op_and_the_users_line():
    x = tnp.tensor([0.0, 4.0], requires_grad=True)
    with tnp.detect_anomaly(), np.errstate(all="ignore"):
        y = tnp.where(x > 0, x.sqrt(), 0.0)
        with pytest.raises(FloatingPointError, match=r"Sqrt backward.*test_user_pains\.py:\d+"):
            y.sum().backward()


def test_pain_7_safe_pattern_gives_finite_gradients():
    x = tnp.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    inside = x > 0
    tnp.where(inside, tnp.where(inside, x, 1.0).sqrt(), 0.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.25]


# ---- 8. memory growth from kept graphs ----------------------------------------------------------


def test_pain_8_summing_losses_keeps_graphs_and_item_does_not():
    w = tnp.ones(100, requires_grad=True)
    total = 0
    for _ in range(10):
        total = total + (w * w).sum()  # the trap: every step's graph stays alive
    assert tnp.graph_report(total).by_op["Mul"][0] == 10
    logged = 0.0
    for _ in range(10):
        logged += (w * w).sum().item()  # the fix: a Python number holds no graph
    assert logged == 1000.0


def test_pain_8_saved_arrays_are_freed_as_backward_runs_without_gc():
    gc.disable()
    try:
        w = tnp.ones(1000, requires_grad=True)
        h = w * 2
        saved = weakref.ref(h.numpy())
        loss = h.exp().sum()
        del h
        assert saved() is not None
        loss.backward()
        assert saved() is None  # freed by reference counting the moment Exp's backward ran
    finally:
        gc.enable()


# ---- 9. confusing autograd errors ---------------------------------------------------------------


def test_pain_9_requires_grad_on_the_loss_is_flagged():
    w = tnp.ones(3)  # forgot requires_grad on the parameter
    loss = (w * 2).sum()
    loss.requires_grad = True  # the tempting wrong fix
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loss.backward()
    assert any("requires_grad=True on the parameters" in str(c.message) for c in caught)


def test_pain_9_loss_without_graph_says_what_to_do():
    with pytest.raises(RuntimeError, match="Set requires_grad=True on the parameters"):
        (tnp.ones(3) * 2).sum().backward()


def test_pain_9_in_place_error_names_tensor_op_and_fix():
    w = tnp.ones(2, 2, requires_grad=True)
    loss = (w.sin() * 2).sum()
    with tnp.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError) as info:
        loss.backward()
    message = str(info.value)
    assert "Sin backward" in message and "(2, 2)" in message
    assert "optimizer.step()" in message and "clone()" in message


# ---- 10. gradient checking that fails for the wrong reason ---------------------------------


def test_pain_10_gradcheck_is_public_and_checks_float32_in_float64():
    x = tnp.randn(4, 5, requires_grad=True)  # float32 leaves
    assert x.dtype == np.float32
    assert tnp.gradcheck(lambda x: (x.exp() * x.sin()).logsumexp(1), [x])
    assert tnp.gradgradcheck(lambda x: (x.exp() * x.sin()).logsumexp(1), [x])


@given(x=testing.tensors(domain="positive", dtype=np.float32))
def test_pain_10_gradcheck_is_hypothesis_aware(x):
    assert testing.check_grads(lambda x: x.sqrt() * x.log(), [x])


# ---- also seen ----------------------------------------------------------------------------------


def test_also_integer_tensors_cannot_get_gradients():
    with pytest.raises(TypeError, match="floating point"):
        tnp.tensor([1, 2, 3], requires_grad=True)


def test_also_float_and_double_mix_without_error():
    a = tnp.ones(2, dtype=np.float32, requires_grad=True)
    b = tnp.ones(2, dtype=np.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_also_setitem_never_silently_does_nothing():
    w = tnp.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0] = 2.0
    with tnp.no_grad():
        w[0] = 2.0
    assert w.tolist() == [2.0, 1.0, 1.0]
