"""tinygrad_np.testing: importing tinygrad_np never imports hypothesis; the strategies draw
what they promise (domains, shapes that broadcast, matmul operands); check_grads runs both
orders; the profiles are registered and chosen from the environment."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from helpers import FirstOrderOnlySin
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_np as tnp
from tinygrad_np import testing
from tinygrad_np.testing import Domain, domains


def test_importing_tinygrad_np_does_not_import_hypothesis():
    code = ("import sys, tinygrad_np; assert 'hypothesis' not in sys.modules; "
            "tinygrad_np.testing; assert 'hypothesis' in sys.modules")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_unknown_attribute_of_package_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        tnp.nope  # noqa: B018


@pytest.mark.parametrize("name", list(domains))
@given(data=st.data())
def test_domain_elements_lie_in_the_domain(name, data):
    d = domains[name]
    a = data.draw(testing.arrays(testing.shapes(), d))
    assert a.dtype == np.float64 and d.contains(a)
    if d.step is not None:
        k = (a - d.offset) / d.step
        np.testing.assert_array_equal(k, np.round(k))


def test_domains_by_attribute_and_item():
    assert domains.positive is domains["positive"] and len(domains) == len(domains.names())
    with pytest.raises(AttributeError, match="no domain named 'nope'"):
        domains.nope  # noqa: B018


@given(a=testing.arrays(testing.shapes(min_dims=1), "grid", unique=True))
def test_unique_grid_values_never_tie(a):
    values = np.sort(a.ravel())
    assert (np.diff(values) >= 0.0625).all()


@given(x=testing.arrays(testing.shapes(), "grid"), y=testing.arrays(testing.shapes(),
                                                                    "grid_shifted"))
def test_grid_and_shifted_grid_stay_apart(x, y):
    assert (np.abs(x.reshape(-1, 1) - y.reshape(1, -1)) >= 0.03125).all()


@given(a=testing.arrays((2, 3), domain=Domain("custom", -0.5, 0.5, min_abs=0.25),
                        dtype=np.float32))
def test_custom_domain_and_dtype(a):
    assert a.dtype == np.float32 and a.shape == (2, 3)
    assert ((np.abs(a) >= 0.25) & (np.abs(a) <= 0.5)).all()


@given(x=testing.tensors(domain="positive"))
def test_tensors_are_leaves_requiring_grad(x):
    assert x.is_leaf and x.requires_grad and x.dtype == np.float64 and (x > 0).all()


@given(x=testing.tensors((2,), requires_grad=False, dtype=np.float32))
def test_tensors_without_grad(x):
    assert not x.requires_grad and x.dtype == np.float32 and x.shape == (2,)


@given(ts=testing.broadcastable_tensors(3, domain=["real", "positive", "far_from_zero"]))
def test_broadcastable_tensors_broadcast_and_use_their_domains(ts):
    a, b, c = ts
    np.broadcast_shapes(a.shape, b.shape, c.shape)
    assert (b > 0).all() and (abs(c.numpy()) >= 0.5).all()


def test_broadcastable_tensors_draw_different_ranks_and_unit_sizes():
    seen = set()

    @settings(max_examples=100, derandomize=True)
    @given(ts=testing.broadcastable_tensors(2))
    def collect(ts):
        a, b = ts
        seen.add("ranks differ" if a.ndim != b.ndim else "same rank")
        if a.shape != b.shape and a.ndim == b.ndim:
            seen.add("sizes of 1")

    collect()
    assert {"ranks differ", "same rank", "sizes of 1"} <= seen


def test_matmul_operands_cover_vectors_matrices_and_batches():
    seen = set()

    @settings(max_examples=150, derandomize=True)
    @given(ab=testing.matmul_operands())
    def collect(ab):
        a, b = ab
        out = a @ b
        assert out.shape == np.matmul(a.numpy(), b.numpy()).shape
        kind = {1: "vector", 2: "matrix"}
        seen.add((kind.get(a.ndim, "batch"), kind.get(b.ndim, "batch")))

    collect()
    assert {("vector", "vector"), ("matrix", "matrix"), ("matrix", "vector"),
            ("batch", "batch")} <= seen
    assert ("vector", "matrix") in seen or ("vector", "batch") in seen


def test_check_grads_runs_first_and_second_order():
    x = tnp.tensor([0.3, -0.7], requires_grad=True)
    assert testing.check_grads(FirstOrderOnlySin.apply, [x], second_order=False)
    with pytest.raises(tnp.GradcheckError):
        testing.check_grads(FirstOrderOnlySin.apply, [x])


def test_profiles_are_registered_with_no_deadline():
    testing.register_profiles()
    for name in ("dev", "ci", "thorough"):
        profile = settings.get_profile(name)
        assert profile.deadline is None
    assert (settings.get_profile("dev").max_examples < settings.get_profile("ci").max_examples
            < settings.get_profile("thorough").max_examples)


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "dev"),
    ({"CI": "true"}, "ci"),
    ({"CI": "false"}, "dev"),
    ({"HYPOTHESIS_PROFILE": "thorough"}, "thorough"),
    ({"CI": "true", "HYPOTHESIS_PROFILE": "dev"}, "dev"),
])
def test_choose_profile_from_environment(env, expected):
    assert testing.choose_profile(env) == expected


def test_pytest_header_names_the_profile(pytestconfig):
    # through the hook: `import conftest` would find whichever of tests/**/conftest.py
    # was imported last under that name
    headers = pytestconfig.hook.pytest_report_header(config=pytestconfig,
                                                     start_path=pytestconfig.rootpath)
    lines = [h for group in headers for h in ([group] if isinstance(group, str) else group)]
    expected = f"hypothesis profile: {testing.choose_profile()}"
    assert any(line.startswith(expected) for line in lines), lines
