"""Run a grid of MLP settings on MNIST or Fashion-MNIST and compare them in one table.

    python examples/mnist_experiments.py --dataset fashion-mnist --out runs/grid

Each row of the grid changes one thing from the baseline (784-256-128-10, relu, Adam,
PyTorch's default init): depth and width, activation, optimizer, initialization. Results
go to results.csv, results.md and comparison plots in --out.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mnist_mlp  # noqa: E402

BASELINE = dict(hidden=[256, 128], activation="relu", optimizer="adam", init="default")
GRID = [
    ("baseline", {}),
    ("one hidden layer of 128", dict(hidden=[128])),
    ("three hidden layers", dict(hidden=[512, 256, 128])),
    ("narrow (64-32)", dict(hidden=[64, 32])),
    ("tanh", dict(activation="tanh")),
    ("sigmoid", dict(activation="sigmoid")),
    ("gelu", dict(activation="gelu")),
    ("sgd", dict(optimizer="sgd")),
    ("sgd + nesterov momentum", dict(optimizer="momentum")),
    ("rmsprop", dict(optimizer="rmsprop")),
    ("adamw", dict(optimizer="adamw")),
    ("kaiming normal init", dict(init="kaiming")),
    ("xavier uniform init", dict(init="xavier")),
]


def arguments(common: argparse.Namespace, changes: dict) -> list[str]:
    settings = dict(BASELINE, **changes)
    argv = ["--dataset", common.dataset, "--epochs", str(common.epochs), "--seed",
            str(common.seed), "--hidden", *map(str, settings["hidden"]), "--activation",
            settings["activation"], "--optimizer", settings["optimizer"], "--init",
            settings["init"], "--quiet"]
    if common.data_dir:
        argv += ["--data-dir", common.data_dir]
    if common.limit:
        argv += ["--limit", str(common.limit)]
    return argv


def write_tables(out: Path, rows: list[dict]) -> None:
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| run | hidden | activation | optimizer | init | test acc | test loss | seconds |",
             "|---|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: -r["test_acc"]):
        lines.append(f"| {r['run']} | {r['hidden']} | {r['activation']} | {r['optimizer']} | "
                     f"{r['init']} | {r['test_acc']:.4f} | {r['test_loss']:.4f} | "
                     f"{r['seconds']:.0f} |")
    (out / "results.md").write_text("\n".join(lines) + "\n")


def plot(out: Path, rows: list[dict], histories: dict[str, list[dict]]) -> list[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plots skipped: matplotlib is not installed (pip install matplotlib)")
        return []
    from mnist_plots import _save

    ordered = sorted(rows, key=lambda r: r["test_acc"])
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1))
    ax.barh([r["run"] for r in ordered], [r["test_acc"] for r in ordered], color="tab:blue")
    low, high = min(r["test_acc"] for r in rows), max(r["test_acc"] for r in rows)
    ax.set_xlim(max(0.0, low - 0.05), min(1.0, high + 0.02))
    for i, r in enumerate(ordered):
        ax.text(r["test_acc"], i, f" {r['test_acc']:.4f}", va="center", fontsize=8)
    ax.set(xlabel="test accuracy", title="test accuracy by setting")
    paths = [_save(fig, out / "accuracy_by_setting.png")]
    fig, ax = plt.subplots(figsize=(8, 5))
    colors = plt.get_cmap("tab20").colors  # 20 distinct colours: one per grid row
    for i, (name, history) in enumerate(histories.items()):
        ax.plot([h["epoch"] for h in history], [h["test_acc"] for h in history], marker="o",
                label=name, color=colors[i % len(colors)],
                linestyle="-" if i < len(colors) else "--")
    ax.xaxis.get_major_locator().set_params(integer=True)  # whole epochs only
    ax.set(xlabel="epoch", ylabel="test accuracy", title="test accuracy per epoch")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    paths.append(_save(fig, out / "test_accuracy_curves.png"))
    return paths


def main(argv: list[str] | None = None) -> int:
    p = mnist_mlp.OneLineParser(prog="mnist_experiments.py",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", choices=sorted(mnist_mlp.LOADERS), default="mnist")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--limit", type=int, default=None, help="training images per run")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", nargs="+", default=None, help="run only these grid rows")
    p.add_argument("--out", default="runs/experiments")
    common = p.parse_args(argv)
    if common.epochs < 1:
        p.error(f"--epochs must be at least 1, got {common.epochs}")
    grid = [(n, c) for n, c in GRID if common.only is None or n in common.only]
    if not grid:
        p.error(f"--only matches no grid row; rows are: {', '.join(n for n, _ in GRID)}")
    out = Path(common.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, histories = [], {}
    for name, changes in grid:
        print(f"\n=== {name} ===")
        args = mnist_mlp.parse_args(arguments(common, changes))
        start = time.perf_counter()
        try:
            result = mnist_mlp.run(args)
        except mnist_mlp.DatasetNotFoundError as e:
            print(f"mnist_experiments.py: error: {e}", file=sys.stderr)
            return 1
        histories[name] = result["history"]
        rows.append(dict(run=name, hidden="-".join(map(str, args.hidden)),
                         activation=args.activation, optimizer=args.optimizer, init=args.init,
                         test_acc=result["test_accuracy"], test_loss=result["test_loss"],
                         seconds=time.perf_counter() - start))
    write_tables(out, rows)
    written = plot(out, rows, histories)
    print("\n" + (out / "results.md").read_text())
    print(f"wrote results.csv, results.md{''.join(', ' + p.name for p in written)} to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
