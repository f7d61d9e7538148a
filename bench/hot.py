"""The framework's overhead per training step with everything in cache: one batch, stepped
over and over by the floor (bench/numpy_mlp.py) and by tinygrad_np, taking turns in one
process. Prints both step times (medians over rounds) and their difference, which is
steadier than epoch times on a noisy machine: it shows a change of a microsecond or two
per step. `bench/ab.py --hot` compares two source trees with it.

    python bench/hot.py small          # or big; --rounds N (15 by default)

The models train on that one batch the whole time; both see the same steps, so the floor
and tinygrad_np do the same arithmetic on the same values.
"""

from __future__ import annotations

import argparse
import json
import statistics
import timeit

import numpy as np
from mlp import CONFIGS, IMPLS, initial_weights


def step_seconds(config: str, rounds: int) -> dict[str, float]:
    """Median over rounds of the best of 3 runs of 50 steps, per implementation."""
    cfg = CONFIGS[config]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((cfg["batch"], cfg["sizes"][0]), dtype=np.float32)
    y = rng.integers(0, cfg["sizes"][-1], cfg["batch"])
    weights = initial_weights(cfg["sizes"])
    steps = {impl: IMPLS[impl](cfg, weights)[0] for impl in ("numpy", "tinygrad_np")}
    times: dict[str, list[float]] = {impl: [] for impl in steps}
    for _ in range(rounds):
        for impl, step in steps.items():  # in turns: drift slows both alike
            runs = timeit.repeat(lambda step=step: step(x, y), number=50, repeat=3)
            times[impl].append(min(runs) / 50)
    return {impl: statistics.median(ts) for impl, ts in times.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("config", choices=list(CONFIGS))
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--json", action="store_true", help="print one JSON line (for ab.py)")
    args = p.parse_args()
    s = step_seconds(args.config, args.rounds)
    overhead = s["tinygrad_np"] - s["numpy"]
    if args.json:
        print(json.dumps(dict(s, overhead=overhead)))
        return
    print(f"{CONFIGS[args.config]['label']}, one batch in a hot loop: numpy "
          f"{s['numpy'] * 1e6:.1f} us, tinygrad_np {s['tinygrad_np'] * 1e6:.1f} us per step; "
          f"overhead {overhead * 1e6:.1f} us ({s['tinygrad_np'] / s['numpy']:.3f}x)")


if __name__ == "__main__":
    main()
