"""Tensor properties, one plain test each: the version counter that catches in-place changes
of saved values (also through views), setitem and `x += y`, dtypes end to end, integer
tensors refusing grad, error messages naming op and shapes, and leaf gradients that never
alias each other."""

from __future__ import annotations

import operator
import re

import numpy as np
import pytest

import tinygrad_np as tnp
from tinygrad_np import nn

# ---- in-place changes after forward: the version counter -------------------------------------


def _saved_by_mul():
    w = tnp.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    return w, (w * w).sum()


@pytest.mark.parametrize("modify", [
    lambda w: w.add_(1),
    lambda w: w.mul_(2),
    lambda w: w.sub_(1, alpha=2),
    lambda w: w.copy_(tnp.zeros(2, 2)),
    lambda w: w.zero_(),
    lambda w: w.clamp_(0, 1),
    lambda w: w.__setitem__(0, 5.0),
    lambda w: w.__setitem__((slice(None), 1), tnp.ones(2)),
    lambda w: w.__isub__(0.1),
], ids=["add_", "mul_", "sub_alpha", "copy_", "zero_", "clamp_", "setitem_int",
        "setitem_slice", "isub"])
def test_in_place_change_of_saved_input_raises_at_backward(modify):
    w, loss = _saved_by_mul()
    with tnp.no_grad():
        modify(w)
    with pytest.raises(RuntimeError, match=r"Mul backward: input 0 \(shape \(2, 2\).*in-place"):
        loss.backward()


def test_in_place_change_through_data_attribute_raises_at_backward():
    w, loss = _saved_by_mul()
    w.data += 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_replacing_data_of_saved_input_raises_at_backward():
    w, loss = _saved_by_mul()
    w.data = np.zeros((2, 2), dtype=np.float32)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


@pytest.mark.parametrize("view", [
    lambda w: w.T,
    lambda w: w.mT,
    lambda w: w.reshape(4),
    lambda w: w.view(1, 4),
    lambda w: w[0],
    lambda w: w[:, 1:],
    lambda w: w.detach(),
], ids=["T", "mT", "reshape", "view", "int_index", "basic_slice", "detach"])
def test_in_place_change_through_a_view_raises_at_backward(view):
    w, loss = _saved_by_mul()
    with tnp.no_grad():
        view(w).add_(1)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_in_place_change_of_a_view_that_was_saved_raises_at_backward():
    w = tnp.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    loss = (w.T * w.T).sum()
    with tnp.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_in_place_change_of_a_view_of_a_view_raises_at_backward():
    w = tnp.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = w.T.reshape(4)  # both views share w's counter, made when the first view is taken
    loss = (v * v).sum()
    with tnp.no_grad():
        w[0, 0] = 5.0
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_in_place_change_of_an_unrelated_tensor_is_not_a_change_to_a_saved_one():
    # fresh tensors start on one shared "never changed" counter: bumping one must not
    # look like a change to any other
    w = tnp.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    other = tnp.tensor([1.0, 2.0])
    with tnp.no_grad():
        other.add_(1)
        other.mul_(2)
    loss.backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_unpickled_tensor_can_be_changed_in_place_and_is_checked():
    import pickle

    w = pickle.loads(pickle.dumps(tnp.tensor([1.0, 2.0], requires_grad=True)))
    loss = (w * w).sum()
    with tnp.no_grad():
        w.add_(1)
    assert w.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_unpickled_graph_compares_versions_even_if_the_change_count_coincides(monkeypatch):
    # backward skips comparing versions when no in-place change happened since an op was
    # recorded, judged by a process-wide count; another process's count can coincide with
    # the one a pickled node carries, so an unpickled node must always compare
    import pickle

    from tinygrad_np import function

    x, w = tnp.tensor([1.0, 2.0], requires_grad=True), tnp.tensor([3.0, 4.0])
    loss = (x * w).sum()
    recorded_at = function._mode.changes
    w.add_(1.0)  # too late: the product saved w
    x2, loss2 = pickle.loads(pickle.dumps((x, loss)))
    monkeypatch.setattr(function._mode, "changes", recorded_at)  # as in a fresh process
    with pytest.raises(RuntimeError, match="in-place"):
        loss2.backward()
    assert x2.grad is None


