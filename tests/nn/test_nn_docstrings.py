"""The examples in the docstrings of tinygrad_np.nn run and print what they claim, and every
public callable has a docstring."""

from __future__ import annotations

import doctest
import inspect

import pytest

from tinygrad_np import nn
from tinygrad_np.nn import containers, functional, init, layers, loss, module, parameter, utils

MODULES = [nn, module, parameter, containers, layers, loss, functional, init, utils]


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples_run(mod):
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0


@pytest.mark.parametrize("mod", [nn, functional, init, utils], ids=lambda m: m.__name__)
def test_every_public_name_has_a_docstring(mod):
    for name in mod.__all__:
        obj = getattr(mod, name)
        assert inspect.getdoc(obj), f"{mod.__name__}.{name} has no docstring"
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if callable(member) and not attr.startswith("_") and attr not in (
                        "forward", "extra_repr"):
                    assert inspect.getdoc(member), f"{name}.{attr} has no docstring"
