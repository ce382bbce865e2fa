"""The sigmoid family: sigmoid, tanh, softplus, log_sigmoid, silu, softsign, tanhshrink, mish and telu.

All are smooth except softsign, whose f'' jumps at 0 (from 2 to -2). The formulas are written with the formula
namespace only, branch-free, and are accurate to about 1 ulp in float64 (f'' to about 2) over the whole range, tails
and subnormals included. The devices, shared through ``_build_kit``:

- everything is built from t = e^{-|x|} (or e^{-2|x|}) in (0, 1], so nothing overflows: 1 + t = u + d exactly, and
  sigma(|x|) = 1 / (1 + t), sigma(-|x|) = t / (1 + t), sigma' = t / (1 + t)^2, tanh' = 4 sigma'(2x), ...;
- a little double-double arithmetic (``two_sum``, ``two_prod`` by Veltkamp splitting, a division of double-double
  numbers rounded once), so a quotient of several products carries one rounding instead of five;
- exponentials whose result may be subnormal are computed as E * 2^-128 with E = exp(a + 128 ln 2), the sum exact,
  so subnormal results are rounded once instead of amplifying a rounded subnormal exp (silu(-750) = -3 * 2^-1074);
- where x - tanh x, 1 - e^-a, log1p and sinh(v)/v would cancel or lose digits, their series (Lambert's continued
  fraction for tanh); softplus's beta x is carried as an exact product (its rounding would cost |beta x| ulps);
- telu's f'' needs e^{-2u} for u = e^x to 1 ulp, so u is a double-double there (``exp_dd``);
- where f' or f'' has a zero away from 0 (silu, mish, telu) the closed form cancels near it, and a Taylor polynomial
  about the zero is used instead (coefficients from mpmath at 400 bits: r = findroot(f^(k), r0),
  taylor(f^(k), r, n), n where the remainder is below 2^-60 over the window).

The NumPy kernels of sigmoid, tanh, log_sigmoid and softplus (f, f', f''), silu (f, f'; f'' for float64), mish (f,
f'), tanhshrink (f''; f, f' for float64) and telu (f; f' for float64) use formulas of their own, written once
for float32 and float64 in pair arithmetic of the result's precision (``actgrad._pairs``: section "pair arithmetic"
below; telu's before its kit formulas), faster and as accurate.

On the array-API path the same formulas run in the array's library; there the helpers guard against XLA's rewrites
under ``jax.jit`` (see ``keep``) and use float32's constants where JAX computes in float32.
"""

from __future__ import annotations

import functools
import math
from types import SimpleNamespace
from typing import Any

import numpy as np
from numba import njit

from .. import _math, _pairs
from .._activation import activation
from .._registry import Formula, Kink, Param, Spec

__all__ = ["sigmoid", "tanh", "softplus", "log_sigmoid", "silu", "softsign", "tanhshrink", "mish", "telu"]

# exp(a) for a < _TAIL is computed as exp(a + _K_HI) * (1 + _K_LO) * 2^-128: _K_HI + _K_LO = 128 ln 2, _K_HI a
# multiple of 2^-43, so a + _K_HI is exact for -1112 < a < -512 (where a's own spacing is 2^-43).
_TAIL = -600.0
_K_HI = 88.72283911167301
_K_LO = -1.124247479347874e-14
_SCALE = 2.0**-128
_FLOAT_MAX = 1.7976931348623157e308

# _F64: each formula starts with x = x * 1.0, which makes a float32 scalar float64 in numba (the kernels' widen(), a
# float(), keeps float32 there, and libm calls on it would run in float32); a no-op for float64 and arrays.
# _ZERO: functions through the origin with a positive slope there (tanh, silu, softsign, tanhshrink, mish, telu) return
# x itself at +-0, the sign of the function beside it as in IEEE 754's tanh(-0) = -0: their double-double sums would
# give +0 for -0 (-0 + 0 is +0).


# fmt: off
# Taylor polynomials about the zeros of f' and f'' (see ``near_root``): the zero (hi, lo), c1 (hi, lo), and
# (cn, ..., c2); computed with mpmath (400 bits) from the closed forms, truncated where the remainder is below
# 2^-60 relative over the window used.
_SILU1 = ((-1.2784645427610737, -1.0946994183093437e-16), (0.2178117057198001, -3.974332795880862e-18),
    (-1.8877622907727957e-08, -9.266646309267441e-08, -3.051244750055421e-08, 8.599695028268575e-07,
    2.346029682463866e-06, -2.942631888842464e-06, -2.9733542213263917e-05, -4.090534237428612e-05,
    0.00018570724361186496, 0.0007985218818397998, 0.000126627410081122, -0.006606589138356696,
    -0.015222655223188032, 0.018874814223782312, 0.1466487969969469))
_SILU2 = ((2.3993572805154675, 1.8464872855353363e-16), (-0.09153052016419229, 4.997736155113474e-18),
    (-9.904149230625922e-09, 3.144649318871996e-07, -1.190460513336088e-06, 1.2461615072251882e-06,
    8.432377564571459e-06, -4.74507427928072e-05, 9.644059294156357e-05, 0.0001151307019584522,
    -0.0013663696912367745, 0.003862816776830254, -0.001836670144762844, -0.022487259234225326, 0.07629586548655085))
_MISH1 = ((-1.1924312145154952, -4.8484829848031044e-17), (0.2669479140495345, 1.5332816617135587e-17),
    (-1.4117255919499382e-07, 2.6879417855557728e-08, 1.071676702702074e-06, 2.9088199364912223e-06,
    9.427361327376651e-07, -1.72992708103044e-05, -5.582891567360688e-05, -4.1961496031696126e-05,
    0.00025412936386191073, 0.0009898181021289196, 0.0010924055409445854, -0.0033606849270232685,
    -0.01582112656173338, -0.020271822716684245, 0.04190782104360987, 0.20473126408010586))
_MISH2A = ((-2.256376396360793, -1.0703174875019247e-16), (0.1087544107316427, -6.441557805664455e-18),
    (-3.179194815463423e-08, -1.3816841246787867e-07, -3.2886827478945233e-07, -1.9166311947636233e-07,
    2.1972274370071305e-06, 1.1646398837640038e-05, 3.2238496830115364e-05, 3.978333053066292e-05,
    -0.00010538381919454746, -0.0007927886724150866, -0.002480068109334893, -0.003860493935188506,
    0.0033540526593358656, 0.03736189561023729, 0.09898193805255845))
_MISH2B = ((1.4905711794854284, 7.126036715834263e-17), (-0.23069451159746054, 8.660424052712161e-18),
    (-8.865033422620115e-07, 1.1453549858100461e-06, 2.5942176688726364e-06, -1.1636938135269531e-05,
    9.503876307943976e-06, 4.3428925985047434e-05, -0.00013717566879765472, 4.5850287012401906e-05,
    0.0006082701059370484, -0.0014013096671622836, -0.00026852183677313475, 0.0070027488703032735,
    -0.011535248884490047, -0.008932244292082872, 0.05998888116276497, -0.06665173991852782, -0.0797073551654253,
    0.28127277803034306))
_TELU1 = ((-1.078860058464624, -9.55786742622646e-17), (0.3525036331603062, -1.1622739759696725e-17),
    (5.117352696013257e-06, 1.199038537801436e-05, 1.2648096951420702e-05, -1.4793194852334724e-05,
    -9.603493263295568e-05, -0.0002119141773405725, -0.00020187575175518, 0.0003022982929299591,
    0.0016641690502916502, 0.0034002744090071715, 0.0027715928931243703, -0.005629789964385507,
    -0.025487703563799875, -0.045645387693479984, -0.022875972060733378, 0.10786032936442337, 0.3252269138875309))
_TELU2A = ((-2.06597189615675, 7.65918778808917e-17), (0.13706532230627283, -2.515772932025253e-18),
    (-1.0806350123814736e-07, 7.942631691695825e-08, 1.1120853785886513e-06, 4.3895798460507324e-06,
    1.1763615258444904e-05, 2.1958735301762853e-05, 1.763471796535459e-05, -6.544564554039332e-05,
    -0.0003843550998043839, -0.0011908721958492454, -0.0025847815336810616, -0.003570269336402356,
    0.00021675827814060812, 0.019834144370425497, 0.07060512481208436, 0.1409580054757107))
_TELU2B = ((0.6965639603951724, -4.8319673145767366e-17), (-0.8338185514456833, 4.557046711606573e-17),
    (-0.0027546281594905972, -0.008781569531316757, 0.010146409221845372, 0.013794004115586086,
    -0.028682413594028167, -0.01727108721874824, 0.06784863427854752, 0.01056553186733392, -0.13619028885199613,
    0.032456390246527404, 0.23227668432724163, -0.17623661829910733, -0.339067039234623, 0.5297599371206111,
    0.42687289981908366, -1.1720393956800275, -0.43458066486481106, 1.9572607498504428, 0.21027569378453603,
    -2.3425727479473353, 0.3822119403781052, 1.609005508360816))

# exp_dd: ln 2 = _LN2_HI + _LN2_LO with _LN2_HI's last 21 bits zero (k * _LN2_HI exact for |k| < 2^21); the
# reduction thresholds (k - 1/2) ln 2; 1/n! for n = 17, ..., 4; 1/6 as a double-double.
_LN2_HI = 0.6931471803691238
_LN2_LO = 1.9082149292705877e-10
_HALF_STEPS = (-1.7328679513998633, -1.0397207708399179, -0.34657359027997264, 0.34657359027997264,
    1.0397207708399179, 1.7328679513998633, 2.4260151319598084, 3.119162312519754, 3.8123094930796992,
    4.505456673639644, 5.19860385419959, 5.891751034759535, 6.58489821531948)
_EXP_TAIL = (2.8114572543455206e-15, 4.779477332387385e-14, 7.647163731819816e-13, 1.1470745597729725e-11,
    1.6059043836821613e-10, 2.08767569878681e-09, 2.505210838544172e-08, 2.755731922398589e-07,
    2.7557319223985893e-06, 2.48015873015873e-05, 0.0001984126984126984, 0.001388888888888889, 0.008333333333333333,
    0.041666666666666664)
_SIXTH = (0.16666666666666666, 9.25185853854297e-18)
# log1p: 1/(2k+1) for k = 17, ..., 1 (atanh series)
_ATANH = (0.02857142857142857, 0.030303030303030304, 0.03225806451612903, 0.034482758620689655, 0.037037037037037035,
    0.04, 0.043478260869565216, 0.047619047619047616, 0.05263157894736842, 0.058823529411764705, 0.06666666666666667,
    0.07692307692307693, 0.09090909090909091, 0.1111111111111111, 0.14285714285714285, 0.2, 0.3333333333333333)
# log1p(t) / t on [0, 1], for float32 results: the minimax polynomial of degree 12 (mpmath's chebyfit at 40 digits,
# highest degree first); relative error below 2.2e-11 (2^-35: a float32 result errs by at most 2^-11 ulp more than its
# rounding) evaluated in float64
_LOG1P_LEAN = (0.0007950132275741071, -0.0060543815118333415, 0.02162277662889297, -0.049102420489767325,
    0.08212817261992637, -0.11270121772120155, 0.13909859913312295, -0.16587094998578766, 0.19988934638908445,
    -0.24999068541803812, 0.3333329204467681, -0.499999992726098, 0.9999999999785376)
# 1 - e^-a = sum (-1)^(k+1) a^k / k!, k = 19, ..., 1 (for a < 0.7)
_EXPM1 = (8.22063524662433e-18, -1.5619206968586225e-16, 2.8114572543455206e-15, -4.779477332387385e-14,
    7.647163731819816e-13, -1.1470745597729725e-11, 1.6059043836821613e-10, -2.08767569878681e-09,
    2.505210838544172e-08, -2.755731922398589e-07, 2.7557319223985893e-06, -2.48015873015873e-05,
    0.0001984126984126984, -0.001388888888888889, 0.008333333333333333, -0.041666666666666664, 0.16666666666666666,
    -0.5, 1.0)
# tanh x = x + x^3 (c3 + c5 x^2 + ... + c39 x^36): c39, ..., c3 (mpmath at 200 bits); for |x| < 0.55 the terms beyond
# x^39 are below 2^-60 of tanh x.
_TANH = (-2.859136662305254e-08, 7.054636946400968e-08, -1.7406618963571648e-07, 4.294911078273806e-07,
    -1.0597268320104654e-06, 2.6147711512907546e-06, -6.451689215655431e-06, 1.5918905069328964e-05,
    -3.927832388331683e-05, 9.691537956929451e-05, -0.00023912911424355248, 0.000590027440945586,
    -0.0014558343870513183, 0.003592128036572481, -0.008863235529902197, 0.021869488536155203, -0.05396825396825397,
    0.13333333333333333, -0.3333333333333333)
# (sinh v / v - 1) / v^2 = sum v^(2k-2) / (2k+1)!, k = 13, ..., 1
_SINHC = (9.183689863795546e-29, 6.446950284384474e-26, 3.868170170630684e-23, 1.9572941063391263e-20,
    8.22063524662433e-18, 2.8114572543455206e-15, 7.647163731819816e-13, 1.6059043836821613e-10,
    2.505210838544172e-08, 2.7557319223985893e-06, 0.0001984126984126984, 0.008333333333333333, 0.16666666666666666)
# fmt: on


