"""Module, Parameter, Sequential, ModuleList and ModuleDict: registration, traversal order
and names, modes, zero_grad, repr, state_dict and load_state_dict (torch parity is in
test_nn_vs_torch.py)."""

from __future__ import annotations

import copy

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_np as tnp
from tinygrad_np import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(tnp.ones(4))
        self.register_buffer("count", np.zeros((), dtype=np.int64))

    def forward(self, x):
        return self.fc(x).relu() * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.Linear(4, 2), nn.Sequential(nn.Tanh(), nn.Linear(2, 2)))

    def forward(self, x):
        return self.head(self.block(x))


# ---- Parameter ------------------------------------------------------------------------------


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(tnp.zeros(2, 3))
    assert isinstance(p, tnp.Tensor) and p.requires_grad and p.is_leaf
    assert type(p).__slots__ == ()


def test_parameter_shares_the_array_of_the_tensor_it_wraps():
    t = tnp.ones(3)
    assert nn.Parameter(t).data is t.data


def test_parameter_repr_says_parameter_containing():
    assert repr(nn.Parameter(tnp.ones(2))) == (
        "Parameter containing:\ntensor([1., 1.], requires_grad=True)")


def test_ops_on_a_parameter_give_plain_tensors():
    p = nn.Parameter(tnp.ones(2))
    assert type(p * 2) is tnp.Tensor and type(p.detach()) is tnp.Tensor


def test_parameter_of_integers_is_refused():
    with pytest.raises(TypeError, match="floating point"):
        nn.Parameter(np.arange(3))


# ---- registration and traversal --------------------------------------------------------------


def test_attribute_assignment_registers_parameters_modules_and_buffers():
    b = Block()
    assert list(b._parameters) == ["scale"]
    assert list(b._modules) == ["fc"]
    assert list(b._buffers) == ["count"]
    assert b.fc.weight.shape == (4, 3)


def test_named_parameters_are_dotted_and_in_registration_order():
    names = [name for name, _ in Net().named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "head.0.weight",
                     "head.0.bias", "head.1.1.weight", "head.1.1.bias"]


def test_parameters_matches_named_parameters():
    net = Net()
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]


def test_nested_sequential_names():
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), nn.Linear(2, 1))
    assert [n for n, _ in model.named_parameters()] == ["0.0.weight", "0.0.bias", "1.weight",
                                                        "1.bias"]


def test_shared_parameter_is_listed_once():
    fc = nn.Linear(2, 2)
    model = nn.Sequential(fc, fc)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert list(net.children()) == [net.block, net.head]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "head", "head.0",
                                                   "head.1", "head.1.0", "head.1.1"]
    assert len(list(net.modules())) == 8


def test_reassigning_a_parameter_with_none_keeps_the_slot():
    fc = nn.Linear(2, 2)
    fc.bias = None
    assert "bias" in fc._parameters and fc.bias is None
    assert [n for n, _ in fc.named_parameters()] == ["weight"]


def test_assigning_a_non_parameter_to_a_parameter_slot_is_refused():
    fc = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="bias"):
        fc.bias = tnp.zeros(2)


def test_plain_tensor_that_requires_grad_warns_it_is_not_registered():
    m = nn.Module()
    with pytest.warns(UserWarning, match="nn.Parameter"):
        m.w = tnp.ones(2, requires_grad=True)
    assert list(m.parameters()) == []


def test_assignment_before_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\)\.__init__\(\) first"):
        Broken()


def test_delattr_removes_a_registered_module():
    net = Net()
    del net.head
    assert [n for n, _ in net.named_children()] == ["block"]


