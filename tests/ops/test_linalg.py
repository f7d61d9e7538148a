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


def _fused_mlp() -> tnp.nn.Sequential:
    # two Linear layers with a ReLU between: nn.Sequential runs them as one LinearChain
    return tnp.nn.Sequential(tnp.nn.Linear(4, 3), tnp.nn.ReLU(), tnp.nn.Linear(3, 2))


@pytest.mark.parametrize("run", ["linear", "sequential"])
@pytest.mark.parametrize(("layer", "change", "x_shape", "match"), [
    (0, None, (2, 5), r"linear: input of shape \(2, 5\) does not match weight of shape "
                      r"\(3, 4\) \(expected input \(\.\.\., 4\)\)"),
    (0, None, (), r"linear: input of shape \(\) does not match weight of shape \(3, 4\)"),
    (0, ("weight", (12,)), (2, 4), r"input of shape \(2, 4\) does not match weight of shape "
                                   r"\(12,\) \(expected a 2-D weight\)"),
    # biases that NumPy would broadcast without a word: refused all the same
    (0, ("bias", (1,)), (2, 4), r"linear: bias of shape \(1,\) does not match weight of "
                                r"shape \(3, 4\) \(expected \(3,\)\)"),
    (0, ("bias", (2, 3)), (2, 4), r"bias of shape \(2, 3\) does not match"),
    (1, ("weight", (2, 5)), (2, 4), r"input of shape \(2, 3\) does not match weight of "
                                    r"shape \(2, 5\)"),
    (1, ("bias", (3,)), (2, 4), r"bias of shape \(3,\) does not match weight of shape \(2, 3\)"),
])
def test_linear_shape_errors_name_the_shapes(run, layer, change, x_shape, match):
    model = _fused_mlp()
    linear = model[2 * layer]
    if change is not None:
        name, shape = change
        getattr(linear, name).data = np.zeros(shape, np.float32)
    x = tnp.ones(x_shape)
    with pytest.raises(ValueError, match=match):
        if run == "sequential":  # the fused run, whichever layer does not fit
            model(x)
        else:
            linear(x if layer == 0 else model[0](x).relu())


def test_linear_takes_a_0d_bias_as_numpy_broadcasts_it():
    model = _fused_mlp()
    model[2].bias.data = np.float32(0.5)
    x = tnp.ones(2, 4, requires_grad=True)
    out = model(x)
    expected = np.maximum(x.numpy() @ model[0].weight.numpy().T + model[0].bias.numpy(), 0) \
        @ model[2].weight.numpy().T + 0.5
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    out.sum().backward()
    assert model[2].bias.grad.shape == () and model[2].bias.grad.item() == 4.0