def test_in_place_change_of_input_whose_value_backward_does_not_read_is_fine():
    w = tnp.tensor([1.0, 2.0], requires_grad=True)
    loss = (w + 1).sum() + (2 - w).sum() + (-w).sum() + w.sum()  # none reads w's values
    with tnp.no_grad():
        w.add_(1)
    loss.backward()
    assert w.grad.tolist() == [0.0, 0.0]


def test_replacing_the_data_of_a_tensor_that_shares_a_counter_leaves_the_others_valid():
    # d shares y's version counter (detach); giving d a new array changes nothing y's
    # graph reads, so y's backward must still run (as in PyTorch)
    x = tnp.tensor([0.5, -1.0], requires_grad=True)
    y = x.exp()
    d = y.detach()
    d.data = np.zeros(2, np.float32)
    assert d._vc[0] == 1 and y._vc[0] == 0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0]), rtol=1e-6)


def test_copy_from_advanced_index_is_not_a_view():
    w = tnp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = (w * w).sum()
    with tnp.no_grad():
        w[[0, 1]].add_(1)  # a copy: w itself is unchanged
    loss.backward()
    assert w.grad.tolist() == [2.0, 4.0, 6.0]


# ---- setitem and augmented assignment -------------------------------------------------------


def test_setitem_on_leaf_requiring_grad_raises_clear_error():
    w = tnp.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"setitem: a leaf tensor that requires grad.*no_grad"):
        w[0] = 5.0
    assert w.tolist() == [1.0, 1.0, 1.0]


def test_setitem_on_tensor_in_graph_raises_clear_error():
    h = tnp.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"setitem: in-place change.*graph.*where"):
        h[0] = 5.0


def test_setitem_of_value_requiring_grad_into_plain_tensor_raises():
    x = tnp.zeros(3)
    with pytest.raises(RuntimeError, match="setitem"):
        x[0] = tnp.ones(1, requires_grad=True) * 2


def test_setitem_under_no_grad_works():
    w = tnp.ones(3, requires_grad=True)
    with tnp.no_grad():
        w[0] = 5.0
        w[1:] = tnp.tensor([2.0, 3.0])
        w[tnp.tensor([True, False, True])] = 0.0
    assert w.tolist() == [0.0, 2.0, 0.0] and w.requires_grad


def test_setitem_on_plain_tensor_works():
    x = tnp.zeros(2, 3)
    x[0] = 1.0
    x[:, -1] = tnp.tensor([7.0, 8.0])
    x[[1, 1], [0, 1]] = 4.0
    np.testing.assert_array_equal(x.numpy(), [[1, 1, 7], [4, 4, 8]])


def test_setitem_on_expanded_tensor_is_refused():
    x = tnp.zeros(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="read-only"):
        x[0] = 1.0


def test_iadd_on_plain_tensor_is_in_place():
    x = tnp.zeros(3)
    alias, data = x, x.numpy()
    x += tnp.ones(3)
    x *= 3
    assert x is alias and x.numpy() is data and x.tolist() == [3.0, 3.0, 3.0]


def test_iadd_on_non_leaf_rebinds_to_out_of_place_result():
    w = tnp.tensor([1.0, 2.0], requires_grad=True)
    h = w * 2
    before = h
    h += w
    assert h is not before and before.tolist() == [2.0, 4.0]
    h.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_iadd_of_tensor_requiring_grad_into_plain_tensor_records_graph():
    w = tnp.tensor([1.0, 2.0], requires_grad=True)
    total = tnp.zeros(2)
    total += w * w
    total.sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


AUGMENTED = [("//=", operator.ifloordiv), ("%=", operator.imod), ("**=", operator.ipow)]


@pytest.mark.parametrize("op, expected", [("//=", [3.0, -7.0]), ("%=", [1.0, -7.0]),
                                          ("**=", [49.0, -7.0])])
def test_floordiv_mod_pow_assignment_write_through_a_view_like_torch(op, expected):
    base = tnp.tensor([7.0, -7.0])
    view = base[:1]
    result = dict(AUGMENTED)[op](view, 2)  # what `view //= 2` calls
    assert result is view and base.tolist() == expected  # in place, as in PyTorch


@pytest.mark.parametrize("op, augmented", AUGMENTED)
def test_floordiv_mod_pow_assignment_refuse_a_parameter_outside_no_grad(op, augmented):
    w = tnp.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"{re.escape(op)}: a leaf tensor that requires"):
        augmented(w, 2)  # it was rebound to a non-leaf result before
    assert w.is_leaf and w.tolist() == [1.0, 1.0]


