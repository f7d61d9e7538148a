"""A process-wide mark of changes to modules' structure, so that a plan built from modules
(Sequential's fused runs of Linear and ReLU) can be kept while nothing it was built from
has changed, and checked with one comparison instead of rebuilt on every call.

The mark is a new object whenever
- a parameter, buffer or sub-module is registered, replaced or removed: through attribute
  assignment, the register_* methods, or the stores (`_parameters`, `_buffers`,
  `_modules`) edited directly, as PyTorch code sometimes does;
- a module's `forward`, `__class__` or `__dict__`, or one of its stores, is assigned or
  deleted as an attribute.
Changes made around Module.__setattr__ (object.__setattr__, or writing to the instance's
__dict__) are not seen. A plan keeps the mark it was built under; a pickled or copied plan
carries a copy of it, a new object, so it is never taken for current.
"""

from __future__ import annotations

from typing import Any


class Structure:
    """`Structure.mark`: the object that stands for the modules' structure as it is now."""

    mark = object()


def changed() -> None:
    """Record a change of some module's structure: every plan built before is stale."""
    Structure.mark = object()


class Store(dict):
    """A module's store of parameters, buffers or sub-modules: a dict whose every change
    calls changed() (reads are plain dict reads)."""

    __slots__ = ()


def _counted(name: str) -> Any:
    change = getattr(dict, name)

    def counted(self: Store, *args: Any, **kwargs: Any) -> Any:
        changed()
        return change(self, *args, **kwargs)

    counted.__name__ = counted.__qualname__ = name
    counted.__doc__ = change.__doc__
    return counted


# every dict method that changes the contents
for _name in ("__setitem__", "__delitem__", "__ior__", "clear", "pop", "popitem",
              "setdefault", "update"):
    setattr(Store, _name, _counted(_name))
