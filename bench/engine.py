"""Benchmark the engine itself, where NumPy's math is negligible and overhead shows.

    python bench/engine.py

1. per-op overhead: a chain of small elementwise ops, forward with and without a graph,
   against the same NumPy calls on the same arrays;
2. a chain of 100,000 ops: forward + backward time (and that it finishes at all);
3. graph memory: bytes the graph of one MLP step keeps for backward (graph_report), and
   the live NumPy memory after backward (it should be the parameters and gradients only).

Each section runs in its own child process.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
import tracemalloc

import numpy as np
from report import table

import tinygrad_np as tnp


def best_of(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def per_op_overhead(n: int = 20000, size: int = 16) -> list[list[str]]:
    a_np = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    a = tnp.Tensor(a_np.copy(), requires_grad=True)

    def numpy_chain():
        y = a_np
        for _ in range(n):
            y = y * np.float32(0.999)

    def tnp_chain(graph: bool):
        def run():
            with tnp.set_grad_enabled(graph):
                y = a
                for _ in range(n):
                    y = y * 0.999
        return run

    def tnp_backward():
        y = a
        for _ in range(n):
            y = y * 0.999
        y.sum().backward()

    base = best_of(numpy_chain)
    rows = [["what", "µs per op", "overhead over NumPy (µs)"],
            ["NumPy y = y * c", f"{base / n * 1e6:.2f}", "-"]]
    for label, fn in (("tinygrad_np, no_grad", tnp_chain(False)),
                      ("tinygrad_np, recording", tnp_chain(True)),
                      ("tinygrad_np, forward + backward", tnp_backward)):
        t = best_of(fn)
        rows.append([label, f"{t / n * 1e6:.2f}", f"{(t - base) / n * 1e6:.2f}"])
    return rows


def long_chain(n: int = 100_000) -> list[list[str]]:
    times = []
    for _ in range(3):
        x = tnp.tensor(1.0, requires_grad=True)
        start = time.perf_counter()
        y = x
        for _ in range(n):
            y = y * 1.0000001
        mid = time.perf_counter()
        y.backward()
        end = time.perf_counter()
        times.append((mid - start, end - mid))
    fwd = statistics.median(t[0] for t in times)
    bwd = statistics.median(t[1] for t in times)
    return [["100,000-op chain", "seconds"], ["forward", f"{fwd:.3f}"],
            ["backward", f"{bwd:.3f}"], ["total", f"{fwd + bwd:.3f}"]]


def graph_memory() -> list[list[str]]:
    from tinygrad_np import nn
    from tinygrad_np.nn import functional as F

    tnp.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    x = tnp.randn(64, 784)
    y = tnp.Tensor(np.arange(64) % 10)
    param_bytes = sum(p.data.nbytes for p in model.parameters())
    gc.collect()
    tracemalloc.start()
    loss = F.cross_entropy(model(x), y)
    report = tnp.graph_report(loss)
    loss.backward()
    del loss
    live, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return [["one MLP step (784-256-128-10, batch 64)", "MB"],
            ["graph keeps for backward (graph_report)", f"{report.saved_bytes / 1e6:.2f}"],
            ["peak traced during forward + backward", f"{peak / 1e6:.2f}"],
            ["still allocated after backward (the new .grad arrays)", f"{live / 1e6:.2f}"],
            ["parameters, for comparison", f"{param_bytes / 1e6:.2f}"]]


SECTIONS = {f.__name__: f for f in (per_op_overhead, long_chain, graph_memory)}


def main() -> None:
    """Each section runs in a fresh child process, so none inherits the heap that another
    left behind (a fragmented heap slows the long chain by 10% or more)."""
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(SECTIONS[sys.argv[2]]()))
        return
    for name in SECTIONS:
        out = subprocess.run([sys.executable, __file__, "--child", name], capture_output=True,
                             text=True, check=True)
        print(table(json.loads(out.stdout.strip().splitlines()[-1])))
        print()


if __name__ == "__main__":
    main()
