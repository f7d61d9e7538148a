"""Parity with PyTorch (skipped without torch): losses, activations and their gradients to
~1e-6 relative in float64, init gains, state_dict keys and shapes, and repr."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_np as tnp
import tinygrad_np.nn.functional as F
from tinygrad_np import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RTOL, ATOL = 1e-6, 1e-12


def both(fn_ours, fn_torch, arrays, grad_of, extra_ours=(), extra_torch=()):
    """Run both frameworks on float64 copies of `arrays`, backward a random vector, and
    compare the outputs and the gradients of the inputs at the positions in grad_of."""
    ours = [tnp.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    out = fn_ours(*ours, *extra_ours)
    ref = fn_torch(*theirs, *extra_torch)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=RTOL, atol=ATOL)
    u = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(tnp.tensor(u))
    ref.backward(torch.tensor(u))
    for i in grad_of:
        np.testing.assert_allclose(ours[i].grad.data, theirs[i].grad.numpy(), rtol=RTOL,
                                   atol=ATOL, err_msg=f"gradient of input {i}")


@st.composite
def classification(draw):
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 6))
    extra = (draw(st.integers(1, 3)),) if draw(st.booleans()) else ()
    logits = draw(hnp.arrays(np.float64, (n, c) + extra, elements=st.floats(-30, 30)))
    labels = draw(hnp.arrays(np.int64, (n,) + extra, elements=st.integers(0, c - 1)))
    ignore = draw(hnp.arrays(np.bool_, labels.shape))
    ignore.flat[0] = False
    labels[ignore] = -100
    weight = draw(st.none() | hnp.arrays(np.float64, (c,), elements=st.floats(0.1, 3.0)))
    options = dict(reduction=draw(st.sampled_from(["mean", "sum", "none"])),
                   label_smoothing=draw(st.sampled_from([0.0, 0.05, 0.3])))
    return logits, labels, weight, options


def _w(weight, lib):
    return None if weight is None else (weight if lib is tnp else torch.tensor(weight))


@settings(deadline=None)
@given(case=classification())
def test_cross_entropy_with_labels_matches_torch(case):
    logits, labels, weight, options = case
    both(lambda x: F.cross_entropy(x, tnp.tensor(labels), _w(weight, tnp), **options),
         lambda x: TF.cross_entropy(x, torch.tensor(labels), _w(weight, torch), **options),
         [logits], grad_of=[0])


@settings(deadline=None)
@given(case=classification(), seed=st.integers(0, 2**16))
def test_cross_entropy_with_probabilities_matches_torch(case, seed):
    logits, _, weight, options = case
    p = np.random.default_rng(seed).random(logits.shape)
    p /= p.sum(axis=1, keepdims=True)
    both(lambda x, t: F.cross_entropy(x, t, _w(weight, tnp), **options),
         lambda x, t: TF.cross_entropy(x, t, _w(weight, torch), **options),
         [logits, p], grad_of=[0, 1])


def test_cross_entropy_of_one_sample_matches_torch():
    x = np.array([0.3, -1.2, 2.0])
    both(lambda x: F.cross_entropy(x, tnp.tensor(1), label_smoothing=0.1),
         lambda x: TF.cross_entropy(x, torch.tensor(1), label_smoothing=0.1), [x], grad_of=[0])


@settings(deadline=None)
@given(case=classification())
def test_nll_loss_matches_torch(case):
    logits, labels, weight, options = case
    reduction = options["reduction"]
    both(lambda x: F.nll_loss(x, tnp.tensor(labels), _w(weight, tnp), reduction=reduction),
         lambda x: TF.nll_loss(x, torch.tensor(labels), _w(weight, torch), reduction=reduction),
         [logits], grad_of=[0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction):
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    both(lambda x, t: F.mse_loss(x, t, reduction), lambda x, t: TF.mse_loss(x, t,
         reduction=reduction), [x, t], grad_of=[0, 1])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_bce_with_logits_matches_torch(reduction, weighted, pos_weighted):
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((5, 3)) * 20, rng.random((5, 3))
    w = rng.random((5, 3)) + 0.5 if weighted else None
    pw = rng.random(3) + 0.5 if pos_weighted else None

    def ours(x, t):
        return F.binary_cross_entropy_with_logits(x, t, w, reduction, pw)

    def theirs(x, t):
        return TF.binary_cross_entropy_with_logits(
            x, t, None if w is None else torch.tensor(w), reduction=reduction,
            pos_weight=None if pw is None else torch.tensor(pw))

    both(ours, theirs, [x, t], grad_of=[0, 1])


ACTIVATIONS = {
    "gelu": (F.gelu, TF.gelu),
    "gelu_tanh": (lambda x: F.gelu(x, "tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.03), lambda x: TF.leaky_relu(x, 0.03)),
    "relu": (F.relu, TF.relu),
    "sigmoid": (F.sigmoid, torch.sigmoid),
    "tanh": (F.tanh, torch.tanh),
    "softmax": (lambda x: F.softmax(x, 1), lambda x: TF.softmax(x, 1)),
    "softmax_dim0": (lambda x: F.softmax(x, 0), lambda x: TF.softmax(x, 0)),
    "log_softmax": (lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1)),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(name):
    ours, theirs = ACTIVATIONS[name]
    x = np.linspace(-12, 12, 241).reshape(-1, 1) * np.array([1.0, 0.5, -0.1])
    x = x + 0.0123  # no input exactly at a kink
    both(ours, theirs, [x], grad_of=[0])


def test_dropout_scales_like_torch():
    x = np.ones(1000)
    kept_ours = F.dropout(tnp.tensor(x), 0.2).data
    kept_torch = TF.dropout(torch.tensor(x), 0.2).numpy()
    assert set(np.unique(kept_ours)) == set(np.unique(kept_torch)) == {0.0, 1.25}


# ---- init ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",),
                                  ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 3),
                                  ("selu",)])
def test_calculate_gain_matches_torch(args):
    assert nn.init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args),
                                                          rel=1e-15)


@pytest.mark.parametrize("shape", [(30, 20), (8, 4, 3, 3), (5, 7, 2)])
@pytest.mark.parametrize("name", ["kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
                                  "xavier_normal_"])
def test_init_spread_matches_torch(shape, name):
    """Same fan and gain: the standard deviations agree (over 40000 draws each: 3% is more
    than 5 standard errors) and uniform schemes reach the same bound."""
    tnp.manual_seed(0)
    torch.manual_seed(0)
    repeats = -(-40000 // int(np.prod(shape)))
    ours = np.concatenate([getattr(nn.init, name)(tnp.zeros(shape, dtype=np.float64)).data
                           .ravel() for _ in range(repeats)])
    theirs = np.concatenate([getattr(torch.nn.init, name)(torch.zeros(shape, dtype=torch.float64))
                             .numpy().ravel() for _ in range(repeats)])
    assert ours.std() == pytest.approx(theirs.std(), rel=0.03)
    if "uniform" in name:
        assert np.abs(ours).max() == pytest.approx(np.abs(theirs).max(), rel=0.01)


def test_linear_init_matches_torch():
    tnp.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = nn.Linear(300, 200), torch.nn.Linear(300, 200)
    bound = 1 / np.sqrt(300)
    for name in ("weight", "bias"):
        a, b = getattr(ours, name).data, getattr(theirs, name).detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
    assert ours.weight.data.std() == pytest.approx(theirs.weight.detach().numpy().std(),
                                                   rel=0.03)


# ---- state_dict and repr ---------------------------------------------------------------------


def model_pairs():
    """Equivalent models built in both frameworks."""

    def mlp(lib):
        return lib.Sequential(lib.Linear(784, 128), lib.ReLU(), lib.Linear(128, 10))

    def nested(lib):
        return lib.Sequential(lib.Sequential(lib.Flatten(), lib.Linear(12, 6, bias=False)),
                              lib.GELU(), lib.Dropout(0.1),
                              lib.ModuleList([lib.Linear(6, 6), lib.Tanh()]),
                              lib.Linear(6, 3), lib.LogSoftmax(dim=1))

    def custom(lib):
        class Net(lib.Module):
            def __init__(self):
                super().__init__()
                self.encoder = lib.Sequential(lib.Linear(4, 8), lib.LeakyReLU(0.1))
                self.scale = lib.Parameter(torch.ones(8) if lib is torch.nn else tnp.ones(8))
                self.heads = lib.ModuleList([lib.Linear(8, 2), lib.Linear(8, 3)])
                self.towers = lib.ModuleDict({"wide": lib.Linear(8, 16), "act": lib.Tanh(),
                                              "narrow": lib.Linear(16, 4, bias=False)})
                self.loss = lib.CrossEntropyLoss(weight=(torch.ones(3) if lib is torch.nn
                                                         else tnp.ones(3)))
                self.register_buffer("steps", torch.zeros(()) if lib is torch.nn
                                     else tnp.zeros(()))

        return Net()

    return {"mlp": mlp, "nested": nested, "custom": custom}


@pytest.mark.parametrize("name", sorted(model_pairs()))
def test_state_dict_keys_and_shapes_match_torch(name):
    build = model_pairs()[name]
    ours = build(nn).state_dict()
    theirs = build(torch.nn).state_dict()
    assert list(ours) == list(theirs)
    assert {k: v.shape for k, v in ours.items()} == {k: tuple(v.shape)
                                                     for k, v in theirs.items()}
    assert [n for n, _ in build(nn).named_parameters()] == \
        [n for n, _ in build(torch.nn).named_parameters()]


@pytest.mark.parametrize("name", ["mlp"])
def test_repr_matches_torch(name):
    build = model_pairs()[name]
    assert repr(build(nn)) == repr(build(torch.nn))


def test_module_dict_repr_and_order_match_torch():
    def build(lib):
        towers = lib.ModuleDict([("b", lib.Linear(2, 3)), ("a", lib.ReLU())])
        towers.update({"c": lib.Linear(3, 1), "b": lib.Linear(2, 4)})  # b keeps its place
        del towers["a"]
        return towers

    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours) == list(theirs) and list(ours.keys()) == list(theirs.keys())
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_activation_and_loss_reprs_match_torch():
    for make in [lambda lib: lib.GELU(approximate="tanh"), lambda lib: lib.LeakyReLU(0.2),
                 lambda lib: lib.Softmax(dim=1), lambda lib: lib.LogSoftmax(dim=0),
                 lambda lib: lib.Flatten(), lambda lib: lib.Identity(),
                 lambda lib: lib.Sigmoid(), lambda lib: lib.Tanh(), lambda lib: lib.ReLU(),
                 lambda lib: lib.CrossEntropyLoss(), lambda lib: lib.MSELoss(),
                 lambda lib: lib.NLLLoss(), lambda lib: lib.BCEWithLogitsLoss()]:
        assert repr(make(nn)) == repr(make(torch.nn))


def test_torch_model_loaded_with_our_state_dict_predicts_the_same():
    ours = nn.Sequential(nn.Linear(6, 5), nn.GELU(), nn.Linear(5, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.GELU(), torch.nn.Linear(5, 3))
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(tnp.tensor(x)).data,
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
