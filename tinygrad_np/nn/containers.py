"""Containers of modules: Sequential (runs its modules in order), ModuleList (holds them by
position) and ModuleDict (holds them by name)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..function import _mode
from ..ops.linalg import LinearChain
from ._structure import Store, Structure
from .layers import Linear, ReLU
from .module import Module


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: modules kept in order and reached by position."""

    def _key(self, index: int) -> str:
        keys = list(self._modules)
        if not -len(keys) <= index < len(keys):
            raise IndexError(f"{type(self).__name__}: index {index} is out of range for "
                             f"{len(keys)} module(s)")
        return keys[index]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(self._key(index), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Any:
        """Add a module at the end, named by the first free number; return self."""
        n = len(self)
        while str(n) in self._modules:  # a slice keeps its names: ["1", "2"] appends as "3"
            n += 1
        self.add_module(str(n), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        """Add modules at the end; return self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Any:
        """Put a module before position `index` (PyTorch's list rules); the modules are
        renumbered "0", "1", ... Returns self."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.insert: expected a Module, got "
                            f"{type(module).__name__}")
        modules = list(self._modules.values())
        if not -len(modules) <= index <= len(modules):
            raise IndexError(f"{type(self).__name__}.insert: index {index} is out of range for "
                             f"{len(modules)} module(s)")
        modules.insert(index, module)
        self._renumber(modules)
        return self

    def __delitem__(self, index: int | slice) -> None:
        """Remove the module(s) at `index`; the rest are renumbered "0", "1", ..., as in
        PyTorch."""
        keys = list(self._modules)[index] if isinstance(index, slice) else [self._key(index)]
        modules = [m for k, m in self._modules.items() if k not in keys]
        self._renumber(modules)

    def _renumber(self, modules: list[Module]) -> None:
        self._modules.clear()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)


class Sequential(_ModuleSequence):
    """Modules applied one after another; indexable, iterable and named "0", "1", ...

    Args:
        *modules: the modules in order, or a single dict of name -> module.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np import nn
        >>> model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
        >>> model
        Sequential(
          (0): Linear(in_features=784, out_features=128, bias=True)
          (1): ReLU()
          (2): Linear(in_features=128, out_features=10, bias=True)
        )
        >>> model(tnp.ones(2, 784)).shape, len(model), model[-1].out_features
        ((2, 10), 3, 10)
    """

    _fused_plan: tuple[object, list] | None = None  # see forward and _plan

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(dict(list(self._modules.items())[index]))
        return self._modules[self._key(index)]

    def forward(self, x: Any) -> Any:
        """Each module applied to the output of the one before.

        A run of nn.Linear modules, each of them alone or followed by an nn.ReLU, runs as
        one fused op (LinearChain), with the same values and gradients and one graph node
        for the run instead of one or two per layer (in anomaly mode, which checks each
        op's output, they run one by one). A lone Linear runs as itself. Like
        PyTorch's ReLU, the fused op's backward reads a final ReLU's output, so changing
        that output in place (under no_grad) before backward is refused.

        The plan of runs is kept until some module's structure changes (a layer, a
        parameter or a forward assigned, or a store edited: see nn/_structure.py)."""
        if not _fusing():
            for module in self._modules.values():
                x = module(x)
            return x
        plan = self._fused_plan
        if plan is None or plan[0] is not Structure.mark:
            plan = self._plan()
        for module, inputs, layers in plan[1]:
            x = module(x) if layers is None else LinearChain.apply(x, *inputs, layers=layers)
        return x

    def _plan(self) -> tuple[object, list]:
        """(Structure.mark, steps): each step is (module, None, None), a module run as
        itself, or (None, the run's weights and biases, its LinearChain layers). Kept on
        self unless a store it read is not a Store, whose changes would go unseen."""
        mark, modules = Structure.mark, list(self._modules.values())
        steps, i = [], 0
        while i < len(modules):
            if _fusable_linear(modules[i]):
                step, i = _linear_run(modules, i)
            else:
                step, i = (modules[i], None, None), i + 1
            steps.append(step)
        plan = (mark, steps)
        stores = [self._modules] + [m._parameters for m in modules if type(m) is Linear]
        kept = all(type(store) is Store for store in stores)
        object.__setattr__(self, "_fused_plan", plan if kept else None)
        return plan


def _linear_run(modules: list[Module], i: int) -> tuple[tuple, int]:
    """The plan step for the Linear layers from modules[i] (one, as _as_defined) on, each
    with the ReLU after it if there is one, run as one LinearChain; and the position after
    the run. A lone Linear without a ReLU runs as itself."""
    inputs, layers, n = [], [], len(modules)
    while True:
        p = modules[i]._parameters  # what .weight reads, without the __getattr__ detour
        weight, bias = p["weight"], p["bias"]
        relu = i + 1 < n and _as_defined(modules[i + 1], ReLU)
        inputs.append(weight)
        if bias is not None:
            inputs.append(bias)
        layers.append((bias is not None, relu))
        i += 1 + relu
        if not (i < n and _fusable_linear(modules[i])):
            break
    if len(layers) == 1 and not relu:
        return (modules[i - 1], None, None), i
    return (None, tuple(inputs), tuple(layers)), i


def _fusable_linear(module: Module) -> bool:
    """A Linear as defined whose weight and bias are its registered parameters (a bias of
    None included): one whose weight was replaced by a computed tensor (del lin.weight;
    lin.weight = w, as fast-weight methods do) runs as itself and reads it."""
    p = module._parameters
    return _as_defined(module, Linear) and "weight" in p and "bias" in p


def _as_defined(module: Module, cls: type[Module]) -> bool:
    """Exactly a `cls` (a subclass runs as written) whose forward is not replaced on the
    instance: a module a fused run may stand in for."""
    return type(module) is cls and "forward" not in module.__dict__


def _fusing() -> bool:
    """Whether Linear and ReLU may run fused: they run as defined (neither forward nor the
    shared __call__ is patched on the class: tracing and profiling tools patch them, and
    must see calls), and anomaly mode, which checks every op's output, is off."""
    return Linear.forward is _LINEAR_FORWARD and ReLU.forward is _RELU_FORWARD and \
        Linear.__call__ is ReLU.__call__ is _CALL and not _mode.anomaly


# as defined, for _fusing: a patched forward or __call__ (tracing, profiling)
# must run
_LINEAR_FORWARD, _RELU_FORWARD, _CALL = Linear.forward, ReLU.forward, Module.__call__


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (named "0", "1", ...); it has no
    forward of its own.

    Example:
        >>> from tinygrad_np import nn
        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        >>> len(layers), len(list(layers.parameters()))
        (3, 6)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[self._key(index)]


class ModuleDict(Module):
    """A dict of modules whose parameters are registered under their keys; it keeps the
    order of insertion and has no forward of its own.

    Args:
        modules: a mapping of name -> module, or an iterable of (name, module) pairs.

    Example:
        >>> from tinygrad_np import nn
        >>> heads = nn.ModuleDict({"digit": nn.Linear(8, 10), "parity": nn.Linear(8, 2)})
        >>> heads["parity"].out_features, list(heads), sorted(heads.state_dict())[:2]
        (2, ['digit', 'parity'], ['digit.bias', 'digit.weight'])
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        try:
            return self._modules[key]
        except KeyError:
            raise KeyError(f"ModuleDict: no module named {key!r} (it has {list(self._modules)})"
                           ) from None

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        self[key]  # noqa: B018 (the KeyError that names the keys)
        self._forget(key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> list[str]:
        """The names, in order."""
        return list(self._modules)

    def values(self) -> list[Module]:
        """The modules, in order."""
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        """(name, module) pairs, in order."""
        return list(self._modules.items())

    def pop(self, key: str) -> Module:
        """Remove the module named `key` and return it."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every module."""
        for key in list(self._modules):
            self._forget(key)

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping (in its order) or from (name, module)
        pairs; a name already present keeps its place."""
        if isinstance(modules, Module) and not isinstance(modules, ModuleDict):
            raise TypeError(f"ModuleDict.update: expected a mapping or (name, module) pairs, "
                            f"got a {type(modules).__name__}")
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(f"ModuleDict.update: element {i} should be a (name, module) "
                                f"pair, got {pair!r}")
            self[pair[0]] = pair[1]
