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
