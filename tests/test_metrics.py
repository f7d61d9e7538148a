"""tinygrad_np.metrics against hand-computed values, plus properties on random labels."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_np import metrics
from tinygrad_np.metrics import accuracy, classification_report, confusion_matrix, most_confused

# Worked example used below. Three classes; class 2 is never predicted.
#   target = 0 0 0 1 2 2
#   pred   = 0 0 1 1 1 1
# confusion matrix (rows true, columns predicted): [[2, 1, 0], [0, 1, 0], [0, 2, 0]]
# precision = tp / column sum = [2/2, 1/4, 0/0 -> 0]
# recall    = tp / row sum    = [2/3, 1/1, 0/2]
# f1        = 2 tp / (row + column sums) = [4/5, 2/5, 0/2]
TARGET = [0, 0, 0, 1, 2, 2]
PRED = [0, 0, 1, 1, 1, 1]


# --- accuracy ------------------------------------------------------------------------------------


def test_accuracy_of_class_indices():
    assert accuracy([0, 2, 1, 1], [0, 1, 1, 1]) == 0.75
    assert accuracy(PRED, TARGET) == 0.5


def test_accuracy_of_2d_logits_uses_argmax_of_last_axis():
    logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(logits, [1, 1, 1]) == pytest.approx(2 / 3)


def test_accuracy_of_3d_scores_against_2d_targets():
    scores = np.zeros((2, 3, 4))
    scores[..., 2] = 1.0  # every position predicts class 2
    target = np.array([[2, 2, 0], [2, 1, 2]])
    assert accuracy(scores, target) == pytest.approx(4 / 6)


def test_accuracy_accepts_objects_with_array_protocol():
    tensor = pytest.importorskip("tinygrad_np.tensor")
    logits = tensor.Tensor(np.array([[2.0, 1.0], [0.0, 3.0]]))
    assert accuracy(logits, tensor.Tensor(np.array([0, 0]))) == 0.5


def test_accuracy_shape_mismatch_names_both_shapes():
    with pytest.raises(
        ValueError, match=r"accuracy: pred shape \(3,\) does not match target .*\(2,\)"
    ):
        accuracy([0, 1, 2], [0, 1])


def test_accuracy_of_no_samples_is_an_error():
    with pytest.raises(ValueError, match="accuracy: got 0 samples"):
        accuracy([], [])


# --- confusion_matrix ----------------------------------------------------------------------------


def test_confusion_matrix_rows_are_true_columns_predicted():
    cm = confusion_matrix(TARGET, PRED)
    assert cm.tolist() == [[2, 1, 0], [0, 1, 0], [0, 2, 0]]


def test_confusion_matrix_with_more_classes_pads_with_zeros():
    cm = confusion_matrix([1, 0], [1, 1], num_classes=4)
    assert cm.tolist() == [[0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]


def test_confusion_matrix_accepts_scores_and_integral_floats():
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert confusion_matrix(np.array([0.0, 1.0, 1.0]), scores).tolist() == [[1, 0], [1, 1]]


def test_confusion_matrix_label_out_of_range_is_reported():
    with pytest.raises(ValueError, match="class index 3 is out of range for num_classes=3"):
        confusion_matrix([0, 3], [0, 1], num_classes=3)


def test_confusion_matrix_negative_label_is_reported():
    with pytest.raises(ValueError, match="class indices must be >= 0, got -1"):
        confusion_matrix([0, -1], [0, 1])


def test_confusion_matrix_fractional_labels_are_reported():
    with pytest.raises(ValueError, match="pred must hold integer class indices, got dtype float64"):
        confusion_matrix([0, 1], [0.5, 1.0])


def test_confusion_matrix_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"pred shape \(2, 2\) does not match target shape \(3,\)"):
        confusion_matrix([0, 1, 1], [[0, 1], [1, 0]])


# --- classification_report -----------------------------------------------------------------------


def test_report_per_class_values():
    r = classification_report(TARGET, PRED)
    np.testing.assert_allclose(r.precision, [1.0, 0.25, 0.0])
    np.testing.assert_allclose(r.recall, [2 / 3, 1.0, 0.0])
    np.testing.assert_allclose(r.f1, [0.8, 0.4, 0.0])
    assert r.support.tolist() == [3, 1, 2]
    assert r.accuracy == 0.5


def test_report_averages():
    r = classification_report(TARGET, PRED)
    # macro: plain means of the three classes
    assert r.macro_avg["precision"] == pytest.approx(1.25 / 3)
    assert r.macro_avg["recall"] == pytest.approx((2 / 3 + 1) / 3)
    assert r.macro_avg["f1"] == pytest.approx(1.2 / 3)
    # weighted by support 3, 1, 2 out of 6
    assert r.weighted_avg["precision"] == pytest.approx((3 * 1.0 + 1 * 0.25) / 6)
    assert r.weighted_avg["recall"] == pytest.approx(0.5)
    assert r.weighted_avg["f1"] == pytest.approx((3 * 0.8 + 1 * 0.4) / 6)
    assert r.macro_avg["support"] == r.weighted_avg["support"] == 6


def test_report_never_predicted_class_scores_zero_not_nan():
    r = classification_report([0, 1], [0, 0])
    assert r.precision.tolist() == [0.5, 0.0]
    assert r.f1[1] == 0.0 and not np.isnan(r.f1).any()


def test_report_text_table():
    r = classification_report(TARGET, PRED, class_names=["cat", "dog", "bird"], digits=2)
    expected = (
        "             precision    recall  f1-score   support\n"
        "\n"
        "         cat      1.00      0.67      0.80         3\n"
        "         dog      0.25      1.00      0.40         1\n"
        "        bird      0.00      0.00      0.00         2\n"
        "\n"
        "    accuracy                          0.50         6\n"
        "   macro avg      0.42      0.56      0.40         6\n"
        "weighted avg      0.54      0.50      0.47         6"
    )
    assert str(r) == expected


def test_report_table_widens_for_long_names_and_digits():
    r = classification_report([0, 1], [0, 1], class_names=["a very long class name", "b"], digits=9)
    lines = [line for line in str(r).splitlines() if line]
    assert len({len(line) for line in lines}) == 1  # every row ends in the same column
    assert "1.000000000" in lines[1]


def test_report_to_dict_uses_sklearn_keys():
    d = classification_report(TARGET, PRED, class_names=["cat", "dog", "bird"]).to_dict()
    assert list(d) == ["cat", "dog", "bird", "accuracy", "macro avg", "weighted avg"]
    assert d["dog"] == {"precision": 0.25, "recall": 1.0, "f1-score": 0.4, "support": 1}
    assert d["accuracy"] == 0.5


def test_report_num_classes_from_class_names():
    r = classification_report([0, 0], [0, 0], class_names=["x", "y", "z"])
    assert r.support.tolist() == [2, 0, 0]


def test_report_wrong_number_of_class_names_is_reported():
    with pytest.raises(ValueError, match="got 2 class_names for 3 classes"):
        classification_report(TARGET, PRED, num_classes=3, class_names=["a", "b"])


# --- most_confused -------------------------------------------------------------------------------


def test_most_confused_sorts_off_diagonal_counts():
    cm = [[5, 2, 0], [0, 4, 3], [1, 0, 6]]
    assert most_confused(cm) == [(1, 2, 3), (0, 1, 2), (2, 0, 1)]
    assert most_confused(cm, k=1) == [(1, 2, 3)]


def test_most_confused_uses_class_names():
    cm = np.array([[5, 2, 0], [0, 4, 3], [1, 0, 6]])
    assert most_confused(cm, k=2, class_names=["a", "b", "c"]) == [("b", "c", 3), ("a", "b", 2)]


def test_most_confused_breaks_ties_by_true_then_predicted():
    cm = [[0, 2, 2], [2, 0, 0], [0, 0, 9]]
    assert most_confused(cm) == [(0, 1, 2), (0, 2, 2), (1, 0, 2)]


def test_most_confused_skips_diagonal_and_zeros():
    assert most_confused(np.diag([3, 4])) == []
    assert most_confused([[1, 1], [0, 1]], k=0) == []


def test_most_confused_of_a_real_confusion_matrix():
    assert most_confused(confusion_matrix(TARGET, PRED)) == [(2, 1, 2), (0, 1, 1)]


def test_most_confused_non_square_is_reported():
    with pytest.raises(ValueError, match=r"square 2-D matrix, got shape \(2, 3\)"):
        most_confused(np.zeros((2, 3)))


# --- properties on random labels -----------------------------------------------------------------


@st.composite
def labelled(draw):
    c = draw(st.integers(1, 6))
    n = draw(st.integers(1, 60))
    labels = st.lists(st.integers(0, c - 1), min_size=n, max_size=n)
    return c, np.array(draw(labels)), np.array(draw(labels))


@given(labelled())
def test_confusion_matrix_sums_to_n_and_its_trace_is_accuracy(case):
    c, target, pred = case
    cm = confusion_matrix(target, pred, num_classes=c)
    assert cm.shape == (c, c) and cm.sum() == len(target)
    assert np.trace(cm) / len(target) == pytest.approx(accuracy(pred, target))
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(target, minlength=c))
    np.testing.assert_array_equal(cm.sum(axis=0), np.bincount(pred, minlength=c))


@given(labelled())
def test_report_values_are_bounded_and_consistent(case):
    c, target, pred = case
    r = classification_report(target, pred, num_classes=c)
    for values in (r.precision, r.recall, r.f1):
        assert ((values >= 0) & (values <= 1)).all()
    # F1 is the harmonic mean, so it lies between precision and recall
    both = (r.precision > 0) & (r.recall > 0)
    low, high = np.minimum(r.precision, r.recall), np.maximum(r.precision, r.recall)
    assert ((r.f1[both] >= low[both] - 1e-12) & (r.f1[both] <= high[both] + 1e-12)).all()
    # recall weighted by support is tp summed over N: the accuracy
    assert r.weighted_avg["recall"] == pytest.approx(r.accuracy)


def test_matches_sklearn():
    sk = pytest.importorskip("sklearn.metrics")

    @given(labelled())
    def check(case):
        c, target, pred = case
        labels = list(range(c))
        np.testing.assert_array_equal(
            confusion_matrix(target, pred, num_classes=c),
            sk.confusion_matrix(target, pred, labels=labels),
        )
        p, r, f, s = sk.precision_recall_fscore_support(
            target, pred, labels=labels, zero_division=0
        )
        report = classification_report(target, pred, num_classes=c)
        np.testing.assert_allclose(report.precision, p)
        np.testing.assert_allclose(report.recall, r)
        np.testing.assert_allclose(report.f1, f)
        np.testing.assert_array_equal(report.support, s)

    check()


def test_docstring_examples_run():
    result = doctest.testmod(metrics, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0 and result.failed == 0


def test_a_column_of_class_indices_is_taken_as_labels_not_scores():
    # argmax over a single "class" would make every prediction 0
    assert accuracy(np.array([[1], [2], [0]]), np.array([1, 2, 0])) == 1.0
    np.testing.assert_array_equal(confusion_matrix([1, 0], np.array([[1], [1]])),
                                  [[0, 1], [0, 1]])


def test_a_column_of_probabilities_is_refused_not_argmaxed():
    with pytest.raises(ValueError, match="pred must hold integer class indices"):
        accuracy(np.array([[0.2], [0.9]]), np.array([0, 1]))


@pytest.mark.parametrize("call, message", [
    (lambda: confusion_matrix([0, 1], [0, 1], num_classes=2.0), "num_classes must be an int"),
    (lambda: most_confused([[1, 2], [3, 4]], k=1.5), "k must be an int"),
])
def test_counts_that_are_not_ints_are_refused_by_name(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_uint64_labels_too_large_for_int64_are_reported_as_they_are():
    big = np.array([2**63], np.uint64)
    with pytest.raises(ValueError, match="class index 9223372036854775808, too large"):
        accuracy(big, big)


def test_most_confused_names_are_plain_strings_and_counts_keep_the_matrix_type():
    names = np.array(["cat", "dog"])
    assert most_confused([[1, 2], [0, 1]], class_names=names) == [("cat", "dog", 2)]
    assert type(most_confused([[1, 2], [0, 1]], class_names=names)[0][0]) is str
    assert most_confused(np.array([[0.5, 0.5], [0.0, 1.0]])) == [(0, 1, 0.5)]
