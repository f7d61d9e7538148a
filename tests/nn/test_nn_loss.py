"""Losses: first and second order gradcheck under hypothesis, the fused cross-entropy
(gradient softmax - onehot, stability at 1e4, the create_graph path), reductions,
ignore_index, and the errors for labels and shapes (the user-pain promise: no loss
broadcasts a prediction against a target of another shape). Torch parity is in
test_nn_vs_torch.py."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_np as tnp
import tinygrad_np.nn.functional as F
from tinygrad_np import nn

REDUCTIONS = ["mean", "sum", "none"]


@st.composite
def classification(draw, spatial: bool = True):
    """(logits (N, C) or (N, C, d) float64, labels int64 with some ignore_index=-100 rows,
    optional class weights, label smoothing, reduction)."""
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 6))
    extra = (draw(st.integers(1, 3)),) if spatial and draw(st.booleans()) else ()
    logits = draw(hnp.arrays(np.float64, (n, c) + extra, elements=st.floats(-5, 5)))
    labels = draw(hnp.arrays(np.int64, (n,) + extra, elements=st.integers(0, c - 1)))
    ignore = draw(hnp.arrays(np.bool_, labels.shape))
    ignore.flat[0] = False  # at least one row counts, so 'mean' is defined
    labels[ignore] = -100
    weight = draw(st.none() | hnp.arrays(np.float64, (c,), elements=st.floats(0.5, 2.0)))
    smoothing = draw(st.sampled_from([0.0, 0.1]))
    reduction = draw(st.sampled_from(REDUCTIONS))
    return logits, labels, weight, smoothing, reduction


def probabilities(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    p = rng.random(shape) + 0.1
    return p / p.sum(axis=1, keepdims=True)


# ---- gradients -------------------------------------------------------------------------------


@settings(deadline=None)
@given(case=classification())
def test_cross_entropy_with_labels_gradients(case):
    logits, labels, weight, smoothing, reduction = case

    def f(x):
        return F.cross_entropy(x, tnp.tensor(labels), weight, reduction=reduction,
                               label_smoothing=smoothing)

    assert tnp.gradcheck(f, [logits])
    assert tnp.gradgradcheck(f, [logits])


@settings(deadline=None)
@given(case=classification(), seed=st.integers(0, 2**16))
def test_cross_entropy_with_probabilities_gradients(case, seed):
    logits, _, weight, smoothing, reduction = case
    target = probabilities(np.random.default_rng(seed), logits.shape)

    def f(x, t):
        return F.cross_entropy(x, t, weight, reduction=reduction, label_smoothing=smoothing)

    assert tnp.gradcheck(f, [logits, target])
    assert tnp.gradgradcheck(f, [logits, target])


@settings(deadline=None)
@given(case=classification())
def test_nll_loss_gradients(case):
    logits, labels, weight, _, reduction = case

    def f(x):
        return F.nll_loss(x.log_softmax(1), tnp.tensor(labels), weight, reduction=reduction)

    assert tnp.gradcheck(f, [logits])
    assert tnp.gradgradcheck(f, [logits])


@st.composite
def regression(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    values = st.floats(-5, 5)
    return (draw(hnp.arrays(np.float64, shape, elements=values)),
            draw(hnp.arrays(np.float64, shape, elements=values)),
            draw(st.sampled_from(REDUCTIONS)))


@settings(deadline=None)
@given(case=regression())
def test_mse_loss_gradients(case):
    x, t, reduction = case

    def f(x, t):
        return F.mse_loss(x, t, reduction)

    assert tnp.gradcheck(f, [x, t]) and tnp.gradgradcheck(f, [x, t])


@settings(deadline=None)
@given(case=regression(), use_pos_weight=st.booleans(), use_weight=st.booleans())
def test_bce_with_logits_gradients(case, use_pos_weight, use_weight):
    x, t, reduction = case
    t = (t + 5) / 10  # probabilities
    rng = np.random.default_rng(0)
    pos_weight = rng.random(x.shape[-1]) + 0.5 if use_pos_weight else None
    weight = rng.random(x.shape) + 0.5 if use_weight else None

    def f(x, t):
        return F.binary_cross_entropy_with_logits(x, t, weight, reduction, pos_weight)

    assert tnp.gradcheck(f, [x, t]) and tnp.gradgradcheck(f, [x, t])


# ---- the fused cross-entropy -----------------------------------------------------------------


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 4))
    labels = rng.integers(0, 4, 6)
    x = tnp.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, tnp.tensor(labels))
    assert type(loss.grad_fn).__name__ == "LabelCrossEntropy"
    loss.backward()
    softmax = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.data, (softmax - np.eye(4)[labels]) / 6, rtol=1e-12,
                               atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_finite_for_logits_of_1e4(dtype):
    logits = np.array([[1e4, -1e4, 0.0], [0.0, 1e4, 1e4], [-1e4, -1e4, -1e4]], dtype=dtype)
    labels = np.array([1, 0, 2])
    x = tnp.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, tnp.tensor(labels))
    loss.backward()
    assert loss.dtype == dtype and np.isfinite(loss.item()) and np.isfinite(x.grad.data).all()
    # -log p: 2e4 for row 0, 1e4 + log 2 for row 1, log 3 for row 2
    assert loss.item() == pytest.approx((2e4 + 1e4 + np.log(2) + np.log(3)) / 3, rel=1e-6)
    softmax = np.array([[1, 0, 0], [0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(x.grad.data, (softmax - np.eye(3)[labels]) / 3, atol=1e-7)


def test_cross_entropy_fast_and_create_graph_gradients_agree():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((5, 2, 3))
    labels = np.array([[0, 1, -100], [1, 1, 0], [0, 0, 0], [1, -100, 1], [0, 1, 1]])
    weight = np.array([0.7, 1.9])
    for reduction in REDUCTIONS:
        x = tnp.tensor(logits, requires_grad=True)

        def loss_fn(x, reduction=reduction):
            out = F.cross_entropy(x, tnp.tensor(labels), weight, reduction=reduction,
                                  label_smoothing=0.2)
            return out.sum()

        (fast,) = tnp.grad(loss_fn(x), x)
        (graph,) = tnp.grad(loss_fn(x), x, create_graph=True)
        assert graph.requires_grad
        np.testing.assert_allclose(fast.data, graph.data, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_lean_op_matches_the_general_one(reduction, dtype):
    # the lean op serves plain labels; ignore_index=1 (a class index) sends the same call to
    # the general op, which agrees when no label is 1
    rng = np.random.default_rng(2)
    logits = (rng.standard_normal((7, 4)) * 3).astype(dtype)
    labels = np.array([0, 2, 3, 3, 0, 2, 0])
    results = {}
    for ignore_index in (-100, 1):
        x = tnp.tensor(logits, requires_grad=True)
        loss = F.cross_entropy(x, tnp.tensor(labels), ignore_index=ignore_index,
                               reduction=reduction)
        loss.backward()
        (second,) = tnp.grad(F.cross_entropy(x, tnp.tensor(labels), ignore_index=ignore_index,
                                             reduction=reduction), x, create_graph=True)
        results[type(loss.grad_fn).__name__] = (loss.data, x.grad.data, second.data)
    lean, general = results["LabelCrossEntropy"], results["CrossEntropy"]
    assert lean[0].dtype == general[0].dtype == dtype
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)
    for a, b in zip(lean, general):  # loss, first and second-order-ready gradient
        np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int64, np.uint8])
def test_cross_entropy_small_label_types_are_range_checked_with_many_classes(dtype):
    # 300 classes: an int8 -1 seen as unsigned is 255, a valid class index, unless the
    # check knows the type is signed
    rng = np.random.default_rng(4)
    x = tnp.tensor(rng.standard_normal((3, 300)).astype(np.float32))
    reference = F.cross_entropy(x, np.array([0, 7, 99]))
    labels = np.array([0, 7, 99], dtype)
    assert F.cross_entropy(x, labels).item() == pytest.approx(reference.item())
    if np.dtype(dtype).kind == "i":
        with pytest.raises(IndexError, match=r"\[-1\] out of range for 300 classes"):
            F.cross_entropy(x, np.array([0, -1, 99], dtype))
        ignored = F.cross_entropy(x, np.array([0, -100, 99], dtype))  # the default ignore_index
        expected = F.cross_entropy(x, np.array([0, -100, 99]))
        assert ignored.item() == pytest.approx(expected.item())


def test_cross_entropy_keeps_float32():
    x = tnp.randn(4, 3, requires_grad=True)
    loss = F.cross_entropy(x, tnp.tensor([0, 1, 2, 0]), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def test_cross_entropy_mean_divides_by_the_non_ignored_rows():
    logits = np.zeros((4, 2))
    loss = F.cross_entropy(tnp.tensor(logits), tnp.tensor([0, -100, 1, -100]))
    assert loss.item() == pytest.approx(np.log(2))
    per_row = F.cross_entropy(tnp.tensor(logits), tnp.tensor([0, -100, 1, -100]),
                              reduction="none")
    np.testing.assert_allclose(per_row.data, [np.log(2), 0, np.log(2), 0])


def test_cross_entropy_gradient_of_ignored_rows_is_zero():
    x = tnp.randn(3, 4, requires_grad=True)
    F.cross_entropy(x, tnp.tensor([1, -100, 2]), label_smoothing=0.3).backward()
    assert not x.grad.data[1].any()


def test_cross_entropy_with_every_row_ignored_is_nan_as_in_pytorch():
    loss = F.cross_entropy(tnp.zeros(2, 3), tnp.tensor([-100, -100]))
    assert np.isnan(loss.item())


@pytest.mark.parametrize("loss", [
    lambda x: F.cross_entropy(x, [-100, -100]),
    lambda x: F.cross_entropy(x, [1, 1], ignore_index=1, label_smoothing=0.2),
    lambda x: F.cross_entropy(x, [0, 0], weight=[0.0, 1.0, 1.0]),
    lambda x: F.nll_loss(x.log_softmax(1), [-100, -100]),
    lambda x: F.nll_loss(x, [0, 0], weight=[0.0, 1.0, 1.0]),
], ids=["cross_entropy", "smoothed", "zero-weight", "nll_loss", "nll_loss-zero-weight"])
def test_a_mean_over_no_counted_row_is_nan_with_a_zero_gradient_as_in_pytorch(loss):
    # the mean is 0/0; a nan gradient would turn every weight into nan at the next step
    x = tnp.randn(2, 3, requires_grad=True)
    out = loss(x)
    out.backward()
    assert np.isnan(out.item())
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))
    (second,) = tnp.grad(loss(x), x, create_graph=True)
    np.testing.assert_array_equal(second.data, np.zeros((2, 3)))


@pytest.mark.parametrize("name", ["weight", "pos_weight"])
@pytest.mark.parametrize("shape", [(3, 1), (2, 3)])
def test_bce_with_logits_refuses_a_weight_that_would_enlarge_the_loss(name, shape):
    # a (3, 1) weight against (3,) logits broadcasts to a (3, 3) loss in NumPy
    with pytest.raises(ValueError, match=rf"{name} of shape \({shape[0]}, {shape[1]}\) does "
                                         r"not broadcast to the input's shape \(3,\)"):
        F.binary_cross_entropy_with_logits(tnp.zeros(3), tnp.ones(3), **{name: np.ones(shape)})


def test_cross_entropy_accepts_a_single_sample():
    x = tnp.tensor([1.0, 2.0, 3.0])
    loss = F.cross_entropy(x, tnp.tensor(2))
    assert loss.shape == () and loss.item() == pytest.approx(-np.log(np.exp(3) / np.exp(
        [1, 2, 3]).sum()), rel=1e-6)


def test_label_smoothing_mixes_the_target_with_the_uniform_distribution():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((3, 4))
    labels = np.array([0, 3, 1])
    smooth = 0.9 * np.eye(4)[labels] + 0.1 / 4
    with_labels = F.cross_entropy(tnp.tensor(logits), tnp.tensor(labels), label_smoothing=0.1)
    with_probs = F.cross_entropy(tnp.tensor(logits), tnp.tensor(smooth))
    assert with_labels.item() == pytest.approx(with_probs.item(), rel=1e-12)


def test_loss_modules_match_their_functions():
    rng = np.random.default_rng(3)
    x = tnp.tensor(rng.standard_normal((4, 3)))
    labels = tnp.tensor([0, 2, 1, 2])
    w = np.array([1.0, 2.0, 0.5])
    assert nn.CrossEntropyLoss(w, label_smoothing=0.1)(x, labels).item() == \
        F.cross_entropy(x, labels, w, label_smoothing=0.1).item()
    assert nn.NLLLoss(reduction="sum")(x, labels).item() == \
        F.nll_loss(x, labels, reduction="sum").item()
    t = tnp.tensor(rng.random((4, 3)))
    assert nn.MSELoss()(x, t).item() == F.mse_loss(x, t).item()
    assert nn.BCEWithLogitsLoss(pos_weight=w)(x, t).item() == \
        F.binary_cross_entropy_with_logits(x, t, pos_weight=w).item()
    assert list(nn.CrossEntropyLoss(w).state_dict()) == ["weight"]


def test_bce_with_logits_is_finite_for_logits_of_1e4():
    x = tnp.tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    t = tnp.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.data, [0, 0, 1e4, 1e4])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0, 0, 1, -1])  # sigmoid(x) - t


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    x = tnp.zeros(2, requires_grad=True)
    F.binary_cross_entropy_with_logits(x, tnp.tensor([1.0, 0.0]), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.data, [-0.5, 0.5])


def test_one_hot():
    out = F.one_hot(tnp.tensor([[0, 2], [1, 1]]), 3)
    assert out.dtype == np.int64 and out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out.data, np.eye(3, dtype=np.int64)[[[0, 2], [1, 1]]])
    assert F.one_hot(tnp.tensor([3, 1])).shape == (2, 4)
    with pytest.raises(ValueError, match="out of range"):
        F.one_hot(tnp.tensor([3]), 3)


# ---- errors: shapes (the user-pain promise), labels, options ---------------------------------


def test_mse_loss_of_n1_prediction_and_n_target_raises_naming_both_shapes():
    with pytest.raises(ValueError, match=r"\(8, 1\).*\(8,\)"):
        F.mse_loss(tnp.zeros(8, 1), tnp.zeros(8))
    with pytest.raises(ValueError, match=r"\(8, 1\).*\(8,\)"):
        nn.MSELoss()(tnp.zeros(8, 1), tnp.zeros(8))


LOSSES_ON_EQUAL_SHAPES = {
    "mse_loss": F.mse_loss,
    "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    "cross_entropy_with_probabilities": F.cross_entropy,
}


@pytest.mark.parametrize("name", sorted(LOSSES_ON_EQUAL_SHAPES))
@pytest.mark.parametrize("shapes", [((4, 1), (4,)), ((4,), (4, 1)), ((3, 2), (2,)),
                                    ((3, 2), (1, 2)), ((2, 3), (3, 2))])
def test_every_loss_refuses_a_target_of_another_shape(name, shapes):
    pred_shape, target_shape = shapes
    with pytest.raises(ValueError, match="shape"):
        LOSSES_ON_EQUAL_SHAPES[name](tnp.zeros(pred_shape), tnp.zeros(target_shape))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize("target_shape", [(4, 1), (3,), (), (4, 3)])
def test_class_losses_refuse_labels_of_the_wrong_shape(loss, target_shape):
    labels = tnp.tensor(np.zeros(target_shape, dtype=np.int64))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4,\)"):
        loss(tnp.zeros(4, 3), labels)


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize("label", [3, -1, 7])
def test_class_losses_refuse_labels_out_of_range(loss, label):
    with pytest.raises(IndexError, match=rf"\[{label}\] out of range for 3 classes"):
        loss(tnp.zeros(2, 3), tnp.tensor([0, label]))


def test_cross_entropy_float_target_of_label_shape_is_explained():
    with pytest.raises(ValueError, match="class probabilities.*integers of shape"):
        F.cross_entropy(tnp.zeros(4, 3), tnp.tensor([0.0, 1.0, 2.0, 0.0]))


def test_nll_loss_refuses_a_float_target():
    with pytest.raises(TypeError, match="integer class labels"):
        F.nll_loss(tnp.zeros(4, 3), tnp.zeros(4, 3))


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss, F.mse_loss,
                                  F.binary_cross_entropy_with_logits])
def test_losses_refuse_an_unknown_reduction(loss):
    with pytest.raises(ValueError, match="reduction"):
        loss(tnp.zeros(2, 3), tnp.tensor([0, 1]) if loss in (F.cross_entropy, F.nll_loss)
             else tnp.zeros(2, 3), reduction="avg")


def test_cross_entropy_refuses_bad_options():
    x, t = tnp.zeros(2, 3), tnp.tensor([0, 1])
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(x, t, weight=np.ones(2))
    with pytest.raises(TypeError, match="floating point"):
        F.cross_entropy(tnp.tensor([[1, 2]]), tnp.tensor([0]))


def test_bce_with_logits_explains_a_reduction_passed_as_weight():
    with pytest.raises(TypeError, match="reduction='sum'"):
        F.binary_cross_entropy_with_logits(tnp.zeros(2), tnp.zeros(2), "sum")


@pytest.mark.parametrize("loss", [
    lambda x: F.mse_loss(x, np.zeros((4, 3))),
    lambda x: F.binary_cross_entropy_with_logits(x, np.zeros((4, 3))),
    lambda x: F.cross_entropy(x, np.full((4, 3), 1 / 3)),
    lambda x: nn.BCEWithLogitsLoss(pos_weight=[2.0, 2.0, 2.0])(x, tnp.zeros(4, 3)),
])
def test_float64_numpy_targets_and_weights_keep_a_float32_loss(loss):
    x = tnp.randn(4, 3, requires_grad=True)
    value = loss(x)
    value.backward()
    assert value.dtype == np.float32 and x.grad.dtype == np.float32


@pytest.mark.parametrize("byteorder", ["<", ">"])
def test_cross_entropy_refuses_negative_labels_in_either_byte_order(byteorder):
    logits = tnp.zeros(2, 300)
    # byte-swapped, -256 and 1 read as 255 and 256: in range, if the order were ignored
    labels = np.array([-256, 1], dtype=f"{byteorder}i2")
    with pytest.raises(IndexError, match=r"\[-256\] out of range"):
        F.cross_entropy(logits, tnp.Tensor(labels))


@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_bce_with_logits_gradient_keeps_its_precision_where_it_is_tiny(pos_weight):
    # confident and right: the gradient c sigmoid(x) - pos_weight t is tiny, and a form
    # that computes it as 1 - sigmoid(-x) in float32 rounds it to 0
    x = tnp.tensor([-20.0, -5.0, 5.0, 20.0], requires_grad=True)
    t = np.array([0.0, 0.0, 1.0, 1.0], np.float32)
    pw = None if pos_weight is None else tnp.tensor([pos_weight] * 4)
    F.binary_cross_entropy_with_logits(x, t, reduction="sum", pos_weight=pw).backward()
    w = 1.0 if pos_weight is None else pos_weight
    x64, t64 = x.data.astype(np.float64), t.astype(np.float64)
    exact = (1 + (w - 1) * t64) / (1 + np.exp(-x64)) - w * t64
    np.testing.assert_allclose(x.grad.data, exact, rtol=1e-6)
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=pw)
    exact_loss = (1 - t64) * x64 + (1 + (w - 1) * t64) * np.log1p(np.exp(-x64))
    np.testing.assert_allclose(loss.data, exact_loss, rtol=1e-6)


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_an_ignore_index_that_is_not_an_int_is_refused(loss):
    with pytest.raises(TypeError, match="ignore_index must be an int, got 1.5"):
        loss(tnp.zeros(2, 3), [0, 1], ignore_index=1.5)


@pytest.mark.parametrize("layout", ["transposed", "strided"])
def test_cross_entropy_gradient_is_softmax_minus_onehot_for_logits_in_any_layout(layout):
    # column-major (x.T) or strided logits: the lean op scatters the one-hot term through a
    # raveled view, which must be a view of the array it returns
    rng = np.random.default_rng(6)
    base = tnp.tensor(rng.standard_normal((6, 8)).astype(np.float32), requires_grad=True)
    logits = base.T if layout == "transposed" else base[::2, ::2]
    labels = np.array([0, 2, 1, 2] * 2)[: logits.shape[0]]
    F.cross_entropy(logits, tnp.tensor(labels)).backward()
    z = logits.numpy()
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1
    expected = np.zeros(base.shape, np.float32)
    if layout == "transposed":
        expected = (p / len(labels)).T
    else:
        expected[::2, ::2] = p / len(labels)
    np.testing.assert_allclose(base.grad.numpy(), expected, rtol=1e-5, atol=1e-7)
