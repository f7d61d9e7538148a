"""Softmax and log-softmax beyond the op table (whose SOFTMAX rows test_op_table.py runs):
stability with large logits."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tnp


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_large_logits_give_finite_values_and_gradients(name):
    x = tnp.tensor([[1000.0, 0.0, -1000.0], [1e30, 1e30, -1e30]], requires_grad=True)
    out = getattr(x, name)(1)
    (out * tnp.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0]])).sum().backward()
    assert np.isfinite(out.numpy()).all() and np.isfinite(x.grad.numpy()).all()


def test_log_softmax_avoids_the_nan_of_log_of_softmax():
    x = tnp.tensor([0.0, 1000.0], dtype=np.float64, requires_grad=True)
    with np.errstate(all="ignore"):
        naive = x.softmax(0).log()
    assert np.isinf(naive.numpy()[0])  # exp(-1000) underflows in the naive form
    stable = x.log_softmax(0)
    np.testing.assert_allclose(stable.numpy(), [-1000.0, 0.0])
    stable[0].backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_softmax_matches_torch_values_and_gradients(name, dim):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 2.0, -3.0], [0.5, 0.5, 4.0]])
    w = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 1.0]])
    t = torch.tensor(x, requires_grad=True)
    o = tnp.tensor(x, requires_grad=True)
    (getattr(torch, name)(t, dim) * torch.tensor(w)).sum().backward()
    (getattr(o, name)(dim) * w).sum().backward()
    np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-14)
