"""Sequential keeps its plan of fused runs between calls: every way of changing a model
after it has run must show in the next call, exactly as if the modules ran one by one."""

import copy
import pickle

import numpy as np
import pytest

import tinygrad_np as tnp
from tinygrad_np import nn
from tinygrad_np.ops.linalg import LinearChain


def one_by_one(model, x):
    for module in model:
        x = module(x)
    return x


def run_twice_and_change(model, change):
    """Run model (so its plan is kept), apply change(model), and return what it gives
    then and what its modules give one by one."""
    x = tnp.randn(4, 3)
    model(x)
    model(x)
    change(model)
    return model(x), one_by_one(model, x)


def mlp():
    return nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))


def new_parameter(shape):
    return nn.Parameter(tnp.randn(*shape))


def set_forward(module, forward):
    module.forward = forward


def delete_item(store, key):
    del store[key]


CHANGES = {
    "a layer replaced by index": lambda m: m.__setitem__(2, nn.Linear(5, 2)),
    "a weight assigned": lambda m: setattr(m[0], "weight", new_parameter((5, 3))),
    "a bias removed": lambda m: setattr(m[2], "bias", None),
    "a weight registered": lambda m: m[2].register_parameter("weight", new_parameter((2, 5))),
    "a store item set": lambda m: m[0]._parameters.__setitem__("bias", new_parameter((5,))),
    "a store item deleted": lambda m: delete_item(m._modules, "1"),
    "a store popped": lambda m: m._modules.pop("1"),
    "a store's last item popped": lambda m: m._modules.popitem(),
    "a store updated": lambda m: m._modules.update({"1": nn.Tanh()}),
    "a store or-ed": lambda m: m._modules.__ior__({"1": nn.Sigmoid()}),
    "a store given a default": lambda m: m._modules.setdefault("3", nn.Linear(2, 2)),
    "a store cleared then refilled": lambda m: (m._modules.clear(),
                                                m._modules.__setitem__("0", nn.Linear(3, 2))),
    "a layer appended": lambda m: m.append(nn.Linear(2, 2)),
    "a layer inserted": lambda m: m.insert(1, nn.Tanh()),
    "a layer deleted": lambda m: m.__delitem__(1),
    "a forward set on an instance": lambda m: set_forward(m[1], lambda x: x.tanh()),
    "a class changed": lambda m: setattr(m[1], "__class__", nn.Tanh),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_after_a_call_shows_in_the_next_call(change):
    got, expected = run_twice_and_change(mlp(), change)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_an_instance_forward_deleted_fuses_again():
    model = mlp()
    x = tnp.randn(4, 3)
    model[1].forward = lambda x: x * 0
    assert type(model(x)._ctx) is not LinearChain
    del model[1].forward
    out = model(x)
    assert type(out._ctx) is LinearChain
    np.testing.assert_array_equal(out.numpy(), one_by_one(model, x).numpy())


def test_a_store_replaced_by_a_plain_dict_is_read_on_every_call():
    # a plain dict's changes are not seen, so no plan is kept for a model that has one
    model = mlp()
    model(tnp.randn(4, 3))
    model[0]._parameters = dict(model[0]._parameters)
    model(tnp.randn(4, 3))
    model[0]._parameters["bias"] = new_parameter((5,))  # a plain dict: nothing is told
    got, expected = run_twice_and_change(model, lambda m: None)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_parameters_changed_in_place_are_used_without_a_new_plan():
    model = mlp()
    got, expected = run_twice_and_change(model, lambda m: m[0].weight.data.fill(0.5))
    np.testing.assert_array_equal(got.numpy(), expected.numpy())
    assert type(got._ctx) is LinearChain


@pytest.mark.parametrize("clone", [copy.copy, copy.deepcopy,
                                   lambda m: pickle.loads(pickle.dumps(m))],
                         ids=["copy", "deepcopy", "pickle"])
def test_a_copied_model_runs_its_own_modules(clone):
    model = mlp()
    x = tnp.randn(4, 3)
    model(x)
    twin = clone(model)
    twin[2] = nn.Linear(5, 2)  # a change to the twin (or, shallow, to both)
    np.testing.assert_array_equal(twin(x).numpy(), one_by_one(twin, x).numpy())
    np.testing.assert_array_equal(model(x).numpy(), one_by_one(model, x).numpy())


def test_a_pickled_plan_is_never_taken_for_current():
    # the plan carries the structure mark it was built under; in a new process the count
    # of changes could come round to the same number, an unpickled mark is a new object
    from tinygrad_np.nn._structure import Structure

    model = mlp()
    model(tnp.randn(4, 3))
    restored = pickle.loads(pickle.dumps(model))
    plan = vars(restored).get("_fused_plan")
    assert plan is None or plan[0] is not Structure.mark
    got, expected = run_twice_and_change(restored, lambda m: setattr(m[2], "bias", None))
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_anomaly_mode_runs_a_planned_model_one_by_one_and_fuses_after():
    model = mlp()
    x = tnp.randn(4, 3)
    assert type(model(x)._ctx) is LinearChain
    with tnp.detect_anomaly():
        assert type(model(x)._ctx) is not LinearChain
    assert type(model(x)._ctx) is LinearChain


def test_every_change_to_a_store_moves_the_structure_mark():
    from tinygrad_np.nn._structure import Store, Structure

    store = Store(a=1)
    changes = [lambda d: d.__setitem__("b", 2), lambda d: d.__delitem__("b"),
               lambda d: d.__ior__({"c": 3}), lambda d: d.pop("c"),
               lambda d: d.setdefault("d", 4), lambda d: d.popitem(),
               lambda d: d.update(e=5), lambda d: d.clear()]
    for change in changes:
        before = Structure.mark
        change(store)
        assert Structure.mark is not before
