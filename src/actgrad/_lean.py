"""The scalar namespace of kernels whose results are float32 (float16 and bfloat16 are computed through float32).

It has :mod:`actgrad._math`'s functions, and formulas are evaluated in float64 as there; what differs are the
error-free transformations, here plain float64 arithmetic with a zero error term, and ``COMPENSATED``, False. One
float64 operation errs by at most 2^-53 relative, 2^29 times less than float32's half ulp, so a float32 result needs
none of the double-double corrections that the kits (the functions' shared helpers) carry for float64 results: built
on this namespace they drop them (a double-double product is a product, a quotient one division) together with the
polynomials about the zeros of f' and f'' (there the error rule measures in ulp(1), far above float64's absolute
error), and the float32 kernels run several times faster. What stays are the series that avoid a relative
cancellation (x - tanh x near 0, expm1 near 0), which no working precision cures.

``exp`` is a cheaper one too: no table (whose gathers cost more than the rest of it), a polynomial of degree 9 after
reducing by ln 2 and one scaling by a power of 2, within 2^-43 relative of the true value (``tests/test_exp.py``):
float32 results need 2^-24, and gain from more only the rare correct rounding of a value within 2^-43 of a tie.
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
#: How formulas compile here (and the kits' helpers, inlined into them): as in actgrad._math, and free to contract
#: a * b + c into one fma (one rounding instead of two; polynomials run twice as fast).
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
#: The bits of _SHIFT, less the exponent bias of 2^(k - 1): adding the sum's bits to this gives those of 2^(k - 1).
_SCALE_BITS = 0x4338000000000000 - 1022
#: (e^r - 1)/r on |r| <= ln2/2 (and a little beyond, for the rounding of k), lowest degree first: its interpolant at
#: the 9 Chebyshev nodes, within 2^-43 relative (``tests/test_exp.py`` recomputes it with mpmath).
_EXPM1_R = (
    1.0,
    0.49999999999797123,
    0.1666666666664823,
    0.041666666891631156,
    0.00833333335377842,
    0.0013888821542986098,
    0.00019841208634639135,
    2.487623871994097e-05,
    2.7625169883520667e-06,
)
_P0, _P1, _P2, _P3, _P4, _P5, _P6, _P7, _P8 = _EXPM1_R


@njit(inline="always")
def _reduced(x):  # type: ignore[no-untyped-def]
    """(q, s) with e^x = 2 (1 + q) s within 2^-43 relative: x = k ln 2 + r, |r| <= ln2 / 2, q = e^r - 1 by a degree-9
    polynomial, s = 2^(k - 1) built from bits in one step: x is clamped to [-746, 710] first (NaN passes both clamps),
    and k - 1 below float64's exponent range gives s = 0, so results below 2^-1021 flush to 0 (float32 results never
    need them); at the top, 2^1023 is s's largest value and the final doubling overflows exactly where e^x does."""
    xc = where(x < -746.0, -746.0, x)
    xc = where(xc > 710.0, 710.0, xc)
    shifted = xc * _INV_LN2 + _SHIFT
    biased = _bits(shifted) - _SCALE_BITS  # k + 1022, the exponent field of 2^(k - 1)
    kd = shifted - _SHIFT
    r = (xc - kd * _LN2_HI) - kd * _LN2_LO
    p = _P8 * r + _P7
    p = p * r + _P6
    p = p * r + _P5
    p = p * r + _P4
    p = p * r + _P3
    p = p * r + _P2
    p = p * r + _P1
    p = p * r + _P0
    return p * r, _from_bits(where(biased < 0, 0, biased) << 52)


@njit(inline="always")
def exp(x):  # type: ignore[no-untyped-def]
    """e^x within 2^-43 relative down to 2^-1021 (0 below: float32 results never are that small). NaN propagates."""
    q, s = _reduced(x)
    return ((q + 1.0) * s) * 2.0


@njit(inline="always")
def expm1(x):  # type: ignore[no-untyped-def]
    """e^x - 1 within 2^-42 relative: (q s - (1/2 - s)) 2 with 2^(k - 1) = s, which is e^r - 1 itself where k = 0 (no
    cancellation for small x, and -0 stays -0) and otherwise adds terms of which |e^x - 1| > 0.29 is more than a
    fifth; 2^k itself is never formed, so it does not overflow before e^x does. NaN propagates."""
    q, s = _reduced(x)
    return (q * s - (0.5 - s)) * 2.0