def test_attribute_reads_follow_every_kind_of_registration_change():
    # every way of changing what is registered under a name shows in attribute reads
    m = nn.Module()
    first, second = nn.Parameter(tnp.ones(2)), nn.Parameter(tnp.zeros(2))
    m.w = first
    m.w = second
    assert m.w is second and m._parameters["w"] is second
    m.w = None
    assert m.w is None and m._parameters["w"] is None
    m.register_parameter("w", first)
    assert m.w is first
    del m.w
    m.register_buffer("w", np.zeros(3, dtype=np.float32))
    assert "w" not in m._parameters and m.w.shape == (3,)
    m.w = np.ones(3, dtype=np.float32)
    assert m.w.tolist() == [1.0, 1.0, 1.0]
    m.w = nn.Linear(2, 2)  # assignment may change the kind, as in PyTorch
    assert isinstance(m.w, nn.Linear) and "w" not in m._buffers
    del m.w
    assert not hasattr(m, "w") and "w" not in m._modules


@pytest.mark.parametrize("take, register", [
    (lambda m: setattr(m, "x", 3), lambda m: m.register_buffer("x", np.zeros(1))),
    (lambda m: None, lambda m: m.register_buffer("training", np.zeros(1))),
    (lambda m: setattr(m, "x", nn.Parameter(tnp.zeros(1))),
     lambda m: m.register_buffer("x", np.zeros(1))),
    (lambda m: m.register_buffer("x", np.zeros(1)),
     lambda m: m.register_parameter("x", nn.Parameter(tnp.zeros(1)))),
    (lambda m: setattr(m, "x", 3), lambda m: m.add_module("x", nn.ReLU())),
], ids=["attribute", "training", "parameter", "buffer", "module-over-attribute"])
def test_register_refuses_a_name_taken_by_something_else_like_torch(take, register):
    m = nn.Module()
    take(m)
    with pytest.raises(KeyError, match="already exists"):
        register(m)


@pytest.mark.parametrize("replace", [
    lambda s: s.__setitem__(0, nn.ReLU()),
    lambda s: setattr(s, "0", nn.ReLU()),
    lambda s: s.add_module("0", nn.ReLU()),
])
def test_replacing_a_layer_keeps_its_place_in_forward_and_parameters(replace):
    seq = nn.Sequential(nn.Identity(), nn.Linear(1, 1, bias=False))
    with tnp.no_grad():
        seq[1].weight.fill_(-1.0)
    replace(seq)
    assert [type(m).__name__ for m in seq] == ["ReLU", "Linear"]
    assert seq(tnp.tensor([[3.0]])).tolist() == [[-3.0]]  # ReLU first, then the Linear


def test_replacing_a_parameter_or_buffer_keeps_the_state_dict_order():
    m = nn.Linear(2, 3)
    m.weight = nn.Parameter(tnp.zeros(3, 2))
    m.register_buffer("a", np.zeros(1))
    m.register_buffer("b", np.zeros(1))
    m.register_buffer("a", np.ones(1))
    assert list(m.state_dict()) == ["weight", "bias", "a", "b"]


def test_train_calls_each_child_s_own_train_so_overrides_hold():
    class Frozen(nn.Module):
        def train(self, mode=True):
            return super().train(False)  # e.g. keeps running statistics fixed

    model = nn.Sequential(Frozen(), nn.Dropout(0.5)).train()
    assert model.training and not model[0].training and model[1].training


def test_editing_a_store_directly_is_seen_by_attribute_reads_and_forward():
    # PyTorch-style model surgery: replace a layer through _modules
    model = nn.Sequential()
    model.add_module("fc", nn.Linear(2, 1))
    new_fc = nn.Linear(2, 1)
    model._modules["fc"] = new_fc
    assert model.fc is new_fc
    model(tnp.ones(1, 2)).sum().backward()
    assert new_fc.weight.grad is not None
    del new_fc._parameters["bias"]
    assert not hasattr(new_fc, "bias")


