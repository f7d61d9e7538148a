"""The errors for bad optimizer arguments: invalid options name the value, and bad parameter
lists (empty, not requiring grad, repeated, non-leaf, not Tensors) are refused."""

from __future__ import annotations

import numpy as np
import pytest
from optim_cases import make_params  # tests/optim is on sys.path (pytest's prepend mode)

import tinygrad_np as tnp
from tinygrad_np import optim

# ---- errors --------------------------------------------------------------------------------

BAD_OPTIONS = [
    (optim.SGD, dict(lr=-0.1), "invalid lr -0.1"),
    (optim.SGD, dict(momentum=-0.5), "invalid momentum -0.5"),
    (optim.SGD, dict(weight_decay=-1e-4), "invalid weight_decay -0.0001"),
    (optim.SGD, dict(nesterov=True), "Nesterov momentum requires momentum > 0"),
    (optim.SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "and dampening 0"),
    (optim.Adam, dict(lr=-1.0), "invalid lr -1.0"),
    (optim.Adam, dict(eps=-1e-8), "invalid eps -1e-08"),
    (optim.Adam, dict(betas=(1.0, 0.999)), r"invalid beta1 \(betas\[0\]\) 1.0"),
    (optim.Adam, dict(betas=(0.9, -0.1)), r"invalid beta2 \(betas\[1\]\) -0.1"),
    (optim.Adam, dict(betas=(0.9,)), "betas must be a pair"),
    (optim.Adam, dict(weight_decay=-0.1), "invalid weight_decay -0.1"),
    (optim.AdamW, dict(betas=(0.9, 1.5)), r"invalid beta2 \(betas\[1\]\) 1.5"),
    (optim.AdamW, dict(lr=float("nan")), "invalid lr nan"),
    (optim.RMSprop, dict(alpha=-0.9), "invalid alpha -0.9"),
    (optim.RMSprop, dict(momentum=-1), "invalid momentum -1"),
    (optim.RMSprop, dict(eps=-1.0), "invalid eps -1.0"),
]


@pytest.mark.parametrize(("cls", "options", "message"), BAD_OPTIONS,
                         ids=[f"{c.__name__}-{o}" for c, o, _ in BAD_OPTIONS])
def test_invalid_option_raises_value_error_naming_the_value(cls, options, message):
    with pytest.raises(ValueError, match=message):
        cls(make_params(), **options)


def test_invalid_option_in_a_parameter_group_raises_value_error():
    a, b = make_params()
    with pytest.raises(ValueError, match="invalid lr -0.5"):
        optim.Adam([{"params": [a]}, {"params": [b], "lr": -0.5}])


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop])
def test_empty_parameter_list_raises_value_error(cls):
    with pytest.raises(ValueError, match="empty parameter list"):
        cls([])


def test_integer_parameter_raises_type_error():
    with pytest.raises(TypeError, match=r"parameter 1 of group 0 \(shape \(2,\)\) is int64; "
                                        "only floating-point"):
        optim.SGD([tnp.ones(2, requires_grad=True), tnp.arange(2)])


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.RMSprop])
def test_frozen_parameters_are_accepted_and_skipped_until_unfrozen_like_torch(cls):
    # the usual fine-tuning setup: every parameter to the optimizer, some of them frozen
    lin = tnp.nn.Linear(2, 2)
    lin.weight.requires_grad_(False)
    frozen = lin.weight.numpy().copy()
    opt = cls(lin.parameters(), lr=0.1)
    lin(tnp.ones(1, 2)).sum().backward()
    opt.step()
    assert lin.weight.grad is None and np.array_equal(lin.weight.numpy(), frozen)
    assert lin.weight not in opt.state or not opt.state[lin.weight]
    lin.weight.requires_grad_(True)  # unfrozen later: now it trains
    opt.zero_grad()
    lin(tnp.ones(1, 2)).sum().backward()
    opt.step()
    assert not np.array_equal(lin.weight.numpy(), frozen)


def test_parameter_listed_twice_raises_value_error():
    (w,) = make_params(shapes=((2,),))
    with pytest.raises(ValueError, match="appears more than once"):
        optim.SGD([w, w])


def test_parameter_in_two_groups_raises_value_error():
    (w,) = make_params(shapes=((2,),))
    with pytest.raises(ValueError, match="parameter 0 of group 1 .* appears more than once"):
        optim.Adam([{"params": [w]}, {"params": [w], "lr": 0.1}])


def test_non_leaf_parameter_raises_value_error():
    (w,) = make_params(shapes=((2,),))
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2])


def test_a_single_tensor_instead_of_an_iterable_raises_type_error():
    with pytest.raises(TypeError, match="iterable of Tensors"):
        optim.SGD(tnp.ones(2, requires_grad=True))


def test_a_set_of_parameters_raises_type_error():
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD(set(make_params()))


def test_a_non_tensor_parameter_raises_type_error():
    with pytest.raises(TypeError, match="is a ndarray"):
        optim.SGD([np.ones(2)])
