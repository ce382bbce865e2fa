"""``actgrad._exp.exp`` against mpmath (200 bits): ulp error in every regime, special values bit for bit, the
tables it is built on, and that a loop calling it vectorizes."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
import pytest
from numba import njit

from actgrad import _exp, _lean
from actgrad._exp import exp

#: The bar; the measured maximum over 2.45 million random points (whole range, |x| < 0.5, subnormal results, near
#: the ends of the reduction interval) is 0.5022.
MAX_ULP = 0.51

OVERFLOW = 709.782712893384  # the largest x with a finite exp(x)
UNDERFLOW = -745.1332191019411  # the smallest x with exp(x) > 0 (it gives 2**-1074)
SUBNORMAL = -708.3964185322641  # about log(2**-1022): below it exp(x) is subnormal


def _loop_of(fn: Callable[[float], float]) -> Any:
    """A numba loop ``(x, out)`` applying the scalar function ``fn``, as the kernels do (so that it vectorizes)."""

    @njit(error_model="numpy")
    def loop(x: np.ndarray, out: np.ndarray) -> None:
        for i in range(x.size):
            out[i] = fn(x[i])

    return loop


def _apply(loop: Any, x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    loop(x, out)
    return out


_loop = _loop_of(exp)


def _exp_array(x: np.ndarray) -> np.ndarray:
    return _apply(_loop, x)


def _ulp_errors(x: np.ndarray) -> np.ndarray:
    """|ours - e**x| / spacing(e**x rounded to float64); 0 where both overflow, inf where only one does."""
    ours = _exp_array(x)
    errors = np.empty(x.size)
    with mpmath.workprec(200):
        for i, (xi, yi) in enumerate(zip(x.tolist(), ours.tolist(), strict=True)):
            true = mpmath.exp(mpmath.mpf(xi))
            rounded = float(true)
            if math.isinf(rounded) or math.isinf(yi):
                errors[i] = 0.0 if yi == rounded else math.inf
            else:
                errors[i] = float(abs(mpmath.mpf(yi) - true) / math.ulp(abs(rounded)))
    return errors


def _neighbours(points: np.ndarray, steps: int = 2) -> np.ndarray:
    """Each point and its ``steps`` float64 neighbours on either side."""
    out = [points]
    up = down = points
    for _ in range(steps):
        up, down = np.nextafter(up, np.inf), np.nextafter(down, -np.inf)
        out += [up, down]
    return np.concatenate(out)


def _edges() -> np.ndarray:
    tiny = np.finfo(np.float64).smallest_subnormal
    big = np.finfo(np.float64).max
    points = np.array([0.0, tiny, -tiny, 2.0**-1022, -(2.0**-1022), 2.0**-54, -(2.0**-54), 2.0**-53, -(2.0**-53)])
    thresholds = np.array([OVERFLOW, UNDERFLOW, SUBNORMAL, 512.0, -512.0, 1.0, -1.0, 700.0, -700.0, -740.0])
    return np.concatenate([points, _neighbours(thresholds, 3), [big, -big, 710.0, -746.0, 1000.0, -1000.0]])


def _ln2_multiples(rng: np.random.Generator) -> np.ndarray:
    """x near k ln2 (the result near 2**k, where the binade changes) and near (k + j/256) ln2 (table nodes)."""
    k = np.concatenate([np.arange(-1075, 1025, 7), rng.integers(-1075, 1025, 200)])
    nodes = (k + rng.integers(0, 256, k.size) / 256) * math.log(2)
    return _neighbours(np.concatenate([k * math.log(2), nodes]), 1)


REGIMES: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "|x| < 1e-10": lambda rng: rng.uniform(-1e-10, 1e-10, 500),
    "|x| < 1": lambda rng: rng.uniform(-1.0, 1.0, 3000),
    "|x| < 50": lambda rng: rng.uniform(-50.0, 50.0, 1500),
    "whole range": lambda rng: rng.uniform(-746.0, 710.0, 8000),
    "subnormal results": lambda rng: rng.uniform(-745.2, SUBNORMAL, 1000),
    "near overflow": lambda rng: rng.uniform(700.0, 709.8, 500),
    "log-spaced magnitudes": lambda rng: np.exp(rng.uniform(-745.0, 6.6, 1000)) * rng.choice([-1.0, 1.0], 1000),
    "multiples of ln2": _ln2_multiples,
    "edges": lambda rng: _edges(),
}


@pytest.mark.parametrize("regime", list(REGIMES))
def test_ulp_error(regime: str) -> None:
    x = REGIMES[regime](np.random.default_rng(sorted(REGIMES).index(regime)))
    errors = _ulp_errors(x)
    worst = int(np.argmax(errors))
    assert errors[worst] <= MAX_ULP, f"exp({x[worst]!r}) is off by {errors[worst]} ulp"


@pytest.mark.parametrize(
    ("x", "want"),
    [
        (0.0, 1.0),
        (-0.0, 1.0),
        (np.inf, np.inf),
        (-np.inf, 0.0),
        (5e-324, 1.0),
        (-5e-324, 1.0),
        (2.0**-54, 1.0),
        (-(2.0**-54), 1.0),
        (1.0, math.e),
        (np.finfo(np.float64).max, np.inf),
        (-np.finfo(np.float64).max, 0.0),
        (OVERFLOW, 1.7976931348622732e308),  # correctly rounded (just below the largest float64)
        (float(np.nextafter(OVERFLOW, np.inf)), np.inf),
        (UNDERFLOW, 5e-324),
        (float(np.nextafter(UNDERFLOW, -np.inf)), 0.0),
    ],
)
def test_special_values_bit_exact(x: float, want: float) -> None:
    got = exp(x)
    assert type(got) is float
    assert np.float64(got).view(np.int64) == np.float64(want).view(np.int64), (x, got, want)


def test_nan() -> None:
    assert math.isnan(exp(math.nan))
    assert np.isnan(_exp_array(np.array([np.nan, -np.nan, 1.0]))[:2]).all()


def test_other_input_types_are_widened() -> None:
    for x in (np.float32(-1.5), np.int64(3), 7, True):
        got = exp(x)
        assert type(got) is float
        assert got == exp(float(x))


def test_tables() -> None:
    """T[j] is the float64 nearest to 2**(j/256), T[j] (1 + tail[j]) is 2**(j/256) to about 2**-106, and
    ln2/256 is split into a head with at most 34 significant bits (so that k * head is exact for |k| < 2**19) and a
    float64 tail, which together carry it to 2**-96 (k * the rest stays below 2**-77)."""
    heads = _exp._HEAD_BITS.view(np.float64)
    with mpmath.workprec(200):
        for j, (head, tail) in enumerate(zip(heads.tolist(), _exp._TAIL.tolist(), strict=True)):
            true = mpmath.mpf(2) ** (mpmath.mpf(j) / 256)
            assert head == float(true)
            assert abs(mpmath.mpf(head) * (1 + mpmath.mpf(tail)) / true - 1) < mpmath.mpf(2) ** -104
        step = mpmath.log(2) / 256
        assert abs(mpmath.mpf(_exp._STEP_HI) + mpmath.mpf(_exp._STEP_LO) - step) < mpmath.mpf(2) ** -96
        assert float(1 / step) == _exp._INV_STEP
    mantissa, _ = math.frexp(_exp._STEP_HI)
    assert (mantissa * 2**34).is_integer()


def test_loop_vectorizes() -> None:
    """LLVM's loop vectorizer turns the loop into SIMD code (a scalar libm call would have prevented it)."""
    x = np.linspace(-10.0, 10.0, 64)
    np.testing.assert_allclose(_exp_array(x), np.exp(x), rtol=1e-15)
    ir = "".join(_loop.inspect_llvm().values())
    assert "vector.body" in ir
    assert re.search(r"fmul <\d+ x double>", ir), "the loop body has no vector multiplication"