def test_register_buffer_accepts_tensor_array_and_none_and_skips_non_persistent():
    m = nn.Module()
    m.register_buffer("a", tnp.ones(2))
    m.register_buffer("b", np.zeros(3))
    m.register_buffer("c", None)
    m.register_buffer("d", tnp.ones(1), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["a", "b", "d"]
    assert list(m.state_dict()) == ["a", "b"]
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("e", [1, 2])


def test_register_with_a_dotted_name_is_refused():
    with pytest.raises(KeyError, match="'.'"):
        nn.Module().register_buffer("a.b", np.zeros(1))


def test_forward_missing_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_apply_visits_children_before_parent():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"


# ---- modes and gradients ---------------------------------------------------------------------


def test_train_and_eval_recurse_into_every_module():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_train_refuses_a_non_bool_mode():
    with pytest.raises(TypeError):
        Net().train("no")


def test_zero_grad_sets_gradients_to_none_by_default():
    net = Net()
    net(tnp.ones(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_zero_grad_without_set_to_none_zeros_in_place():
    fc = nn.Linear(3, 2)
    fc(tnp.ones(4, 3)).sum().backward()
    g = fc.weight.grad
    fc.zero_grad(set_to_none=False)
    assert fc.weight.grad is g and not g.data.any()


def test_requires_grad_false_freezes_the_module():
    fc = nn.Linear(2, 2).requires_grad_(False)
    assert not any(p.requires_grad for p in fc.parameters())


# ---- containers ------------------------------------------------------------------------------


def test_sequential_is_indexable_sliceable_iterable_and_appendable():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    assert list(model[1:]) == layers[1:]
    assert [n for n, _ in model[1:].named_children()] == ["1", "2"]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and isinstance(model[3], nn.Sigmoid)
    with pytest.raises(IndexError, match="out of range"):
        model[4]


def test_sequential_from_a_dict_keeps_the_names():
    model = nn.Sequential({"fc": nn.Linear(2, 2), "act": nn.ReLU()})
    assert [n for n, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]


def test_sequential_forward_chains_the_modules():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    x = tnp.randn(4, 2)
    np.testing.assert_array_equal(model(x).data, model[1](model[0](x)).data)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_sequential_fuses_linear_and_relu_runs_with_the_same_values_and_gradients(data):
    # property: for any widths, batch shape, dtypes, biases and ReLUs, the fused Sequential
    # gives the values and gradients (plain and create_graph) of its modules run one by
    # one, bit for bit, from one graph node
    from tinygrad_np.ops.linalg import LinearChain

    widths = data.draw(st.lists(st.integers(1, 5), min_size=2, max_size=5))
    batch = data.draw(st.lists(st.integers(1, 3), max_size=2))
    floats = st.sampled_from([np.float32, np.float64])
    layers = []
    for n_in, n_out in zip(widths, widths[1:]):
        layers.append(nn.Linear(n_in, n_out, bias=data.draw(st.booleans()),
                                dtype=data.draw(floats)))
        if data.draw(st.booleans()):
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    values = st.floats(-3, 3, width=32)  # exact zeros included: the ReLU's edge
    x = tnp.tensor(data.draw(hnp.arrays(data.draw(floats), (*batch, widths[0]),
                                        elements=values)), requires_grad=data.draw(st.booleans()))
    create_graph = data.draw(st.booleans())
    g = data.draw(hnp.arrays(np.float64, (*batch, widths[-1]), elements=values))

    def run(forward):
        model.zero_grad()
        x.grad = None
        out = forward(x)
        node_inputs = out._ctx._inputs
        out.backward(tnp.tensor(g.astype(out.dtype)), create_graph=create_graph)
        grads = [t.grad.numpy().copy() for t in [*model.parameters(), x] if t.grad is not None]
        return out, node_inputs, grads

    fused, fused_inputs, fused_grads = run(model)
    fusable = len(widths) > 2 or isinstance(layers[-1], nn.ReLU)
    assert (type(fused._ctx) is LinearChain) == fusable
    assert not fusable or fused_inputs[0] is x  # one node for the whole run

    def one_by_one(h):
        for module in model:
            h = module(h)
        return h

    unfused, _, unfused_grads = run(one_by_one)
    assert type(unfused._ctx) is not LinearChain
    assert fused.dtype == unfused.dtype and len(fused_grads) == len(unfused_grads)
    np.testing.assert_array_equal(fused.numpy(), unfused.numpy())
    for a, b in zip(fused_grads, unfused_grads):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_sequential_fuses_only_an_exact_linear_then_relu():
    class Shifted(nn.ReLU):  # a subclass may change forward: it runs as written
        def forward(self, x):
            return super().forward(x) + 1

    model = nn.Sequential(nn.ReLU(), nn.Linear(3, 2), Shifted(), nn.Linear(2, 2))
    x = tnp.randn(4, 3)
    expected = model[3](model[2](model[1](model[0](x))))
    np.testing.assert_array_equal(model(x).numpy(), expected.numpy())
    assert np.all(model[2](model[1](x)).numpy() >= 1)
    patched = nn.Sequential(nn.Linear(3, 2), nn.ReLU())  # a forward replaced on an instance
    patched[1].forward = lambda x: x.tanh()
    np.testing.assert_array_equal(patched(x).numpy(), patched[0](x).tanh().numpy())
    patched = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    patched[0].forward = lambda x: x[:, :1]
    np.testing.assert_array_equal(patched(x).numpy(), x[:, :1].relu().numpy())


@pytest.mark.parametrize("cls", ["Linear", "ReLU"])
def test_sequential_does_not_fuse_when_a_forward_is_patched_on_the_class(cls, monkeypatch):
    monkeypatch.setattr(getattr(nn, cls), "forward", lambda self, x: x * 0 + 9)
    x = tnp.randn(4, 3)
    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU())
    np.testing.assert_array_equal(model(x).numpy(), np.full((4, 3), 9.0))


@pytest.mark.parametrize("cls", ["Linear", "ReLU", "Module"])
def test_sequential_does_not_fuse_when_call_is_patched_to_trace(cls, monkeypatch):
    calls, original = [], nn.Module.__call__

    def traced(self, *args):
        calls.append(type(self).__name__)
        return original(self, *args)

    monkeypatch.setattr(getattr(nn, cls), "__call__", traced)
    nn.Sequential(nn.Linear(3, 3), nn.ReLU())(tnp.randn(4, 3))
    assert cls == "Module" or cls in calls
    assert "Linear" in calls or cls == "ReLU"


def test_a_module_assigned_over_a_parameter_is_refused_like_torch():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign a Linear to 'weight'"):
        m.weight = nn.Linear(1, 1)


def test_fused_linear_relu_refuses_an_output_changed_in_place_before_backward():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    out = model(tnp.randn(4, 3))
    with tnp.no_grad():
        out.mul_(-1)  # backward would read the wrong mask
    with pytest.raises(RuntimeError,
                       match=r"LinearChain backward: its output \(shape \(4, 2\), float32\)"):
        out.sum().backward()


def test_sequential_in_anomaly_mode_blames_the_layer_that_made_an_inf():
    # fused, only the run's output would be checked, and a later ReLU may hide the inf
    model = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False), nn.ReLU())
    with tnp.no_grad():
        model[0].weight.fill_(-10.0)
        model[1].weight.fill_(1.0)
    x = tnp.tensor([[1e38]])
    with tnp.detect_anomaly(), np.errstate(over="ignore"), \
            pytest.raises(FloatingPointError, match="Linear produced inf"):
        model(x)