def test_integer_floordiv_and_mod_assignment_by_zero_raise_like_torch():
    x = tnp.tensor([4, 5])
    with pytest.raises(ZeroDivisionError, match="//=: integer division by zero"):
        x //= 0
    with pytest.raises(ZeroDivisionError, match="%=: integer division by zero"):
        x %= tnp.tensor([1, 0])
    assert x.tolist() == [4, 5]


def test_iadd_on_leaf_requiring_grad_raises_outside_no_grad():
    w = tnp.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\+=: a leaf tensor that requires grad"):
        w += 1
    with tnp.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5, 0.5] and w.is_leaf and w.requires_grad


@pytest.mark.parametrize("change", [lambda v: v.add_(1), lambda v: v.zero_(),
                                    lambda v: v.__setitem__(0, 5.0), lambda v: v.mul_(2)],
                         ids=["add_", "zero_", "setitem", "mul_"])
def test_view_made_under_no_grad_of_a_parameter_cannot_change_it_with_grad_on_like_torch(change):
    w = tnp.ones(3, requires_grad=True)
    with tnp.no_grad():
        view = w[:2]
    further = view.reshape(2, 1)  # a view of that view, made outside no_grad
    for v in (view, further):
        with pytest.raises(RuntimeError, match="view made under no_grad"):
            change(v)
    assert w.tolist() == [1.0, 1.0, 1.0]
    with tnp.no_grad():  # both inside no_grad: the change is allowed, and reaches w
        change(view)
    assert w.tolist() != [1.0, 1.0, 1.0]


def test_views_under_no_grad_of_tensors_without_grad_stay_writable():
    buffer = tnp.ones(3)
    with tnp.no_grad():
        view = buffer[:2]
    view.add_(1)
    assert buffer.tolist() == [2.0, 2.0, 1.0]


def test_a_view_made_under_no_grad_neither_keeps_nor_pickles_the_tensor_it_views():
    import gc
    import pickle
    import weakref

    h = (tnp.ones(10000, requires_grad=True) * 2).exp()  # a non-leaf with its graph
    with tnp.no_grad():
        view = h[:2]
    assert len(pickle.dumps(view)) < 1000  # not the 10,000 values nor the graph behind h
    alive = weakref.ref(h)
    del h
    gc.collect()
    assert alive() is None  # the view does not keep h alive
    view.add_(1)  # nothing that requires grad is viewed any more


def test_a_view_made_under_no_grad_is_writable_once_its_tensor_stops_requiring_grad():
    w = tnp.ones(3, requires_grad=True)
    with tnp.no_grad():
        view = w[:2]
    w.requires_grad_(False)
    view.add_(1)
    assert w.tolist() == [2.0, 2.0, 1.0]


def test_a_copy_of_a_view_made_under_no_grad_is_writable_as_it_shares_nothing():
    import copy
    import pickle

    w = tnp.ones(3, requires_grad=True)
    with tnp.no_grad():
        view = w[:2]
    for copied in (copy.deepcopy(view), pickle.loads(pickle.dumps(view))):
        copied.add_(1)
        assert copied.tolist() == [2.0, 2.0]
    assert w.tolist() == [1.0, 1.0, 1.0]


def test_in_place_update_with_wrong_shape_names_shapes():
    x = tnp.zeros(2, 3)
    with pytest.raises(ValueError, match=r"add_.*\(2, 3\).*\(4,\)"):
        x.add_(np.ones(4))


# ---- dtypes ---------------------------------------------------------------------------------


