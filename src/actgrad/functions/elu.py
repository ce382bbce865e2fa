"""The exponential linear units: ELU, SELU and CELU.

Each is x (times SELU's scale) for x > 0 and a scaled expm1 below, so f is C^1 at 0 only when the slopes meet: ELU's
f' jumps at 0 unless alpha = 1, SELU's always does, CELU's never does; f'' jumps at 0 in all three (from the left
limit to 0). The kink tables give the value at 0 under each convention: PyTorch's autograd takes f' from the left
(alpha) and f'' from the right (0); jax.grad takes both from the left (its ``where(x > 0, ...)`` differentiates the
negative branch at 0), except CELU's f'', where ``jnp.maximum``/``jnp.minimum`` split the tie and give 1/(4 alpha).

Accuracy (see ``design.md``): formulas are evaluated in float64 with a little double-double arithmetic
(``two_sum``, ``two_prod`` by Veltkamp splitting), so that

- expm1(x) for x <= 0 carries ~0.25 ulp (a series about 0 for -0.7 <= x <= 0, exp(x) - 1 summed exactly below),
  and alpha expm1(x) is rounded once;
- alpha e^x is computed as alpha e^(x + 64 ln 2) 2^-64 in the far tail, so a subnormal result is rounded once
  instead of being multiplied up from a rounded subnormal exponential;
- CELU's t = x/alpha is compensated: r = (x - alpha t)/alpha exactly from ``two_prod``, and e^(t + r) =
  e^t (1 + r) -- the rounded t alone would amplify its error by |t| (up to ~745) in e^t;
- ELU's, SELU's and CELU's NumPy kernels of f, f' and f'' compute in their result's own precision instead
  (``actgrad._pairs``; section "pair arithmetic" below), where |alpha| is moderate;
- CELU's derivative with respect to alpha, expm1(t) - t e^t, cancels for small |t|: it is -t^2 S(t) there, S a
  series summed in double-double at low order.
"""

from __future__ import annotations

import functools
import math
from types import SimpleNamespace
from typing import Any

import numpy as np

from .. import _math, _pairs
from .._activation import activation
from .._registry import Formula, Kink, Param, Spec

__all__ = ["elu", "selu", "celu"]

_SHIFT = (44.3614195558365, 1.4841899608616317e-15)  # 64 ln 2 as a double-double
_SCALE = 2.0**-64
_TAIL = -600.0  # below, exp is computed shifted by 64 ln 2
_X_MIN = -1500.0  # below, alpha e^x underflows for every alpha and expm1(x) = -1: inputs are clamped here
# ELU's alpha e^x with |alpha| > 2^500 is a normal number where e^x underflows (down to x ~ -1454 for alpha ~ 2^1024):
# its tail (x < _TAIL) is shifted by 1024 ln 2 instead of 64 ln 2, and alpha scaled by 2^-960 there.
_FAR_SHIFT = (709.782712893384, 2.3747039373786107e-14)  # 1024 ln 2 as a double-double

# SELU's constants (PyTorch's, from Klambauer et al. 2017), as double-doubles of the decimals.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE_DD = (1.0507009873554805, 3.9874847667154144e-17)
_SELU_SA_DD = (1.7580993408473768, 1.41535193800845e-17)  # scale * alpha
_SELU_SCALE = _SELU_SCALE_DD[0]
#: f'(0-) as PyTorch and JAX compute it (alpha * scale rounded once: 1 ulp below the true product).
_SELU_SA_FRAMEWORK = 1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

# expm1(x) = x + x^2/2 + x^3 P(x) for -0.7 <= x <= 0: P's Taylor coefficients 1/(k+3)!, highest degree first.
_EXPM1_P = (
    1.5619206968586225e-16,
    2.8114572543455206e-15,
    4.779477332387385e-14,
    7.647163731819816e-13,
    1.1470745597729725e-11,
    1.6059043836821613e-10,
    2.08767569878681e-09,
    2.505210838544172e-08,
    2.755731922398589e-07,
    2.7557319223985893e-06,
    2.48015873015873e-05,
    0.0001984126984126984,
    0.001388888888888889,
    0.008333333333333333,
    0.041666666666666664,
    0.16666666666666666,
)
# S(t) = (1 - e^t (1 - t)) / t^2 = sum_k (k + 1) t^k / (k + 2)! for |t| <= 2: the coefficients of k >= 5, highest
# first (summed in double), and those of k = 0..4 as double-doubles (summed in double-double).
_S_TAIL = (
    3.166789608205361e-30,
    8.855700940088562e-29,
    2.387759364586842e-27,
    6.198990658061994e-26,
    1.5472680682522736e-24,
    3.706996413521072e-23,
    8.509974375387505e-22,
    1.8683261924146203e-20,
    3.9145882126782523e-19,
    7.809603484293113e-18,
    1.4797143443923793e-16,
    2.6552651846596585e-15,
    4.498331606952833e-14,
    7.169215998581078e-13,
    1.0706029224547743e-11,
    1.4911969277048643e-10,
    1.9270852604185937e-09,
    2.296443268665491e-08,
    2.505210838544172e-07,
    2.48015873015873e-06,
    2.2045855379188714e-05,
    0.00017361111111111112,
    0.0011904761904761906,
)
_S_HEAD = (
    (0.5, 0.0),
    (0.3333333333333333, 1.850371707708594e-17),
    (0.125, 0.0),
    (0.03333333333333333, 4.625929269271486e-19),
    (0.006944444444444444, 3.854941057726238e-19),
)


