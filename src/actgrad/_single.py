"""float32 arithmetic for the float32 kernels of the most used smooth activations (sigmoid, tanh, silu: f and f').

The float32 kernels otherwise compute in float64 (:mod:`actgrad._lean`), 8 lanes to an AVX-512 vector; in float32
the same vector holds 16, and these kernels run about twice as fast (PyTorch's float32 kernels compute in float32).
float32's rounding is then as coarse as the result's, so the formulas here carry a little float32-float32 arithmetic,
as the float64 kits carry double-double: e^x as an unevaluated sum ``hi + lo`` (:func:`exp_parts`), 1 + t as an
exact sum, and one division whose residual (an fma) corrects the quotient (:func:`div_pair`). Each result then
rounds about once: within 0.81 ulp of the true value over every float32 input (``tests/test_single.py``, against
the float64 kernels; and the usual tests against mpmath), where plain float32 arithmetic errs by 1.5-3 ulp.

Everything here is float32 through and through: numba types a float32 op with a Python float as float64, so the
constants are ``np.float32`` and the helpers take float32 arguments (:func:`narrow`).
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._exp import select

#: How the helpers compile: inlined by LLVM into the kernels' loops (which then vectorize), numpy's error model, and
#: no contraction (the error-free sums below must round as written; the products that need one rounding say fma).
helper = njit(forceinline=True, error_model="numpy")

_F = np.float32


@intrinsic
def fma(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """a * b + c rounded once, in float32 (LLVM's ``llvm.fma.f32``; it vectorizes)."""
    if not all(t == types.float32 for t in (a, b, c)):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        single = ir.FloatType()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(single, [single] * 3), "llvm.fma.f32")
        return builder.call(fn, list(args))

    return types.float32(types.float32, types.float32, types.float32), codegen


@intrinsic
def _power_of_two(typingctx, shifted):  # type: ignore[no-untyped-def]
    """2^j from ``shifted = 1.5 * 2^23 + j + 127`` (j + 127 in 1..254), whose low bits hold j + 127: shifted left by
    23 they become the exponent field, and the bits above fall off the 32-bit integer."""
    if shifted != types.float32:
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        word = ir.IntType(32)
        bits = builder.shl(builder.bitcast(args[0], word), ir.Constant(word, 23))
        return builder.bitcast(bits, ir.FloatType())

    return types.float32(types.float32), codegen


@njit(inline="always")
def narrow(x):  # type: ignore[no-untyped-def]
    """A float64 that holds a float32 (the kernels widen their inputs), as that float32: exact."""
    return np.float32(x)


_ONE = _F(1.0)
_TWO = _F(2.0)
_INV_LN2 = _F(1.0 / math.log(2.0))
_LN2_HI = _F(0.693145751953125)  # 16 significant bits: x - k * _LN2_HI is exact for the |k| <= 174 that occur
_LN2_LO = _F(math.log(2.0) - 0.693145751953125)
_SHIFT = _F(12582912.0)  # 1.5 * 2^23: adding it rounds a float32 below 2^22 to an integer
_BIG_BIAS = _F(64.0 + 127.0)  # shifted + this: k + 64 + 127 above 1.5 * 2^23, 2^(k + 64) for _power_of_two
_X_MIN = _F(-120.0)  # 120 e^-120 < 2^-150: every product with e^x rounds to 0 below
#: 2^-64: e^x = (hi + lo) big TINY with big = 2^(k + 64) normal for every k that occurs.
TINY = _F(2.0**-64)
#: (e^r - r - 1) / r^2 on |r| <= 1.001 ln2/2 (the reduced argument, with room for the rounding of k), lowest degree
#: first: the float32 roundings of its interpolant at the 6 Chebyshev nodes; r^2 times it errs by 2^-30 of e^r
#: (``tests/test_single.py`` recomputes them with mpmath).
_EXP_POLY = (0.5, 0.1666666716337204, 0.041666463017463684, 0.00833331048488617, 0.0013933731243014336,
             0.000198910798644647)  # fmt: skip
_P0, _P1, _P2, _P3, _P4, _P5 = (_F(c) for c in _EXP_POLY)


@helper
def exp_parts(x):  # type: ignore[no-untyped-def]
    """(hi, lo, big) with e^x = (hi + lo) big TINY to about 2^-26.5 relative (the roundings of r and r^2), for a
    float32 x <= 0: hi within [0.7, 1.42], |lo| below half its ulp, big = 2^(k + 64). x = k ln 2 + r, |r| <= ln2/2,
    e^r = (1 + rh) + (rh - (h - 1) + rl + r^2 P(r)), the first sum carried exactly. big is normal for every x >= -120
    (lower x are clamped; NaN passes), so (q big) TINY rounds once for any q near 1, also to a subnormal: the results
    that are e^x times a quotient round once."""
    xc = select(x < _X_MIN, _X_MIN, x)
    shifted = fma(xc, _INV_LN2, _SHIFT)
    k = shifted - _SHIFT
    rh = fma(-k, _LN2_HI, xc)  # exact
    rl = -(k * _LN2_LO)
    r = rh + rl
    p = fma(_P5, r, _P4)
    p = fma(p, r, _P3)
    p = fma(p, r, _P2)
    p = fma(p, r, _P1)
    p = fma(p, r, _P0)
    h = _ONE + rh
    t = (rh - (h - _ONE)) + fma(r * r, p, rl)  # the error of 1 + rh, and the rest of e^r - 1
    hi = h + t
    return hi, (h - hi) + t, _power_of_two(shifted + _BIG_BIAS)


@helper
def div_pair(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
    """(nh + nl) / (dh + dl) in float32 (|nl| << |nh|, |dl| << |dh|, dh normal): q = nh / dh by one division (its
    reciprocal), corrected by the exact residual nh - q dh (an fma), so the result rounds about once."""
    r = _ONE / dh
    q = nh * r
    return q + ((fma(-q, dh, nh) + nl) - q * dl) * r


@helper
def one_plus(th, tl):  # type: ignore[no-untyped-def]
    """1 + (th + tl) as (u, d) with u + d exact to the low part, for 0 <= th <= 1."""
    u = _ONE + th
    return u, ((_ONE - u) + th) + tl


@helper
def square(u, d):  # type: ignore[no-untyped-def]
    """(u + d)^2 as (p, pe)."""
    p = u * u
    return p, fma(u, u, -p) + _TWO * u * d


@helper
def two_sum(a, b):  # type: ignore[no-untyped-def]
    """(s, e) with a + b = s + e exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@helper
def product(a, bh, bl):  # type: ignore[no-untyped-def]
    """a (bh + bl) as (p, pe)."""
    p = a * bh
    return p, fma(a, bh, -p) + a * bl
