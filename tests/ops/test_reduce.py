"""Reductions beyond the op table (whose REDUCE rows, with dim as None, an int, a negative
int or a tuple and keepdim, test_op_table.py runs): PyTorch's semantics (max(dim) returns
(values, indices), var's correction, tie gradients) against torch."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_same_as_torch

import tinygrad_np as tnp

# ---- PyTorch's semantics --------------------------------------------------------------------

TIED = [[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0]]


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_return_values_and_indices_like_torch(name, dim, keepdim):
    torch = pytest.importorskip("torch")
    x = np.array(TIED)
    theirs = getattr(torch.tensor(x), name)(dim, keepdim)
    ours = getattr(tnp.tensor(x), name)(dim, keepdim)
    values, indices = ours  # a (values, indices) pair
    assert ours.values is values and ours.indices is indices
    np.testing.assert_array_equal(values.numpy(), theirs.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
    assert indices.dtype == np.int64 and not indices.requires_grad


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_max_min_with_dim_send_gradient_to_the_returned_index_like_torch(name, dim):
    assert_same_as_torch(lambda t: getattr(t, name)(dim).values,
                         lambda t: getattr(t, name)(dim).values, TIED)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin"])
def test_full_max_min_share_gradient_among_ties_like_torch(name):
    assert_same_as_torch(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), TIED)


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [0, -1, (0, 1)])
def test_amax_amin_share_gradient_among_ties_like_torch(name, dim):
    assert_same_as_torch(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim), TIED)


@pytest.mark.parametrize("kwargs", [{}, {"correction": 0}, {"correction": 2},
                                    {"unbiased": False}, {"unbiased": True}])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_correction_like_torch(name, dim, kwargs):
    x = [[1.0, 3.0, 4.0, 0.5], [2.0, -2.0, -1.0, 2.5], [0.0, 1.0, 2.0, 3.0]]
    assert_same_as_torch(lambda t: getattr(t, name)(dim, **kwargs),
                         lambda t: getattr(t, name)(dim, **kwargs), x)


@pytest.mark.parametrize("args", [(1, False), (1, True), (1, False, True), (0, True, True)])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_take_unbiased_then_keepdim_by_position_like_torch(name, args):
    x = [[1.0, 3.0, 4.0, 0.5], [2.0, -2.0, -1.0, 2.5]]
    assert_same_as_torch(lambda t: getattr(t, name)(*args), lambda t: getattr(t, name)(*args), x)


def test_var_refuses_both_unbiased_and_correction():
    with pytest.raises(TypeError, match="var: pass either unbiased or correction"):
        tnp.ones(3).var(0, True, correction=0)


@pytest.mark.parametrize("create_graph", [False, True])
def test_std_of_equal_values_has_a_zero_gradient_like_torch(create_graph):
    # d std = (x - mean) / ((N - 1) std) is 0/0 there; a nan would poison the parameters
    x = tnp.tensor([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]], requires_grad=True)
    (g,) = tnp.grad(x.std(1).sum(), x, create_graph=create_graph)
    np.testing.assert_array_equal(g.data[0], [0.0, 0.0, 0.0])
    centered = np.array([1.0, 2.0, 4.0]) - 7 / 3
    np.testing.assert_allclose(g.data[1], centered / (2 * np.std([1.0, 2.0, 4.0], ddof=1)),
                               rtol=1e-6)


@pytest.mark.filterwarnings("ignore:var.*degrees of freedom:UserWarning")
def test_var_of_one_element_is_nan_like_torch():
    torch = pytest.importorskip("torch")
    with np.errstate(all="ignore"):
        ours = tnp.tensor([2.0]).var()
    assert np.isnan(ours.item()) and np.isnan(torch.tensor([2.0]).var().item())


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_mean_of_integer_or_bool_tensor_is_float32(dtype):
    x = tnp.tensor(np.array([[1, 0, 1], [1, 1, 0]], dtype=dtype))
    assert x.mean().dtype == np.float32 and x.mean(1).dtype == np.float32
    np.testing.assert_allclose(x.mean(1).numpy(), [2 / 3, 2 / 3])


def test_logsumexp_of_large_values_does_not_overflow():
    x = tnp.tensor([[1000.0, 1000.0], [-1000.0, -1000.0]], requires_grad=True)
    out = x.logsumexp(1)
    np.testing.assert_allclose(out.numpy(), [1000 + np.log(2), -1000 + np.log(2)])
    out.sum().backward()
    # float32 holds 1000 + log 2 only to within 6e-5, so exp(x - out) is that close to 1/2
    np.testing.assert_allclose(x.grad.numpy(), np.full((2, 2), 0.5), rtol=1e-4)


def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    with np.errstate(divide="ignore"):  # log 0 = -inf is the answer
        out = tnp.tensor([[-np.inf, -np.inf], [0.0, -np.inf]]).logsumexp(1)
    np.testing.assert_array_equal(out.numpy(), [-np.inf, 0.0])


def test_max_of_empty_tensor_raises_naming_the_shape():
    with pytest.raises(ValueError, match=r"max.*\(0, 3\)"):
        tnp.zeros(0, 3).max()


# ---- empty tensors: an empty batch reduces and flattens as in PyTorch ------------------------


def test_reductions_over_a_non_empty_dim_of_an_empty_batch_give_empty_results():
    x = tnp.zeros(0, 3, requires_grad=True)
    assert x.max(1).values.shape == x.argmax(1).shape == x.amin(1).shape == (0,)
    assert x.softmax(0).shape == x.log_softmax(1).shape == (0, 3)
    assert tnp.zeros(0, 3, 2).flatten(1).shape == (0, 6)
    (x.amax(1).sum() + x.softmax(1).sum()).backward()
    assert x.grad.shape == (0, 3)


def test_logsumexp_over_an_empty_dim_is_minus_infinity_like_torch():
    y = tnp.zeros(2, 0, requires_grad=True)
    np.testing.assert_array_equal(y.logsumexp(1).data, [-np.inf, -np.inf])
    y.logsumexp(1).sum().backward()
    assert y.grad.shape == (2, 0)


@pytest.mark.parametrize("call", [lambda x: x.max(), lambda x: x.amax(0),
                                  lambda x: x.argmax(0)])
def test_max_over_an_empty_dim_has_no_answer_and_says_so(call):
    with pytest.raises(ValueError, match=r"empty.*\(0, 3\)|\(0, 3\).*empty"):
        call(tnp.zeros(0, 3))


def test_logsumexp_and_softmax_of_integer_tensors_still_work():
    x = tnp.tensor(np.array([[1, 5, 3], [2, 2, 9]]))
    np.testing.assert_allclose(x.logsumexp(1).data, np.log(np.exp([[1, 5, 3], [2, 2, 9]])
                                                            .sum(1)))
    assert tnp.tensor(np.zeros((0, 3), np.int64)).softmax(1).shape == (0, 3)


# ---- prod at zeros --------------------------------------------------------------------------

WITH_ZEROS = [[2.0, 0.0, -3.0, 0.5], [0.0, 4.0, 0.0, 1.5], [1.0, -2.0, 3.0, 0.25]]


def _products_of_others(x: np.ndarray, axis: int) -> np.ndarray:
    """Each element's product of the other elements along `axis`, by leaving it out."""
    moved = np.moveaxis(x, axis, -1)
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape):
        line = moved[index[:-1]]
        out[index] = np.prod(np.delete(line, index[-1]))
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_prod_gradient_at_zeros_is_the_product_of_the_others(dim):
    # rows with no zero, one zero and two zeros: never out / x, which is nan at a zero
    x = tnp.tensor(WITH_ZEROS, dtype=tnp.float64, requires_grad=True)
    x.prod(dim).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), _products_of_others(np.array(WITH_ZEROS), dim))


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_prod_at_zeros_like_torch(dim):
    if dim == (0, 1):  # torch.prod takes one dim: the product over both, as PyTorch's prod()
        assert_same_as_torch(lambda t: t.prod(), lambda t: t.prod(dim), WITH_ZEROS)
        return
    call = (lambda t: t.prod()) if dim is None else (lambda t: t.prod(dim))
    assert_same_as_torch(call, call, WITH_ZEROS)


