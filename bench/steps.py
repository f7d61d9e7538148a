"""N training steps of one implementation on batches drawn from a large random array, and
nothing else: a workload for external profilers. With cachegrind, the instructions of N
steps minus those of 0 steps (imports and setup cancel) are one step's cost, repeatable
to about 0.5K instructions:

    export PYTHONHASHSEED=0 OPENBLAS_NUM_THREADS=1
    valgrind --tool=cachegrind --cache-sim=yes python bench/steps.py tinygrad_np small 0
    valgrind --tool=cachegrind --cache-sim=yes python bench/steps.py tinygrad_np small 40

(Call the interpreter itself, not a shell shim such as pyenv's: valgrind follows no child.)
"""

from __future__ import annotations

import argparse

import numpy as np
from mlp import CONFIGS, IMPLS, initial_weights


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("impl", choices=list(IMPLS))
    p.add_argument("config", choices=list(CONFIGS))
    p.add_argument("steps", type=int)
    args = p.parse_args()
    cfg = CONFIGS[args.config]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20000, cfg["sizes"][0]), dtype=np.float32)
    y = rng.integers(0, cfg["sizes"][-1], len(x))
    step, _ = IMPLS[args.impl](cfg, initial_weights(cfg["sizes"]))
    order, batch = rng.permutation(len(x)), cfg["batch"]
    for i in range(3 + args.steps):  # 3 first: state and scratch arrays are made once
        idx = order[i * batch : (i + 1) * batch]
        step(x[idx], y[idx])


if __name__ == "__main__":
    main()
