"""Elementwise ops beyond the op table (whose ELEMENTWISE rows test_op_table.py runs):
PyTorch's semantics at kinks and ties, checked against torch."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_same_as_torch

import tinygrad_np as tnp

# ---- PyTorch's choices at kinks and ties ---------------------------------------------------

TIES = ([1.0, 2.0, -1.0], [1.0, 3.0, -1.0])


def test_maximum_splits_gradient_evenly_at_ties_like_torch():
    assert_same_as_torch(lambda a, b: a.maximum(b), lambda a, b: a.maximum(b), *TIES)


def test_minimum_splits_gradient_evenly_at_ties_like_torch():
    assert_same_as_torch(lambda a, b: a.minimum(b), lambda a, b: a.minimum(b), *TIES)


def test_minimum_sends_gradient_to_smaller_input():
    a, b = tnp.tensor([1.0, 5.0], requires_grad=True), tnp.tensor([3.0, 2.0], requires_grad=True)
    tnp.minimum(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 0.0] and b.grad.tolist() == [0.0, 1.0]


def test_clamp_gradient_at_scalar_bounds_like_torch():
    x = [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert_same_as_torch(lambda t: t.clamp(-1, 1), lambda t: t.clamp(-1, 1), x)


def test_clamp_gradient_at_tensor_bounds_like_torch():
    x, lo, hi = [-2.0, -1.0, 0.0, 1.0, 2.0], [-1.0] * 5, [1.0] * 5
    assert_same_as_torch(lambda t, a, b: t.clamp(a, b), lambda t, a, b: t.clamp(a, b), x, lo, hi)


def test_clamp_with_crossed_tensor_bounds_gives_max_like_torch():
    x, lo, hi = [-2.0, 0.0, 2.0], [1.0] * 3, [-1.0] * 3
    assert_same_as_torch(lambda t, a, b: t.clamp(a, b), lambda t, a, b: t.clamp(a, b), x, lo, hi)


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0, 0.5, 3.0])
def test_pow_gradient_at_zero_base_like_torch(exponent):
    with np.errstate(all="ignore"):
        assert_same_as_torch(lambda x: x ** exponent, lambda x: x ** exponent, [0.0, 1.5])


def test_pow_gradients_with_tensor_exponent_at_zero_base_like_torch():
    base, exponent = [0.0, 0.0, 0.0, 2.0, 0.0], [0.0, 1.0, 2.0, -1.0, 0.5]
    with np.errstate(all="ignore"):
        assert_same_as_torch(lambda a, b: a ** b, lambda a, b: a ** b, base, exponent)


@pytest.mark.parametrize("name", ["relu", "abs", "sign", "sqrt"])
def test_gradient_at_zero_like_torch(name):
    with np.errstate(all="ignore"):
        assert_same_as_torch(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(),
                             [0.0, -0.5, 0.5] if name != "sqrt" else [0.0, 0.5])


def test_sigmoid_of_large_inputs_is_finite_with_finite_gradient():
    x = tnp.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [0.0, 1 / (1 + np.exp(50)), 0.5, 1 / (1 + np.exp(-50)),
                                           1.0], rtol=1e-6)
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("bounds", [(0, 1), (np.int64(0), None), (None, 1)])
def test_clamp_of_an_integer_tensor_with_integer_bounds_stays_integer_like_torch(bounds):
    out = tnp.tensor([-1, 1, 2]).clamp(*bounds)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, np.clip([-1, 1, 2], *bounds))


# ---- floor division and remainder -----------------------------------------------------------

DIVIDENDS = [[5.5, -3.25, 7.0, -7.5], [0.5, 2.0, -0.75, 9.0]]
DIVISORS = [[2.0, 2.0, -3.0, -2.0], [-0.25, 3.0, 0.5, 4.0]]


@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
def test_floor_divide_and_remainder_take_the_divisors_sign_like_torch(name):
    torch = pytest.importorskip("torch")
    a, b = np.array(DIVIDENDS), np.array(DIVISORS)
    ours = getattr(tnp, name)(tnp.tensor(a), tnp.tensor(b)).numpy()
    np.testing.assert_array_equal(ours, getattr(torch, name)(torch.tensor(a),
                                                             torch.tensor(b)).numpy())
    ints = getattr(tnp.tensor([7, -7, 7, -7]), name)(tnp.tensor([2, 2, -2, -2]))
    assert ints.dtype == np.int64
    np.testing.assert_array_equal(ints.numpy(), getattr(torch, name)(
        torch.tensor([7, -7, 7, -7]), torch.tensor([2, 2, -2, -2])).numpy())


def test_remainder_gradients_like_torch():
    assert_same_as_torch(lambda a, b: a % b, lambda a, b: a % b, DIVIDENDS, DIVISORS)


def test_floor_divide_passes_zero_gradients():
    # constant between its jumps: PyTorch raises in backward, floor(a / b) gives zero there
    a = tnp.tensor(DIVIDENDS, requires_grad=True)
    b = tnp.tensor([2.0, -3.0, 0.5, 4.0], requires_grad=True)  # broadcast over the rows
    ((a // b) * 3 + a).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.ones_like(DIVIDENDS))
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(4))


def test_sign_passes_zero_gradients_that_optimizers_see_like_torch():
    torch = pytest.importorskip("torch")
    ours = tnp.tensor([1.0, -2.0], requires_grad=True)
    theirs = torch.tensor([1.0, -2.0], requires_grad=True)
    for lib, x in ((tnp, ours), (torch, theirs)):
        opt = lib.optim.SGD([x], lr=0.1, weight_decay=0.5)
        (x.sign() * 3).sum().backward()
        opt.step()  # the zero gradient is there, so weight decay acts
    np.testing.assert_array_equal(ours.grad.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    (g,) = tnp.grad(ours.sign().sum(), ours)  # used, with a zero gradient: not "unused"
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])


@pytest.mark.parametrize("op", [lambda a, b: a // b, lambda a, b: a % b])
def test_integer_division_by_zero_raises_like_torch(op):
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        op(tnp.tensor([4, 5]), tnp.tensor([2, 0]))
    with pytest.raises(ZeroDivisionError):
        op(tnp.tensor([4, 5]), 0)


def test_floor_divide_of_shapes_that_do_not_broadcast_names_the_op():
    with pytest.raises(ValueError, match=r"floor_divide: shapes \(2,\) and \(3,\)"):
        tnp.ones(2) // tnp.ones(3)
