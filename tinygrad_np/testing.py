"""Property-based testing for your own ops and models: value domains, hypothesis strategies
for arrays and tensors (broadcasting pairs, matmul operands), check_grads, and the
hypothesis profiles the project's own test suite uses.

Needs hypothesis (``pip install tinygrad_np[testing]``); ``import tinygrad_np`` alone never
imports it. Order: domains, array and tensor strategies, gradient checks, profiles.

Example, a test of a user-defined op:
    >>> import tinygrad_np as tnp
    >>> from hypothesis import given
    >>> from tinygrad_np import testing
    >>> @given(testing.tensors(domain="positive"))
    ... def test_log_of_square_has_correct_gradients(x):
    ...     assert testing.check_grads(lambda x: (x * x).log(), [x])
    >>> test_log_of_square_has_correct_gradients()
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
from hypothesis import HealthCheck, settings

from .gradcheck import gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = [
    "Domain", "HYPOTHESIS_PROFILES", "arrays", "broadcastable_tensors", "check_grads",
    "choose_profile", "domains", "load_profile", "matmul_operands", "register_profiles",
    "shapes", "tensors",
]

# small by default: gradcheck costs two forward passes per element
MAX_DIMS = 3
MAX_SIDE = 4

# ---- domains -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """The values an op accepts: floats in [low, high], at least `min_abs` away from zero,
    and, when `step` is set, only on the grid offset + k * step.

    A grid keeps values apart: two inputs drawn from grids with different offsets never come
    closer than the offsets' difference, so max/min/clamp stay away from their kinks (where
    a gradient jumps and central differences are wrong), and unique values on one grid
    never tie.

    Args:
        name: what the domain is called in test ids and messages.
        low, high: the closed range of values.
        min_abs: exclude (-min_abs, min_abs), e.g. 1e-3 for the kink of abs or relu.
        step, offset: restrict the values to offset + k * step.

    Example:
        >>> from tinygrad_np.testing import Domain
        >>> d = Domain("probabilities", 0.01, 0.99)
        >>> d.contains(np.array([0.5, 0.99])), d.contains(np.array([0.0]))
        (True, False)
    """

    name: str
    low: float
    high: float
    min_abs: float = 0.0
    step: float | None = None
    offset: float = 0.0

    def elements(self) -> st.SearchStrategy[float]:
        """A strategy of Python floats (float64) in this domain.

        Example:
            >>> from hypothesis import given
            >>> from tinygrad_np.testing import domains
            >>> @given(domains.away_from_zero.elements())
            ... def test_away(v):
            ...     assert abs(v) >= 1e-3
            >>> test_away()
        """
        if self.step is not None:
            k_low = math.ceil((self.low - self.offset) / self.step)
            k_high = math.floor((self.high - self.offset) / self.step)
            values = st.integers(k_low, k_high).map(lambda k: self.offset + k * self.step)
            return values.filter(lambda v: abs(v) >= self.min_abs) if self.min_abs else values
        floats = dict(allow_nan=False, allow_infinity=False, allow_subnormal=False)
        if self.min_abs > 0 and self.low < self.min_abs and self.high > -self.min_abs:
            parts = []
            if self.high >= self.min_abs:
                parts.append(st.floats(self.min_abs, self.high, **floats))
            if self.low <= -self.min_abs:
                parts.append(st.floats(self.low, -self.min_abs, **floats))
            return st.one_of(parts)
        return st.floats(self.low, self.high, **floats)

    def contains(self, a: Any) -> bool:
        """Whether every value of `a` lies in the domain (grids are not checked)."""
        a = np.asarray(a, dtype=np.float64)
        return bool(((a >= self.low) & (a <= self.high) & (np.abs(a) >= self.min_abs)).all())

    def __str__(self) -> str:
        return self.name


class _Domains(Mapping):
    """The named domains, read as attributes (`domains.positive`) or items
    (`domains["positive"]`); `domains.names()` lists them.

    Example:
        >>> from tinygrad_np.testing import domains
        >>> domains.positive.low, domains["unit_interval"].high
        (0.1, 0.95)
        >>> sorted(domains)[:3]
        ['away_from_zero', 'far_from_zero', 'grid']
    """

    def __init__(self, *items: Domain) -> None:
        self._items = {d.name: d for d in items}

    def __getitem__(self, name: str) -> Domain:
        return self._items[name]

    def __getattr__(self, name: str) -> Domain:
        try:
            return self._items[name]
        except KeyError:
            raise AttributeError(f"no domain named {name!r}; the domains are "
                                 f"{sorted(self._items)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def names(self) -> list[str]:
        return list(self._items)


domains = _Domains(
    # any real input of moderate size: exp, sin, tanh, sums, products, movement
    Domain("real", -3.0, 3.0),
    # |x| <= 1: exponents, values that get multiplied many times in a random graph
    Domain("small", -1.0, 1.0),
    # log, sqrt, the base of pow, a divisor that must keep its sign
    Domain("positive", 0.1, 3.0),
    # kinks at zero: abs, relu, sign, where(x > 0, ...)
    Domain("away_from_zero", -3.0, 3.0, min_abs=1e-3),
    # a divisor of either sign: 1/x stays well conditioned
    Domain("far_from_zero", -3.0, 3.0, min_abs=0.5),
    # probabilities and other values strictly inside (0, 1)
    Domain("unit_interval", 0.05, 0.95),
    # multiples of 1/16 (97 values, enough for unique arrays of the default shapes): with
    # unique=True no two tie (max, argmax, sort)
    Domain("grid", -3.0, 3.0, step=0.0625),
    # the grid shifted by 1/32: never within 1/32 of a value of `grid` (maximum, clamp)
    Domain("grid_shifted", -3.0, 3.0, step=0.0625, offset=0.03125),
)


def _domain(domain: str | Domain) -> Domain:
    return domains[domain] if isinstance(domain, str) else domain


# ---- arrays and tensors ------------------------------------------------------------------


def shapes(min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1,
           max_side: int = MAX_SIDE) -> st.SearchStrategy[tuple[int, ...]]:
    """Array shapes small enough to gradcheck element by element (0-d included by default).

    Example:
        >>> from hypothesis import given
        >>> from tinygrad_np import testing
        >>> @given(testing.shapes(min_dims=1, max_dims=2))
        ... def test_shape(s):
        ...     assert 1 <= len(s) <= 2 and all(1 <= n <= 4 for n in s)
        >>> test_shape()
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def arrays(shape: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
           domain: str | Domain = "real", dtype: Any = np.float64,
           unique: bool = False) -> st.SearchStrategy[np.ndarray]:
    """A strategy of ndarrays of `shape` (default: `shapes()`) with values from `domain`.

    Args:
        shape: a shape or a strategy of shapes.
        domain: a Domain or the name of one in `domains`.
        dtype: the array's float dtype; values are drawn in float64 and then converted.
        unique: no repeated values (use a grid domain to also keep them apart).

    Example:
        >>> from hypothesis import given
        >>> from tinygrad_np import testing
        >>> @given(testing.arrays((2, 3), "positive", dtype=np.float32))
        ... def test_log_is_finite(a):
        ...     assert a.dtype == np.float32 and np.isfinite(np.log(a)).all()
        >>> test_log_is_finite()
    """
    d = _domain(domain)
    drawn = hnp.arrays(np.float64, shapes() if shape is None else shape,
                       elements=d.elements(), unique=unique)
    dtype = np.dtype(dtype)
    return drawn if dtype == np.float64 else drawn.map(lambda a: a.astype(dtype))


