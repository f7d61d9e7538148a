"""Train an MLP on MNIST or Fashion-MNIST with tinygrad_np, then report what it learned.

    python examples/mnist_mlp.py --dataset fashion-mnist --out runs/fashion

The model is Linear -> activation (-> dropout) for each hidden width, then Linear to the 10
classes, trained with cross-entropy through loss.backward(). At the end it prints the test
accuracy, a per-class report and the most confused pairs; with --out it also writes
history.csv, metrics.json and PNG plots (if matplotlib is installed).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for mnist_plots beside this file

import tinygrad_np as tnp  # noqa: E402
from tinygrad_np import metrics, nn, optim  # noqa: E402
from tinygrad_np.data import DataLoader, DatasetNotFoundError, load_fashion_mnist, load_mnist  # noqa: E402
from tinygrad_np.nn import functional as F  # noqa: E402

CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "fashion-mnist": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                      "Sneaker", "Bag", "Ankle boot"],
}
LOADERS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop")
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3}


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments end with one line on stderr and exit status 2, never a traceback."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = OneLineParser(prog="mnist_mlp.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", choices=sorted(LOADERS), default="mnist")
    p.add_argument("--data-dir", default=None, help="folder holding the four IDX files")
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 128],
                   help="hidden layer widths, e.g. --hidden 256 128")
    p.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    p.add_argument("--init", choices=["default", "kaiming", "xavier"], default="default",
                   help="weight init: PyTorch's Linear default, Kaiming normal or Xavier")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default by optimizer)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--dropout", type=float, default=0.0)
    p.add_argument("--weight-decay", type=float, default=None,
                   help="L2 penalty; decoupled decay for adamw (default 0, adamw 0.01)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", default=None, help="write the trained weights to this .npz")
    p.add_argument("--load", default=None, help="start from weights in this .npz")
    p.add_argument("--out", default=None, help="folder for history.csv, metrics.json, plots")
    p.add_argument("--limit", type=int, default=None,
                   help="use only the first N training images (quick trials)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]
    if args.weight_decay is None:
        args.weight_decay = 1e-2 if args.optimizer == "adamw" else 0.0
    checks = [
        (args.lr > 0 and np.isfinite(args.lr), f"--lr must be a positive number, got {args.lr}"),
        (args.batch_size >= 1, f"--batch-size must be at least 1, got {args.batch_size}"),
        (args.epochs >= 0, f"--epochs must be 0 or more, got {args.epochs}"),
        (0 <= args.dropout < 1, f"--dropout must be in [0, 1), got {args.dropout}"),
        (args.weight_decay >= 0, f"--weight-decay must be 0 or more, got {args.weight_decay}"),
        (all(h >= 1 for h in args.hidden), f"--hidden widths must be >= 1, got {args.hidden}"),
        (args.limit is None or args.limit >= 1, f"--limit must be >= 1, got {args.limit}"),
    ]
    for ok, message in checks:
        if not ok:
            p.error(message)
    if args.load is not None and not os.access(args.load, os.R_OK):
        p.error(f"--load: cannot read {args.load}")
    if args.save is not None:  # checked now, not after training
        folder = os.path.dirname(os.path.abspath(args.save))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            p.error(f"--save: cannot write into {folder}")
    return args


def build_model(hidden: list[int], activation: str, dropout: float, init: str) -> nn.Sequential:
    """784 -> hidden... -> 10, with the activation (and dropout) after each hidden layer."""
    layers: list[nn.Module] = []
    width = 28 * 28
    for h in hidden:
        layers.append(nn.Linear(width, h))
        layers.append(ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, 10))
    model = nn.Sequential(*layers)
    if init != "default":
        for layer in model:
            if isinstance(layer, nn.Linear):
                if init == "kaiming":
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                else:
                    nn.init.xavier_uniform_(layer.weight)
                nn.init.zeros_(layer.bias)
    return model


def make_optimizer(name: str, params, lr: float, weight_decay: float) -> optim.Optimizer:
    if name == "sgd":
        return optim.SGD(params, lr=lr, weight_decay=weight_decay)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    return optim.RMSprop(params, lr=lr, weight_decay=weight_decay)


def load_split(dataset: str, split: str, data_dir: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Images as float32 rows in [0, 1] and labels as int64."""
    images, labels = LOADERS[dataset](split, root=data_dir)
    return images.reshape(len(images), -1).astype(np.float32) / 255, labels.astype(np.int64)


def progress(iterable, total: int, desc: str, enabled: bool):
    """tqdm where installed; otherwise a plain line, redrawn in place on a terminal."""
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm

        # disable=None: no bar when stderr is not a terminal (logs stay readable)
        return tqdm(iterable, total=total, desc=desc, leave=False, unit="batch", disable=None)
    except ImportError:
        return _plain_progress(iterable, total, desc)


def _plain_progress(iterable, total: int, desc: str):
    start = time.perf_counter()
    tty = sys.stderr.isatty()
    for i, item in enumerate(iterable, 1):
        yield item
        if tty and (i % 50 == 0 or i == total):
            rate = i / (time.perf_counter() - start)
            sys.stderr.write(f"\r{desc} {i}/{total} batches, {rate:.0f} batch/s")
    if tty:
        sys.stderr.write("\r" + " " * 60 + "\r")


