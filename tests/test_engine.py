"""Engine properties, one plain test each: deep graphs, memory released as backward runs and
by reference counting alone, backward twice, accumulation, grad(), higher-order gradients,
grad mode, anomaly detection and graph_report."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygrad_np as tnp

# ---- deep graphs ------------------------------------------------------------------------------


def test_backward_through_100k_op_chain():
    x = tnp.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.000001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.000001 ** 100_000, rtol=1e-9)


def test_grad_through_10k_step_chain_with_create_graph():
    x = tnp.tensor(2.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y + x * x * 1e-5
    (g,) = tnp.grad(y, x, create_graph=True)  # 1 + 10000 * 2x * 1e-5
    np.testing.assert_allclose(g.item(), 1.4)
    (gg,) = tnp.grad(g, x)  # 10000 * 2e-5
    np.testing.assert_allclose(gg.item(), 0.2)


def test_freeing_100k_deep_graph_without_backward_does_not_crash():
    # in a child process: a recursive free would overflow the C stack (pytorch#5534) and
    # kill the interpreter, not raise
    code = textwrap.dedent("""
        import gc, tinygrad_np as tnp
        x = tnp.ones(3, requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y * 1.0
        del y
        gc.collect()
        z = x
        for _ in range(100_000):
            z = (z + 1).sin()
        z = None
        print("freed")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "freed"


# ---- memory ---------------------------------------------------------------------------------


def _graph_with_intermediate():
    x = tnp.randn(50, requires_grad=True)
    h = x * 2  # saved by Sin for backward
    loss = h.sin().sum()
    return x, weakref.ref(h.numpy()), loss


def test_saved_arrays_are_freed_as_backward_runs():
    x, h_data, loss = _graph_with_intermediate()
    assert h_data() is not None  # the graph keeps it for Sin's backward
    loss.backward()
    assert h_data() is None
    assert x.grad is not None


def test_retain_graph_keeps_saved_arrays_until_the_graph_is_dropped():
    x, h_data, loss = _graph_with_intermediate()
    loss.backward(retain_graph=True)
    assert h_data() is not None
    del loss
    assert h_data() is None


def test_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        x, h_data, loss = _graph_with_intermediate()
        out_data = weakref.ref(loss.numpy())
        del loss  # no cycles: the whole graph goes the moment its last reference does
        assert h_data() is None and out_data() is None
        x2, h2_data, loss2 = _graph_with_intermediate()
        loss2.backward()
        del loss2
        assert h2_data() is None
    finally:
        gc.enable()


def test_graph_creates_no_garbage_cycles():
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            x = tnp.randn(4, 3, requires_grad=True)
            w = tnp.randn(3, 2, requires_grad=True)
            loss = ((x @ w).relu().softmax(-1) * 2).logsumexp(0).sum()
            loss.backward()
            (g,) = tnp.grad((x * x).sum(), x, create_graph=True)
            tnp.grad(g.sum(), x)
        del x, w, loss, g
        assert gc.collect() == 0
    finally:
        gc.enable()


class _WrongCount(tnp.Function):
    """a * b, with a backward that returns one gradient for two inputs (a bug to report)"""

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def backward_numpy(ctx, grad, a, b):
        return grad


@pytest.mark.parametrize("retain_graph", [True, False])
@pytest.mark.parametrize("failure", ["wrong_count", "anomaly"])
def test_backward_that_raises_inside_a_node_leaves_no_reference_cycle(retain_graph, failure):
    # the engine lends a node its output during backward; an error must not leave the
    # output -> node -> output cycle behind, or the graph outlives its last reference
    gc.collect()
    gc.disable()
    try:
        a = tnp.ones(3, requires_grad=True)
        if failure == "wrong_count":
            out, expected = _WrongCount.apply(a, tnp.ones(3, requires_grad=True)), RuntimeError
        else:
            out, expected = tnp.zeros(3, requires_grad=True).sqrt(), FloatingPointError
        alive = weakref.ref(out)
        with tnp.detect_anomaly(), pytest.raises(expected), np.errstate(divide="ignore"):
            out.sum().backward(retain_graph=retain_graph)
        del out
        assert alive() is None
    finally:
        gc.enable()


def test_backward_frees_each_summand_before_the_next_node_runs():
    # h * h gets two gradients for h; once added, neither summand may stay alive while the
    # next node's backward runs (a 4 MB float64 array each: the peak counts them)
    size = 500_000 * 8
    x = tnp.Tensor(np.ones(500_000), requires_grad=True)
    h = x * 1.0001
    for _ in range(3):
        h = h * h
    loss = h.sum()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        loss.backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (peak - start) / size < 4.5  # the gradient, its two summands, the sum, x.grad


def _small_model_step(params, x, y, lr=0.1):
    w1, b1, w2 = params
    loss = (((x @ w1 + b1).tanh() @ w2 - y) ** 2).mean()
    for p in params:
        p.grad = None
    loss.backward()
    with tnp.no_grad():
        for p in params:
            p -= lr * p.grad
    return loss.item()  # log a number, not the tensor with its graph


def test_training_1000_steps_does_not_grow_memory():
    tnp.manual_seed(0)
    x, y = tnp.randn(16, 4), tnp.randn(16, 1)
    params = [tnp.randn(4, 8, requires_grad=True), tnp.zeros(8, requires_grad=True),
              tnp.randn(8, 1, requires_grad=True)]
    for _ in range(50):
        _small_model_step(params, x, y)
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        losses = [_small_model_step(params, x, y) for _ in range(1000)]
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    growth = sum(s.size_diff for s in after.compare_to(before, "filename"))
    # a kept graph per step would be ~1000 x several KB; allow the list of losses and noise
    assert growth < 200_000, f"memory grew by {growth} bytes over 1000 steps"
    assert losses[-1] < losses[0]


# ---- backward twice, accumulation, retain_grad ---------------------------------------------


def test_backward_twice_raises_clear_error():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"second time.*retain_graph=True"):
        loss.backward()


