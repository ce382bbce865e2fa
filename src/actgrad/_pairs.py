"""Pair arithmetic in the result's own precision, for the kernels of the most used smooth activations: sigmoid, tanh,
elu, selu, celu, log_sigmoid, softplus (f, f', f''), silu (f, f'; f'' for float64), gelu (f, f''; f' for float64; its
tanh approximation: f; f' for float64), mish (f, f'), tanhshrink (f''; f, f' for float64) and telu (f; f' for
float64).

Their other kernels compute float32 results in float64 (:mod:`actgrad._lean`) and float64 results with double-double
helpers around a table-driven exp (the kits of ``functions/``). These compute in the result's precision, float32 at
16 lanes to an AVX-512 vector where float64 has 8, and carry just enough extra precision to round about once: e^x as
an unevaluated sum ``hi + lo`` times a power of two applied last (:func:`exp_parts`; no table, no subnormal or
overflow branch), 1 + t as an exact sum, and one division whose exact residual (an fma) corrects the quotient
(:func:`div_pair`). The float32 and float64 namespaces (:data:`SINGLE`, :data:`DOUBLE`) are built from one
definition; the activations' formulas are written once against either (``functions/sigmoid.py``, ``elu.py``,
``gelu.py``).

Accuracy (``tests/test_pairs.py``): over every float32 input within 0.85 ulp (SELU's f: 1.0 in the lowest normal
binade), against mpmath in float64 within 0.73 ulp on the points measured, where plain arithmetic in the same
precision errs by 1.5-3 ulp. Everything in a namespace is of its precision: numba types a float32 operation with a
Python float as float64, so its constants are ``np.float32``.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ._exp import select
from ._math import inlined

#: How float32 helpers compile: as functions of their own that LLVM inlines into the kernels' loops (which then
#: vectorize), with numpy's error model and no contraction (the error-free sums below must round as written; the
#: products that need one rounding say fma): they keep those flags inside the lean kernels, which contract.
helper = njit(forceinline=True, error_model="numpy")


def helper_for(dtype: Any) -> Any:
    """How helpers of precision ``dtype`` (np.float32, or np.float64 and Python's float) compile: :data:`helper`, or
    for float64 :data:`actgrad._math.inlined`, so that a kernel and every helper under it compile as one function (a
    gelu float64 kernel compiled nine); inlined code takes its caller's flags, and the float64 formulas
    (actgrad._math) set none."""
    return helper if dtype is np.float32 else inlined


_NEAR = 1000.0  # see exact_product
_LLVM = {
    types.float32: (ir.FloatType(), ir.IntType(32), 23, "f32"),
    types.float64: (ir.DoubleType(), ir.IntType(64), 52, "f64"),
}


@intrinsic
def fma(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """a * b + c rounded once, for three float32s or three float64s (LLVM's ``llvm.fma``; it vectorizes)."""
    if a not in _LLVM or b != a or c != a:
        return None
    real, _, _, suffix = _LLVM[a]

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(real, [real] * 3), f"llvm.fma.{suffix}")
        return builder.call(fn, list(args))

    return a(a, a, a), codegen


@intrinsic
def _power_of_two(typingctx, shifted):  # type: ignore[no-untyped-def]
    """2^j from ``shifted = 1.5 * 2^p + j + bias`` (p the precision's mantissa bits, j + bias a valid biased
    exponent), whose low bits hold j + bias: shifted left by p they become the exponent field, and the bits above
    fall off the integer."""
    if shifted not in _LLVM:
        return None
    real, word, bits, _ = _LLVM[shifted]

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        moved = builder.shl(builder.bitcast(args[0], word), ir.Constant(word, bits))
        return builder.bitcast(moved, real)

    return shifted(shifted), codegen


def horner_body(terms: list[str], y: str) -> list[str]:
    """The lines of a function body returning c0 + c1 y + c2 y^2 + ... by Horner's rule in fmas, unrolled (numba
    compiles a loop over a tuple to an indexed switch, which does not vectorize), for the coefficients' expressions
    ``terms`` (lowest degree first) and the variable's name ``y``; ``fma`` must be in the function's scope."""
    return ["    acc = " + terms[-1], *(f"    acc = fma(acc, {y}, {t})" for t in terms[-2::-1]), "    return acc"]


def estrin_body(terms: list[str], y: str) -> list[str]:
    """As :func:`horner_body`, by Estrin's scheme: pairs c_2i + c_2i+1 y, then pairs of those with y^2, y^4, ...:
    about as many operations, and a dependency chain of log2(n) steps instead of n (for a long polynomial that the
    rest of a kernel waits on)."""
    lines, power, level = [], y, 0
    while len(terms) > 1:
        pairs = [f"fma({b}, {power}, {a})" for a, b in zip(terms[::2], terms[1::2], strict=False)]
        terms = pairs + ([terms[-1]] if len(terms) % 2 else [])
        if len(terms) > 1:
            level += 1
            lines.append(f"    {y}{level} = {power} * {power}")
            power = f"{y}{level}"
            lines += [f"    t{level}_{i} = {t}" for i, t in enumerate(terms)]
            terms = [f"t{level}_{i}" for i in range(len(terms))]
    return [*lines, f"    return {terms[0]}"]


def lead_estrin_body(terms: list[str], y: str) -> list[str]:
    """As :func:`estrin_body`, but c0 + y E(y) with E the rest by Estrin's scheme: the last step alone rounds near
    c0, as Horner's does."""
    *lines, last = estrin_body(terms[1:], y)
    return [*lines, f"    return fma({last.removeprefix('    return ')}, {y}, {terms[0]})"]


def _series(body: Any, coeffs: tuple[Any, ...]) -> Any:
    """``y -> c0 + c1 y + ...`` for ``coeffs`` of one precision (lowest degree first), its body from ``body``
    (:func:`horner_body`, :func:`estrin_body`, :func:`lead_estrin_body`); the coefficients are globals of the
    function, one name each, which keep their type (read from a tuple by index, they compile at half the speed: ~0.1 s
    of a cold start each)."""
    scope = {"fma": fma, **{f"c{j}": c for j, c in enumerate(coeffs)}}
    lines = body([f"c{j}" for j in range(len(coeffs))], "y")
    exec("def series(y):\n" + "".join(line + "\n" for line in lines), scope)
    return helper_for(type(coeffs[0]))(scope["series"])


def horner(coeffs: tuple[Any, ...]) -> Any:
    """c0 + c1 y + c2 y^2 + ... for ``coeffs`` of one precision (lowest degree first), in fmas (:func:`horner_body`)."""
    return _series(horner_body, coeffs)


def estrin(coeffs: tuple[Any, ...]) -> Any:
    """c0 + c1 y + c2 y^2 + ... for ``coeffs`` of one precision (lowest degree first) by Estrin's scheme
    (:func:`estrin_body`)."""
    return _series(estrin_body, coeffs)


def significant(coeffs: tuple[float, ...], reach: float, bound: float) -> tuple[float, ...]:
    """``coeffs`` (lowest degree first) without the highest-degree terms that stay below ``bound`` for |y| <= reach
    (a Taylor tail fitted for a wider window or a finer precision than the kernel's)."""
    n = len(coeffs)
    while n > 1 and abs(coeffs[n - 1]) * reach ** (n - 1) < bound:
        n -= 1
    return coeffs[:n]


def constant(p: SimpleNamespace, pair: tuple[float, float]) -> tuple[Any, Any]:
    """A double-double constant (hi, lo) as a pair of p's precision."""
    hi = p.dtype(pair[0])
    return hi, p.dtype((pair[0] - float(hi)) + pair[1])


def taylor_pair(p: SimpleNamespace, c1: tuple[float, float], c2: tuple[float, float], tail: Any) -> Any:
    """``(dh, dl) -> (s, e)``: c1 d + c2 d^2 + d^3 tail(d) for d = dh + dl (dl below half dh's ulp), a Taylor polynomial
    about a zero of a kernel's function, with c1 and c2 pairs of p's precision and the first two terms in pairs, so
    that the result keeps its relative accuracy as d -> 0."""
    two_sum, two, (c1h, c1l), (c2h, c2l) = p.two_sum, p.dtype(2.0), c1, c2

    def at(dh, dl):  # type: ignore[no-untyped-def]
        d = dh + dl
        p1 = c1h * dh
        sh = dh * dh
        sl = fma(dh, dh, -sh) + two * dh * dl
        p2 = c2h * sh
        s, se = two_sum(p1, p2)
        low = (fma(c1h, dh, -p1) + (c1h * dl + c1l * dh)) + (fma(c2h, sh, -p2) + (c2h * sl + c2l * sh))
        return s, se + (low + d * (d * (d * tail(d))))

    return p.helper(at)


def moderate(pair_f: Any, kit_f: Any, p: SimpleNamespace, bounds: tuple[float, float], magnitude: bool) -> Any:
    """``(x, b) -> pair_f(x, b)`` where the parameter b (its magnitude if ``magnitude``) lies within ``bounds``, else
    ``kit_f(x, b)`` (a compiled float64 kernel formula) rounded to p's precision. The test is the parameter's, the
    same for every element: LLVM takes it out of the loop (two loops, each as fast as its branch alone). ``pair_f``
    is inlined by numba, so it compiles as the returned formula does."""
    pair_f, narrow, (low, high) = njit(inline="always")(pair_f), p.narrow, bounds

    def f(x, b):  # type: ignore[no-untyped-def]
        if low <= (abs(b) if magnitude else b) <= high:
            return pair_f(x, b)
        return narrow(kit_f(x, b))

    return f


@inlined
def exact_product(x, b):  # type: ignore[no-untyped-def]
    """(zh, zl) with x b = zh + zl exactly, for float64 x and b; zl is 0 where |x b| >= 1000 (there e^-|x b| is 0 or 1
    to every digit, and e^-zl = 1 - zl needs |zl| << 1; an overflowing product's residual would be NaN)."""
    zh = x * b
    return zh, select(abs(zh) < _NEAR, fma(x, b, -zh), 0.0)


def _build(
    dtype: type,
    ln2: tuple[float, float],
    scale: int,
    x_min: float,
    exp_poly: tuple[float, ...],
    linear: float,
) -> SimpleNamespace:
    """The namespace of one precision: ``dtype`` (np.float32 or np.float64); ln2_hi, ln 2 to few enough bits
    that k * ln2_hi is exact, and ln2_lo, the rest (``ln2``: the pair, from ln 2 to more digits than float64's);
    e^x = (hi + lo) 2^(k + scale) 2^-scale; below ``x_min`` every product with e^x rounds
    to 0; ``exp_poly``, (e^r - 1 - r) / r^2 on |r| <= ln2/2, lowest degree first; below ``linear``, tanh x rounds
    to x (x^2 / 3 is below a quarter of the precision's half-ulp: within 0.33 ulp)."""
    c, jit = dtype, helper_for(dtype)
    one, two = c(1.0), c(2.0)
    inv_ln2, ln2_hi, ln2_lo, lowest = c(1.0 / math.log(2.0)), c(ln2[0]), c(ln2[1]), c(x_min)
    mantissa = np.finfo(dtype).nmant
    shift = c(1.5 * 2.0**mantissa)  # adding it rounds to an integer, which then sits in the low bits
    bias = c(scale + np.finfo(dtype).maxexp - 1)  # shifted + bias: k + scale + the exponent bias
    if dtype is np.float32:  # six terms: Estrin's scheme gains nothing
        exp_poly_at = horner(tuple(c(v) for v in exp_poly))
    else:  # c0 + r (Estrin's scheme for the rest): the kernels wait on this polynomial, and the last step alone
        # rounds near c0 as Horner's does
        exp_poly_at = _series(lead_estrin_body, tuple(c(v) for v in exp_poly))

    @jit
    def exp_parts(x):  # type: ignore[no-untyped-def]
        xc = select(x < lowest, lowest, x)
        shifted = fma(xc, inv_ln2, shift)
        k = shifted - shift
        rh = fma(-k, ln2_hi, xc)  # exact
        rl = -(k * ln2_lo)
        r = rh + rl
        h = one + rh
        t = (rh - (h - one)) + fma(r * r, exp_poly_at(r), rl)  # the error of 1 + rh, and the rest of e^r - 1
        hi = h + t
        return hi, (h - hi) + t, _power_of_two(shifted + bias)

    @jit
    def quotient(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
        r = one / dh
        q = nh * r
        return q, ((fma(-q, dh, nh) + nl) - q * dl) * r

    @jit
    def div_pair(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
        qh, ql = quotient(nh, nl, dh, dl)
        return qh + ql

    @jit
    def one_plus(th, tl):  # type: ignore[no-untyped-def]
        u = one + th
        return u, ((one - u) + th) + tl

    @jit
    def square(u, d):  # type: ignore[no-untyped-def]
        p = u * u
        return p, fma(u, u, -p) + two * u * d

    @jit
    def fast_two_sum(a, b):  # type: ignore[no-untyped-def]
        s = a + b
        return s, b - (s - a)

    @jit
    def two_sum(a, b):  # type: ignore[no-untyped-def]
        s = a + b
        bb = s - a
        return s, (a - (s - bb)) + (b - bb)

    @jit
    def product(a, bh, bl):  # type: ignore[no-untyped-def]
        p = a * bh
        return p, fma(a, bh, -p) + a * bl

    @njit(inline="always")
    def narrow(x):  # type: ignore[no-untyped-def]
        return c(x)

    wide = dtype is np.float64

    @jit
    def divide(nh, nl, bh, bl, inv):  # type: ignore[no-untyped-def]
        qh = nh * inv
        r = fma(-qh, bh, nh)  # exact
        if not wide:
            r = r - qh * bl
        return qh, (r + nl) * inv

    @jit
    def split(b):  # type: ignore[no-untyped-def]
        h = c(b)
        low = b - h  # exact in float64 (0 for float64 results)
        return h, c(select(low - low == 0.0, low, 0.0))  # 0 where h overflowed float32 (b - inf)

    exp_parts.__doc__ = f"""(hi, lo, big) with e^x = (hi + lo) big TINY for x <= 0: hi in [0.7, 1.42], |lo| below half
        its ulp, big = 2^(k + {scale}) and TINY = 2^-{scale}. x = k ln 2 + r, |r| <= ln2/2, e^r = (1 + rh) + (the
        rest), the first sum carried exactly: the pair errs by about 2^-2.5 ulp (the roundings of r and r^2; for
        k = 0, r is exact and (hi - 1) + lo is e^x - 1 as accurately). big is normal for every x >= {x_min} (lower x
        are clamped; NaN passes), so (q big) TINY rounds once for q near 1, also to a subnormal."""
    quotient.__doc__ = """(qh, ql): (nh + nl) / (dh + dl) as a pair (|nl| << |nh|, |dl| << |dh|, dh normal): q = nh / dh
        by one division (its reciprocal), and the exact residual nh - q dh (an fma) and the low parts over dh."""
    div_pair.__doc__ = """(nh + nl) / (dh + dl) rounded about once: :func:`quotient`'s pair, summed."""
    one_plus.__doc__ = """1 + (th + tl) as (u, d), u + d exact to the low part, for 0 <= th <= 1."""
    square.__doc__ = """(u + d)^2 as (p, pe)."""
    fast_two_sum.__doc__ = """(s, e) with a + b = s + e exactly (Fast2Sum) where s - a is exact: for |b| <= |a|; for a a
        power of two and 0 <= b < 2^p a (p the precision: a is a multiple of s's ulp, and s - a below s); for a = 1 and
        -2^p < b < 0 (1 is a multiple of b's ulp; checked on exact rationals for -2000 <= b < 0). Then b - (s - a),
        the rounding error of s, is exact too."""
    two_sum.__doc__ = """(s, e) with a + b = s + e exactly."""
    product.__doc__ = """a (bh + bl) as (p, pe)."""
    divide.__doc__ = """(qh, ql): (nh + nl) / (bh + bl) for a divisor split from a float64 parameter (:func:`split`;
        bl is 0 for float64 and left out) and inv, 1 / (bh + bl) rounded to the precision (hoisted out of the loop):
        q = nh inv, corrected by the residual nh - q bh (exact: an fma) less q bl."""
    split.__doc__ = f"""(bh, bl): a float64 (a parameter) as the sum of two {np.dtype(dtype).name}s, bh its rounding."""
    narrow.__doc__ = f"""A float64 holding a {np.dtype(dtype).name} (the kernels widen their inputs), as that: exact."""
    return SimpleNamespace(
        dtype=dtype,
        exp_parts=exp_parts,
        quotient=quotient,
        div_pair=div_pair,
        one_plus=one_plus,
        square=square,
        two_sum=two_sum,
        fast_two_sum=fast_two_sum,
        product=product,
        narrow=narrow,
        split=split,
        divide=divide,
        select=select,
        helper=jit,
        TINY=c(2.0**-scale),
        ONE=one,
        ZERO=c(0.0),
        FOUR=c(4.0),
        X_MIN=lowest,
        X_CAP=c(50.0),  # silu(x) rounds to x and silu'(x) to 1 beyond, in either precision
        LINEAR=c(linear),
        EXP_POLY=exp_poly,
    )


#: float32: ln 2 to 16 bits (k * it exact for the |k| <= 174 that occur); 2^-64 keeps big normal down to e^-120
#: (120 e^-120 < 2^-150); a degree-5 polynomial (the float32 roundings of its interpolant at the 6 Chebyshev nodes of
#: |r| <= 1.001 ln2/2, within 2^-30 of e^r; ``tests/test_pairs.py`` recomputes them).
SINGLE = _build(
    np.float32,
    ln2=(0.693145751953125, 1.4286068203094173e-06),
    scale=64,
    x_min=-120.0,
    exp_poly=(
        0.5,
        0.1666666716337204,
        0.041666463017463684,
        0.00833331048488617,
        0.0013933731243014336,
        0.000198910798644647,
    ),
    linear=2.0**-12,
)

#: float64: ln 2 to 32 bits (|k| <= 1097); 2^-128 keeps big normal down to e^-760 (760 e^-760 < 2^-1075); degree
#: 11 (the interpolant at the 12 Chebyshev nodes of |r| <= 1.0005 ln2/2, within 2^-60 of e^r).
DOUBLE = _build(
    np.float64,
    ln2=(0.6931471803691238, 1.9082149292705877e-10),
    scale=128,
    x_min=-760.0,
    exp_poly=(
        0.5,
        0.16666666666666666,
        0.04166666666666668,
        0.008333333333333333,
        0.0013888888888879043,
        0.0001984126984126328,
        2.4801587336526005e-05,
        2.7557319247274564e-06,
        2.755726318947621e-07,
        2.5052071034565116e-08,
        2.0918170876658783e-09,
        1.608665004457821e-10,
    ),
    linear=2.0**-27,
)


def for_results(lean: bool) -> Any:
    """The namespace for float32 results (``lean``, as actgrad._math.lean says of a formula namespace) or float64."""
    return SINGLE if lean else DOUBLE