def test_python_floats_make_float32_and_arrays_keep_their_dtype():
    assert tnp.tensor([1.0, 2.0]).dtype == np.float32
    assert tnp.tensor(np.ones(2)).dtype == np.float64
    assert tnp.tensor([1, 2]).dtype == np.int64
    assert tnp.tensor([True]).dtype == np.bool_
    assert tnp.tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_float32_stays_float32_end_to_end():
    tnp.manual_seed(0)
    x = tnp.randn(4, 3, requires_grad=True)
    w = tnp.randn(3, 2, requires_grad=True)
    h = (x @ w) * np.float64(2.0) + np.sqrt(2) - 1.5
    h = (h / 3 + 2 ** h.tanh()).relu().sigmoid().exp().log().sqrt() ** 2
    h = tnp.where(h > 0.5, h, 0.0).maximum(0.1).clamp(-1, 1) * np.float32(1.0)
    outs = [h.sum(), h.mean(0), h.var(1), h.std(), h.amax(1), h.logsumexp(0),
            h.softmax(-1), h.log_softmax(0), h.max(1).values]
    for out in outs:
        assert out.dtype == np.float32, out
    loss = sum(o.sum() for o in outs)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_float64_stays_float64_end_to_end():
    x = tnp.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    loss = ((x * 2.5 + 1).tanh() @ np.ones((3, 2))).softmax(-1).log().mean() * np.float32(2)
    assert loss.dtype == np.float64
    loss.backward()
    assert x.grad.dtype == np.float64


def test_mixing_float32_and_float64_tensors_promotes_like_torch():
    torch = pytest.importorskip("torch")
    a = tnp.ones(2, dtype=np.float32, requires_grad=True)
    b = tnp.ones(2, dtype=np.float64, requires_grad=True)
    out = a * b
    expected = torch.ones(2, dtype=torch.float32) * torch.ones(2, dtype=torch.float64)
    assert str(out.dtype) == str(expected.dtype).removeprefix("torch.")
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_gradient_of_cast_comes_back_in_the_input_dtype():
    x = tnp.ones(3, dtype=np.float32, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0] * 3


@pytest.mark.parametrize("make", [
    lambda: tnp.tensor([1, 2], requires_grad=True),
    lambda: tnp.Tensor(np.arange(3), requires_grad=True),
    lambda: tnp.zeros(3, dtype=np.int64, requires_grad=True),
    lambda: tnp.tensor([True, False], requires_grad=True),
    lambda: tnp.arange(3).requires_grad_(),
], ids=["tensor", "Tensor", "zeros", "bool", "requires_grad_"])
def test_integer_tensors_cannot_require_grad(make):
    with pytest.raises(TypeError, match="only floating point tensors can require grad"):
        make()


def test_requires_grad_setter_refuses_integers():
    x = tnp.arange(3)
    with pytest.raises(TypeError, match="floating point"):
        x.requires_grad = True


def test_integer_result_of_float_op_does_not_require_grad():
    x = tnp.tensor([1.5, 2.5], requires_grad=True)
    assert not x.long().requires_grad and x.long().dtype == np.int64
    assert not x.argmax().requires_grad


def test_integer_tensor_arithmetic_stays_integer():
    x = tnp.arange(4)
    assert (x + 1).dtype == np.int64 and (x * x).sum().item() == 14
    assert (x / 2).dtype.kind == "f"


# ---- errors name the op and the shapes --------------------------------------------------------


@pytest.mark.parametrize(("fn", "error", "match"), [
    (lambda: tnp.ones(2, 3) @ tnp.ones(2, 3), ValueError, r"matmul.*\(2, 3\).*\(2, 3\)"),
    (lambda: tnp.ones(2, 3).reshape(5), ValueError, r"reshape.*\(2, 3\).*\(5,\)"),
    (lambda: tnp.ones(2, 3) + tnp.ones(4), ValueError, r"add.*\(2, 3\).*\(4,\)"),
    (lambda: tnp.ones(2, 3) * tnp.ones(2, 1, 4), ValueError, r"mul.*\(2, 3\).*\(2, 1, 4\)"),
    (lambda: 1 - tnp.ones(3).expand(2, 3).maximum(tnp.ones(4)), ValueError,
     r"maximum.*\(2, 3\).*\(4,\)"),
    (lambda: np.ones(4) - tnp.ones(3), ValueError, r"sub.*\(4,\).*\(3,\)"),
    (lambda: tnp.ones(2, 3).sum(2), IndexError, r"sum: dim 2.*2 dimension"),
    (lambda: tnp.ones(2, 3).mean(-3), IndexError, r"mean: dim -3"),
    (lambda: tnp.ones(2, 3).max(dim=4), IndexError, r"max: dim 4"),
    (lambda: tnp.ones(2, 3).sum((0, 0)), ValueError, r"sum.*same dimension twice"),
    (lambda: tnp.cat([tnp.ones(2, 3), tnp.ones(2, 4)]), ValueError, r"cat.*\(2, 3\).*\(2, 4\)"),
    (lambda: tnp.stack([tnp.ones(3), tnp.ones(4)]), ValueError, r"stack.*\(3,\).*\(4,\)"),
    (lambda: tnp.ones(3) + "a", TypeError, r"str"),
    (lambda: tnp.ones(3).item(), ValueError, r"item.*\(3,\)"),
    (lambda: bool(tnp.ones(3)), RuntimeError, r"\(3,\) is ambiguous"),
])
def test_errors_name_the_op_and_shapes(fn, error, match):
    with pytest.raises(error, match=match):
        fn()


