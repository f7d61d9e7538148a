"""Checks of plain arguments that several modules share: an integer (a bool is not one, as
in PyTorch, though Python makes bool a subclass of int) and a count (a non-negative one)."""

from __future__ import annotations

from typing import Any

import numpy as np


def is_integer(value: Any) -> bool:
    """True for a Python or NumPy integer, False for a bool (Python's or NumPy's)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_count(op: str, name: str, value: Any, allow_none: bool = False) -> None:
    """value must be a non-negative integer (or None when allowed): TypeError, then
    ValueError, naming op and the argument."""
    if value is None and allow_none:
        return
    if not is_integer(value):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{op}: {name} must be >= 0, got {value}")