def test_sequential_keeps_no_activations_of_a_frozen_trunk():
    # a trainable head on frozen layers: the layers below the head are never reached by
    # backward, so the fused op keeps what the layers one by one keep, not every activation
    trunk = [m for _ in range(4) for m in (nn.Linear(64, 64), nn.ReLU())]
    model = nn.Sequential(*trunk, nn.Linear(64, 3))
    for p in list(model.parameters())[:-2]:
        p.requires_grad_(False)
    x = tnp.randn(256, 64)
    one_by_one = x
    for module in model:
        one_by_one = module(one_by_one)
    fused = model(x)
    assert type(fused.grad_fn).__name__ == "LinearChain"
    # the fused node refers to its inputs (x and the frozen parameters, kept alive by the
    # caller and the model anyway); of the activations it keeps the head's input only
    referred = x.numpy().nbytes + sum(p.numpy().nbytes for p in list(model.parameters())[:-2])
    assert tnp.graph_report(fused).saved_bytes == \
        tnp.graph_report(one_by_one).saved_bytes + referred


def test_module_list_registers_its_modules():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 3 and isinstance(layers[-1], nn.Linear)
    assert [n for n, _ in layers.named_parameters()][-2:] == ["2.weight", "2.bias"]
    layers[0] = nn.Identity()
    assert len(list(layers.parameters())) == 4