# ---- leaf gradients do not alias ----------------------------------------------------------------


def test_leaf_gradients_do_not_share_memory():
    a = tnp.tensor([1.0, 2.0], requires_grad=True)
    b = tnp.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.numpy()[:] = 100.0
    assert b.grad.tolist() == [1.0, 1.0]


def test_second_backward_accumulates_into_both_leaves_correctly():
    a = tnp.tensor([1.0, 2.0], requires_grad=True)
    b = tnp.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    (a + b).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0] and b.grad.tolist() == [2.0, 2.0]
    (a - b).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0] and b.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("make", [
    lambda a, b: a + b,
    lambda a, b: (a - b) * 1,
    lambda a, b: a.clone() + b.expand(2),
    lambda a, b: tnp.cat([a, b])[:2] + b,
], ids=["add", "sub", "clone_expand", "cat_slice"])
def test_gradients_of_shared_paths_do_not_alias(make):
    a = tnp.tensor([1.0, 2.0], requires_grad=True)
    b = tnp.tensor([3.0, 4.0], requires_grad=True)
    make(a, b).sum().backward()
    ga, gb = a.grad.numpy().copy(), b.grad.numpy().copy()
    make(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), 2 * ga)
    np.testing.assert_array_equal(b.grad.numpy(), 2 * gb)


def test_leaf_gradient_does_not_alias_the_gradient_passed_to_backward():
    x = tnp.ones(3, requires_grad=True)
    g = tnp.tensor([1.0, 2.0, 3.0])
    (x * 1).backward(g)
    g.numpy()[:] = 0.0
    assert x.grad.tolist() == [1.0, 2.0, 3.0]


def test_leaf_gradient_does_not_alias_the_leaf_or_another_grad():
    x = tnp.ones(3, requires_grad=True)
    y = tnp.ones(3, requires_grad=True)
    (x * y).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), y.numpy())
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())


def _fused_mlp_leaves():
    """A Linear-ReLU-Linear Sequential (one fused LinearChain node) whose input is a leaf
    too, with a softmax cross-entropy on top (a second node with exact gradients)."""
    tnp.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = tnp.randn(5, 4, requires_grad=True)
    return model, x, [x, *model.parameters()]


def test_gradients_from_fused_ops_are_each_leafs_own_writable_array():
    model, x, leaves = _fused_mlp_leaves()
    nn.functional.cross_entropy(model(x), tnp.tensor([0, 1, 1, 0, 1])).backward()
    grads = [t.grad.numpy() for t in leaves]
    for i, g in enumerate(grads):
        assert g.flags.writeable and g.dtype == leaves[i].dtype
        assert not any(np.shares_memory(g, t.numpy()) for t in leaves)
        assert not any(np.shares_memory(g, h) for h in grads[i + 1:])


def test_gradients_from_fused_ops_accumulate_and_sum_for_a_tied_weight():
    model, x, leaves = _fused_mlp_leaves()
    labels = tnp.tensor([0, 1, 1, 0, 1])
    nn.functional.cross_entropy(model(x), labels).backward()
    first = [t.grad.numpy().copy() for t in leaves]
    nn.functional.cross_entropy(model(x), labels).backward()
    for t, g in zip(leaves, first):
        np.testing.assert_allclose(t.grad.numpy(), 2 * g, rtol=1e-6)
    # one weight in two layers of one fused run: its gradient is the sum of both layers'
    tied = nn.Linear(3, 3)
    fused = nn.Sequential(tied, nn.ReLU(), tied)
    h = tnp.randn(4, 3)
    fused(h).sum().backward()
    fused_grad = tied.weight.grad.numpy().copy()
    tied.zero_grad()
    tied(tied(h).relu()).sum().backward()  # the same layers, unfused
    np.testing.assert_allclose(fused_grad, tied.weight.grad.numpy(), rtol=1e-6)