def train_epoch(model, opt, loader, desc: str, show_progress: bool) -> tuple[float, float]:
    """One pass over the training data; returns (mean loss, accuracy) seen while training."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    bar = progress(loader, len(loader), desc, show_progress)
    for xb, yb in bar:
        logits = model(tnp.Tensor(xb))
        loss = F.cross_entropy(logits, tnp.Tensor(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
        n = len(yb)
        total_loss += loss.item() * n  # .item(): a float, so no graph is kept alive
        correct += int((logits.data.argmax(1) == yb).sum())
        seen += n
        if hasattr(bar, "set_postfix") and seen % (50 * n) < n:
            bar.set_postfix(loss=f"{total_loss / seen:.4f}")
    return total_loss / seen, correct / seen


@tnp.no_grad()
def evaluate(model, x: np.ndarray, y: np.ndarray, batch_size: int = 1000):
    """Mean loss, accuracy and predicted classes on a whole split, in eval mode."""
    model.eval()
    losses, preds = [], []
    for start in range(0, len(x), batch_size):
        logits = model(tnp.Tensor(x[start : start + batch_size]))
        target = tnp.Tensor(y[start : start + batch_size])
        losses.append(F.cross_entropy(logits, target, reduction="sum").item())
        preds.append(logits.data.argmax(1))
    pred = np.concatenate(preds)
    return sum(losses) / len(x), metrics.accuracy(pred, y), pred


def run(args: argparse.Namespace) -> dict:
    """Train and evaluate as `args` say; returns the final metrics (also printed)."""
    tnp.manual_seed(args.seed)
    x_train, y_train = load_split(args.dataset, "train", args.data_dir)
    x_test, y_test = load_split(args.dataset, "test", args.data_dir)
    if args.limit:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
    # standardize with the training set's statistics (one number each, as is usual for MNIST)
    mean, std = float(x_train.mean()), float(x_train.std())
    x_train = (x_train - mean) / std
    x_test = (x_test - mean) / std

    model = build_model(args.hidden, args.activation, args.dropout, args.init)
    if args.load:
        try:
            model.load_state_dict(tnp.load(args.load))
        except (OSError, ValueError, KeyError, RuntimeError) as e:
            raise SystemExit(f"mnist_mlp.py: error: --load {args.load}: {e}") from None
    opt = make_optimizer(args.optimizer, model.parameters(), args.lr, args.weight_decay)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(args.epochs, 1))
    loader = DataLoader(x_train, y_train, batch_size=args.batch_size, shuffle=True,
                        seed=args.seed)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.dataset}: {len(x_train)} training and {len(x_test)} test images; model "
          f"784-{'-'.join(map(str, args.hidden))}-10 ({n_params:,} parameters), "
          f"{args.activation}, {args.optimizer} lr={args.lr:g}, batch {args.batch_size}")

    history = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train_loss, train_acc = train_epoch(model, opt, loader, f"epoch {epoch}",
                                            not args.quiet)
        sched.step()
        seconds = time.perf_counter() - start
        test_loss, test_acc, _ = evaluate(model, x_test, y_test)
        history.append(dict(epoch=epoch, train_loss=train_loss, train_acc=train_acc,
                            test_loss=test_loss, test_acc=test_acc, seconds=seconds))
        print(f"epoch {epoch:>3}  train loss {train_loss:.4f}  train acc {train_acc:.4f}  "
              f"test loss {test_loss:.4f}  test acc {test_acc:.4f}  {seconds:.1f}s")

    test_loss, test_acc, pred = evaluate(model, x_test, y_test)
    names = CLASS_NAMES[args.dataset]
    report = metrics.classification_report(y_test, pred, num_classes=10, class_names=names)
    cm = metrics.confusion_matrix(y_test, pred, num_classes=10)
    confused = metrics.most_confused(cm, k=5, class_names=names)
    print(f"\ntest accuracy {test_acc:.4f}  (test loss {test_loss:.4f})\n")
    print(report)
    print("\nmost confused (true -> predicted: count)")
    for true, predicted, count in confused:
        print(f"  {true} -> {predicted}: {count}")

    if args.save:
        tnp.save(model.state_dict(), args.save)
        print(f"\nweights saved to {args.save}")
    result = dict(test_accuracy=test_acc, test_loss=test_loss, epochs=args.epochs,
                  args=vars(args), history=history, report=report.to_dict(),
                  most_confused=[list(map(_jsonable, c)) for c in confused])
    if args.out:
        write_outputs(Path(args.out), history, result, model, x_test, y_test, pred, cm, names,
                      (mean, std))
    return result


def _jsonable(v):
    return v.item() if isinstance(v, np.generic) else v


def write_outputs(out: Path, history, result, model, x_test, y_test, pred, cm, names, norm):
    """history.csv, metrics.json and, when matplotlib is installed, the PNG plots."""
    out.mkdir(parents=True, exist_ok=True)
    if history:
        with open(out / "history.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(history[0]))
            writer.writeheader()
            writer.writerows(history)
    with open(out / "metrics.json", "w") as f:
        json.dump(result, f, indent=2, default=_jsonable)
    try:
        import mnist_plots
    except ImportError as e:
        print(f"\nplots skipped: {e.name} is not installed (pip install matplotlib)")
        return
    images = x_test * norm[1] + norm[0]  # back to [0, 1] for display
    first_weights = next(iter(model.parameters())).data
    written = mnist_plots.plot_all(out, history, cm, names, images, y_test, pred, first_weights)
    print(f"\nwrote {', '.join(p.name for p in written)} and history.csv, metrics.json to {out}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except DatasetNotFoundError as e:
        print(f"mnist_mlp.py: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