def test_backward_twice_through_shared_subgraph_raises():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    (h * 2).sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 3).sum().backward()


def test_backward_that_fails_part_way_changes_no_grad():
    # the x * 5 branch runs before the freed Exp is reached; its gradient must not land
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    (h * 2).sum().backward()
    first = x.grad.numpy().copy()
    with pytest.raises(RuntimeError, match="second time"):
        ((x * 5).sum() + (h * 3).sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), first)


def test_retain_graph_allows_second_backward_and_accumulates_twice():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_gradients_accumulate_across_backward_calls():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_retain_grad_keeps_intermediate_gradient():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    other = x * 3
    (h * h + other).sum().backward()
    assert h.grad.tolist() == [4.0, 8.0]
    with pytest.warns(UserWarning, match="non-leaf"):
        assert other.grad is None and not other.is_leaf


def test_retain_grad_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tnp.ones(2).retain_grad()


def test_backward_of_non_scalar_needs_gradient():
    x = tnp.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*gradient="):
        (x * 2).backward()
    (x * 2).backward(tnp.ones(2, 3))
    assert x.grad.tolist() == [[2.0] * 3] * 2


def test_backward_gradient_of_wrong_shape_raises():
    x = tnp.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        (x * 2).backward(tnp.ones(3))


def test_backward_on_tensor_without_graph_names_the_fix():
    with pytest.raises(RuntimeError, match="requires_grad=True on the parameters"):
        (tnp.ones(2) * 2).sum().backward()


# ---- grad() ---------------------------------------------------------------------------------


def test_grad_returns_gradients_without_touching_dot_grad():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    y = tnp.tensor([3.0, 4.0], requires_grad=True)
    gx, gy = tnp.grad((x * y).sum(), [x, y])
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    assert x.grad is None and y.grad is None


def test_grad_leaves_existing_dot_grad_unchanged():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    (x * 5).sum().backward()
    tnp.grad((x * x).sum(), x)
    assert x.grad.tolist() == [5.0, 5.0]


def test_grad_with_unused_input_raises_unless_allow_unused():
    x = tnp.tensor([1.0], requires_grad=True)
    unused = tnp.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tnp.grad((x * 2).sum(), [x, unused])
    gx, gu = tnp.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.tolist() == [2.0] and gu is None


