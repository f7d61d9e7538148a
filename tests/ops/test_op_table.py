"""Every row of the op table (tests/ops/op_table.py), under hypothesis: forward against
NumPy, float32 kept float32, and first- and second-order gradchecks. Adding an op means
adding a row; the family files beside this one hold each family's specific tests."""

from __future__ import annotations

import pytest
import strategies as S
from helpers import check_float32, check_forward, check_gradients
from hypothesis import given
from hypothesis import strategies as st
from op_table import ALL


@pytest.mark.parametrize("op", ALL, ids=str)
@given(data=st.data())
def test_forward_matches_numpy(op, data):
    check_forward(op, *data.draw(S.cases(op)))


@pytest.mark.parametrize("op", ALL, ids=str)
@given(data=st.data())
def test_float32_stays_float32(op, data):
    if not op.keeps_float32:
        pytest.skip(f"{op} converts to another dtype")
    check_float32(op, *data.draw(S.cases(op)))


@pytest.mark.parametrize("op", ALL, ids=str)
@given(data=st.data())
def test_first_order_gradients(op, data):
    check_gradients(op, *data.draw(S.cases(op)), second_order=False)


@pytest.mark.parametrize("op", ALL, ids=str)
@given(data=st.data())
def test_second_order_gradients(op, data):
    check_gradients(op, *data.draw(S.cases(op)), second_order=True)