def test_module_dict_registers_its_modules_under_their_keys():
    heads = nn.ModuleDict({"digit": nn.Linear(4, 10)})
    heads["parity"] = nn.Linear(4, 2)
    assert "parity" in heads and "other" not in heads and len(heads) == 2
    assert list(heads) == heads.keys() == ["digit", "parity"]
    assert [n for n, _ in heads.named_parameters()] == ["digit.weight", "digit.bias",
                                                        "parity.weight", "parity.bias"]
    assert heads.values()[1] is heads["parity"] and heads.items()[0] == ("digit", heads.digit)
    popped = heads.pop("digit")
    assert isinstance(popped, nn.Linear) and heads.keys() == ["parity"]
    heads.clear()
    assert len(heads) == 0 and list(heads.parameters()) == []


def test_module_dict_parameters_train_and_load_through_a_parent():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict([("a", nn.Linear(3, 2)), ("b", nn.Linear(3, 1))])

        def forward(self, x):
            return self.heads["a"](x).sum() + self.heads["b"](x).sum()

    model = TwoHeads()
    model(tnp.ones(4, 3)).backward()
    assert all(p.grad is not None for p in model.parameters())
    copy_ = TwoHeads()
    copy_.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(copy_.heads["b"].weight.numpy(), model.heads.b.weight.numpy())


def test_module_dict_refuses_bad_keys_and_values_naming_them():
    heads = nn.ModuleDict()
    with pytest.raises(KeyError, match="no module named 'missing'"):
        heads["missing"]  # noqa: B018
    with pytest.raises(KeyError, match="no module named 'missing'"):
        del heads["missing"]
    with pytest.raises(KeyError, match="'update' is already an attribute"):
        heads["update"] = nn.ReLU()
    with pytest.raises(TypeError, match="must be a str"):
        heads[0] = nn.ReLU()
    with pytest.raises(TypeError, match="must be a Module"):
        heads["x"] = 3
    with pytest.raises(TypeError, match=r"element 0 should be a \(name, module\) pair"):
        nn.ModuleDict([nn.ReLU()])
    with pytest.raises(TypeError, match="expected a mapping"):
        heads.update(nn.Linear(2, 2))


# ---- repr ------------------------------------------------------------------------------------


def test_repr_of_a_small_sequential_is_pytorchs():
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2),
                          nn.Sequential(nn.Linear(128, 10, bias=False)), nn.LogSoftmax(dim=1))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=128, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.2)\n"
        "  (3): Sequential(\n"
        "    (0): Linear(in_features=128, out_features=10, bias=False)\n"
        "  )\n"
        "  (4): LogSoftmax(dim=1)\n"
        ")"
    )


def test_extra_repr_with_children_goes_first():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "factor=2"

    assert repr(Scaled()) == ("Scaled(\n  factor=2\n  (fc): Linear(in_features=1, "
                              "out_features=1, bias=True)\n)")


# ---- state_dict ------------------------------------------------------------------------------


def test_state_dict_holds_copies_of_parameters_and_buffers():
    b = Block()
    sd = b.state_dict()
    assert list(sd) == ["scale", "count", "fc.weight", "fc.bias"]
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    before = sd["fc.weight"].copy()
    with tnp.no_grad():
        b.fc.weight.add_(1.0)
    np.testing.assert_array_equal(sd["fc.weight"], before)


def test_load_state_dict_copies_in_place_and_bumps_versions():
    src, dst = Net(), Net()
    weight = dst.block.fc.weight
    array, version = weight.data, weight._vc[0]
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert dst.block.fc.weight is weight and weight.data is array
    assert weight._vc[0] > version
    for (k, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=k)


def test_load_state_dict_keeps_the_models_dtype():
    fc = nn.Linear(2, 2, dtype=np.float64)
    fc.load_state_dict({k: v.astype(np.float32) for k, v in fc.state_dict().items()})
    assert fc.weight.dtype == np.float64