# ---- construction and conversion ------------------------------------------------------------


def test_tensor_class_and_from_numpy_wrap_an_array_without_copy():
    a = np.ones(3)
    assert tnp.Tensor(a).numpy() is a and tnp.from_numpy(a).numpy() is a
    with pytest.raises(TypeError, match="from_numpy: expected an np.ndarray, got list"):
        tnp.from_numpy([1.0])
    with pytest.raises(TypeError, match="from_numpy: tensors hold numbers, got .*<U1"):
        tnp.from_numpy(np.array(["a"]))


def test_tensor_function_copies_an_array_like_torch_tensor():
    # a reused batch buffer: the gradient is the one of the values the loss was computed
    # from, and an in-place change of the tensor leaves the caller's array alone
    buffer = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    w = tnp.tensor([1.0, 1.0, 1.0], requires_grad=True)
    x = tnp.tensor(buffer)
    loss = (w * x).sum()
    buffer[:] = [7.0, 8.0, 9.0]  # the next batch, written into the same buffer
    loss.backward()
    assert w.grad.tolist() == [1.0, 2.0, 3.0]
    x += 1
    assert buffer.tolist() == [7.0, 8.0, 9.0]
    assert tnp.tensor(np.float64(2.5)).dtype == np.float64  # a NumPy scalar keeps its dtype
    assert tnp.tensor(buffer, dtype=np.float64).dtype == np.float64


def test_full_takes_its_dtype_from_the_fill_value_like_torch():
    torch = pytest.importorskip("torch")
    for value in (7, True, 0.5, np.float64(0.5), np.int32(3)):
        ours, theirs = tnp.full((2, 3), value), torch.full((2, 3), value)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert tnp.full((2,), 7, dtype=tnp.float64).dtype == np.float64
    with pytest.raises(TypeError, match="full: the fill value must be a number"):
        tnp.full((2,), None)


def test_randint_takes_pytorchs_two_forms():
    tnp.manual_seed(0)
    low_high = tnp.randint(3, 6, (200,)).numpy()
    high_only = tnp.randint(4, (2, 100)).numpy()  # randint(high, size): low 0
    assert set(low_high.tolist()) == {3, 4, 5} and high_only.shape == (2, 100)
    assert set(high_only.ravel().tolist()) == {0, 1, 2, 3} and high_only.dtype == np.int64
    with pytest.raises(ValueError, match=r"randint: high \(2\) must be greater than low"):
        tnp.randint(2, 2, (3,))
    assert tnp.randint(10, size=(3,)).shape == (3,) and tnp.randint(high=5, size=(2,)).shape == (2,)
    with pytest.raises(TypeError, match="randint: size must be a tuple of ints"):
        tnp.randint(3, 5)  # torch refuses it too: not (0, 3) with size 5


def test_view_shares_memory_or_refuses_like_torch():
    x = tnp.zeros(2, 3)
    x.view(3, 2)[0, 0] = 5.0  # a view: the change reaches x
    assert x[0, 0].item() == 5.0
    with pytest.raises(RuntimeError, match=r"view: .*shape \(3, 2\).*\(6,\).*reshape\(\)"):
        x.T.view(-1)  # a copy would be needed: writes through it would be lost
    assert x.T.reshape(-1).shape == (6,)


@pytest.mark.parametrize("name", ["any", "all"])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), ((0, 1), False),
                                          ((), False)])
def test_any_all_give_bool_tensors_over_dim_like_torch(name, dim, keepdim):
    torch = pytest.importorskip("torch")
    values = [[1.0, -1.0, 0.0], [1.0, 1.0, 2.0]]
    ours = getattr(tnp.tensor(values) > 0, name)(dim, keepdim)
    t = torch.tensor(values) > 0
    theirs = getattr(t, name)() if dim is None else getattr(t, name)(dim, keepdim)
    assert isinstance(ours, tnp.Tensor) and ours.dtype == np.bool_
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert bool(getattr(tnp.tensor(values) > 0, name)()) == bool(getattr(t, name)())


