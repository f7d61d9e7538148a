"""gradcheck and gradgradcheck: they pass correct gradients (also for float32 inputs, by
checking in float64), catch wrong first and second derivatives element by element and along
random directions, and say which input and index failed."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import FirstOrderOnlySin

import tinygrad_np as tnp


class WrongSin(tnp.Function):
    """out = sin a, with a backward that is off by 10% (a bug to catch)"""

    @staticmethod
    def forward(ctx, a):
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * a.cos() * 1.1


def test_gradcheck_passes_correct_gradients():
    x = tnp.randn(3, 4, dtype=np.float64, requires_grad=True)
    y = tnp.randn(4, dtype=np.float64, requires_grad=True)
    assert tnp.gradcheck(lambda x, y: (x * y).tanh() @ y, [x, y])


def test_gradcheck_checks_float32_inputs_in_float64():
    x = tnp.randn(5, requires_grad=True)  # float32: its differences would be noise
    assert tnp.gradcheck(lambda x: (x.exp() * x).sum(), [x])
    assert x.dtype == np.float32


@pytest.mark.parametrize("size", [5, 300], ids=["elementwise", "random_directions"])
def test_gradcheck_catches_a_wrong_gradient(size):
    x = tnp.tensor(np.linspace(-1, 1, size), requires_grad=True)
    with pytest.raises(tnp.GradcheckError, match=r"input 0 \(shape \(\d+,\)\)"):
        tnp.gradcheck(WrongSin.apply, [x])


def test_gradcheck_names_the_failing_index():
    x = tnp.tensor([[0.0, 0.1], [0.2, 0.3]], requires_grad=True)
    with pytest.raises(tnp.GradcheckError, match=r"index \(0, 0\).*analytic.*numerical"):
        tnp.gradcheck(WrongSin.apply, [x])


def test_gradgradcheck_catches_a_gradient_that_is_not_differentiable():
    x = tnp.tensor([0.3, -0.7], requires_grad=True)
    assert tnp.gradcheck(FirstOrderOnlySin.apply, [x])
    with pytest.raises(tnp.GradcheckError, match=r"^gradgradcheck, second derivatives .*"
                                                 r"gradcheck failed for input 0"):
        tnp.gradgradcheck(FirstOrderOnlySin.apply, [x])


class SinWithTwoFormulas(WrongSin):
    """WrongSin's forward and its Tensor backward (run with create_graph), off by 10%, with a
    right backward_numpy: the two formulas of one op disagree"""

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad * np.cos(a)


def test_gradgradcheck_catches_a_tensor_backward_that_disagrees_with_backward_numpy():
    # the wrong Tensor backward is differentiable, so its own second derivative is
    # consistent; only comparing it with the plain gradient finds it
    x = tnp.tensor([0.3, -0.7], requires_grad=True)
    assert tnp.gradcheck(SinWithTwoFormulas.apply, [x])
    with pytest.raises(tnp.GradcheckError, match=r"input 0 .*create_graph=True differs"):
        tnp.gradgradcheck(SinWithTwoFormulas.apply, [x])


def test_gradgradcheck_reports_a_non_finite_gradient_as_gradcheck_does():
    # both formulas give inf at 0: they agree, so the failure is gradcheck's, which names
    # the analytic and numerical values, not a disagreement between the formulas
    x = tnp.tensor([0.0, 3.0], requires_grad=True)
    with pytest.raises(tnp.GradcheckError,
                       match=r"^gradgradcheck, second derivatives .*: gradcheck failed .*"
                             r"analytic"), \
            np.errstate(divide="ignore", invalid="ignore"):
        tnp.gradgradcheck(lambda x: x.sqrt(), [x])


def test_gradgradcheck_passes_correct_second_derivatives():
    x = tnp.randn(2, 3, dtype=np.float64, requires_grad=True)
    assert tnp.gradgradcheck(lambda x: (x.sin() * x.exp()).logsumexp(1), [x])


def test_gradcheck_does_not_modify_the_inputs():
    x = tnp.tensor([0.5, 1.5], requires_grad=True)
    before = x.numpy().copy()
    tnp.gradcheck(lambda x: x * x, [x])
    np.testing.assert_array_equal(x.numpy(), before)
    assert x.grad is None


def test_gradcheck_skips_inputs_that_do_not_require_grad():
    x = tnp.tensor([0.5, 1.5], requires_grad=True)
    c = tnp.tensor([2.0, 3.0])
    assert tnp.gradcheck(lambda x, c: x * c, [x, c])


def test_gradcheck_accepts_arrays_and_tuple_outputs():
    assert tnp.gradcheck(lambda a, b: (a * b, (a - b).exp()), [np.ones(3), np.arange(3.0)])


def test_gradcheck_handles_outputs_that_do_not_depend_on_an_input():
    x = tnp.tensor([1.0], requires_grad=True)
    y = tnp.tensor([2.0], requires_grad=True)
    assert tnp.gradcheck(lambda x, y: x * 2, [x, y])
    assert tnp.gradgradcheck(lambda x, y: x * 2, [x, y])


def test_gradcheck_without_any_input_requiring_grad_raises():
    with pytest.raises(ValueError, match="nothing to check"):
        tnp.gradcheck(lambda x: x * 2, [tnp.ones(2)])


def test_gradcheck_with_non_tensor_output_raises():
    with pytest.raises(TypeError, match="output 0"):
        tnp.gradcheck(lambda x: 3.0, [np.ones(2)])


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(tnp.GradcheckError, AssertionError)
