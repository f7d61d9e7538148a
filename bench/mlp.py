"""Benchmark: one epoch of Fashion-MNIST with tinygrad_np against the hand-written NumPy
floor (bench/numpy_mlp.py) and PyTorch when installed.

    python bench/mlp.py              # epoch times, ratios, accuracy, peak memory
    python bench/mlp.py --step       # one training step at batch 1 and 1024 (and against
                                     # numpy+dot: the floor with np.dot for one-row products)
    python bench/mlp.py --repeats 5  # more alternating rounds

Every implementation starts from the same float32 weights and sees the same batches. Each
run is a fresh child process, and the implementations take turns (numpy, tinygrad_np,
torch, numpy, ...), so a noisy machine slows all of them alike; the table shows medians.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc

import numpy as np
from report import table

CONFIGS = {
    "small": dict(sizes=[784, 128, 10], optimizer="sgd", lr=0.1, batch=128,
                  label="784-128-10, SGD 0.1, batch 128"),
    "big": dict(sizes=[784, 256, 128, 10], optimizer="adam", lr=1e-3, batch=64,
                label="784-256-128-10, Adam 1e-3, batch 64"),
}


def initial_weights(sizes: list[int], seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch's Linear init, U(-1/√fan_in, 1/√fan_in), in float32."""
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
        layers.append((w, b))
    return layers


def load_data():
    from tinygrad_np.data import load_fashion_mnist

    xs, ys = [], []
    for split in ("train", "test"):
        images, labels = load_fashion_mnist(split, download=False)
        xs.append(images.reshape(len(images), -1).astype(np.float32) / 255)
        ys.append(labels.astype(np.int64))
    mean, std = xs[0].mean(), xs[0].std()
    return (xs[0] - mean) / std, ys[0], (xs[1] - mean) / std, ys[1]


# ---- the three implementations: each returns (step(x, y) -> None, predict(x) -> labels) --


def make_numpy(cfg, weights, one_row_dot=False):
    from numpy_mlp import NumpyMLP  # bench/ is on sys.path: it holds this script

    model = NumpyMLP(weights, cfg["optimizer"], cfg["lr"], one_row_dot=one_row_dot)
    return model.step, model.predict


def make_numpy_dot(cfg, weights):
    """The floor with np.dot for one-row weight gradients, as tinygrad_np's Linear: at
    batch 1 the plain floor spends most of a step in NumPy's slow outer-product path, so
    only against this one does the ratio show what tinygrad_np adds."""
    return make_numpy(cfg, weights, one_row_dot=True)


def make_tinygrad_np(cfg, weights):
    import tinygrad_np as tnp
    from tinygrad_np import nn, optim
    from tinygrad_np.nn import functional as F

    layers = []
    for i, (w, b) in enumerate(weights):
        linear = nn.Linear(w.shape[1], w.shape[0])
        linear.weight.data = w.copy()
        linear.bias.data = b.copy()
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    if cfg["optimizer"] == "sgd":
        opt = optim.SGD(model.parameters(), lr=cfg["lr"])
    else:
        opt = optim.Adam(model.parameters(), lr=cfg["lr"])

    def step(x, y):
        loss = F.cross_entropy(model(tnp.Tensor(x)), tnp.Tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()

    def predict(x):
        with tnp.no_grad():
            return model(tnp.Tensor(x)).data.argmax(1)

    return step, predict


def make_torch(cfg, weights):
    import torch

    torch.set_num_threads(2)
    layers = []
    for i, (w, b) in enumerate(weights):
        linear = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    if cfg["optimizer"] == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"])
    else:
        opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])

    def step(x, y):
        loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()

    def predict(x):
        with torch.no_grad():
            return model(torch.from_numpy(x)).argmax(1).numpy()

    return step, predict