def test_detach_shares_data_and_leaves_the_graph():
    x = tnp.ones(2, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None


def test_non_leaf_cannot_turn_off_requires_grad():
    with pytest.raises(RuntimeError, match="detach"):
        (tnp.ones(2, requires_grad=True) * 2).requires_grad_(False)


def test_grad_setter_checks_shape():
    x = tnp.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        x.grad = tnp.ones(3)


def test_repr_shows_grad_fn_and_dtype():
    x = tnp.ones(2, requires_grad=True)
    assert repr(x) == "tensor([1., 1.], requires_grad=True)"
    assert "grad_fn=<Mul>" in repr(x * 2)
    assert "dtype=float64" in repr(tnp.tensor(np.ones(1)))


def test_size_numel_dim_len():
    x = tnp.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(-1) == 3 and x.numel() == 6
    assert x.dim() == 2 and len(x) == 2 and x.ndim == 2


def test_python_conversions():
    assert float(tnp.tensor(2.5)) == 2.5 and int(tnp.tensor(3)) == 3
    assert [1, 2, 3][tnp.tensor(1)] == 2
    assert f"{tnp.tensor(0.5):.2f}" == "0.50"
    assert [t.item() for t in tnp.tensor([1.0, 2.0])] == [1.0, 2.0]
    np.testing.assert_array_equal(np.asarray(tnp.ones(2)), [1.0, 1.0])


# ---- construction from a tensor, constants, promotion (PyTorch's rules) -------------------


def test_cat_stack_and_where_promote_integers_to_the_float_like_torch():
    torch = pytest.importorskip("torch")
    pairs = [(lambda L, i, f, c: L.cat([i, f])), (lambda L, i, f, c: L.stack([f, i])),
             (lambda L, i, f, c: L.where(c, i, f)), (lambda L, i, f, c: L.where(c, i, 0.5)),
             (lambda L, i, f, c: L.cat([c, i])), (lambda L, i, f, c: L.where(c, 1, 2))]
    for make in pairs:
        ours = make(tnp, tnp.tensor([1, 2]), tnp.tensor([0.5, 1.5]), tnp.tensor([True, False]))
        theirs = make(torch, torch.tensor([1, 2]), torch.tensor([0.5, 1.5]),
                      torch.tensor([True, False]))
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = tnp.tensor([1.0, 2.0], requires_grad=True)  # the float side keeps its gradient
    tnp.cat([x, tnp.tensor([3])]).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_tensor_of_a_tensor_is_a_copy_so_changing_it_leaves_the_graph_right():
    x = tnp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    tnp.tensor(x).add_(10)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_negative_zero_scalar_keeps_its_sign():
    x = tnp.tensor([1.0, 2.0])
    np.testing.assert_array_equal((1 / (x * -0.0)).numpy(), [-np.inf, -np.inf])
    np.testing.assert_array_equal((1 / (x * 0.0)).numpy(), [np.inf, np.inf])


@pytest.mark.parametrize("expr", [
    lambda f, i: f + i,
    lambda f, i: i * f,
    lambda f, i: f * np.arange(3),
    lambda f, i: i * 2.5,
    lambda f, i: i / 2,
    lambda f, i: i / i,
    lambda f, i: f.clamp(np.float64(1.5)),
])
def test_float_and_integer_operands_give_float32_as_in_pytorch(expr):
    f = tnp.tensor([1.0, 2.0, 3.0])
    i = tnp.tensor([1, 2, 3])
    assert expr(f, i).dtype == np.float32


def test_gradient_reaches_a_float_tensor_multiplied_by_an_int_tensor():
    w = tnp.ones(3, requires_grad=True)
    (w * tnp.tensor([1, 2, 3])).sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 2.0, 3.0])


@pytest.mark.parametrize("call, message", [
    (lambda: tnp.ones(3).expand(-1, 3), "expand: invalid sizes (-1, 3)"),
    (lambda: tnp.zeros(3).copy_(tnp.ones(4)), "copy_: cannot update a tensor of shape (3,)"),
    (lambda: tnp.tensor([1, 2]).fill_(2.5), "fill_: cannot update a tensor of shape (2,)"),
    (lambda: tnp.stack([tnp.ones(3), tnp.ones(3)], dim=2), "stack: dim 2 is out of range"),
    (lambda: tnp.zeros(3).clamp_(), "clamp_: at least one of min and max"),
    (lambda: tnp.ones(2, 3).clamp(min=tnp.zeros(4)),
     "clamp: the bounds' shapes [(4,)] do not broadcast to the input's shape (2, 3)"),
])
def test_bad_in_place_and_shape_calls_name_the_op(call, message):
    with pytest.raises((ValueError, IndexError)) as info:
        call()
    assert message in str(info.value)