# --- actgrad._lean.exp: the table-free exp of the float32 kernels ----------------------------------------------

#: The lean exp's bar, relative: float32 results need 2^-24; its polynomial alone errs by up to 2^-43.3.
LEAN_MAX_REL = 2.0**-43


def test_lean_exp_polynomial_is_the_chebyshev_interpolant() -> None:
    """The lean exp's coefficients are those of the degree-8 polynomial through (e^r - 1)/r at the 9 Chebyshev nodes
    of |r| <= 1.0005 ln2/2 (the reduced argument's range, with room for the rounding of k), recomputed here at 200
    bits, and it stays within 2^-43 relative of (e^r - 1)/r there."""
    with mpmath.workprec(200):
        a = mpmath.log(2) / 2 * mpmath.mpf("1.0005")
        n = len(_lean._EXPM1_R)
        nodes = [a * mpmath.cos(mpmath.pi * (k + mpmath.mpf(0.5)) / n) for k in range(n)]
        vandermonde = mpmath.matrix([[t**j for j in range(n)] for t in nodes])
        coefficients = mpmath.lu_solve(vandermonde, mpmath.matrix([mpmath.expm1(t) / t for t in nodes]))
        assert [float(c) for c in coefficients] == list(_lean._EXPM1_R)
        for t in np.linspace(-float(a), float(a), 2001):
            if t:
                poly = sum(mpmath.mpf(c) * mpmath.mpf(t) ** j for j, c in enumerate(_lean._EXPM1_R))
                assert abs(poly * t / mpmath.expm1(t) - 1) < 2.0**-43, t