def precision(m: Any) -> int:
    """The significant bits of the type formulas compute in with namespace ``m``: 53 for the scalar namespace (numba
    kernels compute in float64); for an array namespace, its compute dtype's (24 for JAX without x64)."""
    if _math.compiled(m):
        return 53
    return 1 - round(math.log2(float(m.finfo(m.lift(1.0).dtype).eps)))


def split_dd(pair: tuple[float, float], p: int) -> tuple[float, float]:
    """A double-double constant (hi, lo) re-split for p-bit arithmetic: hi rounded to p bits (exact in that type),
    lo the rest; unchanged for float64. So exp(a + 64 ln 2) 2^-64 and u - u0 near a root stay exact in float32."""
    hi, lo = pair
    if p >= 53 or hi == 0:
        return pair
    mant, e = math.frexp(hi)
    h = math.ldexp(round(mant * 2.0**p), e - p)
    return h, (hi - h) + lo


def fma(m: Any) -> Any:
    """``(a, b, c) -> a * b + c`` for namespace ``m``: rounded once in the scalar namespaces (``m.fma``), plain
    arithmetic for array namespaces."""
    return m.fma if _math.compiled(m) else (lambda a, b, c: a * b + c)


def horner(coeffs: tuple[float, ...], m: Any) -> Any:
    """p(x) = sum of coeffs[i] x^(n-i) (highest degree first) by Horner's rule with fused steps, unrolled
    (``_pairs.horner_body``), compiled as ``m`` compiles helpers."""
    return _compiled(m, ["def p(x):", *_pairs.horner_body([repr(float(c)) for c in reversed(coeffs)], "x")])


def estrin(coeffs: tuple[float, ...], m: Any) -> Any:
    """p(x) = sum of coeffs[i] x^(n-i) (highest degree first, as in horner) by Estrin's scheme
    (``_pairs.estrin_body``): a dependency chain of log2(n) steps instead of n, for a long polynomial in a kernel whose
    other work waits on it."""
    return _compiled(m, ["def p(x):", *_pairs.estrin_body([repr(float(c)) for c in reversed(coeffs)], "x")])


def _compiled(m: Any, lines: list[str]) -> Any:
    """The function ``p`` defined by ``lines`` (with ``fma`` in scope), compiled for namespace ``m``."""
    namespace: dict[str, Any] = {"fma": fma(m)}
    exec("\n".join(lines) + "\n", namespace)
    return _math.jit_for(m)(namespace["p"])


