"""Classification metrics: accuracy, confusion_matrix, classification_report, most_confused.

Inputs may be NumPy arrays or anything with ``__array__`` (tensors). Predictions may be class
indices, or scores/logits with one more axis than the targets (the argmax of the last axis is
taken). Conventions follow scikit-learn: confusion-matrix rows are true classes and columns are
predicted classes, and a ratio whose denominator is zero is 0.0 (``zero_division=0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._args import check_count


def _labels(x: Any, what: str, op: str) -> np.ndarray:
    """Class indices as an int64 array; floats are accepted only when they hold whole numbers."""
    a = np.asarray(x)
    if a.dtype == np.bool_ or np.issubdtype(a.dtype, np.integer):
        if a.dtype == np.uint64 and a.size and a.max() > np.iinfo(np.int64).max:
            raise ValueError(f"{op}: {what} holds class index {a.max()}, too large for int64")
        return a.astype(np.int64, copy=False)
    if np.issubdtype(a.dtype, np.floating) and np.all(np.isfinite(a)) and np.all(a == np.round(a)):
        return a.astype(np.int64)
    raise ValueError(f"{op}: {what} must hold integer class indices, got dtype {a.dtype}")


def _pair(target: Any, pred: Any, op: str) -> tuple[np.ndarray, np.ndarray]:
    """Flat (target, pred) label arrays of equal length; scores in pred are argmaxed."""
    t = np.asarray(target)
    p = np.asarray(pred)
    if p.ndim == t.ndim + 1 and p.shape[-1] == 1:
        p = p[..., 0]  # a column of class indices (argmax over one class would be all 0)
    if p.ndim == t.ndim + 1:
        if p.shape[-1] == 0:
            raise ValueError(f"{op}: scores of shape {p.shape} have no classes to argmax over")
        p = p.argmax(axis=-1)
    if p.shape != t.shape:
        raise ValueError(
            f"{op}: pred shape {np.shape(pred)} does not match target shape {t.shape} "
            f"(pred may also be scores of shape target.shape + (num_classes,))"
        )
    if t.size == 0:
        raise ValueError(f"{op}: got 0 samples (target shape {t.shape}); the metric is undefined")
    return _labels(t, "target", op).ravel(), _labels(p, "pred", op).ravel()


def accuracy(pred: Any, target: Any) -> float:
    """Fraction of predictions equal to the target.

    Args:
        pred: predicted class indices of target's shape, or scores/logits of shape
            target.shape + (num_classes,), whose argmax over the last axis is the prediction.
        target: true class indices.

    Returns:
        A float in [0, 1].

    Raises:
        ValueError: the shapes do not match, or there are no samples.

    Example:
        >>> accuracy([0, 2, 1, 1], [0, 1, 1, 1])
        0.75
        >>> accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1])
        0.5
    """
    t, p = _pair(target, pred, "accuracy")
    return float(np.mean(t == p))


def confusion_matrix(target: Any, pred: Any, num_classes: int | None = None) -> np.ndarray:
    """Count (true class, predicted class) pairs; rows are true classes, columns predictions.

    Args:
        target: true class indices (non-negative integers).
        pred: predicted class indices of target's shape, or scores with one more axis.
        num_classes: matrix size; None uses max(target, pred) + 1.

    Returns:
        An int64 array cm of shape [num_classes, num_classes] where cm[i, j] is the number of
        samples of true class i predicted as j; cm.sum() is the number of samples.

    Raises:
        ValueError: shapes differ, a label is negative or >= num_classes, or no samples.
        TypeError: num_classes is not an int.

    Example:
        >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2])
        array([[1, 1, 0],
               [0, 1, 0],
               [0, 0, 1]])
    """
    t, p = _pair(target, pred, "confusion_matrix")
    check_count("confusion_matrix", "num_classes", num_classes, allow_none=True)
    low = min(t.min(), p.min())
    if low < 0:
        raise ValueError(f"confusion_matrix: class indices must be >= 0, got {low}")
    high = int(max(t.max(), p.max()))
    if num_classes is None:
        num_classes = high + 1
    elif high >= num_classes:
        raise ValueError(
            f"confusion_matrix: class index {high} is out of range for num_classes={num_classes}"
        )
    # one bincount over the pair code true * C + pred
    counts = np.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, with 0.0 where den == 0 (scikit-learn's zero_division=0)."""
    out = np.zeros(num.shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


@dataclass
class ClassificationReport:
    """Per-class precision, recall, F1 and support, with their averages; str() is a table.

    Attributes:
        class_names: one name per class, in class-index order.
        precision, recall, f1: float64 arrays with one entry per class.
        support: int64 array, the number of true samples of each class.
        accuracy: fraction of correct predictions.
        macro_avg, weighted_avg: dicts with keys "precision", "recall", "f1", "support";
            macro is the plain mean over all classes, weighted is weighted by support.
        digits: decimals shown by str().
    """

    class_names: list[str]
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    accuracy: float
    macro_avg: dict[str, float]
    weighted_avg: dict[str, float]
    digits: int = 3

    def to_dict(self) -> dict[str, Any]:
        """The report as plain Python values, keyed like scikit-learn's output_dict=True."""
        out: dict[str, Any] = {}
        for i, name in enumerate(self.class_names):
            out[name] = {
                "precision": float(self.precision[i]),
                "recall": float(self.recall[i]),
                "f1-score": float(self.f1[i]),
                "support": int(self.support[i]),
            }
        out["accuracy"] = self.accuracy
        for key, avg in (("macro avg", self.macro_avg), ("weighted avg", self.weighted_avg)):
            out[key] = {
                "precision": avg["precision"],
                "recall": avg["recall"],
                "f1-score": avg["f1"],
                "support": int(avg["support"]),
            }
        return out

    def __str__(self) -> str:
        d = self.digits
        width = max([len("weighted avg"), *(len(n) for n in self.class_names)])
        col = max(len("precision"), d + 2)
        head = ["precision", "recall", "f1-score", "support"]
        lines = [" " * width + "".join(f" {h:>{col}}" for h in head), ""]

        def row(name: str, p: float, r: float, f: float, s: int) -> str:
            return f"{name:>{width}} {p:>{col}.{d}f} {r:>{col}.{d}f} {f:>{col}.{d}f} {s:>{col}}"

        for i, name in enumerate(self.class_names):
            lines.append(
                row(name, self.precision[i], self.recall[i], self.f1[i], int(self.support[i]))
            )
        n = int(self.support.sum())
        lines.append("")
        blank = " " * col
        lines.append(
            f"{'accuracy':>{width}} {blank} {blank} {self.accuracy:>{col}.{d}f} {n:>{col}}"
        )
        for name, avg in (("macro avg", self.macro_avg), ("weighted avg", self.weighted_avg)):
            lines.append(row(name, avg["precision"], avg["recall"], avg["f1"], n))
        return "\n".join(lines)


def classification_report(
    target: Any,
    pred: Any,
    num_classes: int | None = None,
    class_names: list[str] | None = None,
    digits: int = 3,
) -> ClassificationReport:
    """Per-class precision, recall, F1 and support, plus accuracy, macro and weighted averages.

    precision = tp / (tp + fp), recall = tp / (tp + fn), F1 = 2 tp / (2 tp + fp + fn), each 0.0
    when its denominator is 0. Every class 0..num_classes-1 counts in the macro average, also
    classes that never occur (as scikit-learn with labels=range(num_classes)).

    Args:
        target: true class indices.
        pred: predicted class indices of target's shape, or scores with one more axis.
        num_classes: number of classes; None uses max(target, pred) + 1 (or len(class_names)).
        class_names: one display name per class; default "0", "1", ...
        digits: decimals in the text table.

    Returns:
        A ClassificationReport: its fields hold the numbers, ``str(report)`` is an aligned text
        table in scikit-learn's layout, and ``report.to_dict()`` gives plain Python values.

    Raises:
        ValueError: shapes differ, a label is out of range, or class_names has the wrong length.

    Example:
        >>> report = classification_report([0, 0, 1, 1], [0, 1, 1, 1], class_names=["cat", "dog"])
        >>> round(float(report.precision[1]), 3), report.accuracy
        (0.667, 0.75)
        >>> print(report)  # doctest: +NORMALIZE_WHITESPACE
                     precision    recall  f1-score   support
        <BLANKLINE>
                 cat     1.000     0.500     0.667         2
                 dog     0.667     1.000     0.800         2
        <BLANKLINE>
            accuracy                         0.750         4
           macro avg     0.833     0.750     0.733         4
        weighted avg     0.833     0.750     0.733         4
    """
    if num_classes is None and class_names is not None:
        num_classes = len(class_names)
    cm = confusion_matrix(target, pred, num_classes)
    c = cm.shape[0]
    if class_names is None:
        class_names = [str(i) for i in range(c)]
    elif len(class_names) != c:
        raise ValueError(
            f"classification_report: got {len(class_names)} class_names for {c} classes"
        )
    tp = np.diag(cm).astype(np.float64)
    predicted = cm.sum(axis=0)  # tp + fp
    support = cm.sum(axis=1)  # tp + fn
    precision = _ratio(tp, predicted)
    recall = _ratio(tp, support)
    f1 = _ratio(2 * tp, predicted + support)
    n = int(support.sum())
    weights = support / n

    def avg(w: np.ndarray) -> dict[str, float]:
        return {
            "precision": float(precision @ w),
            "recall": float(recall @ w),
            "f1": float(f1 @ w),
            "support": n,
        }

    return ClassificationReport(
        class_names=[str(name) for name in class_names],
        precision=precision,
        recall=recall,
        f1=f1,
        support=support,
        accuracy=float(tp.sum() / n),
        macro_avg=avg(np.full(c, 1.0 / c)),
        weighted_avg=avg(weights),
        digits=digits,
    )


def most_confused(
    cm: Any, k: int = 5, class_names: list[str] | None = None
) -> list[tuple[Any, Any, Any]]:
    """The k largest off-diagonal cells of a confusion matrix: the most frequent mistakes.

    Args:
        cm: a square confusion matrix, rows true classes and columns predictions (counts,
            or rates such as a row-normalized matrix).
        k: how many pairs to return at most; cells with count 0 are never returned.
        class_names: names to report instead of class indices.

    Returns:
        A list of (true, predicted, count), largest count first, the count an int for an
        integer matrix and a float for a float one; ties are ordered by (true, predicted).
        true and predicted are class indices, or names (str) when class_names is given.

    Raises:
        ValueError: cm is not square and 2-D, k < 0, or class_names has the wrong length.
        TypeError: k is not an int.

    Example:
        >>> most_confused([[5, 2, 0], [0, 4, 3], [1, 0, 6]], k=2)
        [(1, 2, 3), (0, 1, 2)]
    """
    m = np.asarray(cm)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"most_confused: cm must be a square 2-D matrix, got shape {m.shape}")
    check_count("most_confused", "k", k)
    if class_names is not None and len(class_names) != m.shape[0]:
        raise ValueError(
            f"most_confused: got {len(class_names)} class_names for a {m.shape} matrix"
        )
    true, predicted = np.nonzero(~np.eye(len(m), dtype=bool) & (m > 0))
    counts = m[true, predicted]
    # lexsort sorts by the last key first: count descending, then true, then predicted
    order = np.lexsort((predicted, true, -counts.astype(np.float64)))[:k]
    names = [str(n) for n in class_names] if class_names is not None else list(range(len(m)))
    return [(names[true[i]], names[predicted[i]], counts[i].item()) for i in order]

