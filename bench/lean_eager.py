"""A yardstick, not a framework: the leanest eager autograd that can train bench/mlp.py's
small MLP, to see how close any eager Python framework can get to the NumPy floor.

It records one node per op (a closure for its gradient), walks them from a heap as
tinygrad_np's engine does, updates with SGD through a scratch array (the gradient stays
readable, as in tinygrad_np) and uses tinygrad_np's kernels (np.dot for a one-row weight
gradient, hence the numpy+dot floor; a hidden layer's ReLU in place on its Linear's output,
as nn.Sequential fuses them). It has none of a real framework's checks: no
version counters, no shape or dtype fitting, no label range check, no modules, no grad
mode, no anomaly mode, no create_graph.

    python bench/lean_eager.py          # one step at batch 128, then per phase
    python bench/lean_eager.py 1        # at batch 1

Prints the step time of the floor (plain, and with np.dot for one-row products), this
yardstick and tinygrad_np (min of 3 runs each), then the per-phase difference between
tinygrad_np and the yardstick.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import time

import numpy as np
from mlp import CONFIGS, initial_weights, make_numpy, make_numpy_dot, make_tinygrad_np

_sequence = itertools.count().__next__


class Var:
    __slots__ = ("data", "grad", "node")

    def __init__(self, data, node=None):
        self.data, self.grad, self.node = data, None, node


class Node:
    """inputs: the Vars the op read; backward(g) -> one gradient per input (None: none)."""

    __slots__ = ("inputs", "backward", "seq")

    def __init__(self, inputs, backward):
        self.inputs, self.backward, self.seq = inputs, backward, _sequence()


def linear(x, w, b, relu=False):
    """x wᵀ + b, with the ReLU after it in place when relu (as tinygrad_np's Sequential)."""
    out = x.data @ w.data.T
    out += b.data
    if relu:
        np.maximum(out, 0, out=out)
    xd, wd = x.data, w.data

    def backward(g):  # np.dot for one row, as tinygrad_np (matmul's slow outer product)
        if relu:
            g = g * (out > 0)
        grad_w = np.dot(g.T, xd) if len(g) == 1 else g.T @ xd
        return (g @ wd if x.node else None), grad_w, np.add.reduce(g, axis=0)

    return Var(out, Node((x, w, b), backward))


def cross_entropy(z, labels):
    zd = z.data
    shifted = zd - np.maximum.reduce(zd, axis=1, keepdims=True)
    probs = np.exp(shifted)
    sums = np.add.reduce(probs, axis=1, keepdims=True)
    probs /= sums
    rows, scale = np.arange(len(labels)), 1.0 / len(labels)

    def backward(g):
        d = probs * (float(g) * scale)
        d[rows, labels] -= float(g) * scale
        return (d,)

    loss = np.add.reduce(np.log(sums.reshape(-1)) - shifted[rows, labels]) * scale
    return Var(np.asarray(loss), Node((z,), backward))


def backward(loss):
    grads = {id(loss): np.array(1, loss.data.dtype)}
    heap = [(-loss.node.seq, id(loss), loss)]
    while heap:
        t = heapq.heappop(heap)[2]
        g = grads.pop(id(t))
        for inp, gi in zip(t.node.inputs, t.node.backward(g)):
            if gi is None:
                continue
            key = id(inp)
            if key in grads:
                grads[key] = grads[key] + gi
            elif inp.node is None:
                inp.grad = gi  # a parameter (the input batch gets no gradient)
            else:
                grads[key] = gi
                heapq.heappush(heap, (-inp.node.seq, key, inp))
        t.node = None  # free the graph as it is walked


def make_lean(cfg, weights):
    params = [Var(p.copy()) for layer in weights for p in layer]
    scratch = [np.empty_like(p.data) for p in params]
    lr = cfg["lr"]

    def forward(x):
        h = Var(x)
        for i in range(0, len(params), 2):
            h = linear(h, params[i], params[i + 1], relu=i + 2 < len(params))
        return h

    def update():
        for p, s in zip(params, scratch):
            np.multiply(p.grad, lr, out=s)
            p.data -= s

    def step(x, y):
        loss = cross_entropy(forward(x), y)
        for p in params:
            p.grad = None
        backward(loss)
        update()

    return step, (forward, cross_entropy, backward, update)


def main() -> None:
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 128
    cfg = dict(CONFIGS["small"], batch=batch)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    n = 3000 if batch < 16 else 600
    best: dict[str, float] = {}
    for _ in range(3):  # alternate, so machine noise hits each alike
        for name, make in [("numpy", make_numpy), ("numpy+dot", make_numpy_dot),
                           ("lean eager", make_lean), ("tinygrad_np", make_tinygrad_np)]:
            step = make(cfg, initial_weights(cfg["sizes"]))[0]
            for _ in range(n // 4):
                step(x, y)
            start = time.perf_counter()
            for _ in range(n):
                step(x, y)
            best[name] = min(best.get(name, 1e9), (time.perf_counter() - start) / n)
    print(f"one step of 784-128-10 at batch {batch}:")
    for name, seconds in best.items():
        print(f"  {name:12s} {seconds * 1e6:7.1f} µs  {seconds / best['numpy']:.3f}x")
    print("tinygrad_np minus lean eager, per phase (µs):")
    for phase, extra in _phase_differences(cfg, x, y).items():
        print(f"  {phase:9s} {extra:+6.1f}")


def _phase_differences(cfg, x, y) -> dict[str, float]:
    import tinygrad_np as tnp
    from tinygrad_np.nn import functional as F

    _, (forward, lean_ce, lean_backward, update) = make_lean(cfg, initial_weights(cfg["sizes"]))
    step = make_tinygrad_np(cfg, initial_weights(cfg["sizes"]))[0]
    cells = dict(zip(step.__code__.co_freevars, step.__closure__))  # the model, the optimizer
    model, opt = cells["model"].cell_contents, cells["opt"].cell_contents
    clock = time.perf_counter
    best = {}
    for _ in range(5):
        totals = dict.fromkeys(["forward", "loss", "backward", "update"], 0.0)
        for _ in range(1000):
            t0 = clock()
            out = forward(x)
            t1 = clock()
            loss = lean_ce(out, y)
            t2 = clock()
            lean_backward(loss)
            t3 = clock()
            update()
            t4 = clock()
            out = model(tnp.Tensor(x))
            t5 = clock()
            loss = F.cross_entropy(out, tnp.Tensor(y))
            t6 = clock()
            opt.zero_grad()
            loss.backward()
            t7 = clock()
            opt.step()
            t8 = clock()
            for phase, lean, ours in [("forward", t1 - t0, t5 - t4), ("loss", t2 - t1, t6 - t5),
                                      ("backward", t3 - t2, t7 - t6),
                                      ("update", t4 - t3, t8 - t7)]:
                totals[phase] += ours - lean
        for phase, total in totals.items():
            best[phase] = min(best.get(phase, 1e9), total)
    return {phase: total / 1000 * 1e6 for phase, total in best.items()}


if __name__ == "__main__":
    main()