IMPLS = {"numpy": make_numpy, "numpy+dot": make_numpy_dot, "tinygrad_np": make_tinygrad_np,
         "torch": make_torch}


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child_epoch(impl: str, config: str) -> dict:
    cfg = CONFIGS[config]
    x, y, xt, yt = load_data()
    base_mb = _rss_mb()
    step, predict = IMPLS[impl](cfg, initial_weights(cfg["sizes"]))
    order = np.random.default_rng(1).permutation(len(x))
    batches = [order[i : i + cfg["batch"]] for i in range(0, len(x), cfg["batch"])]
    start = time.perf_counter()
    for idx in batches:
        step(x[idx], y[idx])
    seconds = time.perf_counter() - start
    acc = float((predict(xt) == yt).mean())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # what training itself holds at its peak: NumPy reports its buffers to tracemalloc
    # (traced after the timing, which tracing would slow down)
    tracemalloc.start()
    for idx in batches[:50]:
        step(x[idx], y[idx])
    train_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return dict(seconds=seconds, accuracy=acc, peak_mb=peak_mb, peak_above_data_mb=peak_mb -
                base_mb, train_peak_mb=train_peak_mb)


def child_step(impl: str, batch: int) -> dict:
    cfg = dict(CONFIGS["small"], batch=batch)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    step, _ = IMPLS[impl](cfg, initial_weights(cfg["sizes"]))
    n = max(20, 20000 // batch)
    for _ in range(n // 4):  # warm up caches and allocators
        step(x, y)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            step(x, y)
        times.append((time.perf_counter() - start) / n)
    return dict(seconds=min(times))


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def available_impls(step: bool) -> list[str]:
    impls = ["numpy", "numpy+dot", "tinygrad_np"] if step else ["numpy", "tinygrad_np"]
    if importlib.util.find_spec("torch") is not None:  # compared only where installed
        impls.append("torch")
    return impls


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--step", action="store_true", help="time one step at batch 1 and 1024")
    p.add_argument("--repeats", type=int, default=3, help="alternating rounds (median taken)")
    p.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        impl, what = args.child[0], args.child[1]
        result = child_step(impl, int(what)) if what.isdigit() else child_epoch(impl, what)
        print(json.dumps(result))
        return
    impls = available_impls(args.step)
    cases = [("1", "one step at batch 1"), ("1024", "one step at batch 1024")] if args.step \
        else [(c, CONFIGS[c]["label"]) for c in args.configs]
    results = {(case, impl): [] for case, _ in cases for impl in impls}
    for r in range(args.repeats):
        for case, _ in cases:
            for impl in impls:  # alternate, so machine noise hits every implementation
                results[case, impl].append(run_child(impl, case))
        print(f"round {r + 1}/{args.repeats} done", file=sys.stderr)
    unit = "ms" if args.step else "s"
    scale = 1000 if args.step else 1
    header = ["config"] + [f"{i} ({unit})" for i in impls]
    rows = [header]
    for case, label in cases:
        base = statistics.median(x["seconds"] for x in results[case, "numpy"])
        row = [label]
        for impl in impls:
            med = statistics.median(x["seconds"] for x in results[case, impl])
            row.append(f"{med * scale:.3f} ({med / base:.2f}x)")
        rows.append(row)
    print(table(rows))
    if args.step:
        print("\ntinygrad_np against numpy+dot (the floor with tinygrad_np's one-row kernel):")
        for case, label in cases:
            ours, floor = (statistics.median(x["seconds"] for x in results[case, impl])
                           for impl in ("tinygrad_np", "numpy+dot"))
            print(f"  {label}: {ours / floor:.2f}x")
    if not args.step:
        print()
        rows = [["config", "impl", "test acc", "peak RSS MB", "RSS above data MB",
                 "training peak MB (traced)"]]
        for case, _ in cases:
            for impl in impls:
                rs = results[case, impl]
                rows.append([case, impl, f"{statistics.median(x['accuracy'] for x in rs):.4f}",
                             f"{statistics.median(x['peak_mb'] for x in rs):.0f}",
                             f"{statistics.median(x['peak_above_data_mb'] for x in rs):.0f}",
                             f"{statistics.median(x['train_peak_mb'] for x in rs):.1f}"])
        print(table(rows))


if __name__ == "__main__":
    main()