def _build_kit(m: Any) -> SimpleNamespace:
    """The helpers for namespace ``m``: compiled by numba for the scalar namespace, plain functions for arrays."""
    jit = _math.jit_for(m)
    prec = 53 if _math.compiled(m) else _precision(m)
    lean = _math.lean(m)  # actgrad._lean: plain float64, for float32 results
    splitter = 2.0 ** ((prec + 1) // 2) + 1.0  # Veltkamp's: 2^27 + 1 for float64
    if prec == 53:
        tail_at, k_hi, k_lo, scale = _TAIL, _K_HI, _K_LO, _SCALE
    else:  # float32 (JAX without x64): e^a is subnormal below -87; the same with 64 ln 2, k_hi a multiple of 2^-17
        tail_at, scale = -60.0, 2.0**-64
        k_hi = round(64 * math.log(2) * 2**17) / 2**17
        k_lo = 64 * math.log(2) - k_hi
    ln2_hi, ln2_lo = _pair(_LN2_HI, _LN2_LO, prec - 5)
    sixth_hi, sixth_lo = _pair(_SIXTH[0], _SIXTH[1], prec)

    like = None if _math.compiled(m) else getattr(m, "_like", None)
    if like is None:
        keep = jit(lambda v: v)
    else:
        # XLA (under jax.jit) rewrites (c + b) - c to b for a constant c and fuses a product into a later sum as one
        # fma in one place while rounding it in another: either breaks the error-free transformations below. Their
        # operands are multiplied by a 1 that depends on the data (2 where x is NaN, where the result is NaN anyway),
        # so no constant is left to fold and a fused product is exact.
        one = m.where(like == like, 1.0, 2.0)

        def keep(v):  # type: ignore[no-untyped-def]
            return v * one

    def horner(coeffs: tuple[float, ...]) -> Any:
        """The polynomial with ``coeffs`` (highest degree first) in Horner form, unrolled: numba compiles a loop over
        a tuple to an indexed switch, 10x slower than straight-line code."""
        step = "acc = fma(y, acc, {!r})" if _math.compiled(m) else "acc = {!r} + keep(y * acc)"
        lines = [f"acc = {coeffs[0]!r}", *(step.format(c) for c in coeffs[1:]), "return acc"]
        return jit(_unrolled(m, "horner", "y", lines, keep=keep, fma=m.fma if _math.compiled(m) else None))

    atanh_poly, expm1_poly, exp_tail_poly = horner(_ATANH), horner(_EXPM1), horner(_EXP_TAIL)
    sinhc_poly = horner(_SINHC[:-1])
    # D(x) = 3 + x^2/(5 + x^2/(7 + ...)) (Lambert's continued fraction, tanh x = x D / (D + x^2)); for x^2 <= 1 the
    # truncation at 21 leaves a relative error below 1e-21. Divisions are slow and do not pipeline: the levels
    # 21 .. 7 run as a ratio n/d (n <- k n + x^2 d, d <- n: no division, a few ulps of error), and the last two
    # levels, which damp that error by (x^2/D)^2 < 1/100, divide.
    # cf_ratio runs the ratio down to level 3 and ends with one division (D within about 1.5 ulp): for results that
    # D reaches damped (by x^2 / (D + x^2) <= 1/4 in x D / (D + x^2)), and for every use in the lean namespace.

    def continued_fraction(damped: bool) -> Any:
        last = ["dd = 5.0 + x2 / (n / d)", "return 3.0 + x2 / dd"] if damped else ["return n / d"]
        levels = range(19, 6 if damped else 2, -2)
        return jit(
            _unrolled(m, "cf", "x2", ["n = 21.0", "d = 1.0", *(f"n, d = {k}.0 * n + x2 * d, n" for k in levels), *last])
        )

    cf, cf_ratio = continued_fraction(not lean), continued_fraction(False)
    # exp_dd's k = round(x / ln 2) and 2^k for -2 <= x <= 6.6 by comparisons (no floor or ldexp in the namespace),
    # summed and multiplied pairwise (exact either way; a chain of 13 steps would hold up the kernels)
    steps = [f"m.where(xc > {t!r}, {{}}, {{}})" for t in _HALF_STEPS]
    ln2_steps = jit(
        _unrolled(
            m,
            "ln2_steps",
            "xc",
            [
                f"k = -3.0 + {_pairwise([s.format(1.0, 0.0) for s in steps], '+')}",
                f"p2 = 0.125 * {_pairwise([s.format(2.0, 1.0) for s in steps], '*')}",
                "return k, p2",
            ],
        )
    )

    @jit
    def two_sum(a, b):  # type: ignore[no-untyped-def]
        """a + b = s + e exactly."""
        a, b = keep(a), keep(b)
        s = a + b
        bb = s - a
        return s, (a - (s - bb)) + (b - bb)

    @jit
    def split(a):  # type: ignore[no-untyped-def]
        c = keep(splitter * a)
        hi = c - (c - a)
        return hi, a - hi

    @jit
    def two_prod(a, b):  # type: ignore[no-untyped-def]
        """a * b = p + e exactly (|a|, |b| < 2^996, no underflow)."""
        p = keep(a * b)
        ah, al = split(a)
        bh, bl = split(b)
        return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl

    @jit
    def fast_two_sum(a, b):  # type: ignore[no-untyped-def]
        """a + b = s + e exactly when |a| >= |b|."""
        a, b = keep(a), keep(b)
        s = a + b
        return s, b - (s - a)

    @jit
    def div2_dd(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
        """(nh + nl) / (dh + dl) as a double-double (up to a tiny second-order term); |nl| << |nh|, |dl| << |dh|."""
        q = nh / dh
        p, pe = two_prod(q, dh)
        return q, ((((keep(nh) - p) - pe) + nl) - q * dl) / dh

    if _math.compiled(m):  # the namespace's own: exact (an fma gives the product's error), or plain if lean
        two_sum, fast_two_sum, two_prod, div2_dd = m.two_sum, m.fast_two_sum, m.two_prod, m.div_dd

    @jit
    def div2(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
        """(nh + nl) / (dh + dl) rounded once."""
        q, r = div2_dd(nh, nl, dh, dl)
        return q + r

    @jit
    def log1p_dd(th, tl):  # type: ignore[no-untyped-def]
        """log(1 + t) for 0 <= t = th + tl <= 1 as a double-double: 2 atanh(s), s = t / (2 + t) <= 1/3."""
        v, vd = two_sum(2.0, th)
        sh, sl = div2_dd(th, tl, v, vd + tl)
        s2 = sh * sh
        q = atanh_poly(s2)
        return 2.0 * sh, 2.0 * (sl + sh * s2 * q)

    if lean:  # float32 results: a polynomial in t, no division (which costs these kernels as much as the rest)
        log1p_poly = horner(_LOG1P_LEAN)

        @jit
        def log1p_dd(th, tl):  # type: ignore[no-untyped-def]
            """log(1 + t) for 0 <= t = th + tl <= 1, within 2^-35 relative (_LOG1P_LEAN), with no error term."""
            t = th + tl
            return t * log1p_poly(t), 0.0

    @jit
    def exp_scaled(a, c):  # type: ignore[no-untyped-def]
        """exp(a + c) for a <= 0 and tiny c, as (E, El, s) with (E + El) * s the value, El = E * c' a correction
        (from c, and from 128 ln 2 in the tail); s = 2^-128 in the tail (a < -600), else 1."""
        tail = a < tail_at
        e = m.exp(m.where(tail, a + k_hi, a))
        return e, e * m.where(tail, c + k_lo, c), m.where(tail, scale, 1.0)

    if lean:  # float32 results: what float64 rounds to a subnormal (below e^-708) is 0 in float32 anyway

        @jit
        def exp_scaled(a, c):  # type: ignore[no-untyped-def]
            """exp(a + c) as (E, 0, 1)."""
            return m.exp(a + c), 0.0, 1.0

    @jit
    def terms(a, c):  # type: ignore[no-untyped-def]
        """For a = |z| >= 0 (plus a tiny correction c): t = e^-(a+c) = (E + El) s; 1 + t = u + d exactly."""
        e, el, s = exp_scaled(-a, -c)
        t = (e + el) * s
        u, d = fast_two_sum(1.0, t)
        return e, el, s, t, u, d

    @jit
    def square(u, d):  # type: ignore[no-untyped-def]
        """(u + d)^2 as a double-double."""
        p, pe = two_prod(u, u)
        return p, pe + 2.0 * u * d

    @jit
    def cube(u, d):  # type: ignore[no-untyped-def]
        """(u + d)^3 as a double-double (|u| < 2^330)."""
        p, pe = two_prod(u, u)
        c, ce = two_prod(p, u)
        return c, ce + pe * u + 3.0 * p * d

    if lean:  # float32 results: low parts (an ulp of float64 at most) are dropped, and with them the operations that
        # formed them, which LLVM keeps even where the namespace makes them 0 (a product by 0 is NaN for inf)

        @jit
        def div2(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
            return nh / dh

        @jit
        def square(u, d):  # type: ignore[no-untyped-def]
            return u * u, 0.0

        @jit
        def cube(u, d):  # type: ignore[no-untyped-def]
            return (u * u) * u, 0.0

    @jit
    def sigma(pos, e, el, s, u, d):  # type: ignore[no-untyped-def]
        """sigma(a) where ``pos``, else sigma(-a) = t / (1 + t), from ``terms(a, c)``: one division for both."""
        return div2(m.where(pos, 1.0, e), m.where(pos, 0.0, el), u, d) * m.where(pos, 1.0, s)

    @jit
    def dsig(e, el, u, d):  # type: ignore[no-untyped-def]
        """sigma'(a) / s = E / (1 + t)^2."""
        p, pe = square(u, d)
        return div2(e, el, p, pe)

    @jit
    def one_minus(a, e, el):  # type: ignore[no-untyped-def]
        """1 - t for t = e^-a = E + El (a >= 0, unscaled): its Taylor series below 0.7, where 1 - t cancels."""
        ac = m.where(a < 0.7, a, 0.0)
        q = expm1_poly(ac)
        return m.where(a < 0.7, ac * q, (1.0 - e) - el)

    @jit
    def d2sig(e, el, u, d, a, k):  # type: ignore[no-untyped-def]
        """k |sigma''(a)| / s = k E (1 - t) / (1 + t)^3 for a = |z| (k a power of 2); sigma''(z) has the sign of
        -z."""
        w = one_minus(a, e, el)
        n, ne = two_prod(k * e, w)
        c, ce = cube(u, d)
        return div2(n, ne + k * el * w, c, ce)

    @jit
    def tanh_big(a):  # type: ignore[no-untyped-def]
        """tanh a for a >= 0 (accurate for a >= 0.5): 1 - 2 sigma(-2a)."""
        e, el, s, _t, u, d = terms(2.0 * a, 0.0)
        return 1.0 - 2.0 * div2(e, el, u, d) * s

    # Below tanh_cut, where tanh_big's cancellation (1/a relative) would cost accuracy, tanh's Taylor polynomial to
    # x^39 (the lean namespace has a tanh without cancellation: below)
    tanh_cut = 0.55
    tanh_poly = horner(_TANH)

    @jit
    def tanh_taylor(x):  # type: ignore[no-untyped-def]
        """(x, c) with tanh x = x + c (|c| < |x| / 9) for |x| < tanh_cut."""
        x2 = x * x
        return x, x * (x2 * tanh_poly(x2))

    @jit
    def tanh_small(x):  # type: ignore[no-untyped-def]
        """tanh x for |x| < tanh_cut, within 0.6 ulp (the correction c, a tenth of x, carries a few ulps of itself)."""
        h, c = tanh_taylor(x)
        return h + c

    # tanh^2 x below tanh_sq_cut, where 1 - sech^2 x would cancel: from the continued fraction, (x D)^2 / (D + x^2)^2,
    # up to 0.8814 (there sech^2 x > 1/2 and the subtraction is exact)
    tanh_sq_cut = 0.8814

    @jit
    def tanh_sq_small(x):  # type: ignore[no-untyped-def]
        """tanh^2 x for |x| < tanh_sq_cut."""
        x2, x2e = two_prod(x, x)
        dd = cf_ratio(x2)  # damped by 2 x^2 / (D + x^2) <= 1/2
        n, ne = two_prod(x, dd)
        n2, n2e = two_prod(n, n)
        den, dene = two_sum(dd, x2)
        den2, den2e = two_prod(den, den)
        return div2(n2, n2e + 2.0 * n * ne, den2, den2e + 2.0 * den * (dene + x2e))

    @jit
    def tanh(x):  # type: ignore[no-untyped-def]
        """tanh x for every x."""
        a = m.abs(x)
        small = a < tanh_cut
        return m.where(small, tanh_small(m.where(small, x, 0.0)), m.copysign(tanh_big(a), x))

    if lean:
        # E / (E + 2) with E = e^2a - 1: no cancellation at any a (the namespace's expm1 is relative), so neither a
        # Taylor branch nor a scaled tail; tanh a rounds to 1 in float64 from a = 19.1 on (and E would overflow)

        @jit
        def tanh_big(a):  # type: ignore[no-untyped-def]
            """tanh a for a >= 0."""
            e = m.expm1(2.0 * m.where(a > 20.0, 20.0, a))
            return e / (e + 2.0)

        @jit
        def tanh(x):  # type: ignore[no-untyped-def]
            """tanh x for every x."""
            return m.copysign(tanh_big(m.abs(x)), x)

    def near_root(poly, width):  # type: ignore[no-untyped-def]
        """The Taylor polynomial ``poly`` about a zero r (a _SILU1-style tuple: r, c1, (cn, ..., c2)) as a function
        returning (|x - r| < width, c1 y + c2 y^2 + ...) with y = x - r."""
        (r_hi, r_lo), (c1_hi, c1_lo), rest = poly
        r_hi, r_lo = _pair(r_hi, r_lo, prec)
        c1_hi, c1_lo = _pair(c1_hi, c1_lo, prec)
        tail = horner(rest)

        @jit
        def at(x):  # type: ignore[no-untyped-def]
            near = m.abs(x - r_hi) < width
            yh = keep(m.where(near, x, r_hi) - r_hi)  # exact near the root
            y = yh - r_lo
            p, pe = two_prod(c1_hi, yh)
            return near, p + (pe - keep(c1_hi * r_lo) + keep(c1_lo * y) + keep(y * keep(y * tail(y))))

        if lean:  # see actgrad._lean: no polynomial about the zero
            return jit(lambda x: (False, 0.0))
        return at

    @jit
    def horner_step(ch, cl, rh, rl, bh, bl):  # type: ignore[no-untyped-def]
        """(ch + cl) + (rh + rl) (bh + bl) as a double-double (for |result| >= |(rh + rl) (bh + bl)| / 2)."""
        p, pe = two_prod(rh, bh)
        s, se = two_sum(ch, p)
        return fast_two_sum(s, se + (pe + (rh * bl + rl * bh)) + cl)

    @jit
    def exp_dd(x):  # type: ignore[no-untyped-def]
        """e^x as a double-double (relative error below 2^-63) for -2 <= x <= 6.6 (x is clamped there):
        x = k ln 2 + r, |r| <= ln 2 / 2, and e^r by its Taylor series, the first terms in double-double."""
        xc = m.where(x < -2.0, -2.0, m.where(x > 6.6, 6.6, x))
        k, p2 = ln2_steps(xc)
        rh = xc - k * ln2_hi  # exact
        rl = -k * ln2_lo
        q = exp_tail_poly(rh + rl)
        bh, bl = horner_step(sixth_hi, sixth_lo, rh, rl, q, 0.0)
        bh, bl = horner_step(0.5, 0.0, rh, rl, bh, bl)
        bh, bl = horner_step(1.0, 0.0, rh, rl, bh, bl)
        bh, bl = horner_step(1.0, 0.0, rh, rl, bh, bl)
        return bh * p2, bl * p2

    if lean:

        @jit
        def exp_dd(x):  # type: ignore[no-untyped-def]
            """e^x (clamped to [-2, 6.6] as above), with no error term."""
            return m.exp(m.where(x < -2.0, -2.0, m.where(x > 6.6, 6.6, x))), 0.0

    helpers = {k: v for k, v in locals().items() if callable(v)}
    # tail: where e^-a is scaled (a > tail); big: the largest magnitude two_prod splits without overflow
    return SimpleNamespace(**helpers, tail=-tail_at, big=1e299 if prec == 53 else 1e30, tanh_sq_cut=tanh_sq_cut)


def _precision(m: Any) -> int:
    """The significand bits of an array namespace's compute dtype: 53, or 24 where JAX runs without x64 (the
    double-double helpers and the scaled tail then use float32's constants)."""
    lift = getattr(m, "lift", None)
    if lift is None:  # a namespace that evaluates in float64 (NumPy's, as in the benchmarks' naive baseline)
        return 53
    return 1 - round(math.log2(float(m.finfo(lift(0.0).dtype).eps)))


def _pair(hi: float, lo: float, bits: int) -> tuple[float, float]:
    """hi + lo as a pair whose first part has at most ``bits`` significant bits."""
    if hi == 0:
        return hi, lo
    mant, exp = math.frexp(hi)
    head = math.ldexp(round(mant * 2.0**bits), exp - bits)
    return head, (hi - head) + lo


def _pairwise(terms: list[str], op: str) -> str:
    """The expression combining ``terms`` with ``op`` as a balanced tree (depth log2 n instead of n)."""
    while len(terms) > 1:
        pairs = [f"({a} {op} {b})" for a, b in zip(terms[::2], terms[1::2], strict=False)]
        terms = pairs + ([terms[-1]] if len(terms) % 2 else [])
    return terms[0]


def _unrolled(m: Any, name: str, args: str, lines: list[str], **scope: Any) -> Any:
    """A function made from straight-line source (``m`` and ``scope`` in its scope)."""
    scope["m"] = m
    exec(f"def {name}({args}):\n" + "".join(f"    {line}\n" for line in lines), scope)
    return scope[name]


_kit_scalar = functools.cache(_build_kit)


def _kit(m: Any) -> SimpleNamespace:
    return _kit_scalar(m) if _math.compiled(m) else _build_kit(m)


# --- pair arithmetic ------------------------------------------------------------------------------------------
# The kernels listed in the module's docstring compute in their result's precision (actgrad._pairs: float32 runs 16
# lanes to an AVX-512 vector), with the kits' devices in pairs of that precision: t = e^-|x| as (th + tl) big TINY,
# 1 + t = u + d exactly, one corrected division, and the scale applied last (subnormal results round once).


def _terms_pair(p: SimpleNamespace, low: bool = False) -> Any:
    """``(a, c) -> (th, tl, big, u, d)`` for a >= 0 of p's precision: t = e^-(a + c) = (th + tl) big TINY and 1 + t =
    u + d; ``low``: c, a correction below half an ulp of a, is not always 0 (e^-(a + c) = e^-a (1 - c))."""
    exp_parts, one_plus, tiny = p.exp_parts, p.one_plus, p.TINY

    def terms(a, c):  # type: ignore[no-untyped-def]
        th, tl, big = exp_parts(-a)
        if low:
            tl = tl - th * c
        s = big * tiny
        u, d = one_plus(th * s, tl * s)
        return th, tl, big, u, d

    return p.helper(terms)


def _sigma_pair(p: SimpleNamespace, order: int, low: bool) -> Any:
    """``(zh, zl) -> sigma(z)`` (order 0) or sigma'(z) = t / (1 + t)^2 (order 1) for z = zh + zl (|zl| below half an
    ulp of zh; ``low``: zl is not always 0), t = e^-|z|: sigma(z) = 1 / (1 + t) for z >= 0, else t / (1 + t)."""
    terms, div_pair, square, where = _terms_pair(p, low), p.div_pair, p.square, p.select
    one, zero, tiny = p.ONE, p.ZERO, p.TINY

    def sig(zh, zl):  # type: ignore[no-untyped-def]
        pos = zh >= zero
        th, tl, big, u, d = terms(abs(zh), where(pos, zl, -zl))
        if order == 0:
            q = div_pair(where(pos, one, th), where(pos, zero, tl), u, d)
            return where(pos, q, (q * big) * tiny)
        pp, pe = square(u, d)
        return (div_pair(th, tl, pp, pe) * big) * tiny

    return p.helper(sig)


def _sigmoid_pair(p: SimpleNamespace, order: int, sign: float = 1.0) -> Any:
    """sigma(x) and sigma'(x) (``sign`` -1: sigma(-x), log_sigmoid's f', and -sigma'(x), its f'')."""
    sig, narrow, zero = _sigma_pair(p, order, low=False), p.narrow, p.ZERO
    flip = sign < 0 and order == 0

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        y = sig(-v if flip else v, zero)
        return -y if sign < 0 and order == 1 else y

    return f


#: tanh^2 x below |x| = 5/8 (_tanh_sq_pair): tanh(x) / x = 1 - y/3 + y^2 S(y), y = x^2, with S's minimax polynomial
#: of degree 12 on 0 <= y <= 25/64 (mpmath's chebyfit at 80 digits, lowest degree first), within 2^-63.9 of S
#: (``tests/test_pairs.py`` checks it against mpmath).
_TANH_SQ_CUT = 0.625
_THIRD = (0.3333333333333333, 1.850371707708594e-17)
# fmt: off
_TANH_SQ_S = (
    0.13333333333333333, -0.053968253968253915, 0.02186948853614788, -0.008863235529488003, 0.003592128024373328,
    -0.0014558341726665436, 0.0005900250144163147, -0.00023911062308426843, 9.681824583776852e-05,
    -3.8923988303692045e-05, 1.5028391294478187e-05, -4.9484949118364145e-06, 9.88421230420412e-07,
)
# fmt: on


def _tanh_quotient(p: SimpleNamespace) -> Any:
    """``a -> (qh, ql)``: tanh a = (1 - t) / (1 + t), t = e^-2a, as a pair for a >= 0 (_tanh_pair's conditions)."""
    terms, quotient, one, zero = _terms_pair(p), p.quotient, p.ONE, p.ZERO

    def q(a):  # type: ignore[no-untyped-def]
        _th, _tl, _big, u, d = terms(a + a, zero)
        t = u - one  # exact; t = (u - 1) + d
        nh = one - t  # exact
        return quotient(nh, ((one - nh) - t) - d, u, d)

    return p.helper(q)


def _tanh_sq_pair() -> Any:
    """tanh^2 x (tanhshrink') for float64 results in pairs, rounded once: for |x| >= 5/8 the square of
    _tanh_quotient's pair, whose error (e^-2|x|'s, amplified by t / (1 - t) <= 0.4) stays below 2^-57 there; below,
    y m^2 with y = x^2 and m = tanh(x) / x = 1 - y/3 + y^2 S(y) as pairs (_TANH_SQ_S), which keeps its relative
    accuracy down to 0 (the quotient, from 1 - t, errs by up to 2^-54.3 near x = 0.17: 0.8 ulp after squaring).
    float32 results take the lean kit's tanh squared (1.8 ns per element; these pairs in float32 measured 2.1)."""
    p = _pairs.DOUBLE
    tanh_q, narrow, square, product, fast_two_sum = _tanh_quotient(p), p.narrow, p.square, p.product, p.fast_two_sum
    where, fma, one, cut, (third_h, third_l) = p.select, _pairs.fma, p.ONE, _TANH_SQ_CUT, _pairs.constant(p, _THIRD)
    s_poly = _pairs.estrin(tuple(np.float64(k) for k in _TANH_SQ_S))

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        a = abs(v)
        qh, ql = tanh_q(a)
        sh, sl = square(qh, ql)
        yh = v * v
        yl = fma(v, v, -yh)
        th = yh * third_h  # y / 3 as a pair
        tl = fma(yh, third_h, -th) + (yh * third_l + yl * third_h)
        wh, wl = fast_two_sum(-th, yh * (yh * s_poly(yh)))  # y^2 S - y/3 (|y^2 S| < y/6)
        mh, ml = fast_two_sum(one, wh)  # m >= 0.88
        ml = ml + (wl - tl)
        nh, nl = square(mh, ml)
        ph, pl = product(nh, yh, yl)
        pl = pl + nl * yh
        return where(a < cut, ph + pl, sh + sl)

    return f


def _tanh_pair(p: SimpleNamespace, order: int) -> Any:
    """tanh x = sign(x) (1 - t) / (1 + t) and tanh' x = 4 t / (1 + t)^2, t = e^-2|x|. For 2|x| < ln2/2 the pair's
    reduced argument is -2|x| itself and 1 - t = -((hi - 1) + lo) keeps its relative accuracy while 2|x| is well
    above the pair's span (2^-2p relative to 1: 1 + t = u + d rounds d), and below p.LINEAR (2^-12 for float32,
    2^-27 for float64), where that no longer holds, tanh x rounds to x."""
    terms, narrow, div_pair, square, where = _terms_pair(p), p.narrow, p.div_pair, p.square, p.select
    tanh_q, zero, linear, four_tiny = _tanh_quotient(p), p.ZERO, p.LINEAR, p.FOUR * p.TINY

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        a = abs(v)
        if order == 0:
            qh, ql = tanh_q(a)
            q = qh + ql
            return where(a < linear, v, where(v < zero, -q, q))  # and tanh(+-0) = +-0 (see _ZERO)
        th, tl, big, u, d = terms(a + a, zero)
        pp, pe = square(u, d)
        return (div_pair(th, tl, pp, pe) * big) * four_tiny

    return f


def _silu_pair(p: SimpleNamespace, order: int) -> Any:
    """silu(x) = x / (1 + t) (x >= 0) or x t / (1 + t), and silu'(x) = (1 + t (1 + x)) / (1 + t)^2 (x >= 0) or
    t (1 + x + t) / (1 + t)^2, t = e^-|x| (1 + x + t, which vanishes near -1.28, as an exact sum)."""
    terms, narrow, div_pair, square, where = _terms_pair(p), p.narrow, p.div_pair, p.square, p.select
    product, two_sum = p.product, p.two_sum
    one, zero, tiny, lowest, cap = p.ONE, p.ZERO, p.TINY, p.X_MIN, p.X_CAP

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        xc = where(v < lowest, lowest, where(v > cap, cap, v))
        th, tl, big, u, d = terms(abs(xc), zero)
        pos = v >= zero
        if order == 0:
            nh, nl = product(xc, th, tl)
            q = div_pair(where(pos, xc, nh), where(pos, zero, nl), u, d)
            q = where(pos, q, (q * big) * tiny)
            return where(v == zero, v, where(v > cap, v, q))  # see _ZERO
        t = u - one  # exact; t = (u - 1) + d
        oh, ol = two_sum(one, xc)
        vh, vl = product(t, oh, ol)
        nh = one + vh  # x >= 0: 1 + t (1 + x), t (1 + x) <= 1
        nl = ((one - nh) + vh) + (vl + d * oh)
        mh, ml = two_sum(oh, t)  # x < 0: t (1 + x + t), t unscaled
        wh, wl = product(th, mh, ml + ol + d)
        pp, pe = square(u, d)
        q = div_pair(where(pos, nh, wh), where(pos, nl, wl + tl * mh), pp, pe)
        return where(pos, q, (q * big) * tiny)

    return f


def _mish_terms(p: SimpleNamespace) -> Any:
    """``x -> (xc, th, tl, big, ts, tls, nd, me, twice)`` for mish's pair kernels, t = e^-|x| (x clamped to
    [p.X_MIN, p.X_CAP], as silu's) = (th + tl) big TINY = ts + tls (s = big TINY), and as pairs (hi, lo): ``nd`` =
    (N, D) with N = 1 + 2t, D = N + 2t^2 (for x >= 0); ``me`` = (M, E) with M = t (t + 2) / s, t unscaled, and
    E = 2 + t (t + 2) (for x < 0); ``twice`` = (t^2, t + 2). The sums are exact: 1 + b and 2 + b by Fast2Sum."""
    exp_parts, square, product, two_sum, add = p.exp_parts, p.square, p.product, p.two_sum, p.fast_two_sum
    one, two, tiny, lowest, cap = p.ONE, p.dtype(2.0), p.TINY, p.X_MIN, p.X_CAP
    where = p.select

    def terms(v):  # type: ignore[no-untyped-def]
        xc = where(v < lowest, lowest, where(v > cap, cap, v))
        th, tl, big = exp_parts(-abs(xc))
        s = big * tiny
        ts, tls = th * s, tl * s
        uh, ul = add(one, ts + ts)  # N
        ul = ul + (tls + tls)
        sh, sl = square(ts, tls)  # t^2
        dh, dl = two_sum(uh, sh + sh)  # D
        dl = dl + (ul + (sl + sl))
        ah, al = add(two, ts)  # t + 2
        al = al + tls
        mh, ml = product(th, ah, al)  # M
        ml = ml + tl * ah
        eh, el = add(two, mh * s)  # E
        el = el + ml * s
        return xc, th, tl, big, ts, tls, ((uh, ul), (dh, dl)), ((mh, ml), (eh, el)), ((sh, sl), (ah, al))

    return p.helper(terms)


def _mish_pair(p: SimpleNamespace) -> Any:
    """mish(x) = x tanh(log(1 + e^x)) = x N / D for x >= 0 and x M s / E below (_mish_terms: t = e^-|x|, N = 1 + 2t,
    D = N + 2t^2, M s = t (t + 2), E = 2 + M s; the scale s applied last), one corrected division."""
    terms, narrow, div_pair, product, where = _mish_terms(p), p.narrow, p.div_pair, p.product, p.select
    zero, tiny, cap = p.ZERO, p.TINY, p.X_CAP

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        xc, _th, _tl, big, _ts, _tls, ((uh, ul), (dh, dl)), ((mh, ml), (eh, el)), _twice = terms(v)
        pos = v >= zero
        nh, nl = product(xc, where(pos, uh, mh), where(pos, ul, ml))
        q = div_pair(nh, nl, where(pos, dh, eh), where(pos, dl, el))
        q = where(pos, q, (q * big) * tiny)
        return where(v == zero, v, where(v > cap, v, q))  # see _ZERO

    return f


def _mish_grad_pair(p: SimpleNamespace) -> Any:
    """mish'(x) = tanh(sp) + x sech^2(sp) sigma(x), sp = log(1 + e^x) (_mish_terms): B / D^2 with
    B = N D + 4x t^2 (1 + t) for x >= 0, and t B / E^2 with B = (t + 2) E + 4x (1 + t) for x < 0, in pairs, one
    corrected division. B cancels near the zero at -1.19, exactly (a pair sum) but not its parts' errors: float64
    takes the Taylor polynomial about the zero within 0.2 of it; in float32 the parts' errors (2^-44 of B's terms)
    stay far below an ulp there."""
    c, narrow = p.dtype, p.narrow
    terms, div_pair, square, where, fma = _mish_terms(p), p.div_pair, p.square, p.select, _pairs.fma
    product, two_sum, add = p.product, p.two_sum, p.fast_two_sum
    root = _near_zero_pair(_MISH1, 0.2) if c is np.float64 else _nowhere
    cap, tiny, one, zero, four = p.X_CAP, p.TINY, p.ONE, p.ZERO, c(4.0)

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        xc, th, tl, big, ts, tls, ((uh, ul), (dh, dl)), (_m, (eh, el)), ((sh, sl), (ah, al)) = terms(v)
        oh, ol = add(one, ts)  # 1 + t
        ol = ol + tls
        pos = v >= zero
        gh, gl = where(pos, uh, ah), where(pos, ul, al)  # B = G H + 4x F
        hh, hl = where(pos, dh, eh), where(pos, dl, el)
        ch = sh * oh  # t^2 (1 + t)
        fh, fl = where(pos, ch, oh), where(pos, fma(sh, oh, -ch) + (sh * ol + sl * oh), ol)
        b1 = gh * hh
        b2, b2l = product(four * xc, fh, fl)
        bh, bl = two_sum(b1, b2)
        bl = bl + ((fma(gh, hh, -b1) + (gh * hl + gl * hh)) + b2l)
        nh, nl = product(th, bh, bl)
        qh, ql = square(hh, hl)
        q = div_pair(where(pos, bh, nh), where(pos, bl, nl + tl * bh), qh, ql)
        near, poly = root(v)
        return where(near, poly, where(v > cap, one, where(pos, q, (q * big) * tiny)))

    return f


def _tanhshrink_pair(p: SimpleNamespace) -> Any:
    """tanhshrink(x) = x - tanh x with one corrected division for both ranges. For |x| < 1, from Lambert's continued
    fraction D = 3 + x^2 / (5 + x^2 / (7 + ...)), tanh x = x D / (D + x^2): x^3 / (D + x^2) (levels 21 .. 7 as a ratio
    n / d, as the kits do: D's error from them is damped below 1/15 of theirs; x^2, D and the rest as pairs; a
    polynomial for tanh(x) / x, as tanhshrink' has, measured 0.94 ulp near 1 against this one's 0.57). For |x| >= 1,
    t = e^-2|x| <= e^-2: sign(x) ((|x| - 1) + 2t / (1 + t)), two terms >= 0 summed exactly and rounded once."""
    c, terms, narrow, two_sum, product, where, fma = (
        p.dtype,
        _terms_pair(p),
        p.narrow,
        p.two_sum,
        p.product,
        p.select,
        _pairs.fma,
    )
    quotient, divide, fast_two_sum = p.quotient, p.divide, p.fast_two_sum
    one, zero, tiny, two, three, five, cap = p.ONE, p.ZERO, p.TINY, c(2.0), c(3.0), c(5.0), p.X_CAP
    k21, k19, k17, k15, k13, k11, k9, k7 = (c(k) for k in range(21, 6, -2))

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        a = abs(v)
        small = a < one
        xs = where(small, v, zero)
        yh = xs * xs
        yl = fma(xs, xs, -yh)
        n, d = k19 * k21 + yh, k21
        n, d = k17 * n + yh * d, n
        n, d = k15 * n + yh * d, n
        n, d = k13 * n + yh * d, n
        n, d = k11 * n + yh * d, n
        n, d = k9 * n + yh * d, n
        n, d = k7 * n + yh * d, n
        dd = five + yh * d / n
        qh, ql = divide(yh, yl, dd, zero, one / dd)  # y / dd as a pair
        gh, gl = fast_two_sum(three, qh)  # D
        gl = gl + ql
        eh, el = two_sum(gh, yh)  # D + y
        el = el + (gl + yl)
        th, tl, big, u, w = terms(a + a, zero)
        ch, cl = product(xs, yh, yl)  # x^3
        nh, nl, dh, dl = where(small, ch, th), where(small, cl, tl), where(small, eh, u), where(small, el, w)
        qh, ql = quotient(nh, nl, dh, dl)
        s = (big * tiny) * two
        bh, bl = two_sum(a - one, qh * s)
        large = where(a > cap, a - one, bh + (bl + ql * s))  # beyond, 2t / (1 + t) is below half an ulp (and inf)
        return where(v == zero, v, where(small, qh + ql, where(v < zero, -large, large)))  # see _ZERO

    return f


def _tanhshrink_curvature_pair(p: SimpleNamespace) -> Any:
    """tanhshrink''(x) = 2 tanh x sech^2 x = -tanh''(x) (_curvature_pair)."""
    curvature = p.helper(_curvature_pair(p, 8.0, 2.0))
    return lambda x: -curvature(x)


#: (atanh(s) - s) / s^3 as a polynomial in y = s^2 on [0, 1/9] (s = t / (2 + t) <= 1/3), lowest degree first: the
#: roundings of its interpolants at the Chebyshev nodes (11 for float64, 5 for float32), within 2^-58 and 2^-29 of
#: atanh(s) (``tests/test_pairs.py`` recomputes them).
_ATANH_POLY = {
    "float64": (0.3333333333333333, 0.1999999999999976, 0.14285714285800133, 0.11111111099108056,
                0.0909090994963398, 0.07692271958876583, 0.06667589830757856, 0.05867132589688297,
                0.05422645516389906, 0.03745819730336633, 0.07815767353715612),
    "float32": (0.3333333432674408, 0.19999852776527405, 0.14296182990074158, 0.10853230208158493,
                0.11612460762262344),
}  # fmt: skip
#: Beyond |z| = this, log1p(e^-|z|) = e^-|z| to the precision (e^-|z| / 2 below half an ulp).
_LOG1P_TAIL = {"float64": 40.0, "float32": 18.0}


def _log1p_pair(p: SimpleNamespace) -> Any:
    """``(th, tl, big) -> (lh, ll)``: log1p(t) for t = (th + tl) big TINY <= 1, as 2 atanh(s), s = t / (2 + t) a
    pair (one corrected division) and atanh(s) = s + s^3 Q(s^2) (Q by Estrin's scheme for float64's 11 terms, the
    kernels wait on it; Horner's for float32's 5)."""
    name = np.dtype(p.dtype).name
    q_of, fma, quotient, two, tiny = (
        (_pairs.estrin if p.dtype is np.float64 else _pairs.horner)(tuple(p.dtype(c) for c in _ATANH_POLY[name])),
        _pairs.fma,
        p.quotient,
        p.dtype(2.0),
        p.TINY,
    )

    def log1p(th, tl, big):  # type: ignore[no-untyped-def]
        scale = big * tiny
        t, t_low = th * scale, tl * scale
        dh = two + t
        dl = ((two - dh) + t) + t_low
        sh, sl = quotient(t, t_low, dh, dl)
        y = sh * sh
        return two * sh, two * (fma(sl, y, sl) + sh * y * q_of(y))  # atanh(sh + sl) = atanh(sh) + sl / (1 - y)

    return p.helper(log1p)


def _log_sigmoid_pair(p: SimpleNamespace) -> Any:
    """log_sigmoid(x) = min(x, 0) - log1p(t), t = e^-|x|; -t (scaled, rounded once) and x where log1p(t) = t is
    below half an ulp of the result."""
    exp_parts, log1p, two_sum, narrow, where = p.exp_parts, _log1p_pair(p), p.two_sum, p.narrow, p.select
    zero, tiny, tail = p.ZERO, p.TINY, p.dtype(_LOG1P_TAIL[np.dtype(p.dtype).name])

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        a = abs(v)
        th, tl, big = exp_parts(-a)
        lh, ll = log1p(th, tl, big)
        h, e = two_sum(where(v < zero, v, zero), -lh)
        return where(a > tail, where(v < zero, v, -(((th + tl) * big) * tiny)), h + (e - ll))

    return f


def _beta_product(p: SimpleNamespace) -> Any:
    """``(v, beta) -> (zh, zl, bh, bl)``: v beta for v of p's precision and a float64 beta > 0, as a pair of p's
    precision (exact for float64; within 2^-2p of it for float32), and beta as bh + bl (p.split; bl = 0 for
    float64). zl is 0 where |zh| >= 1000 (see _pairs.exact_product)."""
    split, fma, where, zero, near = p.split, _pairs.fma, p.select, p.ZERO, p.dtype(1000.0)

    def product(v, beta):  # type: ignore[no-untyped-def]
        bh, bl = split(beta)
        zh = v * bh
        return zh, where(abs(zh) < near, fma(v, bh, -zh) + v * bl, zero), bh, bl

    def exact(v, beta):  # type: ignore[no-untyped-def]
        zh, zl = _pairs.exact_product(v, beta)
        return zh, zl, beta, zero

    return p.helper(exact if p.dtype is np.float64 else product)


def _softplus_pair(p: SimpleNamespace, kit_f: Any) -> Any:
    """softplus(x) = max(x, 0) + log1p(t) / beta, t = e^-|beta x| (beta x a pair: _beta_product), for 2^-14 <= beta
    <= 2^16 (``kit_f`` elsewhere: _pairs.moderate)."""
    exp_parts, log1p, two_sum, product, divide, narrow, where = (
        p.exp_parts,
        _log1p_pair(p),
        p.two_sum,
        _beta_product(p),
        p.divide,
        p.narrow,
        p.select,
    )
    zero, tiny, tail = p.ZERO, p.TINY, p.dtype(_LOG1P_TAIL[np.dtype(p.dtype).name])

    def f(x, beta):  # type: ignore[no-untyped-def]
        v = narrow(x)
        zh, zl, bh, bl = product(v, beta)
        th, tl, big = exp_parts(-abs(zh))
        tl = tl - th * where(zh >= zero, zl, -zl)  # e^-|z| = e^-|zh| (1 - (|z| - |zh|))
        far = abs(zh) > tail  # log1p(t) = t: t / beta, scaled back last (it may be subnormal)
        lh, ll = log1p(th, tl, big)
        qh, ql = divide(where(far, th, lh), where(far, tl, ll), bh, bl, narrow(1.0 / beta))
        h, e = two_sum(where(v > zero, v, zero), qh)
        return where(far, where(v > zero, v, ((qh + ql) * big) * tiny), h + (e + ql))

    general = p.helper(_pairs.moderate(f, kit_f, p, (2.0**-14, 2.0**16), magnitude=False))
    unit = p.helper(_log_sigmoid_pair(p))

    def softplus(x, beta):  # type: ignore[no-untyped-def]
        if beta == 1.0:  # the default: log1p(e^x) = -log_sigmoid(-x), without the product and the quotient
            return -unit(-x)
        return general(x, beta)

    return softplus


# --- sigmoid ----------------------------------------------------------------------------------------------------


def _sigmoid(m: Any) -> Any:
    if _math.compiled(m):
        return _sigmoid_pair(_pairs.for_results(_math.lean(m)), 0)
    k = _kit(m)
    terms, sigma = k.terms, k.sigma

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        e, el, s, _t, u, d = terms(m.abs(x), 0.0)
        return sigma(x >= 0, e, el, s, u, d)

    return f


def _sigmoid_grad(m: Any) -> Any:
    if _math.compiled(m):
        return _sigmoid_pair(_pairs.for_results(_math.lean(m)), 1)
    k = _kit(m)
    terms, dsig = k.terms, k.dsig

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        e, el, s, _t, u, d = terms(m.abs(x), 0.0)
        return dsig(e, el, u, d) * s

    return f


def _sigmoid_grad2(m: Any) -> Any:
    if _math.compiled(m):
        return _curvature_pair(_pairs.for_results(_math.lean(m)), 1.0, 1.0)
    k = _kit(m)
    terms, d2sig = k.terms, k.d2sig

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        a = m.abs(x)
        e, el, s, _t, u, d = terms(a, 0.0)
        return m.copysign(d2sig(e, el, u, d, a, 1.0) * s, -x)

    return f


_SIGMA = r"\sigma(x) = \frac{1}{1 + e^{-x}}"

sigmoid = activation(
    Spec(
        name="sigmoid",
        summary="Logistic sigmoid: 1 / (1 + exp(-x)), from 0 to 1.",
        f=Formula(_sigmoid, _SIGMA),
        grad=Formula(_sigmoid_grad, r"\sigma(x)\,(1 - \sigma(x))"),
        grad2=Formula(_sigmoid_grad2, r"\sigma(x)\,(1 - \sigma(x))\,(1 - 2\sigma(x))"),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Sigmoid.html",
    )
)


# --- tanh -------------------------------------------------------------------------------------------------------


def _tanh(m: Any) -> Any:
    if _math.compiled(m):
        return _tanh_pair(_pairs.for_results(_math.lean(m)), 0)
    k = _kit(m)
    tanh = k.tanh

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        return m.where(x == 0, x, tanh(x))  # see _ZERO

    return f


def _tanh_grad(m: Any) -> Any:
    if _math.compiled(m):
        return _tanh_pair(_pairs.for_results(_math.lean(m)), 1)
    k = _kit(m)
    terms, dsig = k.terms, k.dsig

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        e, el, s, _t, u, d = terms(2.0 * m.abs(x), 0.0)  # sech^2 x = 4 sigma'(2x)
        return 4.0 * dsig(e, el, u, d) * s

    return f


def _tanh_grad2(m: Any) -> Any:
    if _math.compiled(m):
        return _curvature_pair(_pairs.for_results(_math.lean(m)), 8.0, 2.0)
    k = _kit(m)
    terms, d2sig = k.terms, k.d2sig

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        a = 2.0 * m.abs(x)
        e, el, s, _t, u, d = terms(a, 0.0)  # -2 tanh x sech^2 x = 8 sigma''(2x)
        return m.copysign(d2sig(e, el, u, d, a, 8.0) * s, -x)

    return f


tanh = activation(
    Spec(
        name="tanh",
        summary="Hyperbolic tangent, from -1 to 1.",
        f=Formula(_tanh, r"\tanh x = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}"),
        grad=Formula(_tanh_grad, r"1 - \tanh^2 x = \operatorname{sech}^2 x"),
        grad2=Formula(_tanh_grad2, r"-2 \tanh x \operatorname{sech}^2 x"),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Tanh.html",
    )
)


# --- softplus ---------------------------------------------------------------------------------------------------


def _softplus_z(m: Any, k: SimpleNamespace) -> Any:
    """z = beta * x as (p, a, ca) with z = p + c exactly and |z| = a + ca, a = |p| (c = 0 where it does not matter:
    |p| >= 1000 or beta huge, and for float32 results, where ca is the constant 0 so that no operation uses it)."""
    two_prod, big = k.two_prod, k.big

    def z(x, beta):  # type: ignore[no-untyped-def]
        p = beta * x
        near = (m.abs(p) < 1000.0) & (m.abs(x) < big)
        _, c = two_prod(m.where(beta < big, beta, 1.0), m.where(near, x, 0.0))
        c = m.where(beta < big, m.where(near, c, 0.0), 0.0)
        return p, m.abs(p), m.where(p < 0, -c, c)

    if _math.lean(m):

        def z(x, beta):  # type: ignore[no-untyped-def]
            p = beta * x
            return p, m.abs(p), 0.0

    return k.jit(z)


def _over_beta(m: Any, k: SimpleNamespace) -> Any:
    """``(nh, nl, beta) -> (qh, ql)``: (nh + nl) / beta as a double-double for beta > 0 (0 <= nh <= 1). In the
    kernels without a division per element (``_math.scaled_reciprocal``): q = nh inv back is within an ulp, and the
    residual nh - q beta (exact: an fma) times inv back corrects it. For float32 results q alone."""
    two_prod, lean, reciprocal = k.two_prod, _math.lean(m), _math.scaled_reciprocal(m)
    if not _math.compiled(m):
        return lambda nh, nl, beta: k.div2_dd(nh, nl, beta, 0.0)

    def over(nh, nl, beta):  # type: ignore[no-untyped-def]
        inv, back = reciprocal(beta)
        q = (nh * inv) * back
        if lean:
            return q, 0.0
        p, pe = two_prod(q, beta)
        return q, ((((nh - p) - pe) + nl) * inv) * back

    return k.jit(over)


def _softplus(m: Any) -> Any:
    k = _kit(m)
    cut, compiled = k.tail, _math.compiled(m)
    terms, two_sum, log1p_dd, z_of, over_beta = k.terms, k.two_sum, k.log1p_dd, _softplus_z(m, k), _over_beta(m, k)

    def f(x, beta):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # log(1 + e^z)/beta = max(z, 0)/beta + log1p(t)/beta, and max(z, 0)/beta = max(x, 0); in the tail
        # log1p(t) = t (scaled by 1/s), and x < 0 there: one quotient for both
        _p, a, ca = z_of(x, beta)
        e, el, s, _t, _u, _d = terms(a, ca)
        lh, ll = log1p_dd(e * s, el * s)
        tail = a > cut
        qh, ql = over_beta(m.where(tail, e, lh), m.where(tail, el, ll), beta)
        h, he = two_sum(m.where(x > 0, x, 0.0), qh)
        body = h + (he + ql)
        if compiled:  # log1p(t) / beta overflows for beta below ~4e-309 (its residual is NaN then)
            body = m.where(lh > beta * _FLOAT_MAX, math.inf, body)
        return m.where(tail, m.where(x > 0, x, (qh + ql) * s), body)

    return _softplus_pair(_pairs.for_results(_math.lean(m)), m.helper(f)) if compiled else f


def _softplus_grad_pair(p: SimpleNamespace, kit_f: Any) -> Any:
    """softplus'(x) = sigma(beta x), beta x a pair (_beta_product); for float32 results where 2^-100 <= beta <= 2^100
    (beta splits into two normal float32s there; ``kit_f`` elsewhere)."""
    sig, product, narrow = _sigma_pair(p, 0, low=True), _beta_product(p), p.narrow
    bounds = (2.0**-100, 2.0**100) if p.dtype is np.float32 else (0.0, math.inf)

    def f(x, beta):  # type: ignore[no-untyped-def]
        zh, zl, _bh, _bl = product(narrow(x), beta)
        return sig(zh, zl)

    return _pairs.moderate(f, kit_f, p, bounds, magnitude=False)


def _softplus_grad(m: Any) -> Any:
    k = _kit(m)
    terms, sigma, z_of = k.terms, k.sigma, _softplus_z(m, k)

    def f(x, beta):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        p, a, ca = z_of(x, beta)
        e, el, s, _t, u, d = terms(a, ca)
        return sigma(p >= 0, e, el, s, u, d)

    if _math.compiled(m):
        return _softplus_grad_pair(_pairs.for_results(_math.lean(m)), m.helper(f))
    return f


def _softplus_grad2(m: Any) -> Any:
    k = _kit(m)
    terms, div2, square, two_prod, z_of = k.terms, k.div2, k.square, k.two_prod, _softplus_z(m, k)

    def f(x, beta):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # beta sigma'(z) = beta t / (1 + t)^2
        _p, a, ca = z_of(x, beta)
        e, el, s, _t, u, d = terms(a, ca)
        n, ne = two_prod(m.where(beta < 1e30, beta, 1.0), e)
        q, qe = square(u, d)
        moderate = beta < 1e30  # one division for both cases
        quotient = div2(m.where(moderate, n, e), m.where(moderate, ne + beta * el, el), q, qe)
        return quotient * m.where(moderate, 1.0, beta) * s

    return _softplus_curvature_pair(_pairs.for_results(_math.lean(m)), m.helper(f)) if _math.compiled(m) else f


def _softplus_curvature_pair(p: SimpleNamespace, kit_f: Any) -> Any:
    """softplus''(x) = beta t / (1 + t)^2, t = e^-|beta x| (beta x a pair: _beta_product; beta t as a pair, one
    corrected division), for 2^-14 <= beta <= 2^16 (``kit_f`` elsewhere)."""
    terms, product, div_pair, square, where, fma = (
        _terms_pair(p, low=True),
        _beta_product(p),
        p.div_pair,
        p.square,
        p.select,
        _pairs.fma,
    )
    narrow, zero, tiny = p.narrow, p.ZERO, p.TINY

    def f(x, beta):  # type: ignore[no-untyped-def]
        zh, zl, bh, bl = product(narrow(x), beta)
        th, tl, big, u, d = terms(abs(zh), where(zh >= zero, zl, -zl))
        nh = bh * th
        pp, pe = square(u, d)
        return (div_pair(nh, fma(bh, th, -nh) + (bh * tl + bl * th), pp, pe) * big) * tiny

    return _pairs.moderate(f, kit_f, p, (2.0**-14, 2.0**16), magnitude=False)


def _softplus_dbeta(m: Any) -> Any:
    k = _kit(m)
    cut = k.tail
    terms, div2, div2_dd, two_sum, two_prod, log1p_dd = k.terms, k.div2, k.div2_dd, k.two_sum, k.two_prod, k.log1p_dd
    z_of = _softplus_z(m, k)

    def f(x, beta):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # df/dbeta = (z sigma(z) - log(1 + e^z)) / beta^2 = -(a sigma(-a) + log1p(e^-a)) / beta^2 with a = |z|
        _p, a, ca = z_of(x, beta)
        e, el, s, _t, u, d = terms(a, ca)
        ac = m.where(a < 1000.0, a, 0.0)
        n, ne = two_prod(ac, e)
        t1h, t1l = div2_dd(n, ne + ca * e + ac * el, u, d)  # a sigma(-a) / s
        lh, ll = log1p_dd(e * s, el * s)
        hi, lo = two_sum(t1h * s, lh)
        lo = lo + t1l * s + ll
        # in the tail sigma(-a) = t and log1p(t) = t: (a + 1) t, scaled by 1/s
        th, tl = two_prod(ac + 1.0, e)
        tail = a > cut
        hi = m.where(tail, th, hi)
        lo = m.where(tail, tl + (ac + 1.0) * el + ca * e, lo)
        moderate = (beta < 1e15) & (beta > 1e-140)  # beta^2 as a double-double (no over- or underflow, also in float32)
        b2, b2e = two_prod(m.where(moderate, beta, 1.0), m.where(moderate, beta, 1.0))
        body = m.where(moderate, div2(hi, lo, b2, b2e), ((hi + lo) / beta) / beta)  # lo is not below ulp(hi)
        return -m.where(tail, body * s, body)

    return f


softplus = activation(
    Spec(
        name="softplus",
        summary="Softplus: log(1 + exp(beta x)) / beta, a smooth relu (the exact function at every x).",
        params=(Param("beta", 1.0, "beta > 0, the sharpness", check=lambda b: None if b > 0 else "must be > 0"),),
        f=Formula(_softplus, r"\frac{1}{\beta} \log\left(1 + e^{\beta x}\right)"),
        grad=Formula(_softplus_grad, r"\sigma(\beta x) = \frac{1}{1 + e^{-\beta x}}"),
        grad2=Formula(_softplus_grad2, r"\beta\, \sigma(\beta x)\,(1 - \sigma(\beta x))"),
        wrt={
            "beta": Formula(
                _softplus_dbeta,
                r"\frac{x\, \sigma(\beta x)}{\beta} - \frac{\log\left(1 + e^{\beta x}\right)}{\beta^2}",
            )
        },
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Softplus.html",
    )
)


# --- log_sigmoid ------------------------------------------------------------------------------------------------


def _log_sigmoid(m: Any) -> Any:
    if _math.compiled(m):
        return _log_sigmoid_pair(_pairs.for_results(_math.lean(m)))
    k = _kit(m)
    cut = k.tail
    terms, two_sum, log1p_dd = k.terms, k.two_sum, k.log1p_dd

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # -log(1 + e^-x) = min(x, 0) - log1p(e^-|x|)
        a = m.abs(x)
        e, el, s, _t, _u, _d = terms(a, 0.0)
        lh, ll = log1p_dd(e * s, el * s)
        h, he = two_sum(m.where(x < 0, x, 0.0), -lh)
        return m.where(a > cut, m.where(x < 0, x, -(e + el) * s), h + (he - ll))

    return f


def _log_sigmoid_grad(m: Any) -> Any:
    if _math.compiled(m):
        return _sigmoid_pair(_pairs.for_results(_math.lean(m)), 0, sign=-1.0)
    k = _kit(m)
    terms, sigma = k.terms, k.sigma

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        e, el, s, _t, u, d = terms(m.abs(x), 0.0)
        return sigma(x < 0, e, el, s, u, d)

    return f


def _log_sigmoid_grad2(m: Any) -> Any:
    if _math.compiled(m):
        return _sigmoid_pair(_pairs.for_results(_math.lean(m)), 1, sign=-1.0)
    k = _kit(m)
    terms, dsig = k.terms, k.dsig

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        e, el, s, _t, u, d = terms(m.abs(x), 0.0)
        return -dsig(e, el, u, d) * s

    return f


log_sigmoid = activation(
    Spec(
        name="log_sigmoid",
        summary="Log of the sigmoid: -softplus(-x), from -inf to 0.",
        f=Formula(_log_sigmoid, r"\log \sigma(x) = -\log\left(1 + e^{-x}\right)"),
        grad=Formula(_log_sigmoid_grad, r"1 - \sigma(x) = \sigma(-x)"),
        grad2=Formula(_log_sigmoid_grad2, r"-\sigma(x)\,(1 - \sigma(x))"),
        aliases=("logsigmoid",),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.LogSigmoid.html",
    )
)


# --- silu -------------------------------------------------------------------------------------------------------


def _silu(m: Any) -> Any:
    if _math.compiled(m):
        return _silu_pair(_pairs.for_results(_math.lean(m)), 0)
    k = _kit(m)
    terms, div2, two_prod = k.terms, k.div2, k.two_prod

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        e, el, s, _t, u, d = terms(m.abs(x), 0.0)
        # x sigma(x) = x / (1 + t) for x >= 0 (x * t is below ulp(x) past 40), x t / (1 + t) for x < 0: one division
        xn = m.where((x < 0) & (x > -2000.0), x, -2000.0)
        n, ne = two_prod(xn, e)
        pos = x >= 0
        q = div2(m.where(pos, m.where(x < 40.0, x, 0.0), n), m.where(pos, 0.0, ne + xn * el), u, d)
        return m.where(x == 0, x, m.where(pos, m.where(x < 40.0, q, x), q * s))  # see _ZERO

    return f


def _silu_grad(m: Any) -> Any:
    if _math.compiled(m):  # float32 too since its loops compare in float32 (1.7x faster than the lean kit)
        return _silu_pair(_pairs.for_results(_math.lean(m)), 1)
    k = _kit(m)
    terms, div2, two_prod, two_sum, square = k.terms, k.div2, k.two_prod, k.two_sum, k.square
    root = k.near_root(_SILU1, 0.2)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # sigma(x) (1 + x sigma(-x)): (1 + t + x t) / (1 + t)^2 for x >= 0, t (1 + x + t) / (1 + t)^2 for x < 0
        xc = m.where(x > 50.0, 50.0, m.where(x < -2000.0, -2000.0, x))
        e, el, s, t, u, d = terms(m.abs(xc), 0.0)
        p, pe = square(u, d)
        o, oe = two_sum(1.0, xc)  # 1 + x
        v, ve = two_prod(e, o)
        n, ne = two_sum(1.0, v)
        n2, n2e = two_sum(o, t)
        w, we = two_prod(e, n2)
        pos = x >= 0  # one division for both numerators
        q = div2(m.where(pos, n, w), m.where(pos, ne + ve + e * oe + el * o, we + e * (n2e + oe) + el * n2), p, pe)
        near, poly = root(x)
        return m.where(near, poly, q * m.where(pos, 1.0, s))

    return f


def _silu_grad2(m: Any) -> Any:
    if _math.compiled(m) and not _math.lean(m):
        return _curvature_pair(_pairs.DOUBLE, 1.0, 1.0, _near_zero_pair(_SILU2, 0.15))
    k = _kit(m)
    terms, div2, two_prod, two_sum, cube = k.terms, k.div2, k.two_prod, k.two_sum, k.cube
    root = k.near_root(_SILU2, 0.15)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # sigma'(x) (2 - x tanh(x/2)) = t M / (1 + t)^3 with M = 2 - a + t (2 + a), a = |x|
        a = m.where(m.abs(x) < 2000.0, m.abs(x), 2000.0)
        e, el, s, t, u, d = terms(a, 0.0)
        c, ce = cube(u, d)
        h, he = two_sum(2.0, -a)
        q, qe = two_sum(2.0, a)
        g, ge = two_prod(t, q)
        mm, mme = two_sum(h, g)
        w, we = two_prod(e, mm)
        near, poly = root(a)  # f'' is even
        return m.where(near, poly, div2(w, we + e * (mme + he + ge + t * qe) + el * mm, c, ce) * s)

    return f


silu = activation(
    Spec(
        name="silu",
        summary="SiLU (swish): x sigmoid(x).",
        f=Formula(_silu, r"x\, \sigma(x) = \frac{x}{1 + e^{-x}}"),
        grad=Formula(_silu_grad, r"\sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))\bigr)"),
        grad2=Formula(_silu_grad2, r"\sigma(x)\,(1 - \sigma(x))\,\bigl(2 + x\,(1 - 2\sigma(x))\bigr)"),
        aliases=("swish",),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.SiLU.html",
    )
)


# --- softsign ---------------------------------------------------------------------------------------------------


def _softsign(m: Any) -> Any:
    k = _kit(m)
    two_sum, div2 = k.two_sum, k.div2

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        a = m.abs(x)
        near = a < 1e20  # beyond, x / (1 + |x|) rounds to sign(x)
        u, d = two_sum(1.0, m.where(near, a, 0.0))
        q = div2(m.where(near, x, 0.0), 0.0, u, d)
        return m.where(x == 0, x, m.where(near, q, m.copysign(1.0, x)))  # see _ZERO

    return f


def _softsign_lean(m: Any, order: int) -> Any:
    """f' = 1 / (1 + |x|)^2 and f'' = -2 sign(x) / (1 + |x|)^3 for float32 results: float64 holds the powers of any
    float32 |x| (at most 2^384), so one division does, where the float64 kernels guard against overflow."""

    def f(x):  # type: ignore[no-untyped-def]
        u = 1.0 + m.abs(x * 1.0)
        return 1.0 / (u * u) if order == 1 else m.copysign(2.0 / (u * u * u), -x)

    return f


def _softsign_grad(m: Any) -> Any:
    k = _kit(m)
    two_sum, div2, square = k.two_sum, k.div2, k.square
    if _math.lean(m):
        return _softsign_lean(m, 1)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        a = m.abs(x)
        near = a < 1e12  # (1 + |x|)^2 as a double-double; beyond, (1/u)/u: no overflow, also in float32
        u, d = two_sum(1.0, m.where(a == math.inf, 0.0, a))
        p, pe = square(m.where(near, u, 1.0), m.where(near, d, 0.0))
        far = ((1.0 / u) / u) * (1.0 - 2.0 * d / u)
        return m.where(near, div2(1.0, 0.0, p, pe), m.where(a == math.inf, 0.0, far))

    return f


def _softsign_grad2(m: Any) -> Any:
    k = _kit(m)
    two_sum, div2, cube = k.two_sum, k.div2, k.cube
    if _math.lean(m):
        return _softsign_lean(m, 2)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        a = m.abs(x)
        near = a < 1e12
        u, d = two_sum(1.0, m.where(a == math.inf, 0.0, a))
        c, ce = cube(m.where(near, u, 1.0), m.where(near, d, 0.0))
        far = (((2.0 / u) / u) / u) * (1.0 - 3.0 * d / u)
        body = m.where(near, div2(2.0, 0.0, c, ce), m.where(a == math.inf, 0.0, far))
        return m.copysign(body, -x)

    return f


softsign = activation(
    Spec(
        name="softsign",
        summary="Softsign: x / (1 + |x|), from -1 to 1; f'' jumps from 2 to -2 at 0.",
        f=Formula(_softsign, r"\frac{x}{1 + |x|}"),
        grad=Formula(_softsign_grad, r"\frac{1}{(1 + |x|)^2}"),
        grad2=Formula(
            _softsign_grad2,
            r"\frac{-2 \operatorname{sign}(x)}{(1 + |x|)^3} = \begin{cases} -2/(1 + x)^3 & x > 0 \\ 2/(1 - x)^3 & x < 0"
            r" \end{cases}",
            # PyTorch differentiates |x| as sign(x), 0 at 0 (the mean); JAX's |x|' is 1 at 0 (the right side)
            kinks=(Kink(at=0.0, left=2.0, right=-2.0, torch="mean", jax="right"),),
        ),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Softsign.html",
    )
)


# --- tanhshrink -------------------------------------------------------------------------------------------------


def _tanhshrink_lean(m: Any, k: SimpleNamespace) -> Any:
    """x - tanh x for float32 results: the lean tanh errs by at most 2^-43 relative, which x - tanh x ~ x^3/3 turns
    into 3 2^-43 / x^2 relative, below 2^-32 from |x| = 0.05 up (and nothing cancels beyond); below 0.05 the Taylor
    series x^3 (1/3 - 2x^2/15 + 17x^4/315 - 62x^6/2835), truncated below 2^-40 relative."""
    tanh = k.tanh

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        x2 = x * x
        series = x * x2 * (1.0 / 3.0 + x2 * (-2.0 / 15.0 + x2 * (17.0 / 315.0 - x2 * (62.0 / 2835.0))))
        return m.where(m.abs(x) < 0.05, series, x - tanh(x))

    return f


def _tanhshrink(m: Any) -> Any:
    if _math.compiled(m) and not _math.lean(m):  # float32: the lean kit is faster (2.3 ns per element, pairs 3.1)
        return _tanhshrink_pair(_pairs.DOUBLE)
    k = _kit(m)
    if _math.lean(m):
        return _tanhshrink_lean(m, k)
    two_prod, two_sum, div2, cf, terms = k.two_prod, k.two_sum, k.div2, k.cf, k.terms

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        a = m.abs(x)
        small = a < 1.0
        xs = m.where(small, x, 0.0)
        # |x| < 1: x - tanh x = x^3 / (D + x^2) with Lambert's continued fraction D: no cancellation
        x2, x2e = two_prod(xs, xs)
        n, ne = two_prod(xs, x2)
        dd = cf(x2)
        den, dene = two_sum(dd, x2)
        # |x| >= 1: (|x| - 1) + (1 - tanh|x|) = (|x| - 1) + 2 sigma(-2|x|) = (|x| - 1) + 2 s E / (1 + t), two
        # nonnegative terms; one division for both quotients
        e, el, s, _t, u, d = terms(2.0 * a, 0.0)
        q = div2(
            m.where(small, n, e),
            m.where(small, ne + xs * x2e, el),
            m.where(small, den, u),
            m.where(small, dene + x2e, d),
        )
        return m.where(x == 0, x, m.where(small, q, m.copysign((a - 1.0) + 2.0 * q * s, x)))  # see _ZERO

    return f


def _tanhshrink_grad(m: Any) -> Any:
    if _math.compiled(m) and not _math.lean(m):
        return _tanh_sq_pair()
    k = _kit(m)
    terms, dsig, tanh_sq, cut = k.terms, k.dsig, k.tanh_sq_small, k.tanh_sq_cut
    if _math.lean(m):  # the lean tanh is relative everywhere (from expm1): its square is too
        tanh_big = k.tanh_big
        return lambda x: tanh_big(m.abs(x * 1.0)) ** 2

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        a = m.abs(x)
        small = a < cut
        inner = tanh_sq(m.where(small, x, 0.0))
        # 1 - sech^2 x = 1 - 4 sigma'(2x)
        e, el, s, _t, u, d = terms(2.0 * a, 0.0)
        outer = 1.0 - 4.0 * dsig(e, el, u, d) * s
        return m.where(small, inner, outer)

    return f


def _tanhshrink_grad2(m: Any) -> Any:
    if _math.compiled(m):
        return _tanhshrink_curvature_pair(_pairs.for_results(_math.lean(m)))
    k = _kit(m)
    terms, d2sig = k.terms, k.d2sig

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        a = 2.0 * m.abs(x)
        e, el, s, _t, u, d = terms(a, 0.0)  # 2 tanh x sech^2 x = -8 sigma''(2x)
        return m.copysign(d2sig(e, el, u, d, a, 8.0) * s, x)

    return f


tanhshrink = activation(
    Spec(
        name="tanhshrink",
        summary="Tanhshrink: x - tanh(x), about x^3/3 near 0.",
        f=Formula(_tanhshrink, r"x - \tanh x"),
        grad=Formula(_tanhshrink_grad, r"\tanh^2 x"),
        grad2=Formula(_tanhshrink_grad2, r"2 \tanh x \operatorname{sech}^2 x"),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Tanhshrink.html",
    )
)


# --- mish -------------------------------------------------------------------------------------------------------
# With w = e^x: tanh(softplus x) = n / (n + 2), n = w (w + 2); 1 - tanh^2 = 4 (1 + w)^2 / (n + 2)^2. For x > 2, with
# t = e^-x: tanh(softplus x) = 1 - delta, delta = 2 t^2 / (1 + 2t + 2t^2).


def _mish_w(m: Any, k: SimpleNamespace, top: float) -> Any:
    """The pieces in w = e^x for x <= top (x clamped to [-2000, top]): x, E, El, s (w = (E + El) s), w, w + 2 and
    n + 2 as double-doubles; and for x > top (clamped to [top, 1000]) x and t = e^-x. One exponential serves both
    sides (every kernel computes both): e^x where x <= top, e^-x above (and each side's pieces are finite dummies on
    the other)."""
    exp_scaled, two_sum, two_prod = k.exp_scaled, k.two_sum, k.two_prod

    def pieces(x):  # type: ignore[no-untyped-def]
        le = x <= top
        xw = m.where(le, m.where(x < -2000.0, -2000.0, x), 0.0)
        xt = m.where(le, top + 1.0, m.where(x > 1000.0, 1000.0, x))
        e, el, s = exp_scaled(m.where(le, xw, -xt), 0.0)
        w = (e + el) * s  # e^x where x <= top, t = e^-x above
        q, qe = two_sum(2.0, w)
        n, ne = two_prod(w, q)
        dd, dde = two_sum(2.0, n)
        t2 = w * w  # delta = 1 - tanh(softplus x) = 2 t^2 / (1 + 2t + 2t^2) above top
        return xw, e, el, s, w, q, qe, dd, dde + ne + w * qe, xt, w, 2.0 * t2 / (1.0 + 2.0 * w + 2.0 * t2)

    return k.jit(pieces)


def _mish(m: Any) -> Any:
    if _math.compiled(m):
        return _mish_pair(_pairs.for_results(_math.lean(m)))
    k = _kit(m)
    two_prod, div2, wp = k.two_prod, k.div2, _mish_w(m, k, 2.0)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        xw, e, el, s, _w, q, qe, dd, dde, xt, _t, delta = wp(x)
        a, ae = two_prod(xw, e)
        nn, nne = two_prod(a, q)
        small = div2(nn, nne + a * qe + (ae + xw * el) * q, dd, dde) * s  # x w (w + 2) / (n + 2)
        return m.where(x == 0, x, m.where(x <= 2.0, small, x - xt * delta))  # see _ZERO

    return f


def _mish_grad(m: Any) -> Any:
    if _math.compiled(m):
        return _mish_grad_pair(_pairs.for_results(_math.lean(m)))
    k = _kit(m)
    two_prod, two_sum, div2, square, wp = k.two_prod, k.two_sum, k.div2, k.square, _mish_w(m, k, 2.0)
    root = k.near_root(_MISH1, 0.2)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # x <= 2: w [(w + 2)(n + 2) + 4x (1 + w)] / (n + 2)^2
        xw, e, el, s, w, q, qe, dd, dde, xt, t, delta = wp(x)
        p1, p1e = two_prod(q, dd)
        o, oe = two_sum(1.0, w)
        p2, p2e = two_prod(4.0 * xw, o)
        b, be = two_sum(p1, p2)
        be = be + p1e + q * dde + qe * dd + p2e + 4.0 * xw * oe
        nn, nne = two_prod(e, b)
        d2, d2e = square(dd, dde)
        small = div2(nn, nne + e * be + el * b, d2, d2e) * s
        # x > 2: g + x sigma(x) (1 - g^2) = 1 - delta + x delta (2 - delta) / (1 + t)
        big = 1.0 + (xt * delta * (2.0 - delta) / (1.0 + t) - delta)
        near, poly = root(x)
        return m.where(near, poly, m.where(x <= 2.0, small, big))

    def f_lean(x):  # type: ignore[no-untyped-def]
        """f for float32 results: the same, with the x > 2 side over one denominator, delta = 2 t^2 / P:
        1 + t^2 (4x (P - t^2) - 2P (1 + t)) / (P^2 (1 + t)) (the bracket is above 6: no cancellation), so that one
        division serves both sides."""
        x = x * 1.0  # see _F64
        xw, e, _el, s, w, q, _qe, dd, _dde, xt, t, _delta = wp(x)
        b = q * dd + 4.0 * xw * (1.0 + w)
        t2 = t * t
        pp = 1.0 + 2.0 * t + 2.0 * t2
        le = x <= 2.0
        quotient = m.where(le, e * b, t2 * (4.0 * xt * (pp - t2) - 2.0 * pp * (1.0 + t))) / m.where(
            le, dd * dd, pp * pp * (1.0 + t)
        )
        return m.where(le, quotient * s, 1.0 + quotient)

    return f_lean if _math.lean(m) else f


def _mish_grad2(m: Any) -> Any:
    k = _kit(m)
    two_prod, two_sum, div2, cube = k.two_prod, k.two_sum, k.div2, k.cube
    horner_step, exp_scaled, wp = k.horner_step, k.exp_scaled, _mish_w(m, k, 2.0)
    root_a, root_b = k.near_root(_MISH2A, 0.2), k.near_root(_MISH2B, 0.2)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # x <= 2: 4 w [2 (1 + w)(n + 2) + x R] / (n + 2)^3 with R = 2 + 2w - 3w^2 - 2w^3 = 2 + w (2 - w (3 + 2w))
        xw, e, el, s, w, _q, _qe, dd, dde, xt, t, _delta = wp(x)
        o, oe = two_sum(1.0, w)
        r, re = two_sum(3.0, 2.0 * w)
        r, re = horner_step(2.0, 0.0, -w, 0.0, r, re)
        r, re = horner_step(2.0, 0.0, w, 0.0, r, re)
        p1, p1e = two_prod(o, dd)
        p2, p2e = two_prod(xw, r)
        c, ce = two_sum(2.0 * p1, p2)
        ce = ce + 2.0 * (p1e + o * dde + oe * dd) + p2e + xw * re
        nn, nne = two_prod(4.0 * e, c)
        d3, d3e = cube(dd, dde)
        small = div2(nn, nne + 4.0 * (e * ce + el * c), d3, d3e) * s
        # x > 2, the same divided by w^6 (t = 1/w = e^-x): 4 t^2 [2 (1 + t) P + x Rt] / P^3 with P = 1 + 2t + 2t^2
        # and Rt = 2t^3 + 2t^2 - 3t - 2 = -(2 + t (3 - t (2 + 2t))); t^2 = e^-2x scaled by s2 in the tail
        e2, e2l, s2 = exp_scaled(-2.0 * xt, 0.0)
        pp, ppe = two_sum(1.0, 2.0 * t)
        t2, t2e = two_prod(t, t)
        pp, ppe2 = two_sum(pp, 2.0 * t2)
        ppe = ppe + ppe2 + 2.0 * t2e
        o, oe = two_sum(1.0, t)
        r, re = two_sum(2.0, 2.0 * t)
        r, re = horner_step(3.0, 0.0, -t, 0.0, r, re)
        r, re = horner_step(2.0, 0.0, t, 0.0, r, re)
        p1, p1e = two_prod(o, pp)
        p2, p2e = two_prod(-xt, r)
        c, ce = two_sum(2.0 * p1, p2)
        ce = ce + 2.0 * (p1e + o * ppe + oe * pp) + p2e - xt * re
        nn, nne = two_prod(4.0 * e2, c)
        d3, d3e = cube(pp, ppe)
        big = div2(nn, nne + 4.0 * (e2 * ce + e2l * c), d3, d3e) * s2
        near_a, poly_a = root_a(x)
        near_b, poly_b = root_b(x)
        return m.where(near_a, poly_a, m.where(near_b, poly_b, m.where(x <= 2.0, small, big)))

    return f


mish = activation(
    Spec(
        name="mish",
        summary="Mish: x tanh(softplus(x)), a smooth, non-monotonic relu.",
        f=Formula(_mish, r"x \tanh\bigl(\operatorname{sp}(x)\bigr), \quad \operatorname{sp}(x) = \log(1 + e^{x})"),
        grad=Formula(
            _mish_grad,
            r"\tanh\bigl(\operatorname{sp}(x)\bigr)"
            r" + x\, \sigma(x) \operatorname{sech}^2\bigl(\operatorname{sp}(x)\bigr)",
        ),
        grad2=Formula(
            _mish_grad2,
            r"\sigma(x) \operatorname{sech}^2\bigl(\operatorname{sp}(x)\bigr) \Bigl(2 + x\,\bigl(1 - \sigma(x)\bigr)"
            r" - 2 x\, \sigma(x) \tanh\bigl(\operatorname{sp}(x)\bigr)\Bigr)",
        ),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Mish.html",
    )
)


# --- telu -------------------------------------------------------------------------------------------------------
# u = e^x. For f'' (and f' for x > 0), sech^2(u) = 4 e^-2u / (1 + e^-2u)^2 loses 2u ulps when u is rounded, so u
# is computed as a double-double there (``exp_dd``).


def _telu_u(m: Any, k: SimpleNamespace, double: bool) -> Any:
    """u = e^x as (x clamped to [-2000, 6.6], uh, ul, s) with (uh + ul) s = u, scaled in the far tail; with ``double``
    a double-double for -2 <= x <= 6.6 (f'' needs it: sech^2 u loses 2u ulps when u is rounded)."""
    exp_scaled, exp_dd = k.exp_scaled, k.exp_dd

    def u_of(x):  # type: ignore[no-untyped-def]
        xc = m.where(x < -2000.0, -2000.0, m.where(x > 6.6, 6.6, x))
        e, el, s = exp_scaled(xc, 0.0)
        if not double:
            return xc, e, el, s
        dh, dl = exp_dd(xc)
        dd = xc >= -2.0
        return xc, m.where(dd, dh, e), m.where(dd, dl, el), s

    return k.jit(u_of)


def _telu_lean(m: Any, k: SimpleNamespace, grad: bool) -> Any:
    """telu or telu' for float32 results (actgrad._lean): from u = e^x and tanh u = E / (E + 2), E = e^2u - 1, which
    is relative everywhere; f' = tanh u + x u (1 - tanh u)(1 + tanh u) errs by about x u 2^-53 absolute where sech^2
    u cancels, far below float32's ulp of f' ~ 1 there. x is clamped at -2000 (telu(-inf) = 0), and at 20 inside u."""
    tanh_big = k.tanh_big

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        xc = m.where(x < -2000.0, -2000.0, x)
        xu = m.where(xc > 20.0, 20.0, xc)  # tanh(e^20) = 1 in float64 (and x u sech^2 u = 0 from there on)
        u = m.exp(xu)
        t = tanh_big(u)
        return t + xu * u * ((1.0 - t) * (1.0 + t)) if grad else xc * t

    return f


@njit(inline="always")
def _nowhere(x):  # type: ignore[no-untyped-def]
    """As a _near_zero_pair's function where a kernel needs no polynomial about its zero: never close."""
    return False, x


def _near_zero_pair(constants: tuple[Any, ...], width: float) -> Any:
    """``x -> (close, value)``: |x - r| < ``width``, and the Taylor polynomial about a zero r of a float64 kernel's
    function (a _SILU1-style tuple: r, c1, (cn, ..., c2) as in the kits' near_root), c1 y + c2 y^2 + y^3 P(y),
    y = x - r, with its first two terms in pairs (_pairs.taylor_pair) and P without the terms below 2^-57 of c1 y in
    the window."""
    (r_hi, r_lo), c1, rest = constants
    p = _pairs.DOUBLE
    tail = _pairs.estrin(_pairs.significant(rest[-2::-1], width, 2.0**-57 * abs(c1[0]) / width**2))
    taylor, select = _pairs.taylor_pair(p, c1, (rest[-1], 0.0), tail), p.select

    def at(x):  # type: ignore[no-untyped-def]
        close = abs(x - r_hi) < width
        h, e = taylor(select(close, x, r_hi) - r_hi, -r_lo)  # x - r_hi is exact near the root
        return close, h + e

    return p.helper(at)


def _curvature_pair(p: SimpleNamespace, scale: float, grow: float, zero: Any = None) -> Any:
    """f'' in pairs of p's precision, from t = e^-a, a = ``grow`` |x|, and 1 + t = v + d, 1 - t = 2 - (v + d)
    (relative to a also for small a: see _tanh_pair):

    - sigmoid'' (``scale`` 1, ``grow`` 1) and tanh'' (8, 2): -sign(x) scale t (1 - t) / (1 + t)^3, the zero at 0
      signed as the function beside it, and scale a / 8 for a below p.LINEAR (g = tanh sech^2 = y - 4/3 y^3 + ...
      rounds to y for y = a / 2 below half the cut where tanh y rounds to y: see _tanh_pair);
    - silu'' (float64; ``zero``, its _near_zero_pair): t M / (1 + t)^3, M = 2 - a + t (2 + a), even in x."""
    c, terms, two_sum, select, fma, narrow = p.dtype, _terms_pair(p), p.two_sum, p.select, _pairs.fma, p.narrow
    div_pair, tiny, linear, zero_, one, two, cap = p.div_pair, p.TINY, p.LINEAR, p.ZERO, p.ONE, c(2.0), c(2000.0)
    grow, scale, eighth, fast_two_sum = c(grow), c(scale), c(0.125 * scale), p.fast_two_sum

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        a = grow * select(abs(v) < cap, abs(v), cap)
        th, tl, big, u, d = terms(a, zero_)
        tm = u - one  # exact: t = tm + d
        if zero is None:
            mh = one - tm  # exact: 1 - t = mh - d
            ml = -d
        else:
            hh, hl = two_sum(two, -a)
            qh, ql = fast_two_sum(two, a)
            gh = tm * qh  # t (2 + a)
            gl = fma(tm, qh, -gh) + (tm * ql + d * qh)
            mh, ml = two_sum(hh, gh)
            ml = ml + (hl + gl)
        nh = th * mh  # t M, t unscaled
        nl = fma(th, mh, -nh) + (th * ml + tl * mh)
        sh = u * u  # (1 + t)^3
        sl = fma(u, u, -sh) + two * u * d
        ch = sh * u
        cl = fma(sh, u, -ch) + (sl * u + sh * d)
        w = ((scale * div_pair(nh, nl, ch, cl)) * big) * tiny
        if zero is None:
            w = select(a < linear, eighth * a, w)  # exact
            return select(v == zero_, -v, select(v > zero_, -w, w))  # see _ZERO
        close, poly = zero(abs(x))
        return select(close, poly, w)

    return f


#: telu's pair kernels (f for both precisions, f' for float64; float32's f' measured no faster than actgrad._lean's):
#: below the tail, tanh(e^x) = e^x to 2^-80 and e^x may be subnormal (x u and (1 + x) u are scaled once); above the
#: top, telu(x) = x and telu'(x) = 1 to every digit (e^-2u < 2^-150 for u = e^x). float32's f has a tail of its own:
#: below -9, tanh(e^x) = e^x within 2^-27 (0.08 ulp), and above it, down to -27, 1 - t = 2u (1 - u + ...) kept too
#: little of float32 pairs' precision (1.86 ulp at x = -17.64).
_TELU_TAIL = -27.0
_TELU_TAIL_32 = -9.0
_TELU_TOP = 4.0


def _telu_terms(p: SimpleNamespace) -> Any:
    """``x -> (xc, eh, el, big, uh, ul, th, tl, big2, v, d, tm)``: x clamped to [-2000, _TELU_TOP]; u = e^x as
    (eh + el) big TINY = uh + ul; t = e^-2u as (th + tl) big2 TINY (with u's low part: e^-(a + c) = e^-a (1 - c)),
    1 + t = v + d, and tm = v - 1 exactly (t = tm + d, 1 - t = (1 - tm) - d, relative to 2u also for small u: see
    _tanh_pair)."""
    c, exp_parts, terms, select = p.dtype, p.exp_parts, _terms_pair(p, low=True), p.select
    tiny, low, top, one, two, flat, zero = p.TINY, c(-2000.0), c(_TELU_TOP), p.ONE, c(2.0), c(40.0), p.ZERO

    def at(x):  # type: ignore[no-untyped-def]
        xc = select(x < low, low, select(x > top, top, x))
        eh, el, big = exp_parts(xc)
        s = big * tiny
        uh, ul = eh * s, el * s  # normal above the tail
        # beyond u = 40, e^-2u is below 2^-115 (tanh u = 1, and x u sech^2 u below 2^-100): it stays there, a normal
        # number (a subnormal t costs microcode assists: float32 ran at 11 ns/element for 0 < x < 4)
        flat_u = uh > flat
        th, tl, big2, v, d = terms(two * select(flat_u, flat, uh), two * select(flat_u, zero, ul))
        return xc, eh, el, big, uh, ul, th, tl, big2, v, d, v - one

    return p.helper(at)


def _telu_value_pair(p: SimpleNamespace) -> Any:
    """telu in pairs of p's precision: x (1 - t) / (1 + t) for every x (one corrected division), x u below the tail
    (see _telu_terms)."""
    c, fma, select, narrow, quotient, at = p.dtype, _pairs.fma, p.select, p.narrow, p.quotient, _telu_terms(p)
    tiny, zero, one, top, huge = p.TINY, p.ZERO, p.ONE, c(_TELU_TOP), c(1 / p.TINY)
    tail = c(_TELU_TAIL if c is np.float64 else _TELU_TAIL_32)

    def f(x):  # type: ignore[no-untyped-def]
        w = narrow(x)
        xc, eh, el, big, _uh, _ul, _th, _tl, _big2, v, d, tm = at(w)
        nh = one - tm  # exact: 1 - t = nh - d
        qh, ql = quotient(nh, -d, v, d)
        xs = xc * huge  # x tanh u for a subnormal result: in range first, scaled back last (one rounding)
        ph = xs * qh
        body = (ph + (fma(xs, qh, -ph) + xs * ql)) * tiny
        eh_x = xc * eh
        far = (eh_x + (fma(xc, eh, -eh_x) + xc * el)) * big * tiny
        return select(w > top, w, select(w < tail, far, select(xc == zero, xc, body)))  # see _ZERO

    return f


def _telu_grad_pair() -> Any:
    """telu' for float64 results in pairs (see _telu_terms): 4 u t B / (1 + t)^2 with B = x + sinh(2u) / 2u = 1 + x +
    a series in z = 4 u^2, for x <= -1/4 (near the zero of B, at x = r, the Taylor polynomial _TELU1), and
    1 - 2 t (1 + t - 2 x u) / (1 + t)^2 above; (1 + x) u below the tail, scaled once."""
    p = _pairs.DOUBLE
    square, two_sum, select, fma, tiny, at = p.square, p.two_sum, p.select, _pairs.fma, p.TINY, _telu_terms(p)
    quotient, fast_two_sum = p.quotient, p.fast_two_sum
    top, tail, near_zero = _TELU_TOP, _TELU_TAIL, _near_zero_pair(_TELU1, 0.1)
    # z^2 P(z) for z = 4 u^2 <= 4 e^-1/2 (x <= -1/4), its terms to 2^-60 (below 2^-57 of B outside the root's window)
    sinhc, (sixth_h, sixth_l) = _pairs.estrin(_pairs.significant(_SINHC[-2::-1], 2.43, 2.0**-60 / 2.43**2)), _SIXTH

    def f(x):  # type: ignore[no-untyped-def]
        xc, eh, el, big, uh, ul, th, tl, big2, v, d, _tm = at(x)
        s2 = big2 * tiny
        neg = xc <= -0.25  # above, f' = 1 - k with k <= 0.42 (its error damped by k / f' < (1 - t) / (1 + t))
        # x > -1/4: 1 - 2 t (1 + t - 2 x u) / (1 + t)^2 (1 - t^2 + 4 x u t, the same numerator, would cancel below
        # and amplify e^-2u's error there)
        wh = xc * uh
        wl = fma(xc, uh, -wh) + xc * ul
        mh, ml = two_sum(v, -2.0 * wh)
        ml = ml + (d - 2.0 * wl)
        # x <= -1/4: 4 u t B / (1 + t)^2, B = (1 + x) + z / 6 + z^2 P(z) = x + sinh(2u) / 2u, z = 4 u^2
        zh = 4.0 * uh * uh
        zl = 4.0 * (fma(uh, uh, -uh * uh) + 2.0 * uh * ul)
        oh, ol = fast_two_sum(1.0, xc)  # exact for -2000 <= x <= 0 too: 1 is a multiple of x's ulp
        sh = zh * sixth_h
        bh, bl = two_sum(oh, sh)
        bl = bl + (ol + (fma(zh, sixth_h, -sh) + zh * sixth_l + zl * sixth_h) + zh * (zh * sinhc(zh)))
        gh = 4.0 * uh * bh
        gl = 4.0 * (fma(uh, bh, -uh * bh) + uh * bl + ul * bh)
        ch = select(neg, gh, mh)
        cl = select(neg, gl, ml)
        nh = th * ch  # times t, unscaled
        nl = fma(th, ch, -nh) + (th * cl + tl * ch)
        pp, pe = square(v, d)
        qh, ql = quotient(nh, nl, pp, pe)
        k = 2.0 * qh * s2
        h = 1.0 - k  # |k| < 1/2: the error of h is (1 - h) - k exactly
        body = select(neg, (qh + ql) * s2, h + (((1.0 - h) - k) - 2.0 * ql * s2))
        close, poly = near_zero(x)
        fe = oh * eh  # x < tail: (1 + x) u, scaled once
        far = (fe + (fma(oh, eh, -fe) + oh * el + ol * eh)) * big * tiny
        return select(x > top, 1.0, select(x < tail, far, select(close, poly, body)))

    return f


def _telu(m: Any) -> Any:
    if _math.compiled(m):
        return _telu_value_pair(_pairs.for_results(_math.lean(m)))
    k = _kit(m)
    if _math.lean(m):
        return _telu_lean(m, k, False)
    two_prod, two_sum, div2, cf, terms, u_of = k.two_prod, k.two_sum, k.div2, k.cf_ratio, k.terms, _telu_u(m, k, False)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        xc, uh, ul, s = u_of(x)
        u = (uh + ul) * s
        # x <= 0 (u <= 1): x u D / (D + u^2) with Lambert's continued fraction D (see tanh_small)
        u2, u2e = two_prod(u, u)
        dd = cf(u2)  # D's error is damped by u^2 / (D + u^2) <= 1/4
        a, ae = two_prod(xc, uh)
        nn, nne = two_prod(a, dd)
        den, dene = two_sum(dd, u2)
        # x > 0: x tanh u = x - x y with y = 1 - tanh u = 2 e^-2u / (1 + e^-2u) <= 0.24
        e2, e2l, s2, _t2, v, vd = terms(2.0 * uh * s, 2.0 * ul * s)
        xb = m.where(x > 0, m.where(x > 1e30, 1e30, x), 0.0)
        le = x <= 0  # one division for both quotients
        q = div2(
            m.where(le, nn, e2),
            m.where(le, nne + (ae + xc * ul) * dd, e2l),
            m.where(le, den, v),
            m.where(le, dene + u2e + 2.0 * u * ul * s, vd),
        )
        return m.where(x == 0, x, m.where(le, q * s, x - xb * (2.0 * q * s2)))  # see _ZERO

    return f


def _telu_grad(m: Any) -> Any:
    if _math.compiled(m) and not _math.lean(m):
        return _telu_grad_pair()
    k = _kit(m)
    if _math.lean(m):
        return _telu_lean(m, k, True)
    two_prod, two_sum, div2_dd, terms, square = k.two_prod, k.two_sum, k.div2_dd, k.terms, k.square
    u_of, sinhc_poly = _telu_u(m, k, True), k.sinhc_poly
    root = k.near_root(_TELU1, 0.2)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        xc, uh, ul, s = u_of(x)
        u = (uh + ul) * s
        e2, e2l, s2, _t2, v, vd = terms(2.0 * uh * s, 2.0 * ul * s)  # e^-2u, and 1 + e^-2u = v + vd
        # x <= 0: u sech^2(u) (sinh(2u)/(2u) + x) = 4 u e^-2u / (1 + e^-2u)^2 (1 + x + (2u)^2 P((2u)^2))
        zh, zl = two_prod(2.0 * uh, 2.0 * uh)  # z = (2u)^2 = zh + zl
        zl = zl + 8.0 * uh * ul
        zh, zl = zh * s * s, zl * s * s
        pz = sinhc_poly(zh)
        o, oe = two_sum(1.0, xc)
        b, be = two_sum(o, zh / 6.0)
        b, be2 = two_sum(b, zl / 6.0 + zh * zh * pz)
        be = be + be2
        nn, nne = two_prod(4.0 * uh, b)
        nne = nne + 4.0 * (uh * (be + oe) + ul * b)
        ne, nee = two_prod(nn, e2)
        p, pe = square(v, vd)
        # x > 0: tanh u + x u sech^2 u = tanh u + 4 x u sigma'(2u), sigma'(2u) = t / (1 + t)^2 with t = e^-2u, and
        # tanh u = 1 - 2 t / (1 + t) = 1 - 2 sigma'(2u) (1 + t): one division for every quotient of both sides
        le = x <= 0
        qh, ql = div2_dd(m.where(le, ne, e2), m.where(le, nee + nn * e2l + nne * e2, e2l), p, pe)
        q = (qh + ql) * s2
        w, we = two_prod(qh, v)
        tanh_u = 1.0 - 2.0 * s2 * (w + (we + qh * vd + ql * v))
        near, poly = root(x)
        return m.where(near, poly, m.where(le, q * s, tanh_u + 4.0 * xc * u * q))

    return f


def _telu_grad2(m: Any) -> Any:
    k = _kit(m)
    two_prod, two_sum, div2, terms, square, tanh = k.two_prod, k.two_sum, k.div2, k.terms, k.square, k.tanh
    u_of = _telu_u(m, k, True)
    root_a, root_b = k.near_root(_TELU2A, 0.2), k.near_root(_TELU2B, 0.2)

    def f(x):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64
        # u sech^2(u) (2 + x - 2 x u tanh u) = 4 u e^-2u / (1 + e^-2u)^2 G
        xc, uh, ul, s = u_of(x)
        u = (uh + ul) * s
        e2, e2l, s2, _t2, v, vd = terms(2.0 * uh * s, 2.0 * ul * s)
        th = tanh(u)
        g, ge = two_sum(2.0, xc)
        w, we = two_prod(-2.0 * xc, uh)
        w2, w2e = two_prod(w, th)
        c, ce = two_sum(g, w2)
        ce = ce + ge + w2e + (we - 2.0 * xc * ul) * th
        nn, nne = two_prod(4.0 * uh, c)
        nne = nne + 4.0 * (uh * ce + ul * c)
        ne, nee = two_prod(nn, e2)
        p, pe = square(v, vd)
        body = div2(ne, nee + nn * e2l + nne * e2, p, pe) * s2 * s
        near_a, poly_a = root_a(x)
        near_b, poly_b = root_b(x)
        return m.where(near_a, poly_a, m.where(near_b, poly_b, m.where(x > 6.6, 0.0, body)))

    return f


telu = activation(
    Spec(
        name="telu",
        summary="TeLU: x tanh(exp(x)), near x for x > 0 and decaying to 0 for x << 0.",
        f=Formula(_telu, r"x \tanh\left(e^{x}\right)"),
        grad=Formula(_telu_grad, r"\tanh\left(e^{x}\right) + x\, e^{x} \operatorname{sech}^2\left(e^{x}\right)"),
        grad2=Formula(
            _telu_grad2,
            r"e^{x} \operatorname{sech}^2\left(e^{x}\right) \left(2 + x - 2 x\, e^{x} \tanh\left(e^{x}\right)\right)",
        ),
        reference="https://arxiv.org/abs/2412.20269",
    )
)
