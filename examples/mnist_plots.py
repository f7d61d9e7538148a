"""The PNG plots of examples/mnist_mlp.py: learning curves, confusion matrix, misclassified
test images and the first layer's weights. Needs matplotlib (pip install matplotlib)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no screen needed
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _save(fig, path: Path) -> Path:
    """Write the figure to a temporary file beside `path`, then rename: never half a PNG."""
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent, prefix=f".{path.stem}-")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    finally:
        plt.close(fig)
    return path


def plot_curves(path: Path, history: list[dict]) -> Path:
    """Train and test loss, and train and test accuracy, per epoch."""
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("train_loss", "train"), ("test_loss", "test")):
        ax_loss.plot(epochs, [h[key] for h in history], marker="o", label=label)
    for key, label in (("train_acc", "train"), ("test_acc", "test")):
        ax_acc.plot(epochs, [h[key] for h in history], marker="o", label=label)
    ax_loss.set(title="cross-entropy loss", xlabel="epoch", ylabel="loss")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend()
    return _save(fig, path)


def plot_confusion(path: Path, cm: np.ndarray, names: list[str]) -> Path:
    """Counts of (true, predicted) pairs; the diagonal holds the correct predictions."""
    fig, ax = plt.subplots(figsize=(8, 7))
    im = ax.imshow(cm, cmap="Blues")
    fig.colorbar(im, ax=ax, fraction=0.046)
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=45, ha="right")
    ax.set_yticks(ticks, names)
    ax.set(xlabel="predicted", ylabel="true", title="confusion matrix (test set)")
    threshold = cm.max() / 2
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if cm[i, j] > threshold else "black")
    return _save(fig, path)


def plot_misclassified(path: Path, images: np.ndarray, y: np.ndarray, pred: np.ndarray,
                       names: list[str], count: int = 32) -> Path:
    """The first `count` misclassified test images, titled 'predicted (true)'."""
    wrong = np.flatnonzero(pred != y)[:count]
    cols = 8
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.5, rows * 1.75), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong):
        ax.imshow(images[i].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{names[pred[i]]}\n({names[y[i]]})", fontsize=7, color="tab:red")
    fig.suptitle("misclassified test images: predicted (true)")
    return _save(fig, path)


def plot_first_layer(path: Path, weights: np.ndarray, count: int = 64) -> Path:
    """Each first-layer unit's 784 input weights as a 28x28 image (red +, blue -)."""
    w = weights[:count]
    cols = 8
    rows = -(-len(w) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.2, rows * 1.2), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, unit in zip(axes.flat, w):
        limit = np.abs(unit).max() or 1.0
        ax.imshow(unit.reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
    fig.suptitle(f"first layer weights (first {len(w)} of {len(weights)} units)")
    return _save(fig, path)


def plot_all(out: Path, history, cm, names, images, y, pred, first_weights) -> list[Path]:
    """Every plot of the example, written into `out`; returns the paths written."""
    written = []
    if history:
        written.append(plot_curves(out / "curves.png", history))
    written.append(plot_confusion(out / "confusion_matrix.png", cm, names))
    written.append(plot_misclassified(out / "misclassified.png", images, y, pred, names))
    written.append(plot_first_layer(out / "first_layer_weights.png", first_weights))
    return written