def test_graph_recorded_before_load_refuses_backward():
    fc = nn.Linear(2, 1)
    loss = fc(tnp.ones(1, 2)).sum()
    fc.load_state_dict(nn.Linear(2, 1).state_dict())
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_load_state_dict_lists_every_missing_unexpected_and_mismatched_key():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = model.state_dict()
    del sd["0.bias"], sd["1.weight"]
    sd["2.weight"] = np.zeros(1)
    sd["extra"] = np.zeros(1)
    sd["1.bias"] = np.zeros(5)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd)
    message = str(info.value)
    for text in ["Missing key(s)", "'0.bias'", "'1.weight'", "Unexpected key(s)", "'2.weight'",
                 "'extra'", "1.bias: the checkpoint has shape (5,), the model (1,)"]:
        assert text in message


def test_failed_load_changes_nothing():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    before = model.state_dict()
    sd = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1)).state_dict()
    sd["1.bias"] = np.zeros(2)
    with pytest.raises(RuntimeError, match="1.bias"):
        model.load_state_dict(sd)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_not_strict_returns_the_skipped_keys():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = model.state_dict()
    del sd["1.bias"]
    sd["head.weight"] = np.zeros(3)
    result = model.load_state_dict(sd, strict=False)
    assert result == (["1.bias"], ["head.weight"])
    assert result.missing_keys == ["1.bias"] and result.unexpected_keys == ["head.weight"]


def test_shape_mismatch_is_an_error_even_when_not_strict():
    fc = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match="weight"):
        fc.load_state_dict({"weight": np.zeros((2, 3))}, strict=False)


def test_load_state_dict_refuses_an_uncastable_dtype():
    m = nn.Module()
    m.register_buffer("steps", np.zeros(2, dtype=np.int64))
    with pytest.raises(RuntimeError, match="cannot cast"):
        m.load_state_dict({"steps": np.zeros(2, dtype=np.float32)})


def test_load_state_dict_accepts_tensors():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.load_state_dict(dict(a.named_parameters()))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)


def test_deepcopy_gives_an_independent_model():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    clone = copy.deepcopy(model)
    assert type(clone[0].weight) is nn.Parameter and clone[0].weight is not model[0].weight
    with tnp.no_grad():
        clone[0].weight.add_(1.0)
    assert not np.array_equal(clone[0].weight.data, model[0].weight.data)
    assert repr(clone) == repr(model)


def test_append_to_a_sliced_sequential_keeps_every_module():
    tail = nn.Sequential(nn.Linear(1, 1), nn.ReLU(), nn.Tanh())[1:]
    tail.append(nn.Sigmoid())
    assert [type(m).__name__ for m in tail] == ["ReLU", "Tanh", "Sigmoid"]


def test_parameter_shares_the_version_counter_of_the_tensor_it_wraps():
    w = tnp.ones(2)
    p = nn.Parameter(w)
    loss = (p * p).sum()
    with tnp.no_grad():
        w.add_(1)  # the same array as p's
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_sequential_delitem_and_insert_renumber_like_torch():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear"] and list(seq._modules) == \
        ["0", "1"]
    seq.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    del seq[:2]
    assert len(seq) == 1 and seq(tnp.ones(3, 2)).shape == (3, 1)
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh()]).extend([nn.Identity()])
    del layers[-1]
    assert [type(m).__name__ for m in layers] == ["ReLU", "Tanh"]


@pytest.mark.parametrize("make", [lambda: nn.ReLU(inplace=True),
                                  lambda: nn.LeakyReLU(0.1, inplace=True),
                                  lambda: nn.Dropout(0.0, inplace=True)])
def test_inplace_is_accepted_for_code_written_for_pytorch_and_leaves_the_input(make):
    x = tnp.tensor([-1.0, 2.0])
    out = make()(x)
    assert x.tolist() == [-1.0, 2.0] and out.tolist()[1] == 2.0


def test_insert_out_of_range_is_refused_like_torch():
    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    with pytest.raises(IndexError, match="insert: index 5 is out of range for 2"):
        seq.insert(5, nn.Identity())
