"""Matrix products beyond the op table (whose LINALG rows, 1-D, 2-D and broadcasting
batched operands, test_op_table.py runs): special shapes and their gradients."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tnp


def test_vector_dot_vector_gives_0d_with_gradients():
    a = tnp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tnp.tensor([4.0, 5.0, 6.0], requires_grad=True)
    out = a @ b
    assert out.shape == () and out.item() == 32.0
    out.backward()
    assert a.grad.tolist() == [4.0, 5.0, 6.0] and b.grad.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize(("a", "b", "match"), [
    ((2, 3), (2, 3), r"matmul.*\(2, 3\).*\(2, 3\)"),
    ((3,), (4,), r"matmul.*\(3,\).*\(4,\)"),
    ((2, 2, 3), (3, 3, 1), r"matmul.*\(2, 2, 3\).*\(3, 3, 1\)"),
    ((), (3,), r"matmul.*at least 1 dimension"),
])
def test_matmul_errors_name_the_shapes(a, b, match):
    with pytest.raises(ValueError, match=match):
        tnp.ones(a) @ tnp.ones(b)


def test_linear_matches_matmul_plus_bias_in_gradients():
    from tinygrad_np.ops.linalg import Linear

    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    fused = [tnp.tensor(v, requires_grad=True) for v in (x, w, b)]
    composed = [tnp.tensor(v, requires_grad=True) for v in (x, w, b)]
    Linear.apply(*fused).sum().backward()
    (composed[0] @ composed[1].T + composed[2]).sum().backward()
    for f, c in zip(fused, composed):
        np.testing.assert_allclose(f.grad.numpy(), c.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_row_weight_gradients_are_the_exact_outer_product(dtype):
    # with one row the weight gradient takes np.dot instead of matmul's slow path; each
    # entry is a single product, so it must equal np.outer bit for bit
    from tinygrad_np.nn import functional as F

    rng = np.random.default_rng(3)
    x = tnp.tensor(rng.standard_normal((1, 6)).astype(dtype), requires_grad=True)
    w = tnp.tensor(rng.standard_normal((4, 6)).astype(dtype), requires_grad=True)
    g = rng.standard_normal((1, 4)).astype(dtype)
    F.linear(x, w).backward(g)
    assert w.grad.dtype == dtype and w.grad.shape == (4, 6)
    np.testing.assert_array_equal(w.grad.numpy(), np.outer(g, x.numpy()))
    m = tnp.tensor(w.numpy().T, requires_grad=True)  # matmul: (1, 6) @ (6, 4)
    (x @ m).backward(g)
    np.testing.assert_array_equal(m.grad.numpy(), np.outer(x.numpy(), g))
    assert tnp.gradcheck(lambda a, b: F.linear(a, b), [x.numpy().astype(np.float64),
                                                       w.numpy().astype(np.float64)])
