"""The examples in the data modules' docstrings run and print what they claim."""

from __future__ import annotations

import doctest

import pytest

from tinygrad_np.data import download, idx, loader, mnist


@pytest.mark.parametrize("module", [idx, download, mnist, loader], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
