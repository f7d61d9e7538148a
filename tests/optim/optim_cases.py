"""Shared pieces of the optimizer tests: one configuration per optimizer that exercises all of
its state, random parameters, and a small training loop."""

from __future__ import annotations

import numpy as np

import tinygrad_np as tnp
from tinygrad_np import optim

# one configuration per optimizer that exercises all of its state
FULL = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "SGD-dampening": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5,
                                          maximize=True),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.01),
    "AdamW": lambda ps: optim.AdamW(ps, lr=0.01, maximize=True),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.9, centered=True,
                                        weight_decay=0.01),
}


def make_params(dtype=np.float32, seed=0, shapes=((4, 3), (3,))):
    rng = np.random.default_rng(seed)
    return [tnp.Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in shapes]


def quadratic_loss(params):
    """Σ (p - 1)² ⊙ weights: a loss whose gradient depends on the parameters."""
    total = None
    for i, p in enumerate(params):
        term = ((p - 1.0) * (p - 1.0) * (i + 1.0)).sum()
        total = term if total is None else total + term
    return total


def train(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        quadratic_loss(params).backward()
        opt.step()
