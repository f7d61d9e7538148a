"""The examples in the docstrings of every tinygrad_np module run and give the output shown
(doctest with ELLIPSIS and NORMALIZE_WHITESPACE, fresh globals per module)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import tinygrad_np

# modules that need an optional extra, and the extra's import name
OPTIONAL = {"tinygrad_np.testing": "hypothesis"}


def _module_names() -> list[str]:
    names = ["tinygrad_np"]
    for info in pkgutil.walk_packages(tinygrad_np.__path__, "tinygrad_np."):
        names.append(info.name)
    return sorted(names)


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError as e:
        extra = OPTIONAL.get(name)
        if extra is not None and e.name is not None and e.name.split(".")[0] == extra:
            pytest.skip(f"{name} needs the optional {extra}")
        raise


FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", _module_names())
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # examples that show a NaN on purpose
def test_docstring_examples_run(name):
    module = _import(name)
    # each example sees a fresh copy of its module's globals, as with doctest.testmod
    tests = doctest.DocTestFinder(exclude_empty=True).find(module, name)
    runner = doctest.DocTestRunner(optionflags=FLAGS, verbose=False)
    report: list[str] = []
    seed = tinygrad_np.random.generator().bit_generator.state
    try:
        for test in tests:
            runner.run(test, out=report.append)
    finally:  # examples that draw random numbers must not change what later tests draw
        tinygrad_np.random.generator().bit_generator.state = seed
    failed = runner.summarize(verbose=False).failed
    if failed:
        pytest.fail(f"{failed} doctest failure(s) in {name}:\n" + "".join(report))


def test_every_module_is_found():
    names = _module_names()
    assert {"tinygrad_np.tensor", "tinygrad_np.engine", "tinygrad_np.ops.elementwise",
            "tinygrad_np.testing"} <= set(names)