def test_grad_of_input_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tnp.grad((tnp.ones(1, requires_grad=True) * 2).sum(), tnp.ones(1))


def test_grad_of_intermediate_tensor():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (gh,) = tnp.grad((h * h).sum(), h)
    assert gh.tolist() == [6.0, 12.0]


def test_grad_of_an_intermediate_and_of_the_leaf_behind_it():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    gh, gx = tnp.grad((h * h).sum(), [h, x])
    assert gh.tolist() == [6.0, 12.0] and gx.tolist() == [18.0, 36.0]


def test_grad_runs_only_the_branches_that_reach_its_inputs():
    # as PyTorch: y's branch leads to x only, so grad(loss, w) neither computes it nor
    # refuses its output, which was changed in place
    x = tnp.tensor([0.5, -1.0], requires_grad=True)
    w = tnp.tensor([2.0, 3.0], requires_grad=True)
    y = x.exp()
    loss = (-y + w * w).sum()
    with tnp.no_grad():
        y.mul_(2)
    (gw,) = tnp.grad(loss, w, retain_graph=True)
    assert gw.tolist() == [4.0, 6.0]
    with pytest.raises(RuntimeError, match="Exp backward: its output"):
        tnp.grad(loss, x)


def test_grad_with_several_outputs_and_grad_outputs():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tnp.grad([x * 2, x * x], x, grad_outputs=[tnp.ones(2), tnp.tensor([1.0, 10.0])])
    assert g.tolist() == [4.0, 42.0]


# ---- higher order ---------------------------------------------------------------------------


def test_hessian_vector_product_matches_analytic_hessian():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    x0, v = rng.standard_normal(4), rng.standard_normal(4)
    # f(x) = sum(sin x) + x·A x / 2 + (x0 x1)^2
    x = tnp.tensor(x0, requires_grad=True)
    f = x.sin().sum() + (x @ tnp.tensor(a) @ x) / 2 + (x[0] * x[1]) ** 2
    (g,) = tnp.grad(f, x, create_graph=True)
    (hv,) = tnp.grad((g * tnp.tensor(v)).sum(), x)
    hessian = np.diag(-np.sin(x0)) + (a + a.T) / 2
    hessian[0, 0] += 2 * x0[1] ** 2
    hessian[1, 1] += 2 * x0[0] ** 2
    hessian[0, 1] += 4 * x0[0] * x0[1]
    hessian[1, 0] += 4 * x0[0] * x0[1]
    np.testing.assert_allclose(hv.numpy(), hessian @ v, rtol=1e-10)


def test_third_derivative():
    x = tnp.tensor(0.7, dtype=np.float64, requires_grad=True)
    (d1,) = tnp.grad(x ** 4, x, create_graph=True)
    (d2,) = tnp.grad(d1, x, create_graph=True)
    (d3,) = tnp.grad(d2, x)
    np.testing.assert_allclose(d3.item(), 24 * 0.7)


