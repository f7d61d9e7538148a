"""Movement ops beyond the op table (whose MOVEMENT rows test_op_table.py runs): repeated
indices accumulating in the gradient, and views."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tnp


def test_repeated_integer_indices_accumulate_in_the_gradient():
    x = tnp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]


def test_repeated_index_pairs_accumulate_in_the_gradient():
    x = tnp.zeros(2, 3, requires_grad=True)
    rows, cols = np.array([1, 1, 0, 1]), np.array([2, 2, 0, -1])
    (x[rows, cols] * tnp.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 0.0, 0.0], [0.0, 0.0, 7.0]])


def test_tensor_index_works_like_an_array_index():
    x = tnp.arange(6.0).reshape(2, 3)
    assert x[tnp.tensor([1, 0])].tolist() == [[3.0, 4.0, 5.0], [0.0, 1.0, 2.0]]
    assert x[x > 2].tolist() == [3.0, 4.0, 5.0]


def test_float_index_array_is_refused():
    with pytest.raises(IndexError, match="integer or boolean"):
        tnp.ones(3)[np.array([0.0, 1.0])]


def test_out_of_range_index_names_the_shape():
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        tnp.ones(2, 3)[5]


def test_basic_index_is_a_view_sharing_memory():
    x = tnp.arange(6.0).reshape(2, 3)
    assert np.shares_memory(x[:, 1:].numpy(), x.numpy())
    assert np.shares_memory(x.T.numpy(), x.numpy())
    assert np.shares_memory(x.reshape(3, 2).numpy(), x.numpy())


def test_expanded_tensor_is_read_only_in_place():
    x = tnp.ones(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="read-only"):
        x.add_(1)


@pytest.mark.parametrize(("fn", "match"), [
    (lambda: tnp.ones(2, 3).reshape(4, 2), r"reshape.*\(2, 3\).*\(4, 2\)"),
    (lambda: tnp.ones(2, 3).reshape(-1, -1), r"reshape.*-1"),
    (lambda: tnp.ones(2, 3).expand(4, 3, 2), r"expand.*\(2, 3\)"),
    (lambda: tnp.ones(2, 3).permute(0, 0), r"permute.*\(2, 3\)"),
    (lambda: tnp.cat([tnp.ones(2, 3), tnp.ones(3, 2)]), r"cat.*\(2, 3\).*\(3, 2\)"),
    (lambda: tnp.cat([tnp.ones(2, 3), tnp.ones(3)]), r"cat.*\(2, 3\).*\(3,\)"),
    (lambda: tnp.cat([]), r"cat.*non-empty"),
    (lambda: tnp.stack([tnp.ones(2, 3), tnp.ones(2, 2)]), r"stack.*\(2, 3\).*\(2, 2\)"),
    (lambda: tnp.ones(2, 3).flatten(1, 0), r"flatten"),
])
def test_movement_errors_name_the_op_and_shapes(fn, match):
    with pytest.raises(ValueError, match=match):
        fn()


@pytest.mark.parametrize("fn", [
    lambda: tnp.ones(2, 3).transpose(0, 2),
    lambda: tnp.ones(2, 3).unsqueeze(3),
    lambda: tnp.ones(2, 3).squeeze(2),
    lambda: tnp.cat([tnp.ones(2, 3), tnp.ones(2, 3)], dim=2),
    lambda: tnp.ones(2, 3).softmax(-3),
])
def test_bad_dim_raises_index_error(fn):
    with pytest.raises(IndexError, match="dim"):
        fn()


# ---- integers mixed with array indices: PyTorch's order, not NumPy's ----------------------

A = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)


@pytest.mark.parametrize("index, integers, rest", [
    ((0, slice(None), [1, 2]), (0,), (slice(None), [1, 2])),
    ((1, slice(None), [True, False, True, True]), (1,), (slice(None),
                                                        [True, False, True, True])),
    ((slice(None), [0, 2], 3), (slice(None), slice(None), 3), (slice(None), [0, 2])),
    ((None, 0, Ellipsis, [3, 1]), (0,), (None, Ellipsis, [3, 1])),
    ((tnp.tensor(1), slice(1, None), [2, 0]), (1,), (slice(1, None), [2, 0])),
])
def test_integers_are_applied_before_array_indices_as_in_pytorch(index, integers, rest):
    # NumPy counts an integer as an array index and moves the dims: A[0, :, [1, 2]] would
    # be (2, 3); PyTorch selects with the integer first, giving (3, 2)
    expected = A[integers][tuple(np.array(i) if isinstance(i, list) else i for i in rest)]
    x = tnp.tensor(A, requires_grad=True)
    out = x[index]
    np.testing.assert_array_equal(out.data, expected)
    g = np.arange(expected.size, dtype=np.float32).reshape(expected.shape)
    out.backward(tnp.tensor(g))
    grad = np.zeros_like(A)
    np.add.at(grad[integers], tuple(np.array(i) if isinstance(i, list) else i for i in rest), g)
    np.testing.assert_array_equal(x.grad.data, grad)
    y = tnp.tensor(A)
    y[index] = g  # setitem takes a value of getitem's shape, and writes the same places
    np.testing.assert_array_equal(y.data[integers][tuple(
        np.array(i) if isinstance(i, list) else i for i in rest)], g)


def test_random_indices_match_pytorch_in_values_gradients_and_setitem():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)

    def entry(size):
        kind = rng.integers(5)
        if kind == 0:
            return int(rng.integers(-size, size))
        if kind == 1:
            return slice(None, None, int(rng.integers(1, 3)))
        if kind == 2:
            return [int(v) for v in rng.integers(0, size, rng.integers(1, 3))]
        if kind == 3:
            return [bool(v) for v in rng.integers(0, 2, size)]
        return None

    checked = 0
    for _ in range(600):
        index, dim = [], 0
        while dim < 4 and len(index) < rng.integers(1, 5):
            e = entry(a.shape[dim])
            index.append(e)
            dim += e is not None
        index = tuple(index)
        theirs_index = tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)
        t = torch.tensor(a, requires_grad=True)
        try:
            theirs = t[theirs_index]
        except (IndexError, RuntimeError):
            continue  # index lists that do not broadcast together
        x = tnp.tensor(a, requires_grad=True)
        ours = x[index]
        np.testing.assert_array_equal(ours.data, theirs.detach().numpy(), err_msg=str(index))
        g = rng.standard_normal(ours.shape).astype(np.float32)
        ours.backward(tnp.tensor(g))
        theirs.backward(torch.tensor(g))
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), err_msg=str(index))
        checked += 1
    assert checked > 300


def test_an_empty_list_index_selects_nothing_like_torch():
    x = tnp.zeros(2, 3, requires_grad=True)
    assert x[[]].shape == (0, 3)
    y = tnp.zeros(2, 3)
    y[[]] = 1.0
    assert not y.data.any()


X = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("index, expected", [
    # a bool scalar is a one-element mask over a new dim (PyTorch's results)
    (([1], True, 0), [[12.0, 13.0, 14.0, 15.0]]),
    ((True, 0, [1, 2]), X[0][[1, 2]]),
    ((0, slice(None), (1, 2)), X[0][:, [1, 2]]),  # a tuple inside the index is a sequence
])
def test_bool_scalars_and_inner_tuples_in_mixed_indices_match_pytorch(index, expected):
    np.testing.assert_array_equal(tnp.tensor(X)[index].data, expected)


def test_setitem_through_an_integer_index_that_picks_one_element():
    x = tnp.tensor([0.0, 0.0, 0.0])
    x[0, tnp.tensor(True)] = 5.0
    assert x.tolist() == [5.0, 0.0, 0.0]


def test_setitem_out_of_range_names_setitem_and_the_shape():
    with pytest.raises(IndexError, match=r"setitem: .*out of bounds.*\(2, 3\)"):
        tnp.zeros(2, 3)[5, 0] = 1.0


@pytest.mark.parametrize("method, args", [
    ("split", (2,)), ("split", (4, 1)), ("split", ([1, 5], 1)), ("split", (5, -1)),
    ("chunk", (3, 0)), ("chunk", (4, 1)), ("chunk", (7, 1)), ("unbind", (1,)),
])
def test_split_chunk_unbind_give_pytorch_s_pieces_and_gradients(method, args):
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(4, 6)
    ours, theirs = tnp.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    pieces, expected = getattr(ours, method)(*args), getattr(theirs, method)(*args)
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected):
        np.testing.assert_array_equal(p.data, e.detach().numpy())
    sum((p * (i + 1)).sum() for i, p in enumerate(pieces)).backward()
    sum((e * (i + 1)).sum() for i, e in enumerate(expected)).backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


def test_split_sizes_that_do_not_add_up_are_refused_with_the_size():
    with pytest.raises(ValueError, match=r"split: sizes \[1, 2\] do not add up to 4"):
        tnp.zeros(4, 2).split([1, 2])


@pytest.mark.parametrize("sizes", [True, 2.0, [1.5, 2.5], [True, 3], "22"])
def test_split_refuses_sizes_that_are_not_ints_like_torch(sizes):
    # int() would have cut 1.5 down to 1 and taken True as 1: pieces no one asked for
    with pytest.raises(TypeError, match="split: split_size_or_sections must be an int"):
        tnp.zeros(4).split(sizes)


@pytest.mark.parametrize("chunks, error", [(True, TypeError), (2.0, TypeError),
                                           (0, ValueError), (-1, ValueError)])
def test_chunk_refuses_a_count_that_is_not_a_positive_int_like_torch(chunks, error):
    with pytest.raises(error, match="chunk: chunks must be"):
        tnp.zeros(4).chunk(chunks)


def test_max_and_min_of_a_tensor_are_elementwise_like_torch():
    a, b = tnp.tensor([1.0, 5.0]), tnp.tensor([3.0, 2.0])
    assert a.max(b).tolist() == [3.0, 5.0] and a.min(b).tolist() == [1.0, 2.0]


def test_an_integer_index_that_picks_one_element_is_a_view_like_torch():
    x = tnp.tensor([1.0, 2.0, 3.0])
    first, _, _ = x.unbind()
    first.add_(10)  # writes through, and both see the change in their version
    assert x.tolist() == [11.0, 2.0, 3.0] and x._vc[0] == first._vc[0] == 1


def test_split_and_chunk_of_an_empty_dim_give_pytorch_s_pieces():
    assert [p.shape for p in tnp.zeros(0).chunk(3)] == [(0,), (0,), (0,)]
    assert [p.shape for p in tnp.zeros(0, 3).split(0)] == [(0, 3)]
    with pytest.raises(ValueError, match="split: expects a tensor of at least one dimension"):
        tnp.tensor(1.0).split(1)
