"""The examples in tinygrad_np.optim's docstrings run and print what they claim, and every
public callable has a docstring."""

from __future__ import annotations

import doctest
import inspect

import pytest

from tinygrad_np import optim
from tinygrad_np.optim import adam, lr_scheduler, optimizer, rmsprop, sgd

MODULES = [optimizer, sgd, adam, rmsprop, lr_scheduler]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0


def _public_callables():
    classes = [getattr(optim, n) for n in optim.__all__ if n != "lr_scheduler"]
    classes += [obj for _, obj in inspect.getmembers(lr_scheduler, inspect.isclass)
                if obj.__module__ == lr_scheduler.__name__ and not obj.__name__.startswith("_")]
    for cls in classes:
        yield cls.__name__, cls
        for name, member in vars(cls).items():
            if callable(member) and not name.startswith("_"):
                yield f"{cls.__name__}.{name}", member


@pytest.mark.parametrize(("name", "obj"), list(_public_callables()),
                         ids=[n for n, _ in _public_callables()])
def test_public_callable_has_a_one_line_summary(name, obj):
    doc = inspect.getdoc(obj)
    assert doc and doc.splitlines()[0].strip(), name