@pytest.mark.parametrize("zero_at", [None, 0, 2])
def test_prod_second_derivatives_with_at_most_one_zero_pass_gradgradcheck(zero_at):
    x = np.array([[1.5, -0.5, 2.0], [0.75, 1.25, -1.0]])
    if zero_at is not None:
        x[:, zero_at] = 0.0
    tnp.gradgradcheck(lambda t: t.prod(1), tnp.tensor(x, requires_grad=True))


def test_prod_with_create_graph_refuses_two_zeros_in_a_slice_naming_the_shape():
    x = tnp.tensor([[0.0, 0.0, 2.0], [1.0, 2.0, 3.0]], requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"prod: .*two or more zeros.*\(2, 3\)"):
        x.prod(1).sum().backward(create_graph=True)
    x.prod(1).sum().backward()  # the first derivatives alone are exact: all 0 in that row
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0, 0.0], [6.0, 3.0, 2.0]])


def test_prod_of_integers_and_of_nothing_follow_numpy():
    assert tnp.tensor([2, 3, 4], dtype=tnp.int32).prod().item() == 24
    small = tnp.tensor(np.array([2, 200], dtype=np.uint8)).prod()
    assert small.dtype == np.int64 and small.item() == 400  # int64, as torch (NumPy: uint64)
    empty = tnp.zeros((0, 3), requires_grad=True)
    np.testing.assert_array_equal(empty.prod(0).numpy(), [1.0, 1.0, 1.0])
    empty.prod(0).sum().backward()
    assert empty.grad.shape == (0, 3)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std"])
@pytest.mark.parametrize("dim", [(), []])
def test_an_empty_dim_reduces_every_dim_like_torch(name, dim):
    x = [[1.0, 3.0, 4.0], [2.0, -2.0, 0.5]]
    if name in ("var", "std"):
        # torch 2.13's own gradient of var(dim=()) is inf (its backward counts no elements):
        # the values are torch's, the gradients those of the full reduction
        torch = pytest.importorskip("torch")
        ours = getattr(tnp.tensor(x, dtype=tnp.float64), name)(dim)
        assert ours.item() == pytest.approx(getattr(torch.tensor(x), name)(dim).item())
        assert_same_as_torch(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(dim), x)
    else:
        assert_same_as_torch(lambda t: getattr(t, name)(dim), lambda t: getattr(t, name)(dim), x)
    assert getattr(tnp.tensor(x), name)(dim, keepdim=True).shape == (1, 1)


def test_squeeze_of_an_empty_dim_squeezes_nothing_like_torch():
    assert tnp.ones(2, 1, 3).squeeze(()).shape == (2, 1, 3)


@pytest.mark.parametrize("dim", [1.0, "a", (0.5,)])
def test_a_dim_that_is_not_an_int_is_refused_naming_the_op(dim):
    with pytest.raises(TypeError, match="sum: dim must be an int or a tuple of ints"):
        tnp.ones(2, 3).sum(dim)
