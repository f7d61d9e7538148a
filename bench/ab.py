"""A/B of two source trees: one epoch of tinygrad_np from each, in alternating child
processes, so a change of 1 to 2% shows through the machine's drift (which moves a single
epoch's time by 5% or more).

    git worktree add /tmp/before HEAD~1     # the tree to compare against
    python bench/ab.py small /tmp/before .  # 8 rounds by default; --rounds N

Each child is `mlp.py --child tinygrad_np CONFIG` run from that tree with PYTHONPATH set
to it. Prints the median and minimum epoch time of each tree and the ratio of each pair.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from mlp import CONFIGS


def epoch_seconds(root: str, config: str) -> float:
    root = os.path.abspath(root)
    out = subprocess.run([sys.executable, os.path.join(root, "bench", "mlp.py"), "--child",
                          "tinygrad_np", config], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=root))
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("config", choices=list(CONFIGS))
    p.add_argument("base", help="the tree to compare against")
    p.add_argument("work", help="the tree under test")
    p.add_argument("--rounds", type=int, default=8)
    args = p.parse_args()
    times: dict[str, list[float]] = {"base": [], "work": []}
    for _ in range(args.rounds):
        for name in times:
            times[name].append(epoch_seconds(getattr(args, name), args.config))
    for name, ts in times.items():
        print(f"{name}: median {statistics.median(ts):.4f} s, min {min(ts):.4f} s")
    ratios = [w / b for b, w in zip(times["base"], times["work"])]
    print(f"work / base per round: {' '.join(f'{r:.3f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