def tensors(shapes: tuple[int, ...] | st.SearchStrategy[tuple[int, ...]] | None = None,
            domain: str | Domain = "real", dtype: Any = np.float64,
            requires_grad: bool = True, unique: bool = False) -> st.SearchStrategy[Tensor]:
    """A strategy of Tensors: `arrays(shapes, domain, dtype, unique)` wrapped as leaves.

    Example:
        >>> from hypothesis import given
        >>> from tinygrad_np import testing
        >>> @given(testing.tensors((3,), domain="unit_interval"))
        ... def test_probabilities(p):
        ...     assert p.requires_grad and ((p > 0) & (p < 1)).all()
        >>> test_probabilities()
    """
    return arrays(shapes, domain, dtype, unique).map(
        lambda a: Tensor(a, requires_grad=requires_grad))


def _per_input(domain: Any, n: int) -> list[Domain]:
    if isinstance(domain, (str, Domain)):
        return [_domain(domain)] * n
    domain = list(domain)
    if len(domain) != n:
        raise ValueError(f"got {len(domain)} domains for {n} inputs")
    return [_domain(d) for d in domain]


@st.composite
def _tensors_of_shapes(draw, shape_tuples, domain, dtype, requires_grad):
    input_shapes = draw(shape_tuples)
    ds = _per_input(domain, len(input_shapes))
    return tuple(draw(tensors(s, d, dtype, requires_grad)) for s, d in zip(input_shapes, ds))


def broadcastable_tensors(n: int = 2, domain: str | Domain | Sequence[str | Domain] = "real",
                          dtype: Any = np.float64, requires_grad: bool = True,
                          min_dims: int = 0, max_dims: int = MAX_DIMS,
                          max_side: int = MAX_SIDE) -> st.SearchStrategy[tuple[Tensor, ...]]:
    """A strategy of `n` Tensors whose shapes broadcast together (ranks and sizes of 1 vary,
    e.g. (3, 1, 4) with (2, 4) or ()). This is what catches a wrong un-broadcast in backward.

    Args:
        n: how many tensors.
        domain: one domain for all, or one per tensor.
        dtype, requires_grad: as for `tensors`.
        min_dims, max_dims, max_side: bounds of the shapes.

    Example:
        >>> import tinygrad_np as tnp
        >>> from hypothesis import given
        >>> from tinygrad_np import testing
        >>> @given(testing.broadcastable_tensors(2, domain=["real", "far_from_zero"]))
        ... def test_div(ab):
        ...     a, b = ab
        ...     assert testing.check_grads(lambda a, b: a / b, [a, b], second_order=False)
        >>> test_div()
    """
    shape_tuples = hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda b: b.input_shapes)
    return _tensors_of_shapes(shape_tuples, domain, dtype, requires_grad)


