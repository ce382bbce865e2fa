"""The scalar namespace of kernels whose results are float32 (float16 and bfloat16 are computed through float32).

It has :mod:`actgrad._math`'s functions, and formulas are evaluated in float64 as there; what differs are the
error-free transformations, here plain float64 arithmetic with a zero error term, and ``COMPENSATED``, False. One
float64 operation errs by at most 2^-53 relative, 2^29 times less than float32's half ulp, so a float32 result needs
none of the double-double corrections that the kits (the functions' shared helpers) carry for float64 results: built
on this namespace they drop them (a double-double product is a product, a quotient one division) together with the
polynomials about the zeros of f' and f'' (there the error rule measures in ulp(1), far above float64's absolute
error), and the float32 kernels run several times faster. What stays are the series that avoid a relative
cancellation (x - tanh x near 0, expm1 near 0), which no working precision cures.

``exp`` is a cheaper one too: no table (whose gathers cost more than the rest of it), a degree-11 Taylor polynomial
after reducing by ln 2, within 2^-45 relative of the true value (``tests/test_exp.py``).
"""

from __future__ import annotations

import math

from numba import njit

from ._exp import _bits, _from_bits
from ._math import (  # noqa: F401 -- the namespace's functions
    abs,
    astype_like,
    copysign,
    erf,
    erfc,
    fma,
    log,
    log1p,
    sqrt,
    tanh,
    where,
    widen,
)

COMPILED = True
COMPENSATED = False
#: How kits compile their helpers here: as in actgrad._math, and free to contract a * b + c into one fma (one rounding
#: instead of two; polynomials run twice as fast).
helper = njit(forceinline=True, error_model="numpy", fastmath={"contract"})


@njit(inline="always")
def two_sum(a, b):  # type: ignore[no-untyped-def]
    """a + b, with no error term."""
    return a + b, 0.0


fast_two_sum = two_sum


@njit(inline="always")
def two_prod(a, b):  # type: ignore[no-untyped-def]
    """a * b, with no error term."""
    return a * b, 0.0


@njit(inline="always")
def div_dd(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
    """(nh + nl) / (dh + dl) in one division, with no error term."""
    return (nh + nl) / (dh + dl), 0.0


_INV_LN2 = 1.0 / math.log(2.0)
_LN2_HI = 0.6931471803691238  # 32 significant bits: k * _LN2_HI is exact for the |k| <= 1077 that occur
_LN2_LO = 1.9082149292705877e-10
_SHIFT = 6755399441055744.0  # 1.5 * 2^52: adding it rounds to an integer, which then sits in the low bits
_SHIFT_BITS = 0x4338000000000000


@helper
def _reduced(x):  # type: ignore[no-untyped-def]
    """(q, s1, s2, 1/s2) with e^x = (1 + q) s1 s2 within 2^-45 relative: x = k ln 2 + r, |r| <= ln2 / 2, q = e^r - 1
    by its Taylor polynomial of degree 11 (truncation below 2^-48), and 2^k = s1 s2 built from bits in two halves, so
    that overflow gives inf and underflow 0 (x is clamped to [-746, 710] first; NaN passes both clamps)."""
    xc = where(x < -746.0, -746.0, x)
    xc = where(xc > 710.0, 710.0, xc)
    shifted = xc * _INV_LN2 + _SHIFT
    k = _bits(shifted) - _SHIFT_BITS
    kd = shifted - _SHIFT
    r = (xc - kd * _LN2_HI) - kd * _LN2_LO
    p = 2.505210838544172e-08  # 1/11!
    p = p * r + 2.755731922398589e-07  # 1/10!
    p = p * r + 2.7557319223985893e-06  # 1/9!
    p = p * r + 2.48015873015873e-05  # 1/8!
    p = p * r + 0.0001984126984126984  # 1/7!
    p = p * r + 0.001388888888888889  # 1/6!
    p = p * r + 0.008333333333333333  # 1/5!
    p = p * r + 0.041666666666666664  # 1/4!
    p = p * r + 0.16666666666666666  # 1/3!
    p = p * r + 0.5
    p = p * r + 1.0
    half = k >> 1
    rest = k - half
    return p * r, _from_bits((half + 1023) << 52), _from_bits((rest + 1023) << 52), _from_bits((1023 - rest) << 52)


@helper
def exp(x):  # type: ignore[no-untyped-def]
    """e^x within 2^-45 relative (float64 subnormal results less precise; float32 results never are subnormal in
    float64). NaN propagates."""
    q, s1, s2, _ = _reduced(x)
    return ((q + 1.0) * s1) * s2


@helper
def expm1(x):  # type: ignore[no-untyped-def]
    """e^x - 1 within 2^-44 relative: ((e^r - 1) s1 - (1/s2 - s1)) s2 with 2^k = s1 s2, which is e^r - 1 itself
    where k = 0 (no cancellation for small x, and -0 stays -0) and otherwise adds terms of which |e^x - 1| > 0.29
    is more than a third; 2^k itself is never formed, so it does not overflow before e^x does. NaN propagates."""
    q, s1, s2, s2_inv = _reduced(x)
    return (q * s1 - (s2_inv - s1)) * s2
