"""Every optimizer, in every mode, against torch.optim on the same parameters and gradients:
parameters and state after twenty steps, in float32 and float64, with two parameter groups."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tnp
from tinygrad_np import optim

torch = pytest.importorskip("torch")

SHAPES = [(3, 4), (5,), ()]  # two groups: the first two shapes, then the 0-d one

# (our class, torch's name, options)
CASES = [
    (optim.SGD, "SGD", {}),
    (optim.SGD, "SGD", dict(lr=0.1)),
    (optim.SGD, "SGD", dict(lr=0.1, momentum=0.9)),
    (optim.SGD, "SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    (optim.SGD, "SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (optim.SGD, "SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.1, maximize=True)),
    (optim.SGD, "SGD", dict(lr=0.1, weight_decay=0.2, maximize=True)),
    (optim.Adam, "Adam", {}),
    (optim.Adam, "Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6)),
    (optim.Adam, "Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    (optim.Adam, "Adam", dict(lr=0.01, maximize=True, weight_decay=0.1)),
    (optim.AdamW, "AdamW", {}),
    (optim.AdamW, "AdamW", dict(lr=0.01, weight_decay=0.3, amsgrad=True)),
    (optim.AdamW, "AdamW", dict(lr=0.01, maximize=True)),
    (optim.RMSprop, "RMSprop", {}),
    (optim.RMSprop, "RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=0.1)),
    (optim.RMSprop, "RMSprop", dict(lr=0.01, momentum=0.9)),
    (optim.RMSprop, "RMSprop", dict(lr=0.01, centered=True)),
    (optim.RMSprop, "RMSprop", dict(lr=0.01, momentum=0.9, centered=True, maximize=True)),
]

# float32: torch's CPU kernels fuse multiply-adds, so the last bits differ
TOLERANCES = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}


def _case_id(case):
    cls, _, options = case
    return cls.__name__ + "".join(f"-{k}={v}" for k, v in options.items())


def _run_both(cls, torch_name, options, dtype, steps=20, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ours = [tnp.Tensor(a.copy(), requires_grad=True) for a in init]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in init]
    # a second group with its own lr, as both libraries allow
    lr2 = options.get("lr", 1e-3) * 3

    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], "lr": lr2}]

    opt = cls(groups(ours), **options)
    torch_opt = getattr(torch.optim, torch_name)(groups(theirs), **options)
    for _ in range(steps):
        for p, t in zip(ours, theirs):
            g = rng.standard_normal(p.shape).astype(dtype)
            p.grad = tnp.Tensor(g.copy())
            t.grad = torch.tensor(g.copy())
        opt.step()
        torch_opt.step()
    return ours, theirs, opt, torch_opt


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_parameters_match_torch_after_twenty_steps(case, dtype):
    ours, theirs, _, _ = _run_both(*case, dtype)
    for i, (p, t) in enumerate(zip(ours, theirs)):
        assert p.dtype == dtype
        np.testing.assert_allclose(p.data, t.detach().numpy(), err_msg=f"parameter {i}",
                                   **TOLERANCES[dtype])


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_state_matches_torch_after_twenty_steps(case):
    ours, theirs, opt, torch_opt = _run_both(*case, np.float64)
    for p, t in zip(ours, theirs):
        state, torch_state = opt.state[p], torch_opt.state[t]
        assert set(state) == set(torch_state)
        for key, value in state.items():
            if key == "step":
                assert value == torch_state[key].item() == 20
            else:
                assert value.dtype == p.dtype
                np.testing.assert_allclose(value, torch_state[key].numpy(), rtol=1e-12,
                                           atol=1e-14, err_msg=key)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_default_options_match_torch(case):
    cls, torch_name, _ = case
    ours = cls([tnp.ones(1, requires_grad=True)])
    theirs = getattr(torch.optim, torch_name)([torch.ones(1, requires_grad=True)])
    for key, value in ours.defaults.items():
        assert theirs.defaults[key] == value, key


def test_state_dict_layout_matches_torch():
    ours, theirs, opt, torch_opt = _run_both(optim.Adam, "Adam", dict(amsgrad=True), np.float64)
    sd, torch_sd = opt.state_dict(), torch_opt.state_dict()
    assert sd["state"].keys() == torch_sd["state"].keys()
    for i in sd["state"]:
        assert sd["state"][i].keys() == torch_sd["state"][i].keys()
    assert len(sd["param_groups"]) == len(torch_sd["param_groups"])
    for group, torch_group in zip(sd["param_groups"], torch_sd["param_groups"]):
        assert group["params"] == torch_group["params"]
        for key, value in group.items():
            assert torch_group[key] == value, key
