"""The error function for ndarrays and the ops built on it: Erf, and GELU fused into one op.

NumPy has no erf. `erf` and `erfc` below evaluate W. J. Cody's rational Chebyshev
approximations ("Rational Chebyshev approximations for the error function", Math. Comp. 23
(1969) 631-638; the coefficients are those of netlib SPECFUN's CALERF), whose relative
error is below 1e-15 in float64: erf on |x| <= 0.46875, erfc on 0.46875 < |x| <= 4 and
erfc via an asymptotic-type rational function of 1/x² beyond. Computing erfc directly
(rather than 1 - erf) keeps the relative accuracy of the normal CDF Φ(x) = erfc(-x/√2)/2
far into the negative tail, which GELU needs.
"""

from __future__ import annotations

import math

import numpy as np

from ..function import Function

# erf(x) = x R1(x²) for |x| <= 0.46875, with R1 = P1/Q1
_P1 = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
       3.20937758913846947e03, 1.85777706184603153e-1)
_Q1 = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
       2.84423683343917062e03)
# erfc(y) = e^(-y²) R2(y) for 0.46875 < y <= 4
_P2 = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
       2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
       2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_Q2 = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
       1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
       3.43936767414372164e03, 1.23033935480374942e03)
# erfc(y) = e^(-y²) / y (1/√π - z R3(z)) with z = 1/y², for y > 4
_P3 = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
       1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q3 = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
       6.05183413124413191e-2, 2.33520497626869185e-3)

_SMALL, _MID = 0.46875, 4.0
_ERFC_UNDERFLOW = 27.3  # erfc(y) rounds to 0 in float64 (below the smallest subnormal) from here on
_INV_SQRT_PI = 0.56418958354775628695
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _ratio(num: tuple, den: tuple, z: np.ndarray) -> np.ndarray:
    """Cody's nested evaluation: the last numerator coefficient leads, the den is monic."""
    n = len(den)
    xnum, xden = num[-1] * z, z
    for i in range(n - 1):
        xnum = (xnum + num[i]) * z
        xden = (xden + den[i]) * z
    return (xnum + num[n - 1]) / (xden + den[n - 1])


def _erfc_tail(y: np.ndarray) -> np.ndarray:
    """erfc(y) for y > 0.46875 (float64)."""
    out = np.zeros_like(y)
    mid = y <= _MID
    big = ~mid & (y < _ERFC_UNDERFLOW)
    ym = y[mid]
    out[mid] = _ratio(_P2, _Q2, ym)
    yb = y[big]
    z = 1.0 / (yb * yb)
    out[big] = (_INV_SQRT_PI - z * _ratio(_P3, _Q3, z)) / yb
    live = mid | big
    yl = y[live]
    # e^(-y²) split as e^(-r²) e^(-(y-r)(y+r)) with r = y rounded down to 1/16: exact r²
    r = np.trunc(yl * 16.0) / 16.0
    out[live] *= np.exp(-r * r) * np.exp(-(yl - r) * (yl + r))
    return out


def _float_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x) = 2/√π ∫₀ˣ e^(-t²) dt for an ndarray, in x's float dtype (relative error
    below 1e-15 when computed in float64)."""
    x = np.asarray(x)
    x64 = x.astype(np.float64)
    y = np.abs(x64)
    out = np.full_like(x64, np.nan)  # nan stays nan: it falls in no branch
    small = y <= _SMALL
    xs = x64[small]
    out[small] = xs * _ratio(_P1, _Q1, xs * xs)
    tail = y > _SMALL
    out[tail] = np.copysign(1.0 - _erfc_tail(y[tail]), x64[tail])
    return out.astype(_float_dtype(x), copy=False)


def erfc(x: np.ndarray) -> np.ndarray:
    """erfc(x) = 1 - erf(x) for an ndarray, accurate in relative terms also where it is
    tiny (large x)."""
    x = np.asarray(x)
    x64 = x.astype(np.float64)
    y = np.abs(x64)
    out = np.full_like(x64, np.nan)
    small = y <= _SMALL
    xs = x64[small]
    out[small] = 1.0 - xs * _ratio(_P1, _Q1, xs * xs)
    tail = y > _SMALL
    t = _erfc_tail(y[tail])
    out[tail] = np.where(x64[tail] < 0, 2.0 - t, t)
    return out.astype(_float_dtype(x), copy=False)


class Erf(Function):
    """out = erf(a);  d/da = 2/√π e^(-a²)"""

    @staticmethod
    def forward(ctx, a):
        return erf(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * (-(a * a)).exp() * (2 * _INV_SQRT_PI)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad * np.exp(-(a * a)) * (2 * _INV_SQRT_PI)


class GELU(Function):
    """out = a Φ(a) with Φ the standard normal CDF (exact GELU), fused for speed;
    d/da = Φ(a) + a φ(a), φ the normal density."""

    @staticmethod
    def forward(ctx, a):
        cdf = 0.5 * erfc(a * -_SQRT_HALF)
        ctx.cdf = cdf
        return a * cdf

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        cdf = (Erf.apply(a * _SQRT_HALF) + 1) * 0.5
        pdf = (a * a * -0.5).exp() * _INV_SQRT_2PI
        return grad * (cdf + a * pdf)

    @staticmethod
    def backward_numpy(ctx, grad, a):
        return grad * (ctx.cdf + a * np.exp(-0.5 * a * a) * _INV_SQRT_2PI)  # Φ from forward
