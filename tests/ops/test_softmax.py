"""Softmax and log-softmax: the SOFTMAX rows of the op table over every dim, then stability
with large logits."""

from __future__ import annotations

import numpy as np
import pytest
import strategies as S
from helpers import check_float32, check_forward, check_gradients
from hypothesis import given
from hypothesis import strategies as st
from op_table import SOFTMAX

import tinygrad_np as tnp


@pytest.mark.parametrize("op", SOFTMAX, ids=str)
@given(data=st.data())
def test_forward_matches_numpy(op, data):
    check_forward(op, *data.draw(S.cases(op)))


@pytest.mark.parametrize("op", SOFTMAX, ids=str)
@given(data=st.data())
def test_float32_stays_float32(op, data):
    if not op.keeps_float32:
        pytest.skip(f"{op} converts to another dtype")
    check_float32(op, *data.draw(S.cases(op)))


@pytest.mark.parametrize("op", SOFTMAX, ids=str)
@given(data=st.data())
def test_first_order_gradients(op, data):
    check_gradients(op, *data.draw(S.cases(op)), second_order=False)


@pytest.mark.parametrize("op", SOFTMAX, ids=str)
@given(data=st.data())
def test_second_order_gradients(op, data):
    check_gradients(op, *data.draw(S.cases(op)), second_order=True)


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
