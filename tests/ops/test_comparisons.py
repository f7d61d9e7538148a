"""Comparisons, logical operators and argmax/argmin: forward against NumPy, and the results
never require grad (they are not differentiable), whatever their inputs require."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import strategies as S
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_np as tnp
from tinygrad_np.testing import arrays

COMPARISONS = [
    ("eq", operator.eq, np.equal), ("ne", operator.ne, np.not_equal),
    ("lt", operator.lt, np.less), ("le", operator.le, np.less_equal),
    ("gt", operator.gt, np.greater), ("ge", operator.ge, np.greater_equal),
]


@st.composite
def grid_pairs(draw):
    """Two broadcasting arrays on one grid, so that equal values occur."""
    sa, sb = draw(S.broadcast_shapes(2))
    return draw(arrays(sa, "grid")), draw(arrays(sb, "grid"))


@pytest.mark.parametrize(("name", "op", "ref"), COMPARISONS, ids=[c[0] for c in COMPARISONS])
@given(pair=grid_pairs())
def test_comparison_with_tensor_matches_numpy_without_grad(name, op, ref, pair):
    a, b = (tnp.tensor(v, requires_grad=True) for v in pair)
    for out in (op(a, b), getattr(a, name)(b)):
        assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None
        np.testing.assert_array_equal(out.numpy(), ref(*pair))


@pytest.mark.parametrize(("name", "op", "ref"), COMPARISONS, ids=[c[0] for c in COMPARISONS])
@pytest.mark.parametrize("other", [0.5, 1, np.float64(0.5), np.array([0.0, 0.5, 1.0])])
def test_comparison_with_scalar_or_array_matches_numpy_without_grad(name, op, ref, other):
    values = np.array([0.0, 0.5, 1.0])
    out = op(tnp.tensor(values, requires_grad=True), other)
    assert not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), ref(values, other))


def test_logical_operators_match_numpy():
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    ta, tb = tnp.tensor(a), tnp.tensor(b)
    np.testing.assert_array_equal((ta & tb).numpy(), a & b)
    np.testing.assert_array_equal((ta | tb).numpy(), a | b)
    np.testing.assert_array_equal((~ta).numpy(), ~a)


def test_comparison_result_can_be_used_in_a_condition():
    x = tnp.tensor([1.0, -2.0], requires_grad=True)
    y = tnp.where(x > 0, x, x * 0.1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.1])


def test_tensors_hash_by_identity():
    a, b = tnp.ones(2), tnp.ones(2)
    assert len({a, b, a}) == 2


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(data=st.data())
def test_argmax_argmin_match_numpy_without_grad(name, data):
    shape = data.draw(S.shapes(min_dims=0))
    values = data.draw(arrays(shape, "grid"))
    dim = data.draw(st.one_of(st.none(), S.one_dim(len(shape))))
    keepdim = data.draw(st.booleans())
    x = tnp.tensor(values, requires_grad=True)
    for out in (getattr(x, name)(dim, keepdim), getattr(tnp, name)(x, dim=dim, keepdim=keepdim)):
        expected = getattr(np, name)(values, axis=S.numpy_axis(dim, values.ndim),
                                     keepdims=keepdim)
        np.testing.assert_array_equal(out.numpy(), expected)
        assert out.dtype == np.int64 and not out.requires_grad


def test_argmax_picks_the_first_of_tied_maxima_like_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(tnp.tensor(x).argmax(1).numpy(),
                                  torch.tensor(x).argmax(1).numpy())


def test_argmax_of_empty_tensor_raises_naming_the_shape():
    with pytest.raises(ValueError, match=r"argmax.*\(0,\)"):
        tnp.zeros(0).argmax()


@pytest.mark.parametrize("op", ["__and__", "__or__", "__xor__"])
@pytest.mark.parametrize("dtype", [np.int64, np.uint8, np.bool_])
def test_and_or_xor_are_bitwise_on_integers_and_logical_on_bools_like_torch(op, dtype):
    a, b = np.array([1, 2, 3, 4, 0]).astype(dtype), np.array([3, 6, 1, 4, 0]).astype(dtype)
    expected = getattr(a, op)(b)  # NumPy's operators are PyTorch's: bitwise
    ours = getattr(tnp.tensor(a), op)(tnp.tensor(b))
    assert ours.dtype == expected.dtype
    np.testing.assert_array_equal(ours.data, expected)
    np.testing.assert_array_equal(getattr(tnp.tensor(a), op)(3).data, getattr(a, op)(3))


@pytest.mark.parametrize("call, name", [
    (lambda a, b: a < b, "less"),
    (lambda a, b: a == b, "equal"),
    (lambda a, b: tnp.where(a > 0, b, 0.0), "where"),
])
def test_shapes_that_do_not_broadcast_are_reported_by_op_and_shape(call, name):
    with pytest.raises(ValueError, match=rf"{name}: .*\(2, 3\).*\(4, 3\).*broadcast"):
        call(tnp.zeros(2, 3), tnp.zeros(4, 3))


def test_bitwise_operators_work_with_the_number_first():
    assert (True & tnp.tensor([True, False])).tolist() == [True, False]
    assert (5 | tnp.tensor([1, 2])).tolist() == [5, 7]
    assert (1 ^ tnp.tensor([1, 2])).tolist() == [0, 3]


def test_bitwise_operators_on_floats_are_refused_by_name():
    with pytest.raises(TypeError, match="bitwise_and: not defined for a tensor of dtype float32"):
        tnp.tensor([1.0]) & 1
