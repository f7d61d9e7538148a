"""graph_report: what the graph behind a tensor holds, by op, to see why memory grows."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .tensor import Tensor


@dataclass
class GraphReport:
    """Counts of the nodes behind a tensor and the bytes their saved arrays hold."""

    nodes: int = 0
    leaves: int = 0
    saved_bytes: int = 0
    by_op: dict[str, tuple[int, int]] = field(default_factory=dict)  # op -> (count, bytes)

    def __str__(self) -> str:
        rows = [f"{'op':<16}{'nodes':>8}{'saved MB':>12}"]
        for op, (n, b) in sorted(self.by_op.items(), key=lambda kv: -kv[1][1]):
            rows.append(f"{op:<16}{n:>8}{b / 1e6:>12.3f}")
        rows.append(f"{'total':<16}{self.nodes:>8}{self.saved_bytes / 1e6:>12.3f}"
                    f"   ({self.leaves} leaves requiring grad)")
        return "\n".join(rows)


def graph_report(t: Tensor) -> GraphReport:
    """Walk the graph behind `t` and count its nodes and saved bytes, by op.

    Saved bytes are the arrays a node keeps for backward: its inputs' data and any array
    stored on the node. Each array is counted once, however many nodes share it.

    Example:
        >>> import tinygrad_np as tnp
        >>> w = tnp.ones(1000, requires_grad=True)
        >>> loss = (w * w).sum()
        >>> r = tnp.graph_report(loss)
        >>> r.nodes, r.by_op["Mul"]
        (2, (1, 4000))
    """
    report = GraphReport()
    seen_tensors: set[int] = set()
    seen_arrays: set[int] = set()
    stack = [t]
    while stack:
        node = stack.pop()
        ctx = node._ctx
        if ctx is None:
            report.leaves += node.requires_grad
            continue
        report.nodes += 1
        arrays = []
        for v in vars(ctx).values():  # arrays on the node, alone or in a list or tuple
            items = v if isinstance(v, (list, tuple)) else (v,)
            arrays += [a for a in items if isinstance(a, np.ndarray)]
        inputs = ctx._inputs or ()
        arrays += [inp.data for inp in inputs]
        nbytes = 0
        for a in arrays:
            if id(a) not in seen_arrays:
                seen_arrays.add(id(a))
                nbytes += a.nbytes
        name = type(ctx).__name__
        count, total = report.by_op.get(name, (0, 0))
        report.by_op[name] = (count + 1, total + nbytes)
        report.saved_bytes += nbytes
        for inp in inputs:
            if inp.requires_grad and id(inp) not in seen_tensors:
                seen_tensors.add(id(inp))
                stack.append(inp)
    return report
