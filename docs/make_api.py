"""Write docs/api.md from the package's docstrings: python docs/make_api.py

The reference is generated so it cannot drift from the code; tests/docs/test_api_reference.py
fails when the committed page differs from what this script writes.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

MODULES = [
    ("tinygrad_np", "Tensors, autograd and gradient checking"),
    ("tinygrad_np.nn", "Modules and layers"),
    ("tinygrad_np.nn.functional", "Layer and loss functions"),
    ("tinygrad_np.nn.init", "Parameter initialization"),
    ("tinygrad_np.nn.utils", "Gradient clipping"),
    ("tinygrad_np.optim", "Optimizers"),
    ("tinygrad_np.optim.lr_scheduler", "Learning-rate schedulers"),
    ("tinygrad_np.data", "Datasets and batches"),
    ("tinygrad_np.metrics", "Metrics"),
    ("tinygrad_np.testing", "Property-based testing helpers (needs hypothesis)"),
]
CLASS_MEMBERS = {"Tensor", "Module", "Optimizer", "Function", "DataLoader"}


def summary(obj) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def signature(name: str, obj) -> str:
    try:
        return f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return name


def public_names(module) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items()
                 if not n.startswith("_") and getattr(v, "__module__", "").startswith(
                     module.__name__)]
    return sorted(names, key=str.lower)


def document(name: str, obj) -> list[str]:
    if inspect.ismodule(obj) or not (callable(obj) or inspect.isclass(obj)):
        return []
    lines = [f"### `{signature(name, obj)}`", "", summary(obj) or "(no summary)", ""]
    if inspect.isclass(obj) and name in CLASS_MEMBERS:
        rows = []
        for attr, member in sorted(vars(obj).items()):
            if attr.startswith("_") and attr not in ("__init__", "__call__"):
                continue
            if isinstance(member, property):
                rows.append(f"- `{attr}` (property): {summary(member) or ''}".rstrip(": "))
            elif isinstance(member, (staticmethod, classmethod)) or inspect.isfunction(member):
                fn = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
                rows.append(f"- `{signature(attr, fn)}`: {summary(fn)}".rstrip(": "))
        lines += rows + [""]
    return lines


def render() -> str:
    out = ["# API reference", "",
           "Generated from the docstrings by `python docs/make_api.py`; do not edit by hand.",
           ""]
    for module_name, title in MODULES:
        module = importlib.import_module(module_name)
        out += [f"## `{module_name}`: {title}", ""]
        for name in public_names(module):
            out += document(name, getattr(module, name))
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    path = Path(__file__).with_name("api.md")
    path.write_text(render())
    print(f"wrote {path}", file=sys.stderr)
