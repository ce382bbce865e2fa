"""GELU, the Gaussian error linear unit: x Phi(x) (``approximate="none"``) and its tanh approximation.

Both variants are smooth; f' has a zero near x = -0.75 and f'' zeros near x = +-1.41. Both are evaluated at -|x|
only, through the symmetries of x Phi(x) (and of x sigma(2 y(x)) with y odd): with G(u) = f(-u),

    f(x) = x + G(|x|) for x > 0,   f'(x) = 1 - G'(|x|) for x > 0,   f''(x) = G''(|x|) for every x.

The left tail decays like exp(-x^2/2) (exp(-2 y) for tanh), so each of G, G', G'' is written as exp(-a) M with a
smooth factor M, and everything but the exponential is computed in double-double arithmetic (``two_sum``,
``two_prod`` by Veltkamp splitting), so each result carries about one rounding besides exp's own:

- a = x^2/2 (or 2 y) is exact as a double-double, and exp(-a) = exp(-a_hi) (1 - a_lo): the rounded argument would
  otherwise amplify its relative error by a ~ 700 in the tail;
- exp(-a) is computed as exp(64 ln 2 - a) * 2^-64, so a subnormal result is rounded once instead of being
  multiplied up from a rounded subnormal exponential;
- exact GELU does not use erf/erfc at all (libm's erfc is off by up to 2.6 ulp): Phi(-u) = phi(u) R(u) with the Mills
  ratio R(u), from polynomials on [0, 4] (a double-double constant and linear term plus a double tail) and
  R = u/(u^2 + h(8/u - 1)) above 4 (h a polynomial; its error is damped by 1/u^2);
- where G' or G'' cancels near its zero, a polynomial about the zero (in double-double at first order) is used.

The NumPy kernels of exact GELU (f, f'' and, for float64 results, f') and of the tanh approximation (f; f' for
float64) compute in pairs of the result's precision instead (``actgrad._pairs``; ``_exact_pair``, ``_tanh_pair``),
exact GELU with one polynomial for the Mills ratio on the whole range (V(t) / (2 + u) in t = 2 / (2 + u): one
division, no pieces to select between); twice as fast as the kits and as accurate.

The polynomial coefficients were computed with mpmath at 240 bits (``tests/reference/gelu.py`` documents how, and
the tests compare every order against an independent mpmath reference).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

import numpy as np

from .. import _math, _pairs
from .._activation import activation
from .._registry import Formula, Param, Spec
from .elu import error_free, estrin, horner, precision, split_dd
from .sigmoid import _terms_pair

__all__ = ["gelu"]

_SCALE = 2.0**-64
_SHIFT = (44.3614195558365, 1.4841899608616317e-15)  # 64 ln 2 as a double-double
_INV_SQRT_2PI = (0.3989422804014327, -2.49232720227773e-17)
_KAPPA = (0.7978845608028654, -4.98465440455546e-17)  # sqrt(2/pi)
_TWO_KAPPA = (1.5957691216057308, -9.96930880911092e-17)
# The tanh approximation's 0.044715 (exactly that decimal, as a double-double), times 1, 3, 6.
_A = (0.044715, 2.1960211427085595e-18)
_A3 = (0.134145, 1.3526957332032908e-17)
_A6 = (0.26829, 2.7053914664065815e-17)
# Beyond these |x| every tail term of G, G', G'' underflows (G(-38.7) ~ 1e-326; tanh: G(-21.1) ~ 1e-325).
_U_MAX = 40.0
_U_MAX_TANH = 30.0

# Lean (float32 results): the Mills ratio for 0 <= u <= 15 as one polynomial in y = (u - 3)/(u + 3), highest degree
# first, within 3e-11 relative (2^-35: a float32 result errs by at most 2^-11 ulp more than its rounding). Beyond
# u = 15 every G, G', G'' is below half of float32's least subnormal, so R(15) serves there.
_MILLS_LEAN = (
    1.7134175505417448e-06,
    5.672379917810597e-06,
    -2.4003322735489843e-06,
    -3.715981913040732e-05,
    -3.174558525656578e-05,
    0.00017111734720955815,
    0.0003297368467871327,
    -0.0008660762009713263,
    -0.0024836607609962135,
    0.007284029917932035,
    0.01537405258620328,
    -0.1158399582242738,
    0.3088791445988723,
    -0.517374623236664,
    0.3045902987102252,
)

# Mills ratio on [c - 1/2, c + 1/2], c = 0.5, 1.5, 2.5, 3.5: R(c + t) = r0 + r1 t + t^2 P(t); r0, r1 double-doubles,
# P's coefficients highest degree first.
_R0 = (
    (0.8763644564536923, 2.6901721135929454e-17),
    (0.5158156382179634, -3.528415937755258e-17),
    (0.35426511132979366, 8.527077771281615e-18),
    (0.26656776896822376, -4.5084582405083935e-18),
)
_R1 = (
    (-0.5618177717731538, 1.3450860567964727e-17),
    (-0.22627654267305497, 2.584912164928951e-18),
    (-0.11433722167551583, -6.437881187424876e-18),
    (-0.06701280861121685, -1.901816033964921e-18),
)
_RP = (
    (
        -1.8708610745593175e-10,
        8.769559147545637e-10,
        -3.800654786371596e-09,
        1.689259832626008e-08,
        -7.313920510902932e-08,
        3.071814390609773e-07,
        -1.2506602581405473e-06,
        4.925797259759626e-06,
        -1.872148440270568e-05,
        6.847031853407641e-05,
        -0.00024017148751479816,
        0.0008047889284339501,
        -0.0025639378518576865,
        0.007720280353426258,
        -0.021807705139716783,
        0.05722553469041547,
        -0.13765129304379164,
        0.2977277852835577,
    ),
    (
        -9.539224916979494e-11,
        4.788331211252017e-10,
        -2.251653555301254e-09,
        1.0740472304206841e-08,
        -4.991847443393914e-08,
        2.2535033242298097e-07,
        -9.869593055061718e-07,
        4.18462373461917e-06,
        -1.713348863620667e-05,
        6.754647217577222e-05,
        -0.00025552110595120504,
        0.0009236534362375741,
        -0.0031741278960158515,
        0.010303112461451457,
        -0.03132530817225643,
        0.08820041210419045,
    ),
    (
        -3.431149664231843e-12,
        1.9350440409475524e-11,
        -1.0347914186122164e-10,
        5.587319096305936e-10,
        -2.9502445536284668e-09,
        1.5201259953903824e-08,
        -7.635608696264553e-08,
        3.733047202590151e-07,
        -1.773178783551147e-06,
        8.165994221657292e-06,
        -3.637359460455994e-05,
        0.0001562619402815955,
        -0.0006452700129359524,
        0.0025507466740295258,
        -0.009603216749753576,
        0.03421102857050204,
    ),
    (
        -6.8575826734363046e-12,
        4.17451783935272e-11,
        -2.4327955250958944e-10,
        1.4223297113115033e-09,
        -8.142639033218011e-09,
        4.5571193474818556e-08,
        -2.4906790907944346e-07,
        1.3274490485127868e-06,
        -6.887682875958687e-06,
        3.4726482493701005e-05,
        -0.00016975646885871131,
        0.0008025065359664543,
        -0.00365755522017616,
        0.01601146941448239,
    ),
)
# h(y) = u (1/R(u) - u) for u >= 4, y = 8/u - 1, as a polynomial in y (highest degree first), from its Chebyshev
# interpolant (tests/reference/gelu.py): the sum of its coefficients' magnitudes is 1.05, so it evaluates as
# accurately as the Chebyshev series would, and by Estrin's scheme with a dependency chain of 5 steps (Clenshaw's
# recurrence for the series took 24, on the kernels' critical path).
_H_MONO = (
    -1.4423642587220828e-11,
    1.6889860479748492e-11,
    1.1358445873810992e-10,
    -2.583663038287332e-10,
    -1.1739202543542453e-10,
    1.3343056921912796e-09,
    -2.693242582674823e-09,
    4.4527342888540114e-10,
    1.4363034398045664e-08,
    -4.331297344337449e-08,
    2.9741102879701398e-08,
    2.0294522910316017e-07,
    -7.711087710529963e-07,
    6.970866579970196e-07,
    3.883961198780563e-06,
    -1.6539996487274273e-05,
    1.3628676905137649e-05,
    0.00011392391548463169,
    -0.0004677272056193368,
    9.093078866322598e-05,
    0.005817590777648325,
    -0.01991978187463622,
    -0.054152357515083197,
    0.9709448978889015,
)
_G1E_ROOT = (
    (0.7517915246935645, -1.4956759177009883e-17),
    (-0.4314939923140469, -2.7308688141129613e-17),
    (0.388284982990552, 2.3344842362524718e-17),
    (
        -1.759288716248048e-09,
        -1.2709666142913417e-09,
        3.537689641245936e-08,
        -1.6509961141230191e-09,
        -5.702526698737973e-07,
        4.3285434998543635e-07,
        7.748457503196703e-06,
        -1.1214381258121134e-05,
        -8.615947826537817e-05,
        0.00018633974630317677,
        0.0007448268386574051,
        -0.002239538068076019,
        -0.00453922837912499,
        0.019421679838189106,
        0.014771522148244334,
        -0.1140082332972217,
        0.018199676398671087,
    ),
)
_G1T_ROOT = (
    (0.7524614220710163, -3.635560509207687e-17),
    (-0.4304000910248585, -2.028254970529195e-17),
    (0.38751844613578895, -2.562359819429644e-17),
    (
        1.07749729366829e-08,
        -1.5366979073973258e-08,
        -7.493796260855863e-08,
        1.4093364552593403e-07,
        4.310247733541922e-07,
        -9.897236670775865e-07,
        -2.433562294522409e-06,
        5.9185932112450284e-06,
        1.595089893735871e-05,
        -3.495617022576465e-05,
        -0.00012425227821031645,
        0.0002639276404582295,
        0.0009274420230289621,
        -0.0024227318458733605,
        -0.005261059254922097,
        0.019682309459833097,
        0.016619328343052565,
        -0.11394448308095899,
        0.01578285352184803,
    ),
)
_G2T_ROOT = (
    (1.4185040087908283, 8.089265124388305e-17),
    (-0.4095488174124191, 1.2109294543123343e-17),
    (0.432081111593848, 2.4701561048827526e-17),
    (
        -2.7374783618069995e-08,
        -1.648457418386379e-08,
        2.7207198868531756e-07,
        -2.3396317576638711e-07,
        -1.499863335112941e-06,
        3.569332907173042e-06,
        4.884008025937523e-06,
        -2.9186591382414876e-05,
        6.138914658186822e-06,
        0.0001761994238620901,
        -0.00026173757074158074,
        -0.0007514200776416527,
        0.0026434611467728505,
        0.0007632001136945531,
        -0.016711507560855262,
        0.020035361162701243,
        0.05675054097516173,
        -0.16109481693213482,
        -0.008168951883944803,
    ),
)


# Pair kernels (see _exact_pair): the Mills ratio over sqrt(2 pi) as V(t) / (2 + u), with V(t) = R(u) (2 + u) /
# sqrt(2 pi) a polynomial in s = t - 1/2 for t = 2 / (2 + u) (0 <= u <= cap: beyond, every G^(order) underflows),
# lowest degree first, from its Chebyshev interpolant (within 2^-58 of V for float64, 2^-30 for float32; V >= 1 /
# sqrt(2 pi)); its first two coefficients as double-doubles. The terms past the linear one add up to at most 0.14 V
# in magnitude (0.08 for float32's shorter interval), so plain arithmetic there errs by a fraction of V's ulp.
_V_PAIR = {
    "float64": {
        "cap": 40.0,
        "v0": (0.6724080048926824, 4.9646578134713623e-17),
        "v1": (0.6628088847775621, -4.464293305301646e-18),
        "rest": (
            0.11518944138144474,
            -0.2937468877513686,
            -0.007513549348070659,
            0.21519702649981434,
            -0.12487194657221623,
            -0.10049512398091838,
            0.21176294774822646,
            -0.10597976646364698,
            -0.11846996996978319,
            0.26327421013059854,
            -0.18863302247934782,
            -0.0793076915274585,
            0.35549439635308616,
            -0.4119924305367077,
            0.13448780938918928,
            0.37453089176928106,
            -0.7950115783769578,
            0.7121354812640782,
            -0.019462163412276592,
            -0.6845889452679884,
            1.2526012284634118,
            -3.0983501729519825,
            3.6631258473140296,
            5.479785377029201,
            -16.453729796809135,
            2.9614088698800822,
            22.36115645251546,
            -14.238831133551779,
            -11.093158342782226,
            9.999745206902368,
        ),
    },
    "float32": {
        "cap": 15.0,
        "v0": (0.6724079847335815, 2.0093690267231068e-08),
        "v1": (0.662808895111084, -3.5305938173024742e-09),
        "rest": (
            0.11518947035074234,
            -0.29374808073043823,
            -0.007514632772654295,
            0.2152567207813263,
            -0.12488754838705063,
            -0.10178063064813614,
            0.213068887591362,
            -0.09281335026025772,
            -0.1402880996465683,
            0.2048874795436859,
            -0.04106428474187851,
            -0.04856521263718605,
        ),
    },
}


def _build_kit(m: Any) -> SimpleNamespace:
    """The helpers for namespace ``m``: compiled by numba for the scalar namespace, plain functions for arrays."""
    jit, two_sum, renorm, two_prod = error_free(m)
    # Constants as floats in closures (numba materializes a global tuple on every call that indexes it), split for
    # the compute type's precision.
    p = precision(m)
    shift_hi, shift_lo = split_dd(_SHIFT, p)
    inv_sqrt_2pi = split_dd(_INV_SQRT_2PI, p)
    kappa = split_dd(_KAPPA, p)
    two_kappa = split_dd(_TWO_KAPPA, p)
    a1, a3, a6 = (split_dd(c, p) for c in (_A, _A3, _A6))
    (r00h, r00l), (r01h, r01l), (r02h, r02l), (r03h, r03l) = (split_dd(c, p) for c in _R0)
    (r10h, r10l), (r11h, r11l), (r12h, r12l), (r13h, r13l) = (split_dd(c, p) for c in _R1)

    @jit
    def mul2(ah, al, bh, bl):  # type: ignore[no-untyped-def]
        """(ah + al) (bh + bl) as a double-double."""
        p, pe = two_prod(ah, bh)
        return renorm(p, pe + (ah * bl + al * bh))

    def div2(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
        """(nh + nl) / (dh + dl) as a double-double."""
        q = nh / dh
        p, pe = two_prod(q, dh)
        return renorm(q, ((((nh - p) - pe) + nl) - q * dl) / dh)

    div2 = m.div_dd if _math.compiled(m) else div2  # one division in the lean namespace
    # The polynomials about the zeros of G' and G'' (not in the lean namespace: see actgrad._lean).
    roots = not _math.lean(m)

    @jit
    def sub2(ah, al, bh, bl):  # type: ignore[no-untyped-def]
        """(ah + al) - (bh + bl) as a double-double."""
        s, se = two_sum(ah, -bh)
        return renorm(s, se + (al - bl))

    @jit
    def exp_shifted(ah, al):  # type: ignore[no-untyped-def]
        """For a = ah + al <= 0 (ah > -1e300): (e, c) with exp(a) = e (1 + c) 2^-64 (e a double, c tiny)."""
        b, be = two_sum(ah, shift_hi)
        return m.exp(b), be + (al + shift_lo)

    @jit
    def times(e, c, mh, ml):  # type: ignore[no-untyped-def]
        """e (1 + c) (mh + ml) 2^-64 as a double-double (rounded once to a double by adding the parts)."""
        p, pe = two_prod(e, mh)
        hi, lo = renorm(p, pe + e * ml + p * c)
        return hi * _SCALE, lo * _SCALE

    def make_root_poly(root):  # type: ignore[no-untyped-def]
        """c1 d + c2 d^2 + d^3 P(d) as a double-double, d = u - u0, for root = (u0, c1, c2, P's coefficients)."""
        u0, c1, c2, rest = root
        (r_hi, r_lo), (c1_hi, c1_lo), (c2_hi, c2_lo) = split_dd(u0, p), split_dd(c1, p), split_dd(c2, p)
        tail = horner(rest, m)

        @jit
        def poly(u):  # type: ignore[no-untyped-def]
            dh, dl = two_sum(u, -r_hi)
            dl = dl - r_lo
            d = dh + dl
            p1, e1 = two_prod(c1_hi, dh)
            sh, sl = two_prod(dh, dh)
            p2, e2 = mul2(c2_hi, c2_lo, sh, sl + 2.0 * dh * dl)
            s, se = two_sum(p1, p2)
            return renorm(s, se + e1 + c1_hi * dl + c1_lo * dh + e2 + d * (d * (d * tail(d))))

        return poly

    root_g1_exact = make_root_poly(_G1E_ROOT)
    root_g1_tanh = make_root_poly(_G1T_ROOT)
    root_g2_tanh = make_root_poly(_G2T_ROOT)
    p0, p1, p2, p3 = (horner(c, m) for c in _RP)
    h_series = estrin(_H_MONO, m)

    @jit
    def mills(u):  # type: ignore[no-untyped-def]
        """The Mills ratio R(u) = Phi(-u) / phi(u) as a double-double, for 0 <= u <= _U_MAX."""
        i1 = u < 1.0
        i2 = u < 2.0
        i3 = u < 3.0
        small = u < 4.0
        # u < 4: R(c + t) = r0 + r1 t + t^2 P(t) about the piece's centre c
        c = m.where(i1, 0.5, m.where(i2, 1.5, m.where(i3, 2.5, 3.5)))
        th, tl = two_sum(m.where(small, u, 3.5), -c)
        acc = m.where(i1, p0(th), m.where(i2, p1(th), m.where(i3, p2(th), p3(th))))
        r0h = m.where(i1, r00h, m.where(i2, r01h, m.where(i3, r02h, r03h)))
        r0l = m.where(i1, r00l, m.where(i2, r01l, m.where(i3, r02l, r03l)))
        r1h = m.where(i1, r10h, m.where(i2, r11h, m.where(i3, r12h, r13h)))
        r1l = m.where(i1, r10l, m.where(i2, r11l, m.where(i3, r12l, r13l)))
        ph, pl = two_prod(r1h, th)
        sh, sl = two_sum(r0h, ph)
        sh, sl = renorm(sh, sl + (r0l + pl + r1h * tl + r1l * th + th * (th * acc)))
        # u >= 4: R = 1 / (u + h(y) / u) = u / (u^2 + h(y)), y = 8/u - 1.
        # This side's divisions and h form the loop's longest dependency chain, and the kernels wait on it: one
        # reciprocal gives the quotient and its correction (from the exact residual).
        ub = m.where(small, 4.0, u)
        sq, sqe = two_prod(ub, ub)
        dh, dl = two_sum(sq, h_series(8.0 / ub - 1.0))
        dl = dl + sqe
        inv = 1.0 / dh
        bh = ub * inv
        p, pe = two_prod(bh, dh)
        bh, bl = renorm(bh, (((ub - p) - pe) - bh * dl) * inv)
        return m.where(small, sh, bh), m.where(small, sl, bl)

    if not roots:  # lean: one polynomial and one division, no double-double
        mills_lean = estrin(_MILLS_LEAN, m)

        @jit
        def mills(u):  # type: ignore[no-untyped-def]
            """R(u) for 0 <= u <= 15, R(15) above (lean: error below 3e-11), with no error term."""
            uc = m.where(u < 15.0, u, 15.0)
            return mills_lean((uc - 3.0) / (uc + 3.0)), 0.0

        # Every low part is dropped, also the constants' (each is below 2^-52 of its head): LLVM keeps a product
        # by a zero low part (0 * inf is NaN), so double-double helpers fed zeros would still cost their operations.

        @jit
        def mul2(ah, al, bh, bl):  # type: ignore[no-untyped-def]
            return ah * bh, 0.0

        @jit
        def sub2(ah, al, bh, bl):  # type: ignore[no-untyped-def]
            return ah - bh, 0.0

        @jit
        def exp_shifted(ah, al):  # type: ignore[no-untyped-def]
            return m.exp(ah + shift_hi), 0.0

        @jit
        def times(e, c, mh, ml):  # type: ignore[no-untyped-def]
            return (e * mh) * _SCALE, 0.0

    return SimpleNamespace(**{k: v for k, v in locals().items() if k != "m"})


_kit_scalar = functools.cache(_build_kit)


def _kit(m: Any) -> SimpleNamespace:
    return _kit_scalar(m) if _math.compiled(m) else _build_kit(m)


def _assemble(m: Any, order: int, parts: Any) -> Any:
    """f^(order) from G^(order)(|x|) (``parts(x)`` returns it as a double-double) by the symmetries."""
    k = _kit(m)
    two_sum = k.two_sum
    parts = k.jit(parts)

    if order == 0:

        def f(x):  # type: ignore[no-untyped-def]
            gh, gl = parts(x)
            finite = x < _U_MAX  # beyond, G underflows: f(x) = x
            s, se = two_sum(m.where(finite, x, 0.0), gh)
            pos = m.where(finite, s + (se + gl), x)
            return m.where(x > 0, pos, m.where(x == 0, 0.5 * x, gh))

    elif order == 1:

        def f(x):  # type: ignore[no-untyped-def]
            gh, gl = parts(x)
            s, se = two_sum(1.0, -gh)
            return m.where(x > 0, s + (se - gl), gh)

    else:

        def f(x):  # type: ignore[no-untyped-def]
            return parts(x)[0]

    return f


# --- exact: x Phi(x) --------------------------------------------------------------------------------------------


def _exact(m: Any, order: int) -> Any:
    """G(u) = -u Phi(-u), G' = Phi(-u) - u phi(u), G'' = phi(u) (2 - u^2), with Phi(-u) = phi(u) R(u)."""
    if _math.compiled(m) and (order != 1 or not _math.lean(m)):  # float32 f': the pairs' polynomial about f''s zero
        return _exact_pair(_pairs.for_results(_math.lean(m)), order)  # costs more than the lean kit (1.7 -> 2.6 ns)
    k = _kit(m)
    two_prod, two_sum, _renorm, mul2, sub2 = k.two_prod, k.two_sum, k.renorm, k.mul2, k.sub2
    exp_shifted, times, mills, root_poly, roots = k.exp_shifted, k.times, k.mills, k.root_g1_exact, k.roots
    ch, cl = k.inv_sqrt_2pi
    u0 = _G1E_ROOT[0][0]

    def parts(x):  # type: ignore[no-untyped-def]
        ax = m.abs(x)
        u = m.where(ax < _U_MAX, ax, _U_MAX)
        sh, sl = two_prod(u, u)
        e, c = exp_shifted(-0.5 * sh, -0.5 * sl)  # phi(u) sqrt(2 pi) = e (1 + c) 2^-64
        if order == 2:
            wh, wl = two_sum(2.0, -sh)
            mh, ml = mul2(wh, wl - sl, ch, cl)
            return times(e, c, mh, ml)
        rh, rl = mills(u)
        ah, al = mul2(rh, rl, ch, cl)  # Phi(-u) / (phi(u) sqrt(2 pi))
        if order == 0:
            mh, ml = two_prod(u, ah)
            return times(e, c, -mh, -(ml + u * al))
        bh, bl = two_prod(u, ch)
        mh, ml = sub2(ah, al, bh, bl + u * cl)
        gh, gl = times(e, c, mh, ml)
        if not roots:
            return gh, gl
        near = (u > 0.3) & (u < 1.25)
        ph, pl = root_poly(m.where(near, u, u0))
        return m.where(near, ph, gh), m.where(near, pl, gl)

    return _assemble(m, order, parts)


def _mills_pair(p: SimpleNamespace) -> Any:
    """``u -> (rh, rl)``: R(u) / sqrt(2 pi) = Phi(-u) / e^-(u^2/2) (R the Mills ratio) for 0 <= u <= cap as a pair of
    p's precision: V(t) / (2 + u) with 1 / (2 + u) as a pair (one division: its reciprocal, corrected by the exact
    residual) and V's last two Horner steps in pairs (the rest, damped by s^2, by Estrin's scheme: the kernels wait on
    this dependency chain)."""
    c, fma, fast_two_sum, v = p.dtype, _pairs.fma, p.fast_two_sum, _V_PAIR[np.dtype(p.dtype).name]
    (v0h, v0l), (v1h, v1l) = _pairs.constant(p, v["v0"]), _pairs.constant(p, v["v1"])
    far, one, two, half = _pairs.estrin(tuple(c(k) for k in v["rest"])), p.ONE, c(2.0), c(0.5)

    def mills(u):  # type: ignore[no-untyped-def]
        dh, dl = fast_two_sum(two, u)
        rh = one / dh
        rl = (fma(-rh, dh, one) - rh * dl) * rh
        th = two * rh
        sh = th - half  # |s| <= 1/2: its rounding error below is exact (Fast2Sum)
        sl = (th - (sh + half)) + two * rl
        acc = far(sh)
        qh = sh * acc
        wh = v1h + qh  # V = v0 + s (v1 + s acc); |s acc| <= v1 and |s w| <= v0 on the interval (Fast2Sum)
        wl = ((qh - (wh - v1h)) + v1l) + (fma(sh, acc, -qh) + sl * acc)
        vh = sh * wh
        bh = v0h + vh
        bl = ((vh - (bh - v0h)) + v0l) + (fma(sh, wh, -vh) + (sh * wl + sl * wh))
        mh = bh * rh
        return mh, fma(bh, rh, -mh) + (bh * rl + bl * rh)

    return p.helper(mills)


def _root_pair(p: SimpleNamespace, constants: tuple[Any, ...]) -> Any:
    """``u -> (gh, gl)``: G'(u) about its zero u0 (0.3 < u < 1.25) as c1 d + c2 d^2 + d^3 P(d), d = u - u0, a pair of
    p's precision (the kits' polynomial ``constants``, without the terms that stay below p's precision;
    _pairs.taylor_pair)."""
    c, two_sum = p.dtype, p.two_sum
    u0, c1, c2, rest = constants
    r_hi, r_lo = _pairs.constant(p, u0)
    reach = 0.5  # |d| < 0.5 on the interval; d^3 P(d) within 2^-(p + 5) of c1 d there
    rest = _pairs.significant(rest[::-1], reach, 2.0 ** -(np.finfo(c).nmant + 6) * abs(c1[0]) / reach**2)
    tail = _pairs.estrin(tuple(c(k) for k in rest))
    taylor = _pairs.taylor_pair(p, _pairs.constant(p, c1), _pairs.constant(p, c2), tail)

    def root(u):  # type: ignore[no-untyped-def]
        dh, dl = two_sum(u, -r_hi)
        return taylor(dh, dl - r_lo)

    return p.helper(root)


def _finish_pair(p: SimpleNamespace, order: int, cap: float, root: tuple[Any, ...]) -> Any:
    """``(v, u, gh, gl, big) -> f^(order)(v)`` from G^(order)(u) = (gh + gl) big TINY, u = min(|v|, ``cap``), by the
    symmetries in the module's docstring: f = v + G (v > 0, Fast2Sum: |G| < v / 2) or G, f' = 1 - G' (v > 0) or G',
    with G' from its polynomial about the zero (``root``, _root_pair) for 0.3 < u < 1.25, and f'' = G''."""
    c, two_sum, select, tiny = p.dtype, p.two_sum, p.select, p.TINY
    zero, one, top, u1, lo, hi = p.ZERO, p.ONE, c(cap), c(root[0][0]), c(0.3), c(1.25)
    near_zero = _root_pair(p, root)

    def finish(v, u, gh, gl, big):  # type: ignore[no-untyped-def]
        tail = ((gh + gl) * big) * tiny  # rounded once, also to a subnormal
        if order == 2:
            return tail
        scale = big * tiny
        if order == 0:
            h = v + gh * scale
            pos = h + ((gh * scale - (h - v)) + gl * scale)
            return select(v > zero, select(u < top, pos, v), select(v == zero, v, tail))
        near = (u > lo) & (u < hi)
        qh, ql = near_zero(select(near, u, u1))
        ch = select(near, qh, gh * scale)
        cl = select(near, ql, gl * scale)
        h, e = two_sum(one, -ch)
        return select(v > zero, h + (e - cl), select(near, qh + ql, tail))

    return p.helper(finish)


def _exact_pair(p: SimpleNamespace, order: int) -> Any:
    """x Phi(x), its f' and f'' in pairs of the result's precision (actgrad._pairs): G^(order)(u) = e^-(u^2/2) M(u),
    M = -u R(u) / sqrt(2 pi), (R(u) - u) / sqrt(2 pi) or (2 - u^2) / sqrt(2 pi) as a pair, e^-(u^2/2) with u^2 an exact
    pair (e^-(a + c) = e^-a (1 - c)) and the scale applied last (_finish_pair)."""
    c, fma, two_sum, exp_parts, select, narrow = p.dtype, _pairs.fma, p.two_sum, p.exp_parts, p.select, p.narrow
    mills, (kh, kl), cap = _mills_pair(p), _pairs.constant(p, _INV_SQRT_2PI), _V_PAIR[np.dtype(c).name]["cap"]
    finish, two, half, top = _finish_pair(p, order, cap, _G1E_ROOT), c(2.0), c(0.5), c(cap)

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        a = abs(v)
        u = select(a < top, a, top)
        sh = u * u
        sl = fma(u, u, -sh)
        eh, el, big = exp_parts(-half * sh)
        el = el - eh * (half * sl)
        if order == 2:
            nh, nl = two_sum(two, -sh)
            mh = nh * kh
            ml = fma(nh, kh, -mh) + ((nl - sl) * kh + nh * kl)
        else:
            rh, rl = mills(u)
            if order == 0:
                mh = -u * rh
                ml = -(fma(u, rh, mh) + u * rl)
            else:
                ph = u * kh
                mh, ml = two_sum(rh, -ph)
                ml = ml + (rl - (fma(u, kh, -ph) + u * kl))
        gh = mh * eh
        return finish(v, u, gh, fma(mh, eh, -gh) + (mh * el + ml * eh), big)

    return f


def _tanh_pair(p: SimpleNamespace, order: int) -> Any:
    """The tanh approximation's f and f' in pairs of the result's precision: z = 2 y(u) = 2 kappa u (1 + a u^2) as a
    pair (u^2 exact), e = e^-z and D = 1 + e from _terms_pair, G = -u e / D and G' = e (D - 2 u y'(u)) / D^2 with one
    corrected division each; the rest as the exact variant's (_finish_pair)."""
    c, fma, two_sum, select, narrow, square = p.dtype, _pairs.fma, p.two_sum, p.select, p.narrow, p.square
    fast_two_sum, terms, quotient = p.fast_two_sum, _terms_pair(p, low=True), p.quotient
    finish = _finish_pair(p, order, _U_MAX_TANH, _G1T_ROOT)
    one, top = p.ONE, c(_U_MAX_TANH)
    (ah, al), (a3h, a3l) = _pairs.constant(p, _A), _pairs.constant(p, _A3)
    (kh, kl), (k2h, k2l), two = _pairs.constant(p, _KAPPA), _pairs.constant(p, _TWO_KAPPA), c(2.0)

    def f(x):  # type: ignore[no-untyped-def]
        v = narrow(x)
        a = abs(v)
        u = select(a < top, a, top)
        sh = u * u
        sl = fma(u, u, -sh)
        qh = ah * sh  # a u^2
        ql = fma(ah, sh, -qh) + (ah * sl + al * sh)
        oh, ol = fast_two_sum(one, qh)
        ol = ol + ql
        wh = u * oh  # u (1 + a u^2)
        wl = fma(u, oh, -wh) + u * ol
        zh = k2h * wh
        th, tl, big, dh, dl = terms(zh, fma(k2h, wh, -zh) + (k2h * wl + k2l * wh))
        if order == 0:
            mh, ml = quotient(th, tl, dh, dl)  # e / D, e unscaled
            gh = -u * mh
            return finish(v, u, gh, -(fma(u, mh, gh) + u * ml), big)
        q3h = a3h * sh  # y'(u) = kappa (1 + 3 a u^2)
        q3l = fma(a3h, sh, -q3h) + (a3h * sl + a3l * sh)
        o3h, o3l = fast_two_sum(one, q3h)
        o3l = o3l + q3l
        yh = kh * o3h
        yl = fma(kh, o3h, -yh) + (kh * o3l + kl * o3h)
        mh = two * u * yh  # 2 u y'(u)
        ml = fma(two * u, yh, -mh) + two * u * yl
        nh, nl = two_sum(dh, -mh)
        nl = nl + (dl - ml)
        eh = th * nh  # e (D - 2 u y'), e unscaled
        el = fma(th, nh, -eh) + (th * nl + tl * nh)
        pp, pe = square(dh, dl)
        gh, gl = quotient(eh, el, pp, pe)
        return finish(v, u, gh, gl, big)

    return f


# --- tanh approximation: x/2 (1 + tanh y), y = sqrt(2/pi) (x + 0.044715 x^3) ------------------------------------


def _tanh(m: Any, order: int) -> Any:
    """With e = exp(-2 y(u)) and D = 1 + e (y(u) = -y(-u) > 0 for u > 0):
    G = -u e/D, G' = e (D - 2 u y'(u)) / D^2, G'' = 4 e/D^2 (kappa (1 + 6 a u^2) - u y'(u)^2 (1 - e)/D)."""
    if _math.compiled(m) and order < 2 and (order == 0 or not _math.lean(m)):  # float32 f': see _exact
        return _tanh_pair(_pairs.for_results(_math.lean(m)), order)
    k = _kit(m)
    two_prod, two_sum, _renorm, mul2, div2, sub2 = k.two_prod, k.two_sum, k.renorm, k.mul2, k.div2, k.sub2
    exp_shifted, times, root_g1, root_g2, roots = k.exp_shifted, k.times, k.root_g1_tanh, k.root_g2_tanh, k.roots
    (a_h, a_l), (a3_h, a3_l), (a6_h, a6_l) = k.a1, k.a3, k.a6
    k_h, k_l = k.kappa
    k2_h, k2_l = k.two_kappa
    u1 = _G1T_ROOT[0][0]
    u2 = _G2T_ROOT[0][0]

    def parts(x):  # type: ignore[no-untyped-def]
        ax = m.abs(x)
        u = m.where(ax < _U_MAX_TANH, ax, _U_MAX_TANH)
        u2h, u2l = two_prod(u, u)
        th, tl = mul2(a_h, a_l, u2h, u2l)
        qh, ql = two_sum(1.0, th)
        wh, wl = mul2(u, 0.0, qh, ql + tl)
        wh, wl = mul2(k2_h, k2_l, wh, wl)  # 2 y(u)
        e, c = exp_shifted(-wh, -wl)
        eps = (e + e * c) * _SCALE
        dh, dl = two_sum(1.0, eps)
        if order == 0:
            mh, ml = div2(u, 0.0, dh, dl)
            return times(e, c, -mh, -ml)
        th, tl = mul2(a3_h, a3_l, u2h, u2l)
        qh, ql = two_sum(1.0, th)
        yh, yl = mul2(k_h, k_l, qh, ql + tl)  # y'(u)
        d2h, d2l = mul2(dh, dl, dh, dl)
        if order == 1:
            nh, nl = mul2(2.0 * u, 0.0, yh, yl)
            nh, nl = sub2(dh, dl, nh, nl)
            mh, ml = div2(nh, nl, d2h, d2l)
            gh, gl = times(e, c, mh, ml)
            if not roots:
                return gh, gl
            near = (u > 0.3) & (u < 1.25)
            ph, pl = root_g1(m.where(near, u, u1))
            return m.where(near, ph, gh), m.where(near, pl, gl)
        th, tl = mul2(a6_h, a6_l, u2h, u2l)
        qh, ql = two_sum(1.0, th)
        kh, kl = mul2(k_h, k_l, qh, ql + tl)  # kappa (1 + 6 a u^2)
        sh, sl = two_sum(1.0, -eps)
        rh, rl = div2(sh, sl, dh, dl)  # (1 - e) / D
        ph, pl = mul2(yh, yl, yh, yl)
        ph, pl = mul2(u, 0.0, ph, pl)
        ph, pl = mul2(ph, pl, rh, rl)
        bh, bl = sub2(kh, kl, ph, pl)
        mh, ml = div2(4.0 * bh, 4.0 * bl, d2h, d2l)
        gh, gl = times(e, c, mh, ml)
        if not roots:
            return gh, gl
        near = (u > 1.0) & (u < 1.9)
        ph, pl = root_g2(m.where(near, u, u2))
        return m.where(near, ph, gh), m.where(near, pl, gl)

    return _assemble(m, order, parts)


def _variants(order: int, tex_none: str, tex_tanh: str) -> dict[str, Formula]:
    return {
        "none": Formula(lambda m: _exact(m, order), tex_none),
        "tanh": Formula(lambda m: _tanh(m, order), tex_tanh),
    }


_Y = r"y = \sqrt{2/\pi}\,(x + 0.044715 x^3)"

gelu = activation(
    Spec(
        name="gelu",
        summary='Gaussian error linear unit: x Phi(x) with Phi the standard normal CDF (approximate="tanh": '
        "x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as in PyTorch).",
        params=(
            Param(
                "approximate",
                "none",
                '"none": x Phi(x) exactly; "tanh": the tanh approximation',
                choices=("none", "tanh"),
            ),
        ),
        f=_variants(
            0,
            r"x \Phi(x) = \frac{x}{2} \operatorname{erfc}\!\left(-\frac{x}{\sqrt 2}\right)",
            r"\frac{x}{2} \left(1 + \tanh y\right), \quad " + _Y,
        ),
        grad=_variants(
            1,
            r"\Phi(x) + x \varphi(x), \quad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}",
            r"\frac{1}{2} \left(1 + \tanh y\right) + \frac{x}{2} \operatorname{sech}^2 y \; y'",
        ),
        grad2=_variants(
            2,
            r"\varphi(x) \left(2 - x^2\right)",
            r"\operatorname{sech}^2 y \left(y' + \frac{x}{2} y'' - x \tanh y \; y'^2\right), \quad "
            r"y' = \sqrt{2/\pi}\,(1 + 0.134145 x^2), \; y'' = \sqrt{2/\pi}\; 0.26829 x",
        ),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.GELU.html",
    )
)
