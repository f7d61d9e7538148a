"""User-defined ops: a Function subclass gets the same treatment as the built-in ones
(gradcheck, create_graph, needs_input_grad, broadcasting summed by the engine), and a
backward that returns the wrong number or shape of gradients is a clear error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import tinygrad_np as tnp
from tinygrad_np.testing import check_grads, tensors


class Cube(tnp.Function):
    """out = x ** 3;  d/dx = 3 x²"""

    @staticmethod
    def forward(ctx, x):
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return grad * 3 * x * x


class ScaledAdd(tnp.Function):
    """out = a + alpha * b (broadcasting; backward returns broadcast-shaped gradients)"""

    @staticmethod
    def forward(ctx, a, b, alpha=1.0):
        ctx.alpha = alpha
        return a + alpha * b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (grad if need_a else None), (grad * ctx.alpha if need_b else None)


@given(x=tensors())
def test_custom_cube_passes_gradcheck_and_gradgradcheck(x):
    assert check_grads(Cube.apply, [x])


def test_custom_op_gradients_are_summed_to_input_shapes():
    a = tnp.ones(2, 3, requires_grad=True)
    b = tnp.ones(3, requires_grad=True)
    ScaledAdd.apply(a, b, alpha=2.0).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad.tolist() == [4.0, 4.0, 4.0]


def test_needs_input_grad_reflects_requires_grad():
    seen = []

    class Spy(tnp.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.needs_input_grad)
            return grad, None

    Spy.apply(tnp.ones(2, requires_grad=True), tnp.ones(2)).sum().backward()
    assert seen == [(True, False)]


def test_save_for_backward_and_output():
    class Exp(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            out = np.exp(a)
            ctx.save_for_backward(a.copy())
            return out

        @staticmethod
        def backward(ctx, grad):
            (saved,) = ctx.saved_tensors
            assert np.allclose(np.exp(saved), ctx.output.numpy())
            return grad * ctx.output

    x = tnp.tensor([0.0, 1.0], dtype=np.float64, requires_grad=True)
    Exp.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.0, 1.0]))


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("op", ["exp", "sigmoid", "softmax"])
def test_backward_refuses_an_output_it_reads_that_was_changed_in_place(op, create_graph):
    # these ops compute their gradient from their output (as PyTorch's do): changing it in
    # place under no_grad before backward would give a wrong gradient without a word
    x = tnp.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = getattr(x, op)() if op != "softmax" else x.softmax(0)
    with tnp.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match=r"backward: its output \(shape \(3,\), float32\) "
                                           r"was modified by an in-place operation"):
        (y * tnp.tensor([1.0, 2.0, 3.0])).sum().backward(create_graph=create_graph)


def test_backward_of_an_op_that_does_not_read_its_output_allows_changing_it():
    x = tnp.tensor([0.5, -1.0], requires_grad=True)
    y = x * 3  # Mul reads its inputs, not its output
    with tnp.no_grad():
        y.add_(1)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_a_view_op_that_reads_its_output_refuses_it_changed_in_place():
    class HalfView(tnp.Function):
        """out = a viewed as is (is_view); its backward reads the output, so it must see
        changes made through the view or its base"""

        is_view = True
        reads_input_values = False  # only the output: its check is the one under test

        @staticmethod
        def forward(ctx, a):
            return a[:]

        @staticmethod
        def backward(ctx, grad):
            return grad * (ctx.output * 0 + 1)

        @staticmethod
        def backward_numpy(ctx, grad, a):
            return grad * (ctx.output._data * 0 + 1)

    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1  # not a leaf: its view may be changed under no_grad
    out = HalfView.apply(h)
    (out * out).sum().backward(retain_graph=True)  # unchanged: fine
    with tnp.no_grad():
        h.mul_(10)  # changes the view's output through its base
    with pytest.raises(RuntimeError, match="HalfView backward: its output"):
        out.sum().backward()


def test_ctx_output_outside_backward_says_when_it_is_available():
    y = tnp.tensor([1.0], requires_grad=True).exp()
    with pytest.raises(AttributeError, match=r"Exp: ctx.output is lent to backward only"):
        _ = y._ctx.output


def test_setting_ctx_output_in_forward_names_the_alternative():
    class Keeps(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.output = a * 2
            return a * 2

    with pytest.raises(AttributeError, match=r"Keeps: ctx.output is the op's output.*another"):
        Keeps.apply(tnp.ones(2, requires_grad=True))


def test_backward_returning_wrong_number_of_gradients_raises():
    class TwoGrads(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match=r"TwoGrads backward returned 2 gradient\(s\) for 1"):
        TwoGrads.apply(tnp.ones(2, requires_grad=True)).sum().backward()


def test_backward_returning_wrong_shape_raises():
    class BadShape(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            return a.sum(0)

        @staticmethod
        def backward(ctx, grad):
            return tnp.ones(4)

    with pytest.raises(RuntimeError, match=r"BadShape backward.*\(4,\).*\(2, 3\)"):
        BadShape.apply(tnp.ones(2, 3, requires_grad=True)).sum().backward()


def test_apply_with_a_non_tensor_raises():
    with pytest.raises(TypeError, match=r"Cube.apply: input 0 is a ndarray"):
        Cube.apply(np.ones(2))


def test_function_without_backward_raises_not_implemented():
    class ForwardOnly(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

    y = ForwardOnly.apply(tnp.ones(2, requires_grad=True)).sum()
    with pytest.raises(NotImplementedError, match="backward"):
        y.backward()


def test_custom_op_output_of_integer_dtype_does_not_require_grad():
    class Round(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            return np.round(a).astype(np.int64)

    out = Round.apply(tnp.tensor([1.4, 2.6], requires_grad=True))
    assert out.dtype == np.int64 and not out.requires_grad


# ---- backward_numpy: the same gradient on arrays ---------------------------------------------


class _TracedCube(tnp.Function):
    """out = x³, with both backwards; `calls` records which one the engine ran."""

    calls: list = []

    @staticmethod
    def forward(ctx, x):
        return x**3

    @staticmethod
    def backward(ctx, grad):
        _TracedCube.calls.append("backward")
        (x,) = ctx.inputs
        return grad * 3 * x * x

    @staticmethod
    def backward_numpy(ctx, grad, x):
        _TracedCube.calls.append("backward_numpy")
        return grad * 3 * x * x


def test_backward_numpy_runs_unless_the_backward_is_recorded():
    _TracedCube.calls = []
    x = tnp.tensor([1.0, 2.0], requires_grad=True)
    _TracedCube.apply(x).sum().backward()
    assert _TracedCube.calls == ["backward_numpy"] and x.grad.tolist() == [3.0, 12.0]
    _TracedCube.calls = []
    (g,) = tnp.grad(_TracedCube.apply(x).sum(), x, create_graph=True)
    assert _TracedCube.calls == ["backward"]
    (gg,) = tnp.grad(g.sum(), x)  # 6x, through what backward recorded
    assert gg.tolist() == [6.0, 12.0]


def test_backward_numpy_gradient_is_summed_to_the_input_shape_and_dtype():
    class ScaleRows(tnp.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward_numpy(ctx, grad, a, b):
            return (grad * b).astype(np.float64), grad * a  # b's gradient in a's shape

    a = tnp.ones(3, 2, requires_grad=True)
    b = tnp.tensor([2.0, 5.0], requires_grad=True)
    ScaleRows.apply(a, b).sum().backward()
    assert b.grad.shape == (2,) and b.grad.tolist() == [3.0, 3.0]
    assert a.grad.dtype == np.float32 and a.grad.numpy()[0].tolist() == [2.0, 5.0]


def test_backward_numpy_returning_wrong_number_of_gradients_raises():
    class Two(tnp.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward_numpy(ctx, grad, a, b):
            return grad

    a, b = tnp.ones(2, requires_grad=True), tnp.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Two backward returned 1 gradient"):
        Two.apply(a, b).sum().backward()


def test_reads_input_values_false_allows_an_in_place_change_after_forward():
    class Shift(tnp.Function):
        reads_input_values = False

        @staticmethod
        def forward(ctx, a):
            return a + 1

        @staticmethod
        def backward_numpy(ctx, grad, a):
            return grad

    class Reads(Shift):
        reads_input_values = True

    for op, allowed in ((Shift, True), (Reads, False)):
        x = tnp.tensor([1.0, 2.0], requires_grad=True)
        loss = op.apply(x).sum()
        with tnp.no_grad():
            x.add_(1)
        if allowed:
            loss.backward()
            assert x.grad.tolist() == [1.0, 1.0]
        else:
            with pytest.raises(RuntimeError, match="modified by an in-place operation"):
                loss.backward()


def test_a_forward_returning_several_arrays_is_refused_by_name():
    class TwoOutputs(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(TypeError, match="TwoOutputs.forward returned a tuple"):
        TwoOutputs.apply(tnp.ones(2, requires_grad=True))


def test_saved_tensors_is_empty_before_anything_is_saved():
    class Double(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            assert ctx.saved_tensors == ()
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    assert Double.apply(tnp.ones(2)).tolist() == [2.0, 2.0]


def test_a_missing_tensor_backward_under_create_graph_names_the_op():
    class OnlyNumpy(tnp.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward_numpy(ctx, grad, a):
            return grad * 2

    x = tnp.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match="OnlyNumpy must define backward"):
        tnp.grad(OnlyNumpy.apply(x).sum(), x, create_graph=True)


class _SumAll(tnp.Function):
    """out = Σ_i Σ x_i, for any number of inputs: d/dx_i = 1"""

    @staticmethod
    def forward(ctx, *arrays):
        return np.add.reduce([a.sum() for a in arrays])

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad * tnp.ones_like(x) for x in ctx.inputs)

    @staticmethod
    def backward_numpy(ctx, grad, *arrays):
        return tuple(np.full_like(a, grad) for a in arrays)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7])  # apply gathers some arities its own way
def test_apply_gathers_inputs_of_any_arity(n):
    xs = [tnp.full((2,), float(i), requires_grad=True) for i in range(n)]
    with pytest.raises(TypeError, match=rf"_SumAll.apply: input {n - 1} is a float"):
        _SumAll.apply(*xs[:-1], 1.0)
    out = _SumAll.apply(*xs)
    assert out.item() == 2 * sum(range(n))
    out.backward(retain_graph=True)
    assert all(x.grad.tolist() == [1.0, 1.0] for x in xs)
    with tnp.no_grad():
        xs[-1].add_(1.0)  # the last input's version, saved by apply, must be compared
    with pytest.raises(RuntimeError, match=rf"_SumAll backward: input {n - 1} .* modified"):
        out.backward()