def error_free(m: Any) -> tuple[Any, Any, Any, Any]:
    """(jit, two_sum, renorm, two_prod) for namespace ``m``: the compiler of its helpers (numba, inlined by LLVM, for
    the scalar namespaces; none for array namespaces) and the error-free transformations of double-double arithmetic
    (plain arithmetic in :mod:`actgrad._lean`).
    """
    jit = _math.jit_for(m)
    if _math.compiled(m):  # exact in the scalar namespace (an fma gives the product's error), plain in the lean one
        return jit, m.two_sum, m.fast_two_sum, m.two_prod

    def two_sum(a, b):  # type: ignore[no-untyped-def]
        """a + b = s + e exactly."""
        s = a + b
        bb = s - a
        return s, (a - (s - bb)) + (b - bb)

    def renorm(a, b):  # type: ignore[no-untyped-def]
        """(a, b) as a normalized double-double (|b| <= ulp(a)/2); |b| << |a| or a == 0."""
        s = a + b
        return s, b - (s - a)

    # Veltkamp's splitter 2^ceil(p/2) + 1 for the compute type (2^12 + 1 for float32); a Python float must be split
    # in the compute type, not in float64: lift it to an array first.
    splitter = 2.0 ** ((precision(m) + 1) // 2) + 1.0

    def two_prod(a, b):  # type: ignore[no-untyped-def]
        """a * b = p + e exactly (|a|, |b| < 2^996, no underflow)."""
        a = m.lift(a)
        b = m.lift(b)
        p = a * b
        c = splitter * a
        ah = c - (c - a)
        al = a - ah
        c = splitter * b
        bh = c - (c - b)
        bl = b - bh
        return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl

    return jit, two_sum, renorm, two_prod


def _build_kit(m: Any) -> SimpleNamespace:
    """The helpers for namespace ``m``: compiled by numba for the scalar namespace, plain functions for arrays."""
    jit, two_sum, renorm, two_prod = error_free(m)
    reciprocal = _math.scaled_reciprocal(m)
    # Constants as floats in closures (numba materializes a global tuple on every call that indexes it), split for
    # the compute type's precision.
    p = precision(m)
    shift_hi, shift_lo = split_dd(_SHIFT, p)
    far_hi, far_lo = split_dd(_FAR_SHIFT, p)
    selu_scale = split_dd(_SELU_SCALE_DD, p)
    selu_sa = split_dd(_SELU_SA_DD, p)
    s_head = tuple(split_dd(c, p) for c in _S_HEAD)
    expm1_p = horner(_EXPM1_P, m)
    s_tail = horner(_S_TAIL, m)

    @jit
    def dd_horner_step(sh, sl, t, c_hi, c_lo):  # type: ignore[no-untyped-def]
        """(sh + sl) t + (c_hi + c_lo) as a double-double, t a double."""
        p, pe = two_prod(sh, t)
        s, se = two_sum(p, c_hi)
        return renorm(s, se + pe + sl * t + c_lo)

    @jit
    def expm1_neg(x):  # type: ignore[no-untyped-def]
        """expm1(x) for _X_MIN <= x <= 0 as a double-double (error ~0.25 ulp)."""
        xs = m.where(x < -0.7, 0.0, x)
        acc = expm1_p(xs)
        q, qe = two_prod(xs, xs)
        s, se = two_sum(xs, 0.5 * q)
        sh, sl = renorm(s, se + 0.5 * qe + xs * (q * acc))
        # below -0.7, e^x < 1/2 and exp's half-ulp error is a quarter ulp of e^x - 1 at most
        bh, bl = two_sum(m.exp(m.where(x < -0.7, x, -1.0)), -1.0)
        return m.where(x < -0.7, bh, sh), m.where(x < -0.7, bl, sl)

    @jit
    def exp_arg(a, far):  # type: ignore[no-untyped-def]
        """For a <= 0: (b, c, tail) with e^a = e^b (1 + c) 2^-64 where ``tail`` (a < _TAIL, where e^a may be
        subnormal: e^b is not), else e^a = e^b (b = a, c = 0). With ``far`` (a parameter's test, the same for every
        element) the tail is shifted by 1024 ln 2, e^a = e^b (1 + c) 2^-1024 (see _FAR_SHIFT)."""
        tail = a < _TAIL
        b, be = two_sum(m.where(tail, a, 0.0), m.where(far, far_hi, shift_hi))
        return m.where(tail, b, a), m.where(tail, be + m.where(far, far_lo, shift_lo), 0.0), tail

    @jit
    def scaled(e, corr, tail, k_hi, k_lo):  # type: ignore[no-untyped-def]
        """(k_hi + k_lo) e (1 + corr), times 2^-64 where ``tail``, rounded once (see exp_arg)."""
        p, pe = two_prod(k_hi, e)
        r = p + (pe + k_lo * e + p * corr)
        return m.where(tail, r * _SCALE, r)

    @jit
    def scaled_exp(a, c, k_hi, k_lo):  # type: ignore[no-untyped-def]
        """(k_hi + k_lo) e^(a + c) for a <= 0 and tiny c, rounded once, also where it is subnormal."""
        b, corr, tail = exp_arg(a, False)
        return scaled(m.exp(b), corr + c, tail, k_hi, k_lo)

    @jit
    def scaled_expm1(x, k_hi, k_lo):  # type: ignore[no-untyped-def]
        """(k_hi + k_lo) expm1(x) for _X_MIN <= x <= 0, rounded once."""
        eh, el = expm1_neg(x)
        p, pe = two_prod(k_hi, eh)
        return p + (pe + k_hi * el + k_lo * eh)

    @jit
    def clamp_neg(x):  # type: ignore[no-untyped-def]
        """x where _X_MIN <= x <= 0; _X_MIN below; -1 above, where the positive branch is taken (an ordinary
        argument: libm's exp takes a slow, unpredictable branch for arguments near 0)."""
        return m.where(x > 0, -1.0, m.where(x < _X_MIN, _X_MIN, x))

    @jit
    def alpha_exp(x, alpha):  # type: ignore[no-untyped-def]
        """ELU's alpha e^x for x <= 0 (x > 0 is taken as -1: the caller selects), rounded once, also where e^x
        underflows but alpha e^x does not (|alpha| > 2^500: _FAR_SHIFT)."""
        far = abs(alpha) > 2.0**500
        b, corr, tail = exp_arg(clamp_neg(x), far)
        return scaled(m.exp(b), corr, tail, m.where(tail & far, alpha * 2.0**-960, alpha), 0.0)

    @jit
    def celu_scale(alpha):  # type: ignore[no-untyped-def]
        """(S, 1/S), powers of 2: S = 2^600 where |alpha| < 2^-500, 2^-600 where |alpha| > 2^500, else 1. CELU is
        homogeneous, celu(x S, alpha S) = S celu(x, alpha), and with alpha S the products below (alpha t, alpha
        expm1(t)) and their exact errors stay away from float64's ends (they underflow or overflow otherwise)."""
        tiny, huge = abs(alpha) < 2.0**-500, abs(alpha) > 2.0**500
        return (
            m.where(tiny, 2.0**600, m.where(huge, 2.0**-600, 1.0)),
            m.where(tiny, 2.0**-600, m.where(huge, 2.0**600, 1.0)),
        )

    @jit
    def celu_t(x, alpha):  # type: ignore[no-untyped-def]
        """For x <= 0: t = x/alpha within an ulp (clamped below at _X_MIN, where e^t underflows anyway), rem = (x -
        alpha t) S exactly (S from ``celu_scale``) and r = rem/(alpha S) (so x/alpha = t + r to first order); rem =
        r = 0 where |t| <= 1e-150 (there f(x) = x to double precision) and where |t| >= 1000 (e^t is 0 or inf)."""
        sc, _ = celu_scale(alpha)
        xn = m.where(x > 0, 0.0, x) * sc
        a = alpha * sc
        inv = 1.0 / a  # normal (2^-500 <= |a| <= 2^500) and hoisted out of the loop: t within an ulp, corrected by r
        t = xn * inv
        ok = (m.abs(t) > 1e-150) & (m.abs(t) < 1e3)
        p, pe = two_prod(a, m.where(ok, t, 0.0))
        rem = m.where(ok, (xn - p) - pe, 0.0)
        return m.where(t < _X_MIN, _X_MIN, t), rem * inv, rem

    @jit
    def exp_t(t, r, k):  # type: ignore[no-untyped-def]
        """k e^(t + r) (t + r = x/alpha, r tiny), rounded once; t > 0 only when alpha < 0, and it may overflow. One
        exponential serves both signs of t (the kernels compute both sides of every select)."""
        pos = t > 0
        b, corr, tail = exp_arg(m.where(pos, -1.0, t), False)
        e = m.exp(m.where(pos, m.where(t < 710.0, t, 710.0), b))  # inf from t = 709.8 on
        low = scaled(m.where(pos, 1.0, e), corr + r, tail, k, 0.0)
        return m.where(pos, m.where(t < 709.0, k * (e + e * r), k * e), low)

    if _math.lean(m):
        # float32 results (actgrad._lean): the namespace's expm1 is relative everywhere and float64's range covers
        # float32's, so neither the series, the shifted tail nor CELU's compensated x/alpha is needed (an error of
        # 2^-52 in t grows by |t| <= 104 before e^t underflows float32)

        @jit
        def expm1_neg(x):  # type: ignore[no-untyped-def]
            return m.expm1(x), 0.0

        @jit
        def scaled_exp(a, c, k_hi, k_lo):  # type: ignore[no-untyped-def]
            return k_hi * m.exp(a + c)

        @jit
        def alpha_exp(x, alpha):  # type: ignore[no-untyped-def]
            far = abs(alpha) > 2.0**500  # the namespace's exp flushes below 2^-1021: shift by 1024 ln 2 (_FAR_SHIFT)
            a = clamp_neg(x)
            return m.where(far, alpha * 2.0**-1024, alpha) * m.exp(m.where(far, a + far_hi, a))

        @jit
        def celu_t(x, alpha):  # type: ignore[no-untyped-def]
            inv, back = reciprocal(alpha)  # not 1/alpha, infinite for a subnormal alpha (0 * inf is NaN)
            t = (m.where(x > 0, 0.0, x) * inv) * back
            return m.where(t < _X_MIN, _X_MIN, t), 0.0, 0.0

        @jit
        def exp_t(t, r, k):  # type: ignore[no-untyped-def]
            return k * m.exp(t)

    return SimpleNamespace(**{k: v for k, v in locals().items() if k != "m"})


_kit_scalar = functools.cache(_build_kit)


def _kit(m: Any) -> SimpleNamespace:
    return _kit_scalar(m) if _math.compiled(m) else _build_kit(m)


# --- pair arithmetic --------------------------------------------------------------------------------------------
# ELU's and SELU's f, f' and f'' compute in their result's precision with actgrad._pairs (as sigmoid's do): e^x as a
# pair times a power of two applied last, so that alpha e^x rounds once, also where it is subnormal. alpha e^x goes
# through the kit where |alpha| is outside _PAIR_ALPHA (the pair's range ends at e^-760, float32's at e^-120, and
# alpha times it must round to 0 there; below, alpha e^x times the scale would not be normal): _pairs.moderate.
_PAIR_ALPHA = (2.0**-14, 2.0**16)


def _expm1_pair(p: SimpleNamespace) -> Any:
    """For x <= 0 of p's precision: (nh, nl), e^x - 1 as a normalized pair: (hi - 1) + lo is exact for |x| < ln2/2
    (where the pair's reduced argument is x itself), and e^x - 1 <= -0.29 beyond (1 - e^x cancels by at most 3.4
    bits there)."""
    exp_parts, one, tiny = p.exp_parts, p.ONE, p.TINY

    def em1(x):  # type: ignore[no-untyped-def]
        hi, lo, big = exp_parts(x)
        s = big * tiny
        e = hi * s
        nh = e - one
        nl = (e - (nh + one)) + lo * s
        h = nh + nl  # normalized: for tiny x, hi - 1 is a multiple of hi's ulp and lo as large as it
        return h, (nh - h) + nl

    return p.helper(em1)


def _scaled_expm1_pair(p: SimpleNamespace, linear: tuple[float, float] | None) -> Any:
    """``(x, kh, kl) -> f``: x times the double-double ``linear`` for x > 0 (x itself if None), (kh + kl) (e^x - 1)
    for x <= 0, and x times the sign of kh at +-0 (the sign of the function beside it)."""
    em1, narrow, where, fma = _expm1_pair(p), p.narrow, p.select, _pairs.fma
    zero, one, scaled, largest = p.ZERO, p.ONE, linear is not None, p.dtype(np.finfo(p.dtype).max)
    lh, ll = _pairs.constant(p, linear or (1.0, 0.0))

    def f(x, kh, kl):  # type: ignore[no-untyped-def]
        v = narrow(x)
        nh, nl = em1(where(v < zero, v, zero))
        neg = fma(kh, nh, fma(kl, nh, kh * nl))
        pos = fma(lh, v, ll * where(v < largest, v, largest)) if scaled else v  # (inf: ll may be negative)
        return where(v == zero, v * where(kh < zero, -one, one), where(v > zero, pos, neg))

    return p.helper(f)


def _scaled_exp_pair(p: SimpleNamespace) -> Any:
    """``(x, kh, kl) -> (kh + kl) e^x`` for x <= 0 (x > 0 is taken as 0: the caller selects), rounded once; for
    2^-14 <= |kh| <= 2^16."""
    exp_parts, where, fma, zero, tiny = p.exp_parts, p.select, _pairs.fma, p.ZERO, p.TINY

    def f(v, kh, kl):  # type: ignore[no-untyped-def]
        hi, lo, big = exp_parts(where(v < zero, v, zero))
        return (fma(kh, hi, fma(kl, hi, kh * lo)) * big) * tiny

    return p.helper(f)


# --- ELU --------------------------------------------------------------------------------------------------------


def _elu(m: Any) -> Any:
    k = _kit(m)
    clamp_neg, scaled_expm1 = k.clamp_neg, k.scaled_expm1

    def f(x, alpha):  # type: ignore[no-untyped-def]
        # alpha x at +-0: alpha expm1(+-0) in IEEE arithmetic (PyTorch's value), the sign of the function beside -0
        # (-0 + 0 in the sum would lose it)
        return m.where(x == 0, alpha * x, m.where(x > 0, x, scaled_expm1(clamp_neg(x), alpha, 0.0)))

    if not _math.compiled(m):
        return f
    p = _pairs.for_results(_math.lean(m))
    scaled_expm1_pair, split = _scaled_expm1_pair(p, None), p.split

    def f_pair(x, alpha):  # type: ignore[no-untyped-def]
        ah, al = split(alpha)
        return scaled_expm1_pair(x, ah, al)

    return _pairs.moderate(f_pair, m.helper(f), p, _PAIR_ALPHA, magnitude=True)


def _elu_grad(m: Any, above: float) -> Any:
    alpha_exp = _kit(m).alpha_exp

    def f(x, alpha):  # type: ignore[no-untyped-def]
        return m.where(x > 0, above, alpha_exp(x, alpha))

    if not _math.compiled(m):
        return f
    p = _pairs.for_results(_math.lean(m))
    scaled_exp, split, narrow, where, zero, top = (
        _scaled_exp_pair(p),
        p.split,
        p.narrow,
        p.select,
        p.ZERO,
        p.dtype(above),
    )

    def f_pair(x, alpha):  # type: ignore[no-untyped-def]
        v = narrow(x)
        ah, al = split(alpha)
        return where(v > zero, top, scaled_exp(v, ah, al))

    return _pairs.moderate(f_pair, m.helper(f), p, _PAIR_ALPHA, magnitude=True)


def _elu_dalpha(m: Any) -> Any:
    k = _kit(m)
    clamp_neg, expm1_neg = k.clamp_neg, k.expm1_neg

    def f(x, alpha):  # type: ignore[no-untyped-def]
        return m.where(x > 0, 0.0, expm1_neg(clamp_neg(x))[0])

    return f


def _alpha(a: float) -> float:
    return a


elu = activation(
    Spec(
        name="elu",
        summary="Exponential linear unit: x for x > 0, alpha (e^x - 1) below.",
        params=(Param("alpha", 1.0, "the value f approaches as x -> -inf is -alpha"),),
        f=Formula(
            _elu,
            r"\begin{cases} x & x > 0 \\ \alpha \left(e^x - 1\right) & x \le 0 \end{cases}",
        ),
        grad=Formula(
            lambda m: _elu_grad(m, 1.0),
            r"\begin{cases} 1 & x > 0 \\ \alpha e^x & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=_alpha, right=1.0, torch="left", jax="left"),),
        ),
        grad2=Formula(
            lambda m: _elu_grad(m, 0.0),
            r"\begin{cases} 0 & x > 0 \\ \alpha e^x & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=_alpha, right=0.0, torch="right", jax="left"),),
        ),
        wrt={
            "alpha": Formula(
                _elu_dalpha,
                r"\begin{cases} 0 & x > 0 \\ e^x - 1 & x \le 0 \end{cases}",
            )
        },
        reference="https://pytorch.org/docs/stable/generated/torch.nn.ELU.html",
    )
)


# --- SELU -------------------------------------------------------------------------------------------------------


def _selu(m: Any) -> Any:
    if _math.compiled(m):
        p = _pairs.for_results(_math.lean(m))
        scaled_expm1, (sah, sal) = _scaled_expm1_pair(p, _SELU_SCALE_DD), _pairs.constant(p, _SELU_SA_DD)

        def f_pair(x):  # type: ignore[no-untyped-def]
            return scaled_expm1(x, sah, sal)

        return f_pair
    k = _kit(m)
    clamp_neg, scaled_expm1 = k.clamp_neg, k.scaled_expm1
    s_hi, s_lo = k.selu_scale
    sa_hi, sa_lo = k.selu_sa

    def f(x):  # type: ignore[no-untyped-def]
        # x itself at +-0: the sign of the function beside it (-0 + 0 in the sum would lose it)
        return m.where(x == 0, x, m.where(x > 0, s_hi * x + s_lo * x, scaled_expm1(clamp_neg(x), sa_hi, sa_lo)))

    return f


def _selu_grad(m: Any, above: float) -> Any:
    if _math.compiled(m):
        p = _pairs.for_results(_math.lean(m))
        scaled_exp, (sah, sal), narrow, where = _scaled_exp_pair(p), _pairs.constant(p, _SELU_SA_DD), p.narrow, p.select
        zero, top = p.ZERO, p.dtype(above)

        def f_pair(x):  # type: ignore[no-untyped-def]
            v = narrow(x)
            return where(v > zero, top, scaled_exp(v, sah, sal))

        return f_pair
    k = _kit(m)
    clamp_neg, scaled_exp = k.clamp_neg, k.scaled_exp
    sa_hi, sa_lo = k.selu_sa

    def f(x):  # type: ignore[no-untyped-def]
        return m.where(x > 0, above, scaled_exp(clamp_neg(x), 0.0, sa_hi, sa_lo))

    return f


_SELU_CASES = r"\quad \lambda = 1.0507009873554805, \; \alpha = 1.6732632423543773"

selu = activation(
    Spec(
        name="selu",
        summary="Scaled ELU: lambda x for x > 0, lambda alpha (e^x - 1) below, with PyTorch's fixed constants "
        "(lambda = 1.0507..., alpha = 1.6733...) that make it self-normalizing.",
        f=Formula(
            _selu,
            r"\lambda \begin{cases} x & x > 0 \\ \alpha \left(e^x - 1\right) & x \le 0 \end{cases}" + _SELU_CASES,
        ),
        grad=Formula(
            lambda m: _selu_grad(m, _SELU_SCALE),
            r"\lambda \begin{cases} 1 & x > 0 \\ \alpha e^x & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=_SELU_SA_FRAMEWORK, right=_SELU_SCALE, torch="left", jax="left"),),
        ),
        grad2=Formula(
            lambda m: _selu_grad(m, 0.0),
            r"\lambda \begin{cases} 0 & x > 0 \\ \alpha e^x & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=_SELU_SA_FRAMEWORK, right=0.0, torch="right", jax="left"),),
        ),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.SELU.html",
    )
)


# --- CELU -------------------------------------------------------------------------------------------------------


def _celu(m: Any) -> Any:
    k = _kit(m)
    two_prod, expm1_neg, celu_t, celu_scale = k.two_prod, k.expm1_neg, k.celu_t, k.celu_scale
    if _math.lean(m):  # alpha expm1(x / alpha) as it stands (see the kit); it may overflow where alpha < 0. Where
        # |t| < 2^-30, alpha expm1(t) = x (1 + t/2 + ...) rounds to x in float32, also where t underflowed to 0
        # (a huge alpha)

        def f_lean(x, alpha):  # type: ignore[no-untyped-def]
            t = celu_t(x, alpha)[0]
            return m.where((x > 0) | (m.abs(t) < 2.0**-30), x, alpha * m.expm1(t))

        return _celu_pair(m, 0, f_lean)

    def f(x, alpha):  # type: ignore[no-untyped-def]
        t, r, rem = celu_t(x, alpha)
        sc, back = celu_scale(alpha)
        a = alpha * sc  # the result is S f, scaled back at the end
        # alpha expm1(t + r) = alpha expm1(t) + rem e^t (to first order in r)
        tp = m.where(t > 0, m.where(t < 600.0, t, 600.0), 1.0)  # alpha < 0
        et = m.exp(m.where(t > 0, m.where(t < 710.0, t, 710.0), t))  # e^t (inf from 709.8 on)
        eh, el = expm1_neg(m.where(t > 0, -tp, t))
        # t > 0: expm1(t) = -e^t expm1(-t), so that no libm expm1 keeps the loop from vectorizing
        ph, pl = two_prod(-et, eh)
        eh = m.where(t > 0, ph, eh)
        el = m.where(t > 0, pl - et * el, el)
        p, pe = two_prod(a, eh)
        neg = p + (pe + a * el + rem * et)
        # t >= 600: alpha e^(t + r) (-alpha is negligible; it may overflow), from the e^t above
        neg = m.where(t < 600.0, neg, a * m.where(t < 709.0, et + et * r, et))
        return m.where((x > 0) | (m.abs(t) <= 1e-150), x, neg * back)

    return _celu_pair(m, 0, f) if _math.compiled(m) else f


def _celu_grad(m: Any, order: int) -> Any:
    k = _kit(m)
    exp_t, celu_t, reciprocal, lean = k.exp_t, k.celu_t, k.reciprocal, _math.lean(m)

    def f(x, alpha):  # type: ignore[no-untyped-def]
        t, r, _rem = celu_t(x, alpha)
        if order == 1:
            return m.where(x > 0, 1.0, exp_t(t, r, 1.0))
        if lean:  # products with the hoisted reciprocal (a division per element costs as much as exp here)
            inv, back = reciprocal(alpha)
            return m.where(x > 0, 0.0, exp_t(t, r, inv) * back)
        return m.where(x > 0, 0.0, exp_t(t, r, 1.0) / alpha)

    return _celu_pair(m, order, f) if _math.compiled(m) else f


def _celu_pair(m: Any, order: int, kit_f: Any) -> Any:
    """CELU's f (order 0), f' (1) or f'' (2) in pair arithmetic for 2^-14 <= alpha <= 2^16 (``kit_f`` elsewhere): t =
    x / alpha as a pair (t <= 0), alpha expm1(t), e^t and e^t / alpha to first order in t's low part."""
    p = _pairs.for_results(_math.lean(m))
    exp_parts, em1, divide, split = p.exp_parts, _expm1_pair(p), p.divide, p.split
    narrow, where, fma = p.narrow, p.select, _pairs.fma
    zero, one, tiny, far = p.ZERO, p.ONE, p.TINY, p.dtype(-1000.0)

    def f(x, alpha):  # type: ignore[no-untyped-def]
        v = narrow(x)
        ah, al = split(alpha)
        inv = narrow(1.0 / alpha)  # hoisted
        th, tl = divide(where(v < zero, v, zero), zero, ah, al, inv)
        tl = where(th > far, tl, zero)  # beyond, e^t is 0 and tl may be huge
        if order > 0:
            hi, lo, big = exp_parts(th)
            lo = fma(hi, tl, lo)  # e^(th + tl) = (hi + lo) (1 + tl)
            if order == 2:
                hi, lo = divide(hi, lo, ah, al, inv)
            return where(v > zero, one if order == 1 else zero, ((hi + lo) * big) * tiny)
        nh, nl = em1(th)
        nl = nl + fma(nh, tl, tl)  # expm1(t + tl) = expm1(t) + e^t tl, e^t = 1 + expm1(t)
        neg = fma(ah, nh, fma(al, nh, ah * nl))
        return where(v == zero, v, where(v > zero, v, neg))  # +-0: x itself, the sign of the function beside it

    return _pairs.moderate(f, m.helper(kit_f), p, _PAIR_ALPHA, magnitude=False)  # negative alpha: the kit


def _celu_dalpha(m: Any) -> Any:
    """expm1(t) - t e^t at t + r = x/alpha: -(t + r)^2 S(t) for |t| <= 2, else e^t ((1 - t) - r t) - 1."""
    k = _kit(m)
    two_sum, two_prod, celu_t, s_tail, dd_horner_step = k.two_sum, k.two_prod, k.celu_t, k.s_tail, k.dd_horner_step
    (h0, l0), (h1, l1), (h2, l2), (h3, l3), (h4, l4) = k.s_head  # the coefficients of t^0 .. t^4

    def f(x, alpha):  # type: ignore[no-untyped-def]
        t, r, _rem = celu_t(x, alpha)
        small = m.abs(t) <= 2.0
        ts = m.where(small, t, 0.0)
        sh, sl = dd_horner_step(s_tail(ts), 0.0, ts, h4, l4)
        sh, sl = dd_horner_step(sh, sl, ts, h3, l3)
        sh, sl = dd_horner_step(sh, sl, ts, h2, l2)
        sh, sl = dd_horner_step(sh, sl, ts, h1, l1)
        sh, sl = dd_horner_step(sh, sl, ts, h0, l0)
        q, qe = two_prod(ts, ts)
        qe = qe + 2.0 * ts * r
        p, pe = two_prod(q, sh)
        series = -(p + (pe + q * sl + qe * sh))
        # |t| > 2 (t > 100 only for alpha < 0, where nothing cancels and the product may overflow)
        tb = m.where(small, 3.0, m.where(t > 100.0, 100.0, t))
        e = m.exp(tb)
        mh, ml = two_sum(1.0, -tb)
        ml = ml - r * tb
        p, pe = two_prod(e, mh)
        s, se = two_sum(p, -1.0)
        big = s + (se + pe + e * ml)
        tl = m.where(t > 100.0, m.where(t < 1e300, t, 1e300), 100.0)
        huge = m.exp(tl) * ((1.0 - tl) - r * tl) - 1.0
        return m.where(x > 0, 0.0, m.where(small, series, m.where(t > 100.0, huge, big)))

    return f


def _inverse(a: float) -> float:
    return 1.0 / a


def _quarter_inverse(a: float) -> float:
    return 0.25 / a


def _nonzero(a: float) -> str | None:
    return "must not be 0 (CELU divides by alpha)" if a == 0 else None


celu = activation(
    Spec(
        name="celu",
        summary="Continuously differentiable ELU: x for x > 0, alpha (e^(x/alpha) - 1) below; f' is continuous at 0 "
        "for every alpha.",
        params=(Param("alpha", 1.0, "the value f approaches as x -> -inf is -alpha (nonzero)", check=_nonzero),),
        f=Formula(
            _celu,
            r"\max(0, x) + \min\!\left(0, \alpha \left(e^{x/\alpha} - 1\right)\right)",
        ),
        grad=Formula(
            lambda m: _celu_grad(m, 1),
            r"\begin{cases} 1 & x > 0 \\ e^{x/\alpha} & x \le 0 \end{cases}",
        ),
        grad2=Formula(
            lambda m: _celu_grad(m, 2),
            r"\begin{cases} 0 & x > 0 \\ e^{x/\alpha} / \alpha & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=_inverse, right=0.0, torch="right", jax=_quarter_inverse),),
        ),
        wrt={
            "alpha": Formula(
                _celu_dalpha,
                r"\begin{cases} 0 & x > 0 \\ e^{x/\alpha} - 1 - \frac{x}{\alpha} e^{x/\alpha} & x \le 0 \end{cases}",
            )
        },
        reference="https://pytorch.org/docs/stable/generated/torch.nn.CELU.html",
    )
)
