"""The learning-rate schedulers against torch.optim.lr_scheduler (rates over 3 * T_max steps,
resuming with last_epoch), and their 'initial_lr', get_last_lr and state_dict behaviour."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_np as tnp
from tinygrad_np import optim
from tinygrad_np.optim import lr_scheduler

torch = pytest.importorskip("torch")

LRS = (0.1, 0.03)  # two parameter groups


def _halving(epoch):
    return 0.5 ** (epoch // 2)


# (name, options); each runs against torch's scheduler of the same name
CASES = [
    ("StepLR", dict(step_size=3)),
    ("StepLR", dict(step_size=1, gamma=0.7)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
    ("CosineAnnealingLR", dict(T_max=1, eta_min=0.01)),
    ("LambdaLR", dict(lr_lambda=_halving)),
    ("LambdaLR", dict(lr_lambda=[_halving, lambda epoch: 1 / (1 + epoch)])),
]


def _ids(case):
    name, options = case
    if name == "LambdaLR":
        fns = options["lr_lambda"]
        return name + ("-one-lambda" if callable(fns) else f"-{len(fns)}-lambdas")
    return name + "".join(f"-{k}={v}" for k, v in options.items())


def _pair(name, options, last_epoch=-1):
    """Our scheduler and torch's, each over an SGD with two groups (lrs LRS)."""
    ours = optim.SGD([{"params": [tnp.ones(1, requires_grad=True)], "lr": lr} for lr in LRS])
    theirs = torch.optim.SGD([{"params": [torch.ones(1, requires_grad=True)], "lr": lr}
                              for lr in LRS])
    if last_epoch != -1:
        for opt in (ours, theirs):
            for group, lr in zip(opt.param_groups, LRS):
                group["initial_lr"] = lr
    return (getattr(lr_scheduler, name)(ours, last_epoch=last_epoch, **options),
            getattr(torch.optim.lr_scheduler, name)(theirs, last_epoch=last_epoch, **options))


def _steps(options):
    return 3 * options.get("T_max", 10)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch: scheduler.step before opt.step
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_rates_match_torch_over_three_periods(case):
    ours, theirs = _pair(*case)
    assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=1e-15)
    for epoch in range(_steps(case[1])):
        ours.optimizer.step()
        theirs.optimizer.step()
        ours.step()
        theirs.step()
        assert ours.last_epoch == theirs.last_epoch == epoch + 1
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12,
                                                   abs=1e-15), f"epoch {epoch + 1}"
        assert [g["lr"] for g in ours.optimizer.param_groups] == ours.get_last_lr()


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_resuming_with_last_epoch_matches_torch(case):
    ours, theirs = _pair(*case, last_epoch=4)
    for _ in range(_steps(case[1])):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=1e-15)
        ours.step()
        theirs.step()


def test_constructor_remembers_initial_lr_and_keeps_an_existing_one():
    opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.1)
    lr_scheduler.ExponentialLR(opt, gamma=0.5).step()
    assert opt.param_groups[0]["initial_lr"] == 0.1
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    assert sched.base_lrs == [0.1] and opt.param_groups[0]["lr"] == 0.05


def test_initial_lr_is_saved_in_the_optimizer_state_dict():
    opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.1)
    lr_scheduler.StepLR(opt, step_size=2)
    assert opt.state_dict()["param_groups"][0]["initial_lr"] == 0.1


def test_resuming_without_initial_lr_raises_key_error():
    opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, step_size=2, last_epoch=3)


def test_get_last_lr_returns_a_copy():
    opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.1)
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    sched.get_last_lr()[0] = 7.0
    assert sched.get_last_lr() == [0.1]


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_state_dict_round_trip_continues_the_schedule(case):
    name, options = case

    def make():
        opt = optim.SGD([{"params": [tnp.ones(1, requires_grad=True)], "lr": lr} for lr in LRS])
        return opt, getattr(lr_scheduler, name)(opt, **options)

    opt, sched = make()
    for _ in range(5):
        sched.step()
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    expected = []
    for _ in range(5):
        sched.step()
        expected.append(sched.get_last_lr())

    opt, sched = make()
    opt.load_state_dict(saved_opt)
    sched.load_state_dict(saved_sched)
    resumed = []
    for _ in range(5):
        sched.step()
        resumed.append(sched.get_last_lr())
    assert resumed == expected


def test_state_dict_leaves_out_the_optimizer_and_plain_lambdas():
    opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.1)
    sd = lr_scheduler.LambdaLR(opt, lambda epoch: 0.5).state_dict()
    assert "optimizer" not in sd
    assert sd["lr_lambdas"] == [None]


def test_lambda_lr_saves_the_attributes_of_callable_objects():
    class Warmup:
        def __init__(self, steps):
            self.steps = steps

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.steps)

    opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.1)
    sd = lr_scheduler.LambdaLR(opt, Warmup(4)).state_dict()
    assert sd["lr_lambdas"] == [{"steps": 4}]
    other = lr_scheduler.LambdaLR(opt, Warmup(10))
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].steps == 4


def test_lambda_lr_with_the_wrong_number_of_lambdas_raises_value_error():
    opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="expected 1 lr_lambdas"):
        lr_scheduler.LambdaLR(opt, [_halving, _halving])


def test_scheduler_of_something_else_than_an_optimizer_raises_type_error():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lr_scheduler.StepLR(torch.optim.SGD([torch.ones(1, requires_grad=True)]), step_size=1)


def test_cosine_annealing_reaches_eta_min_at_t_max():
    opt = optim.SGD([tnp.ones(1, requires_grad=True)], lr=0.1)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.02)
    for _ in range(8):
        sched.step()
    assert np.isclose(sched.get_last_lr()[0], 0.02, rtol=0, atol=1e-15)