MATMUL_SIGNATURE = "(m?,n),(n,p?)->(m?,p?)"


def matmul_operands(domain: str | Domain | Sequence[str | Domain] = "real",
                    dtype: Any = np.float64, requires_grad: bool = True,
                    max_dims: int = 2, max_side: int = MAX_SIDE
                    ) -> st.SearchStrategy[tuple[Tensor, Tensor]]:
    """A strategy of (a, b) for `a @ b`: 1-D vectors, matrices and broadcasting batches, from
    NumPy's gufunc signature ``(m?,n),(n,p?)->(m?,p?)``.

    Args:
        domain: one domain for both operands, or one each.
        max_dims: the most batch dimensions (beyond the matrix ones).

    Example:
        >>> from hypothesis import given
        >>> from tinygrad_np import testing
        >>> @given(testing.matmul_operands())
        ... def test_matmul_shape(ab):
        ...     a, b = ab
        ...     assert (a @ b).shape == np.matmul(a.numpy(), b.numpy()).shape
        >>> test_matmul_shape()
    """
    shape_tuples = hnp.mutually_broadcastable_shapes(
        signature=MATMUL_SIGNATURE, max_dims=max_dims, max_side=max_side
    ).map(lambda b: b.input_shapes)
    return _tensors_of_shapes(shape_tuples, domain, dtype, requires_grad)


# ---- gradient checks -----------------------------------------------------------------------


def check_grads(fn: Callable[..., Any], inputs: Any, second_order: bool = True,
                **kwargs: Any) -> bool:
    """Run gradcheck and, unless `second_order=False`, gradgradcheck on fn at inputs.

    Args:
        fn: takes the inputs as Tensors and returns a Tensor or a tuple of Tensors. It must
            be differentiable at the inputs: keep them away from kinks (see `domains`).
        inputs: Tensors, arrays or numbers, as for `tinygrad_np.gradcheck` (checked in
            float64 copies).
        second_order: also check the gradient of the gradient (create_graph=True).
        **kwargs: passed to both checks (eps, atol, rtol, max_elements, seed, ...).

    Returns:
        True; a mismatch raises GradcheckError naming the input and the index.

    Example:
        >>> import tinygrad_np as tnp
        >>> from tinygrad_np.testing import check_grads
        >>> x = tnp.randn(2, 3, dtype="float64", requires_grad=True)
        >>> check_grads(lambda x: x.sin().sum(1), [x])
        True
    """
    gradcheck(fn, inputs, **kwargs)
    if second_order:
        gradgradcheck(fn, inputs, **kwargs)
    return True


# ---- hypothesis profiles ---------------------------------------------------------------------

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

HYPOTHESIS_PROFILES: dict[str, dict[str, Any]] = {
    # quick feedback while editing: a few examples per property
    "dev": dict(_COMMON, max_examples=8),
    # every CI run draws the same examples (derandomize), so a red run is reproducible and
    # the time taken is stable; thorough and dev keep exploring new examples
    "ci": dict(_COMMON, max_examples=50, derandomize=True, print_blob=True),
    # before a release or after touching the engine
    "thorough": dict(_COMMON, max_examples=400),
}


def register_profiles() -> None:
    """Register HYPOTHESIS_PROFILES ("dev", "ci", "thorough") with hypothesis; deadline is
    None in all of them, as gradchecks vary in time.

    Example:
        >>> from hypothesis import settings
        >>> from tinygrad_np import testing
        >>> testing.register_profiles()
        >>> settings.get_profile("thorough").max_examples
        400
    """
    for name, kwargs in HYPOTHESIS_PROFILES.items():
        settings.register_profile(name, **kwargs)


def choose_profile(environ: Mapping[str, str] | None = None) -> str:
    """The profile to use: $HYPOTHESIS_PROFILE if set, else "ci" when $CI is "true", else
    "dev".

    Example:
        >>> from tinygrad_np.testing import choose_profile
        >>> choose_profile({"CI": "true"}), choose_profile({}), choose_profile(
        ...     {"CI": "true", "HYPOTHESIS_PROFILE": "thorough"})
        ('ci', 'dev', 'thorough')
    """
    environ = os.environ if environ is None else environ
    name = environ.get("HYPOTHESIS_PROFILE")
    if name:
        return name
    return "ci" if environ.get("CI", "").lower() == "true" else "dev"


def load_profile(name: str | None = None) -> str:
    """Register the profiles and load `name` (default: `choose_profile()`); return the name.
    Call it from your conftest.py to share the project's settings.

    Example:
        >>> from tinygrad_np import testing
        >>> testing.load_profile() in testing.HYPOTHESIS_PROFILES
        True
    """
    register_profiles()
    name = name or choose_profile()
    settings.load_profile(name)
    return name