def test_setitem_with_a_value_of_the_wrong_shape_names_both_shapes():
    t = tnp.zeros(3)
    with pytest.raises(ValueError, match=r"setitem: cannot assign a value of shape \(4,\)"):
        t[:] = tnp.ones(4)


def test_reading_grad_of_a_non_leaf_warns_and_says_how_to_keep_it():
    x = tnp.ones(2, requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="retain_grad"):
        assert y.grad is None
    z = x * 3
    z.retain_grad()
    z.sum().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [1.0, 1.0])  # no warning: it was kept


def test_a_python_list_made_float64_keeps_its_float64_precision():
    # no float32 detour: 0.3 is not 0.30000001192092896
    assert tnp.tensor([0.3], dtype=np.float64).data[0] == 0.3
    assert tnp.tensor(0.1, dtype=np.float64).item() == 0.1


@pytest.mark.parametrize("make_view", [lambda t: t[0], lambda t: t.T, lambda t: t.reshape(4)])
def test_augmented_assignment_into_a_buffer_s_view_that_needs_a_graph_is_refused(make_view):
    # PyTorch writes through the view into the buffer; a new tensor would leave the buffer
    # unchanged, so it is refused rather than silently different
    buf, w = tnp.zeros(2, 2), tnp.ones(1, requires_grad=True)
    row = make_view(buf)
    with pytest.raises(RuntimeError, match=r"\+=: this tensor .* shares its memory"):
        row += w
    with pytest.raises(RuntimeError, match="it is a view, or has one"):  # the buffer itself
        buf += w


def test_augmented_assignment_to_a_graph_tensor_with_views_in_the_graph_rebinds_like_torch():
    # the views live only in the graph, which keeps the old values: x = x + 1 gives
    # PyTorch's values and gradients
    w = tnp.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 2
    y = tnp.stack([x, x]).sum() + x[:2].sum()
    x += 1
    (x.sum() + y).backward()
    assert x.tolist() == [3.0, 5.0, 7.0] and w.grad.tolist() == [8.0, 8.0, 6.0]


@pytest.mark.parametrize("make", [
    lambda: tnp.tensor(np.arange(12, dtype=np.float32).reshape(4, 3)[:2]),  # a NumPy view
    lambda: tnp.ones(2, 3).logsumexp(1),  # NumPy views inside ops, no tensor shares them
    lambda: tnp.ones(2, 3).reshape(6),
])
def test_augmented_assignment_rebinds_a_tensor_that_shares_memory_with_no_tensor(make):
    w = tnp.ones(1, requires_grad=True)
    x = make()
    expected = x.numpy() * 3
    x *= w * 3
    np.testing.assert_array_equal(x.numpy(), expected)


def test_augmented_assignment_rebinds_once_the_views_of_a_tensor_are_gone():
    a = tnp.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = a * 2
    view = b[0]
    assert view.tolist() == [2.0, 4.0]
    del view
    b += 1
    assert b.tolist() == [[3.0, 5.0], [7.0, 9.0]]


@pytest.mark.parametrize("view", [lambda w: w[0], lambda w: w[0][1:], lambda w: w.T,
                                  lambda w: next(iter(w))])
def test_augmented_assignment_to_a_view_of_a_parameter_is_refused_like_torch(view):
    # rebinding would leave the parameter unchanged: a missing no_grad around an update
    w = tnp.ones(2, 3, requires_grad=True)
    v = view(w)
    with pytest.raises(RuntimeError, match="is a view of a leaf tensor that requires grad"):
        v -= 0.1
    with tnp.no_grad():
        v = view(w)
        v -= 0.5  # the optimizer's way: in place, into the parameter
    assert w.data.min() == 0.5


def test_cat_of_a_list_holding_an_array_names_it_even_when_dtypes_differ():
    # the dtype promotion must not turn this into an AttributeError of ndarray.to
    with pytest.raises(TypeError, match="input 1 is a ndarray, not a Tensor"):
        tnp.cat([tnp.ones(2), np.ones(2, dtype=np.int64)])
