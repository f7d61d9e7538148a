"""A/B of two source trees: one epoch of tinygrad_np from each, in alternating child
processes, so a change of 1 to 2% shows through the machine's drift (which moves a single
epoch's time by 5% or more).

    git worktree add /tmp/before HEAD~1           # the tree to compare against
    python bench/ab.py small /tmp/before .        # 8 rounds by default; --rounds N
    python bench/ab.py small /tmp/before . --hot  # overhead per step in a hot loop

Each child is `mlp.py --child tinygrad_np CONFIG` run from that tree with PYTHONPATH set
to it. Prints the median and minimum epoch time of each tree and the ratio of each pair.
With --hot each child is this tree's bench/hot.py, with PYTHONPATH set to the tree under
test: it prints tinygrad_np's overhead over the floor per step with the data in cache,
which moves by a few microseconds from run to run where an epoch moves by 5%.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

from mlp import CONFIGS


def child_result(command: list[str], root: str) -> dict:
    """The last line of a child's output, as JSON; the child imports tinygrad_np from
    `root`."""
    out = subprocess.run([sys.executable, *command], capture_output=True, text=True,
                         check=True, env=dict(os.environ, PYTHONPATH=os.path.abspath(root)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def epoch_seconds(root: str, config: str) -> float:
    """One epoch of tinygrad_np, by that tree's own mlp.py."""
    script = os.path.join(os.path.abspath(root), "bench", "mlp.py")
    return child_result([script, "--child", "tinygrad_np", config], root)["seconds"]


def hot_overhead_us(root: str, config: str) -> float:
    """tinygrad_np's overhead per step over the floor (µs), by this tree's bench/hot.py."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hot.py")
    return child_result([script, config, "--json"], root)["overhead"] * 1e6


def alternate(args: argparse.Namespace, measure) -> dict[str, list[float]]:
    """measure(tree, config) for base and work in turns, args.rounds times each."""
    results: dict[str, list[float]] = {"base": [], "work": []}
    for _ in range(args.rounds):
        for name in results:
            results[name].append(measure(getattr(args, name), args.config))
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("config", choices=list(CONFIGS))
    p.add_argument("base", help="the tree to compare against")
    p.add_argument("work", help="the tree under test")
    p.add_argument("--rounds", type=int, default=8)
    p.add_argument("--hot", action="store_true",
                   help="compare overheads per step in a hot loop (bench/hot.py)")
    args = p.parse_args()
    if args.hot:
        overheads = alternate(args, hot_overhead_us)
        for name, us in overheads.items():
            print(f"{name}: overhead per step, median {statistics.median(us):.1f} us "
                  f"({' '.join(f'{u:.1f}' for u in us)})")
        diffs = [w - b for b, w in zip(overheads["base"], overheads["work"])]
        print(f"work - base per round: median {statistics.median(diffs):+.1f} us")
        return
    times = alternate(args, epoch_seconds)
    for name, ts in times.items():
        print(f"{name}: median {statistics.median(ts):.4f} s, min {min(ts):.4f} s")
    ratios = [w / b for b, w in zip(times["base"], times["work"])]
    print(f"work / base per round: {' '.join(f'{r:.3f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