def test_gradient_penalty_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    xv, wv = rng.standard_normal((5, 3)), rng.standard_normal((3, 1))

    def penalty(lib, x, w):
        score = (x @ w).tanh().sum()
        grad_fn = lib.autograd.grad if lib is torch else lib.grad
        (g,) = grad_fn(score, x, create_graph=True)
        norms = ((g * g).sum(1) + 1e-12).sqrt()
        return ((norms - 1) ** 2).mean()

    xt, wt = torch.tensor(xv, requires_grad=True), torch.tensor(wv, requires_grad=True)
    xo, wo = tnp.tensor(xv, requires_grad=True), tnp.tensor(wv, requires_grad=True)
    pt, po = penalty(torch, xt, wt), penalty(tnp, xo, wo)
    pt.backward()
    po.backward()
    np.testing.assert_allclose(po.item(), pt.item(), rtol=1e-12)
    np.testing.assert_allclose(wo.grad.numpy(), wt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_create_graph_gradient_requires_grad_and_plain_one_does_not():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    (g1,) = tnp.grad((x ** 3).sum(), x, create_graph=True)
    (g2,) = tnp.grad((x ** 3).sum(), x)
    assert g1.requires_grad and not g2.requires_grad


# ---- grad mode ------------------------------------------------------------------------------


def test_no_grad_context_records_nothing():
    x = tnp.ones(2, requires_grad=True)
    with tnp.no_grad():
        y = x * 2
        assert not tnp.is_grad_enabled()
    assert tnp.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_and_enable_grad_nest():
    x = tnp.ones(2, requires_grad=True)
    with tnp.no_grad():
        with tnp.enable_grad():
            y = x * 2
            with tnp.no_grad():
                z = x * 2
            w = x * 2
        v = x * 2
    assert y.requires_grad and not z.requires_grad and w.requires_grad
    assert not v.requires_grad


def test_no_grad_and_enable_grad_as_decorators():
    x = tnp.ones(2, requires_grad=True)

    @tnp.no_grad()
    def evaluate(t):
        return t * 2, inner(t)

    @tnp.enable_grad()
    def inner(t):
        return t * 3

    a, b = evaluate(x)
    assert not a.requires_grad and b.requires_grad
    assert evaluate.__name__ == "evaluate"


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with tnp.no_grad():
            raise ValueError("inside no_grad")
    assert tnp.is_grad_enabled()


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled(mode):
    x = tnp.ones(2, requires_grad=True)
    with tnp.no_grad():
        with tnp.set_grad_enabled(mode):
            assert tnp.is_grad_enabled() is mode
            y = x * 2
    assert y.requires_grad is mode
    assert tnp.is_grad_enabled()


def test_set_grad_enabled_decorates_and_works_alone_like_torch():
    @tnp.set_grad_enabled(False)
    def evaluate(t):
        return t * 2

    x = tnp.ones(2, requires_grad=True)
    assert tnp.is_grad_enabled()  # decorating changes nothing until a call
    assert not evaluate(x).requires_grad and tnp.is_grad_enabled()
    try:
        tnp.set_grad_enabled(False)  # called alone: from now on
        assert not tnp.is_grad_enabled()
    finally:
        tnp.set_grad_enabled(True)
    assert tnp.is_grad_enabled()


def test_no_grad_decorates_without_parentheses_like_torch():
    @tnp.no_grad
    def evaluate(t):
        return t * 2

    assert not evaluate(tnp.ones(2, requires_grad=True)).requires_grad
    assert evaluate.__name__ == "evaluate"


def test_no_grad_on_a_generator_holds_while_the_generator_runs_only():
    x = tnp.ones(2, requires_grad=True)

    @tnp.no_grad()
    def batches():
        for _ in range(2):
            received = yield (x * 2).requires_grad
            assert received == "sent" and not tnp.is_grad_enabled()
        return "done"

    gen = batches()
    assert next(gen) is False and tnp.is_grad_enabled()  # the caller's mode between items
    assert gen.send("sent") is False
    with pytest.raises(StopIteration) as stop:
        gen.send("sent")
    assert stop.value.value == "done" and tnp.is_grad_enabled()


def test_an_exception_thrown_into_a_no_grad_generator_is_raised_inside_it():
    @tnp.no_grad()
    def guarded():
        try:
            yield 1
        except KeyError:
            yield tnp.is_grad_enabled()

    gen = guarded()
    next(gen)
    assert gen.throw(KeyError("k")) is False and tnp.is_grad_enabled()


def test_backward_runs_with_grad_disabled_unless_create_graph():
    seen = []

    class Spy(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            return a.copy()

        @staticmethod
        def backward(ctx, grad):
            seen.append(tnp.is_grad_enabled())
            return grad

    x = tnp.ones(2, requires_grad=True)
    Spy.apply(x).sum().backward()
    tnp.grad(Spy.apply(x).sum(), x, create_graph=True)
    assert seen == [False, True] and tnp.is_grad_enabled()


# ---- anomaly detection ----------------------------------------------------------------------


def _line_of(marker: str) -> str:
    """'tests/test_engine.py:N' of the line of this file containing `marker`."""
    with open(__file__) as f:
        for n, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return f"{__file__}:{n}"
    raise AssertionError(marker)


def test_detect_anomaly_names_op_and_line_for_nan_in_forward():
    x = tnp.tensor([-1.0, 4.0], requires_grad=True)
    with tnp.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(FloatingPointError) as info:
            x.sqrt()  # marker: sqrt of a negative
    message = str(info.value)
    assert "Sqrt" in message and "nan" in message and "forward" in message
    assert _line_of("marker: sqrt of a negative") in message


def test_detect_anomaly_names_op_and_line_for_log_of_zero():
    x = tnp.tensor([0.0, 1.0], requires_grad=True)
    with tnp.detect_anomaly(), np.errstate(divide="ignore"):
        with pytest.raises(FloatingPointError) as info:
            (x * 1).log()  # marker: log of zero
    assert "Log produced inf" in str(info.value)
    assert _line_of("marker: log of zero") in str(info.value)


def test_nan_leaks_through_the_branch_not_taken():
    # the pain: where(x > 0, sqrt(x), 0) has a NaN gradient at x <= 0, as in PyTorch
    x = tnp.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with np.errstate(all="ignore"):
        tnp.where(x > 0, x.sqrt(), 0.0).sum().backward()
    assert np.isnan(x.grad.numpy()[:2]).all() and x.grad.numpy()[2] == 0.25


def test_detect_anomaly_names_op_and_line_for_nan_in_backward():
    x = tnp.tensor([0.0, 4.0], requires_grad=True)
    with tnp.detect_anomaly(), np.errstate(all="ignore"):
        y = tnp.where(x > 0, x.sqrt(), 0.0)  # marker: where of sqrt
        with pytest.raises(FloatingPointError) as info:
            y.sum().backward()
    message = str(info.value)
    assert "Sqrt backward produced" in message and "nan" in message
    assert _line_of("marker: where of sqrt") in message


def test_safe_where_pattern_has_finite_gradient():
    # the documented fix: make the untaken branch's input safe before the op
    x = tnp.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    with tnp.detect_anomaly():
        safe = tnp.where(x > 0, x, 1.0)
        tnp.where(x > 0, safe.sqrt(), 0.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.25]


def test_detect_anomaly_is_off_after_the_block():
    x = tnp.tensor([-1.0], requires_grad=True)
    with tnp.detect_anomaly():
        pass
    with np.errstate(invalid="ignore"):
        assert np.isnan(x.sqrt().item())


# ---- graph_report ---------------------------------------------------------------------------


def test_graph_report_counts_nodes_and_saved_bytes_by_op():
    w = tnp.ones(100, requires_grad=True)
    b = tnp.ones(100, requires_grad=True)
    loss = ((w * w + b).exp() * 2).sum()
    r = tnp.graph_report(loss)
    assert r.nodes == 5 and r.leaves == 2
    assert set(r.by_op) == {"Mul", "Add", "Exp", "Sum"}
    assert r.by_op["Mul"][0] == 2 and r.by_op["Exp"][0] == 1
    assert r.by_op["Mul"][1] >= 400  # w's 400 bytes, counted once although Mul reads it twice
    assert r.saved_bytes == sum(nbytes for _, nbytes in r.by_op.values())
    assert "Mul" in str(r) and "total" in str(r)


def test_graph_report_of_leaf_is_empty():
    r = tnp.graph_report(tnp.ones(3, requires_grad=True))
    assert r.nodes == 0 and r.leaves == 1 and r.saved_bytes == 0


def test_graph_report_shows_graph_kept_by_total_loss_pattern():
    # the pain: `total += loss` keeps every step's graph alive
    w = tnp.ones(10, requires_grad=True)
    total = 0
    for _ in range(5):
        total = total + (w * 2).sum()
    assert tnp.graph_report(total).by_op["Mul"][0] == 5
    logged = sum((w * 2).sum().item() for _ in range(5))  # the fix: log numbers
    assert logged == 100.0


def test_grad_with_the_same_input_twice_returns_its_gradient_twice():
    a = tnp.ones(3, requires_grad=True)
    ga, gb = tnp.grad((a * 2).sum(), [a, a])
    np.testing.assert_array_equal(ga.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(gb.numpy(), [2.0, 2.0, 2.0])


def test_grad_of_the_same_output_twice_sums_both():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    (g,) = tnp.grad([y, y], [x])
    np.testing.assert_array_equal(g.numpy(), [4.0, 8.0])  # 2 * 2x


# ---- found by review of the faster engine ----------------------------------------------------


def test_create_graph_backward_inside_no_grad_keeps_the_gradients_graph():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    loss = (x**3).sum()
    with tnp.no_grad():
        loss.backward(create_graph=True)  # x.grad = 6x², recorded
    assert x.grad.requires_grad
    (g2,) = tnp.grad(x.grad.sum(), x)
    assert g2.tolist() == [12.0, 24.0]


def test_create_graph_gradients_of_two_leaves_are_not_one_tensor():
    a = tnp.tensor(1.0, requires_grad=True)
    b = tnp.tensor(1.0, requires_grad=True)
    (a + b).backward(create_graph=True)  # Add passes one gradient to both
    assert a.grad is not b.grad
    (a + b).backward()  # a plain backward adds in place: to each leaf once
    assert a.grad.item() == 2.0 and b.grad.item() == 2.0


def test_create_graph_leaf_gradient_is_not_the_callers_gradient():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    given = tnp.ones(2)
    with pytest.warns(UserWarning, match="leaf tensor"):  # x itself is the root
        x.backward(given, create_graph=True)
    x.grad.zero_()
    assert given.tolist() == [1.0, 1.0]


def test_root_gradient_takes_the_outputs_dtype():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.backward(tnp.ones(2, dtype=np.float64))
    assert y.grad.dtype == np.float32 and x.grad.dtype == np.float32
    x.grad = None
    with pytest.warns(UserWarning, match="leaf tensor"):
        x.backward(tnp.ones(2, dtype=np.float64))  # a leaf as the root
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0]


def test_deep_copied_graph_backpropagates():
    import copy

    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3  # a non-leaf: its copy has the same op sequence number
    (h + copy.deepcopy(h)).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


# ---- found by a second review: what backward reads must be what forward used --------------


def test_changing_the_target_after_forward_does_not_change_the_gradient():
    logits = tnp.zeros(1, 3, requires_grad=True)
    labels = np.array([0])
    loss = tnp.nn.functional.cross_entropy(logits, tnp.Tensor(labels))
    labels[0] = 2
    loss.backward()
    np.testing.assert_allclose(logits.grad.numpy(), [[-2 / 3, 1 / 3, 1 / 3]], rtol=1e-6)


def test_changing_a_mask_or_an_index_after_forward_does_not_change_the_gradient():
    x = tnp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = np.array([True, False, True])
    index = np.array([0, 0, 1])
    (tnp.where(tnp.Tensor(mask), x, 0.0).sum() + x[index].sum()).backward()
    assert x.grad.tolist() == [3.0, 1.0, 1.0]
    x.grad = None
    loss = tnp.where(tnp.Tensor(mask), x, 0.0).sum() + x[index].sum()
    mask[:] = False
    index[:] = 2
    loss.backward()
    assert x.grad.tolist() == [3.0, 1.0, 1.0]


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("x_shape, w_shape", [((3, 4), (0, 4)), ((2, 3, 0), (5, 0))])
def test_linear_with_a_zero_size_feature_dimension_backpropagates(x_shape, w_shape,
                                                                    create_graph):
    x = tnp.ones(*x_shape, requires_grad=True)
    w = tnp.ones(*w_shape, requires_grad=True)
    b = tnp.ones(w_shape[0], requires_grad=True)
    (gx, gw, gb) = tnp.grad(tnp.nn.functional.linear(x, w, b).sum(), [x, w, b],
                            create_graph=create_graph)
    assert (gx.shape, gw.shape, gb.shape) == (x_shape, w_shape, (w_shape[0],))
    assert gb.tolist() == [float(np.prod(x_shape[:-1]))] * w_shape[0]


def test_float16_mean_over_more_elements_than_float16_can_count():
    x = tnp.Tensor(np.full(70_000, 0.5, dtype=np.float16), requires_grad=True)
    m = x.mean()
    m.backward()
    assert m.dtype == np.float16 and m.item() == 0.5
    np.testing.assert_allclose(x.grad.numpy()[0], 1 / 70_000, rtol=1e-2)  # a subnormal


def test_complex_tensors_cannot_require_grad():
    # the gradient formulas are written for real numbers (no conjugates)
    with pytest.raises(TypeError, match="only floating point"):
        tnp.Tensor(np.ones(2, dtype=np.complex64), requires_grad=True)


@pytest.mark.parametrize("create_graph", [False, True])
def test_zero_dim_big_endian_leaf_keeps_its_dtype_in_grad(create_graph):
    # NumPy's sums come out in native byte order: x * x sums two gradients for x
    x = tnp.Tensor(np.array(2.0, dtype=">f4"), requires_grad=True)
    (x * x).backward(create_graph=create_graph)
    assert x.grad.dtype == np.dtype(">f4") and x.grad.item() == 4.0
    (g,) = tnp.grad(x * x, x, create_graph=create_graph)
    assert g.dtype == np.dtype(">f4") and g.item() == 4.0


def test_a_set_grad_enabled_object_sets_the_mode_each_time_it_is_entered():
    ctx = tnp.set_grad_enabled(False)
    seen = []
    for _ in range(2):
        with ctx:
            seen.append(tnp.is_grad_enabled())
    assert seen == [False, False] and tnp.is_grad_enabled()


def test_a_no_grad_generator_closed_early_cleans_up_in_its_mode():
    seen = []

    @tnp.no_grad()
    def items():
        try:
            yield 1
        finally:
            seen.append(tnp.is_grad_enabled())

    gen = items()
    next(gen)
    gen.close()
    assert seen == [False] and tnp.is_grad_enabled()


def test_no_grad_with_an_argument_that_is_not_a_function_is_refused():
    with pytest.raises(TypeError, match=r"no_grad\(\) takes no arguments"):
        tnp.no_grad(True)


@pytest.mark.parametrize("byteorder", ["=", ">" if sys.byteorder == "little" else "<"])
@pytest.mark.parametrize("dtypes", [("float32",) * 3, ("float32", "float64", "float32")])
def test_fused_mlp_and_cross_entropy_give_each_gradient_its_inputs_shape_and_dtype(byteorder,
                                                                                  dtypes):
    # the fused Sequential and cross_entropy skip fitting their gradients when all dtypes
    # are one native dtype; in any other case the engine must still cast each gradient
    from tinygrad_np import nn
    from tinygrad_np.nn import functional as F

    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x_dtype, w_dtype, b_dtype = (np.dtype(d).newbyteorder(byteorder) for d in dtypes)
    model[0].weight.data = model[0].weight.numpy().astype(w_dtype)
    model[2].bias.data = model[2].bias.numpy().astype(b_dtype)
    x = tnp.tensor(np.linspace(-1, 1, 8).reshape(2, 4).astype(x_dtype), requires_grad=True)
    logits = model(x)
    F.cross_entropy(logits, tnp.tensor([0, 1])).backward()
    for t in [x, *model.parameters()]:
        assert t.grad.shape == t.shape and t.grad.dtype == t.dtype, (t.shape, t.dtype)


def test_grad_fills_retain_grad_tensors_on_its_paths_like_torch():
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    w = tnp.tensor([1.0, 1.0], requires_grad=True)
    y, u = x * 3, w * 2
    y.retain_grad()
    u.retain_grad()
    (dw,) = tnp.grad((y * u).sum(), w)
    # u lies between the output and w and gets its gradient; y's branch never runs
    assert dw.tolist() == [6.0, 12.0] and u.grad.tolist() == [3.0, 6.0] and y.grad is None
    assert x.grad is None and w.grad is None  # leaves are untouched
    (dy,) = tnp.grad((y * y).sum(), y)  # a retain_grad tensor asked for gets it too
    assert dy.tolist() == [6.0, 12.0] and y.grad.tolist() == [6.0, 12.0]
    assert y.grad is not dy  # its own copy: changing one leaves the other
