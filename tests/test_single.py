"""``actgrad._single`` (float32 arithmetic) and the float32 kernels built on it (sigmoid, tanh, silu: f and f').

The float32 kernels are compared with the float64 kernels on the same float32 inputs: those are checked against
mpmath to about 1 ulp of float64 (``tests/test_reference.py``), 2^29 times finer than float32's ulp, so they stand in
for the true value; every float32 input in the slow run, a stride through all of them in the default run. The
helpers are checked against mpmath and exact rationals directly."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from numba import njit, prange

import actgrad as ag
from actgrad import _single

#: The bar, in float32 ulps of the true value: measured over every float32 input, the largest error is 0.81 ulp
#: (silu' at -91.9, a subnormal result: rounded twice), 0.78 for normal results (tanh at 0.1255, where 1 - e^-2x
#: amplifies e^x's error); the family's budget is 2 (f and f').
MAX_ULP = 0.85
#: Near a zero of the function (silu' at -1.278...), the error rule's unit is ulp(1) within 0.05 of it.
ROOTS = {("silu", 1): -1.2784645427610737}
CASES = [(name, order) for name in ("sigmoid", "tanh", "silu") for order in (0, 1)]
_F32_MIN_NORMAL = 2.0**-126


@njit(parallel=True, error_model="numpy")
def _errors(y32: np.ndarray, y64: np.ndarray, x: np.ndarray, root: float) -> tuple[np.ndarray, np.ndarray]:
    """Per block of the inputs: the largest |y32 - y64| in float32 ulps of y64 (of 1 within 0.05 of ``root``), and
    where; inf where one is NaN or infinite and the other is not the same."""
    blocks = 64
    per = (x.size + blocks - 1) // blocks
    worst, at = np.zeros(blocks), np.zeros(blocks, np.int64)
    for b in prange(blocks):
        for i in range(b * per, min(x.size, (b + 1) * per)):
            t, g = y64[i], np.float64(y32[i])
            if t != t or g != g or math.isinf(t) or math.isinf(g):
                err = 0.0 if (t != t and g != g) or t == g else math.inf
            else:
                unit = 1.0 if abs(x[i] - root) < 0.05 else abs(t)  # root may be NaN: no zero
                unit = 2.0**-149 if unit < _F32_MIN_NORMAL else 2.0 ** (math.frexp(unit)[1] - 24)
                err = abs(g - t) / unit
            if err > worst[b]:
                worst[b], at[b] = err, i
    return worst, at


def _worst(name: str, order: int, x: np.ndarray) -> tuple[float, float]:
    """The largest error of the float32 kernel over ``x`` (float32), and the input where it occurs."""
    fn = ag.get(name)
    fn = fn.grad if order else fn
    with np.errstate(invalid="ignore"):  # NumPy warns when it widens a signalling NaN
        x64 = x.astype(np.float64)
    worst, at = _errors(fn(x), fn(x64), x64, ROOTS.get((name, order), math.nan))
    i = int(np.argmax(worst))
    return float(worst[i]), float(x[at[i]])


def _bit_patterns(start: int, stop: int, step: int = 1) -> np.ndarray:
    return np.arange(start, stop, step, dtype=np.uint32).view(np.float32)


@pytest.mark.parametrize(("name", "order"), CASES)
def test_float32_kernels_on_a_stride_through_every_float32(name: str, order: int) -> None:
    """Every 1021st bit pattern (both signs, every binade, subnormals, inf and NaN), and everything about x = 0."""
    x = np.concatenate(
        [_bit_patterns(0, 2**32 - 1, 1021), _bit_patterns(0, 2**16), _bit_patterns(2**31, 2**31 + 2**16)]
    )
    worst, at = _worst(name, order, x)
    assert worst <= MAX_ULP, f"{name} order {order}: {worst} ulp at x = {at!r}"


@pytest.mark.slow
@pytest.mark.parametrize(("name", "order"), CASES)
def test_float32_kernels_on_every_float32(name: str, order: int) -> None:
    """All 2^32 inputs, in chunks (about a minute per case on two cores)."""
    chunk = 2**26
    results = [_worst(name, order, _bit_patterns(lo, lo + chunk)) for lo in range(0, 2**32, chunk)]
    worst, at = max(results)
    assert worst <= MAX_ULP, f"{name} order {order}: {worst} ulp at x = {at!r}"


def test_signed_zeros_and_limits() -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], np.float32)
    expect = {
        (ag.sigmoid, 0): [0.5, 0.5, 1.0, 0.0, np.nan],
        (ag.sigmoid, 1): [0.25, 0.25, 0.0, 0.0, np.nan],
        (ag.tanh, 0): [0.0, -0.0, 1.0, -1.0, np.nan],
        (ag.tanh, 1): [1.0, 1.0, 0.0, 0.0, np.nan],
        (ag.silu, 0): [0.0, -0.0, np.inf, 0.0, np.nan],
        (ag.silu, 1): [0.5, 0.5, 1.0, 0.0, np.nan],
    }
    for (fn, order), want in expect.items():
        got = (fn.grad if order else fn)(x)
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, np.array(want, np.float32))
        assert (np.signbit(got[:2]) == np.signbit(np.array(want[:2]))).all(), (fn, order)


# --- the helpers ------------------------------------------------------------------------------------------------


@njit(error_model="numpy")
def _exp_parts(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        hi, lo, big = _single.exp_parts(x[i])
        out[i, 0], out[i, 1], out[i, 2] = hi, lo, big


def test_exp_polynomial_is_the_chebyshev_interpolant() -> None:
    """(e^r - 1 - r) / r^2 interpolated at the 6 Chebyshev nodes of |r| <= 1.001 ln2/2, recomputed at 200 bits and
    rounded to float32; r^2 times it then errs by less than 2^-30 of e^r there."""
    with mpmath.workprec(200):
        a = mpmath.log(2) / 2 * mpmath.mpf("1.001")
        n = len(_single._EXP_POLY)
        nodes = [a * mpmath.cos(mpmath.pi * (k + mpmath.mpf(0.5)) / n) for k in range(n)]
        vandermonde = mpmath.matrix([[t**j for j in range(n)] for t in nodes])
        coefficients = mpmath.lu_solve(vandermonde, mpmath.matrix([(mpmath.expm1(t) - t) / t**2 for t in nodes]))
        assert [float(np.float32(float(c))) for c in coefficients] == list(_single._EXP_POLY)
        for t in np.linspace(-float(a), float(a), 1001):
            poly = sum(mpmath.mpf(c) * mpmath.mpf(t) ** j for j, c in enumerate(_single._EXP_POLY))
            assert abs((poly * t**2 + t + 1) / mpmath.exp(t) - 1) < 2.0**-30, t


def test_exp_parts_against_mpmath() -> None:
    """(hi + lo) big 2^-64 within 2^-26 relative of e^x (the roundings of r = rh + rl and of r^2, about 2^-27
    each) for float32 x in [-120, 0], hi in [0.7, 1.42], lo below half an ulp of hi."""
    rng = np.random.default_rng(7)
    x = np.concatenate([-rng.uniform(0, 120, 3000), -np.exp(rng.uniform(-100, 0, 500)), [0.0, -0.0, -120.0]])
    x = x.astype(np.float32)
    parts = np.empty((x.size, 3), np.float32)
    _exp_parts(x, parts)
    hi, lo, big = (parts[:, j].astype(np.float64) for j in range(3))
    assert (hi >= 0.7).all() and (hi <= 1.42).all()
    assert (np.abs(lo) <= np.spacing(parts[:, 0]) / 2).all()
    with mpmath.workprec(100):
        for xi, h, low, b in zip(x.tolist(), hi.tolist(), lo.tolist(), big.tolist(), strict=True):
            value = (mpmath.mpf(h) + mpmath.mpf(low)) * mpmath.mpf(b) * mpmath.mpf(2) ** -64
            assert abs(value / mpmath.exp(mpmath.mpf(xi)) - 1) < mpmath.mpf(2) ** -26, xi


@njit(error_model="numpy")
def _div_pairs(v: np.ndarray, out: np.ndarray) -> None:
    for i in range(out.size):
        out[i] = _single.div_pair(v[i, 0], v[i, 1], v[i, 2], v[i, 3])


def test_div_pair_rounds_about_once() -> None:
    """(nh + nl) / (dh + dl) within 0.51 ulp of the exact quotient of the four float32s."""
    rng = np.random.default_rng(3)
    n = 20000
    nh = rng.uniform(0.5, 8.0, n) * rng.choice([-1.0, 1.0], n)
    dh = rng.uniform(1.0, 4.0, n)
    v = np.stack([nh, nh * rng.uniform(-(2**-24), 2**-24, n), dh, dh * rng.uniform(-(2**-24), 2**-24, n)], 1)
    v = v.astype(np.float32)
    out = np.empty(n, np.float32)
    _div_pairs(v, out)
    for row, q in zip(v.tolist(), out.tolist(), strict=True):
        exact = (Fraction(row[0]) + Fraction(row[1])) / (Fraction(row[2]) + Fraction(row[3]))
        assert abs(Fraction(q) - exact) <= Fraction(0.51) * Fraction(float(np.spacing(np.float32(abs(exact))))), row


def test_kernels_compute_in_float32() -> None:
    """A loop over the float32 sigmoid's scalar function divides float32 vectors, and nowhere in float64."""
    from actgrad import _kernels

    scalar = _kernels.scalar(ag.get("sigmoid").spec.formula(0), lean=True)

    @njit(error_model="numpy")
    def loop(x: np.ndarray, out: np.ndarray) -> None:
        for i in range(x.size):
            out[i] = scalar(x[i], (), (), ())

    x = np.linspace(-5, 5, 64, dtype=np.float32)
    out = np.empty_like(x)
    loop(x, out)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-x.astype(np.float64))), rtol=1e-6)
    asm = "".join(loop.inspect_asm().values())
    assert re.search(r"\bv?div[ps]s\b", asm), "no float32 vector division in the loop"
    assert not re.search(r"\bv?div[ps]d\b", asm), "the loop divides in float64"