_lean_loop = _loop_of(_lean.exp)


@pytest.mark.parametrize("regime", list(REGIMES))
def test_lean_exp_relative_error(regime: str) -> None:
    """Within 2^-43 relative wherever e^x is at least 2^-1021 (float32 results need far less than that); 0 below
    2^-1023 and inf exactly where e^x overflows."""
    x = REGIMES[regime](np.random.default_rng(sorted(REGIMES).index(regime)))
    ours = _apply(_lean_loop, x)
    with mpmath.workprec(200):
        for xi, yi in zip(x.tolist(), ours.tolist(), strict=True):
            true = mpmath.exp(mpmath.mpf(xi))
            if true > np.finfo(np.float64).max:
                assert yi == math.inf, xi
            elif true < 2.0**-1023:
                assert yi == 0.0, xi
            elif true >= 2.0**-1021:
                assert abs(mpmath.mpf(yi) / true - 1) <= LEAN_MAX_REL, (xi, yi)


def test_lean_exp_special_values() -> None:
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1000.0, -1000.0, np.finfo(np.float64).max])
    ours = _apply(_lean_loop, x)
    np.testing.assert_array_equal(ours, [1.0, 1.0, np.inf, 0.0, np.nan, np.inf, 0.0, np.inf])


# --- actgrad._lean.expm1: e^x - 1 without cancellation, for the float32 kernels' tanh ---------------------------


_lean_expm1_loop = _loop_of(_lean.expm1)


@pytest.mark.parametrize("regime", list(REGIMES))
def test_lean_expm1_relative_error(regime: str) -> None:
    """Within 2^-42 relative wherever e^x - 1 is finite and |x| >= 2^-1021: also for tiny x, where e^x - 1 = x(1 +
    x/2 + ...) and exp(x) - 1 would lose everything; inf where e^x overflows, -1 where it underflows. (Below 2^-1021
    the halved x it scales is subnormal and loses bits; float32 inputs are never that small.)"""
    x = REGIMES[regime](np.random.default_rng(100 + sorted(REGIMES).index(regime)))
    ours = _apply(_lean_expm1_loop, x)
    with mpmath.workprec(200):
        for xi, yi in zip(x.tolist(), ours.tolist(), strict=True):
            true = mpmath.expm1(mpmath.mpf(xi))
            if true > np.finfo(np.float64).max:
                assert yi == math.inf, xi
            elif abs(xi) >= 2.0**-1021:
                assert abs(mpmath.mpf(yi) / true - 1) <= 2.0**-42, (xi, yi)
            elif xi == 0:
                assert yi == 0.0, xi


def test_lean_expm1_special_values() -> None:
    tiny = float(np.finfo(np.float32).smallest_subnormal)
    x = np.array([0.0, -0.0, tiny, -tiny, np.inf, -np.inf, np.nan, 1000.0, -1000.0])
    ours = _apply(_lean_expm1_loop, x)
    np.testing.assert_array_equal(ours, [0.0, -0.0, tiny, -tiny, np.inf, -1.0, np.nan, np.inf, -1.0])
    assert np.signbit(ours[1]) and np.signbit(ours[3])
