"""Module, the base class of layers and models. Order: registration (attributes, buffers),
traversal (parameters, children, modules), modes and gradients, state_dict and
load_state_dict, repr.

A Module finds its parameters, buffers and sub-modules through attribute assignment:
`self.fc = Linear(2, 3)` registers a sub-module, `self.w = Parameter(...)` a parameter.
Names in `named_parameters()` and `state_dict()` are dotted paths, as in PyTorch
("0.weight", "encoder.fc.bias").
"""

from __future__ import annotations

import warnings
from collections import namedtuple
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..function import no_grad
from ..tensor import Tensor, zero_grads
from ._structure import Store, changed
from .parameter import Parameter

_STORES = ("_parameters", "_buffers", "_modules")
# attributes whose assignment changes what a module runs (see _structure.py)
_STRUCTURAL = frozenset(("forward", "__class__", "__dict__", *_STORES))


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict(strict=False) skipped: (missing_keys, unexpected_keys)."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class Module:
    """Base class of every layer and model: subclass it, assign layers and Parameters as
    attributes in `__init__` (after `super().__init__()`), and define `forward`.

    Calling the module runs `forward`. Assigning a Tensor that requires grad but is not a
    Parameter warns, since it would silently not be trained.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> class TwoLayer(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = nn.Linear(4, 8)
        ...         self.out = nn.Linear(8, 2)
        ...     def forward(self, x):
        ...         return self.out(self.hidden(x).relu())
        >>> model = TwoLayer()
        >>> [name for name, _ in model.named_parameters()]
        ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
        >>> model(tnp.ones(3, 4)).shape
        (3, 2)
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", Store())
        object.__setattr__(self, "_buffers", Store())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", Store())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the module; subclasses define it."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define forward(self, ...) in the subclass"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- registration --------------------------------------------------------------------

    def _store(self, store: str, name: str, kind: str) -> dict:
        d = self.__dict__.get(store)
        if d is None:
            raise AttributeError(f"cannot assign {kind} {name!r} before Module.__init__() is "
                                 f"called; call super().__init__() first in "
                                 f"{type(self).__name__}.__init__")
        return d

    def _forget(self, name: str) -> None:
        """Remove `name` from every store and from the instance dict."""
        for store in _STORES:
            self.__dict__[store].pop(name, None)
        self._non_persistent_buffers.discard(name)
        self.__dict__.pop(name, None)

    def _put(self, store: str, name: str, value: Any) -> None:
        """Register `value` under `name` in `store` (`_parameters`, `_buffers`, `_modules`);
        attribute reads find it there through __getattr__, so code that edits a store
        directly (model._modules["fc"] = ..., as in PyTorch) is seen at once."""
        self.__dict__[store][name] = value

    def _register(self, store: str, name: str, value: Any, kind: str) -> None:
        """_put, after removing `name` from the other stores and the instance dict. A name
        already in `store` keeps its place, as in PyTorch: replacing a layer of a
        Sequential, or a parameter, changes neither the order of forward nor parameters()."""
        if name in self._store(store, name, kind):
            self._non_persistent_buffers.discard(name)
        else:
            self._forget(name)
        self._put(store, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if isinstance(value, Parameter):
            self._register("_parameters", name, value, "parameter")
        elif isinstance(value, Module):
            if name in d.get("_parameters", ()):
                raise TypeError(f"cannot assign a {type(value).__name__} to {name!r}, a "
                                "parameter of this module: expected nn.Parameter or None")
            self._register("_modules", name, value, "module")
        elif name in d.get("_parameters", ()):
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to {name!r}, a "
                                "parameter of this module: expected nn.Parameter or None")
            self._put("_parameters", name, None)
        elif name in d.get("_modules", ()):
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to {name!r}, a "
                                "sub-module of this module: expected a Module or None")
            self._put("_modules", name, None)
        elif name in d.get("_buffers", ()):
            self._put("_buffers", name, _as_buffer(name, value))
        else:
            if isinstance(value, Tensor) and value.requires_grad and value.is_leaf:
                warnings.warn(
                    f"{type(self).__name__}.{name} is a Tensor that requires grad but is not "
                    "an nn.Parameter, so parameters() and state_dict() will not include it; "
                    f"wrap it: self.{name} = nn.Parameter(tensor)",
                    stacklevel=2,
                )
            if name in _STRUCTURAL:
                changed()
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # only reached when ordinary lookup fails: parameters, buffers and modules live here
        d = self.__dict__
        parameters = d.get("_parameters")
        if parameters is not None and name in parameters:  # the common case, first
            return parameters[name]
        for store in _STORES:
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if any(name in self.__dict__.get(store, ()) for store in _STORES):
            self._forget(name)
        else:
            if name in _STRUCTURAL:
                changed()
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a placeholder such as a disabled bias) under `name`."""
        _check_name(self, name, "register_parameter", "_parameters")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, "
                            f"got {type(param).__name__}")
        self._register("_parameters", name, param, "parameter")

    def register_buffer(self, name: str, tensor: Tensor | np.ndarray | None,
                        persistent: bool = True) -> None:
        """Add a non-trainable tensor (e.g. running statistics) that state_dict() includes.

        Args:
            name: the attribute name.
            tensor: a Tensor, an ndarray (wrapped without a copy) or None.
            persistent: whether state_dict() includes it.

        Example:
            >>> import numpy as np
            >>> import tinygrad_np as tnp
            >>> from tinygrad_np import nn
            >>> m = nn.Module()
            >>> m.register_buffer("running_mean", np.zeros(3, dtype=np.float32))
            >>> list(m.state_dict()), m.running_mean
            (['running_mean'], tensor([0., 0., 0.]))
        """
        _check_name(self, name, "register_buffer", "_buffers")
        self._register("_buffers", name, _as_buffer(name, tensor), "buffer")
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a sub-module under `name` (the same as assigning it as an attribute)."""
        _check_name(self, name, "add_module", "_modules")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got "
                            f"{type(module).__name__}")
        self._register("_modules", name, module, "module")

    # ---- traversal -----------------------------------------------------------------------

    def named_modules(self, prefix: str = "", *, _seen: set | None = None
                      ) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module ("" by default) and every descendant, each
        module once, parents before children."""
        seen = set() if _seen is None else _seen
        if id(self) in seen:
            return
        seen.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name,
                                               _seen=seen)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, each once."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct sub-modules, in assignment order."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct sub-modules, in assignment order."""
        for _, child in self.named_children():
            yield child

    def _named_members(self, store: str, prefix: str, recurse: bool):
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            for name, value in module.__dict__[store].items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, each parameter once (a shared one under its first
        name), in registration order, parents before children.

        Example:
            >>> from tinygrad_np import nn
            >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
            >>> [(name, p.shape) for name, p in model.named_parameters()]
            [('0.weight', (3, 2)), ('0.bias', (3,)), ('2.weight', (1, 3)), ('2.bias', (1,))]
        """
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once, in the order of named_parameters(); pass it to an optimizer."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True
                      ) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, each buffer once."""
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer once."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn: Any) -> Module:
        """Call fn(module) on every sub-module (children first), then on self; return self.

        Example:
            >>> from tinygrad_np import nn
            >>> def init(m):
            ...     if isinstance(m, nn.Linear):
            ...         nn.init.zeros_(m.bias)
            >>> model = nn.Sequential(nn.Linear(2, 2)).apply(init)
            >>> model[0].bias
            Parameter containing:
            tensor([0., 0.], requires_grad=True)
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients -------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active) on this module and all descendants; return self."""
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {mode!r}")
        object.__setattr__(self, "training", mode)
        for child in self.children():  # each child's own train(), which it may override
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (the same as train(False)); return self.

        Example:
            >>> from tinygrad_np import nn
            >>> model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)).eval()
            >>> model.training, model[1].training
            (False, False)
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set requires_grad on every parameter (False freezes the module); return self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (default), or to zeros in place."""
        zero_grads(self.parameters(), set_to_none)

    # ---- state_dict ----------------------------------------------------------------------

    def _state_tensors(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """(key, tensor) for parameters then persistent buffers, module by module; a shared
        tensor appears under every name, as in PyTorch."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                yield prefix + name, b
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_tensors(f"{prefix}{name}.")

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and persistent buffer, keyed and shaped as in PyTorch.

        Returns:
            A dict of dotted name -> ndarray (a copy: training later does not change it).

        Example:
            >>> from tinygrad_np import nn
            >>> sd = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10)).state_dict()
            >>> {k: v.shape for k, v in sd.items()}
            {'0.weight': (128, 784), '0.bias': (128,), '2.weight': (10, 128), '2.bias': (10,)}
        """
        return {key: t.data.copy() for key, t in self._state_tensors()}

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> IncompatibleKeys:
        """Copy values into the parameters and buffers in place, keeping their dtypes.

        Nothing is copied unless every check passes. Each target's version counter is bumped,
        so a graph recorded before the load refuses to backward through the old values.

        Args:
            state_dict: dotted name -> ndarray or Tensor, e.g. from state_dict() or
                tinygrad_np.load.
            strict: a missing or an unexpected key is an error (otherwise skipped and
                reported in the result).

        Returns:
            IncompatibleKeys(missing_keys, unexpected_keys), both empty when strict.

        Raises:
            RuntimeError listing every missing and unexpected key (when strict), every shape
            mismatch and every value that cannot be cast to its target's dtype.

        Example:
            >>> from tinygrad_np import nn
            >>> a, b = nn.Linear(2, 3), nn.Linear(2, 3)
            >>> b.load_state_dict(a.state_dict())
            <All keys matched successfully>
            >>> bool((a.weight.data == b.weight.data).all())
            True
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of name -> array, got "
                            f"{type(state_dict).__name__}")
        targets = dict(self._state_tensors())
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        values, problems = {}, []
        for key, t in targets.items():
            if key not in state_dict:
                continue
            v = state_dict[key]
            arr = np.asarray(v.data if isinstance(v, Tensor) else v)
            if arr.shape != t.shape:
                problems.append(f"{key}: the checkpoint has shape {arr.shape}, the model "
                                f"{t.shape}")
            elif not np.can_cast(arr.dtype, t.dtype, "same_kind"):
                problems.append(f"{key}: cannot cast the checkpoint's {arr.dtype} to the "
                                f"model's {t.dtype}")
            else:
                values[key] = arr
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)))
        if problems:
            errors.append("Size or dtype mismatch: " + "; ".join(problems))
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        with no_grad():
            for key, arr in values.items():
                targets[key].copy_(arr)
        return IncompatibleKeys(missing, unexpected)

    # ---- repr ----------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (e.g. layer sizes)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(child).replace("\n", "\n  ")
                       for name, child in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


def _check_name(module: Module, name: Any, op: str, store: str) -> None:
    """A name that register_* / add_module may use: a non-empty str without '.', not an
    attribute of the class, nor of the instance unless it is already in `store` (which
    is then replaced in place); PyTorch refuses the same names."""
    if not isinstance(name, str):
        raise TypeError(f"{op}: the name must be a str, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f"{op}: the name must be non-empty and contain no '.', got {name!r}")
    if hasattr(type(module), name):
        raise KeyError(f"{op}: {name!r} is already an attribute of {type(module).__name__}")
    if name not in module.__dict__.get(store, ()) and (
            name in module.__dict__ or any(name in module.__dict__.get(other, ())
                                           for other in _STORES)):
        raise KeyError(f"{op}: attribute {name!r} already exists on this "
                       f"{type(module).__name__}")


def _as_buffer(name: str, value: Any) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor(value)
    raise TypeError(f"buffer {name!r} must be a Tensor, an ndarray or None, got "
                    f"{type(value).__name__}")
