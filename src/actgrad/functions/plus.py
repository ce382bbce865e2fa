"""The "plus" family, smooth or sparse stand-ins for softplus and sigmoid: squareplus, sparse_plus, sparse_sigmoid.

PyTorch has none of them: defaults and names are JAX's (``jax.nn.squareplus``, ``jax.nn.sparse_plus``,
``jax.nn.sparse_sigmoid``), and the "torch" convention takes JAX's values at the kinks.

Kinks, read off ``jax.grad`` (first and second derivative, float32 and float64) at the kinks themselves:

- sparse_plus: f' is continuous; f'' jumps at -1 and 1 and JAX takes 0 at both (``x <= -1`` and ``x >= 1`` are the
  outer pieces of its ``where``).
- sparse_sigmoid: f' jumps at -1 and 1 and JAX gives 0.25 at both: ``jnp.clip`` is ``minimum(maximum(...))``, whose
  gradient splits a tie in half -- the mean of the one-sided slopes 0 and 1/2.
- squareplus is smooth for b > 0. With b = 0 it is relu, with a kink at 0 (listed at NaN, so matching nothing,
  when b > 0); there both conventions take relu's 0 (``jax.grad`` of ``jax.nn.squareplus`` gives NaN there).

Squareplus numerics: (x + sqrt(x^2 + b)) / 2 cancels for x << 0 and overflows for |x| > 1e154. Here b is brought
to [2^-250, 2^250] by a power of two c (b' = b / c^2, x' = x / c: f(x; b) = c f(x'; b')), sqrt(x'^2 + b') is formed
as a double-double (Veltkamp products, no FMA needed), and the x < 0 side uses b / (2 (r - x)) (no cancellation).
Where |x'| > 2^300, b'/x'^2 < 2^-350 and the first terms of the expansions are exact to the last bit: f = x or
b / (4|x|), f' = 1 or b / (4 x^2), f'' = b / (2 |x|^3), df/db = 1 / (4 |x|).
"""

from __future__ import annotations

import math

from .. import _math
from .._activation import activation
from .._registry import ZERO, Formula, Kink, Param, Spec
from .hard import _double, _mul_dd, _split

__all__ = ["squareplus", "sparse_plus", "sparse_sigmoid"]

_K64 = 134217729.0  # Veltkamp's constant for float64 (the squareplus double-double path is float64 only)


def _square_dd(m):  # type: ignore[no-untyped-def]
    """``(a, k) -> (p, pe)``: a * a = p + pe exactly (``_mul_dd``: one fma in the kernels, where Dekker's splitting
    took seven operations; k is Veltkamp's constant for the precision, used where there is no fma)."""
    mul = _mul_dd(m)
    return _math.jit_for(m)(lambda a, k: mul(a, a, k))


def _scaled_b(m):  # type: ignore[no-untyped-def]
    """``b -> (b * 2^k, 2^-k)`` with b * 2^k away from underflow and overflow (an exact residual of a quotient of
    b needs products down to 2^-106 of b, and none near the largest float)."""

    def scaled_b(b):  # type: ignore[no-untyped-def]
        small, large = b < 2.0**-900, b > 2.0**900
        scaled = m.where(small, b * 2.0**300, m.where(large, b * 2.0**-300, b))
        return scaled, m.where(small, 2.0**-300, m.where(large, 2.0**300, 1.0))

    return _math.jit_for(m)(scaled_b)


def _squareplus_core(m):  # type: ignore[no-untyped-def]
    """The scaled quantities every squareplus formula uses, for b > 0 (float64).

    Returns ``(c, bs, asym, xs, r, rl, ir, u, ue)``: the scale c (a power of two with bs = b / c^2 in
    [2^-250, 2^250]); ``asym`` where |x| > 2^300 c (the expansions are exact there; the rest is then computed on a
    dummy x' = 1); xs = x / c; r + rl = sqrt(xs^2 + bs) and u + ue = r + |xs| (= r - xs where x < 0), both
    double-doubles; ir = 1 / r (rounded). Divisions are few: a division of a whole array costs as much as twenty
    multiplications, and those by loop invariants (c, bs) are hoisted out of the kernel's loop."""
    sq = _square_dd(m)

    def core(x, b):  # type: ignore[no-untyped-def]
        c = m.where(
            b < 2.0**-750,
            2.0**-500,
            m.where(b < 2.0**-250, 2.0**-250, m.where(b < 2.0**250, 1.0, m.where(b < 2.0**750, 2.0**250, 2.0**500))),
        )
        ic = 1.0 / c  # exact
        bs = b * ic * ic
        asym = m.abs(x) > 2.0**300 * c
        xs = m.where(asym, c, x) * ic
        p, pe = sq(xs, _K64)
        s = p + bs  # two-sum: s + se = p + bs
        t = s - p
        se = (p - (s - t)) + (bs - t)
        r = m.sqrt(s)
        ir = 1.0 / r
        q, qe = sq(r, _K64)
        rl = (((s - q) - qe) + (pe + se)) * (0.5 * ir)  # sqrt(s + lo) = r + (s + lo - r^2) / (2r)
        axs = m.abs(xs)
        u = r + axs  # r - xs where xs < 0 (and nonzero everywhere); fast two-sum, r >= |xs|
        ue = (axs - (u - r)) + rl
        return c, bs, asym, xs, r, rl, ir, u, ue

    return _math.jit_for(m)(core)


def _squareplus64(m):  # type: ignore[no-untyped-def]
    core = _squareplus_core(m)
    mul = _mul_dd(m)

    def f(x, b):  # type: ignore[no-untyped-def]
        bb = m.where(b == 0, 1.0, b)  # b = 0 is relu (below); keep the general side finite
        c, bs, asym, xs, r, rl, _ir, u, ue = core(x, bb)
        t = r + xs  # x >= 0: (x + r) / 2, fast two-sum
        te = xs - (t - r)
        pos = (t + (te + rl)) * 0.5
        h = 0.5 * bs  # x < 0: b / (2 (u + ue)): q = fl(h / u) corrected by the exact residual (1 / u = 2 q / b)
        q = h / u
        p, pe = mul(q, u, _K64)
        neg = q + (((h - p) - pe) - q * ue) * ((2.0 * q) * (1.0 / bs))
        ax = m.abs(x)
        quarter = m.where(bb >= 2.0**-1000, bb * 0.25, bb)  # b / (4|x|), rounded once unless b is subnormal
        far = m.where(x > 0, x, quarter / m.where(asym, ax, 1.0) * m.where(bb >= 2.0**-1000, 1.0, 0.25))
        general = m.where(asym, far, m.where(xs < 0, neg, pos) * c)
        return m.where(b == 0, m.where(x > 0, x, 0.0), general)

    return f


def _squareplus_grad64(m):  # type: ignore[no-untyped-def]
    core = _squareplus_core(m)
    mul = _mul_dd(m)
    sq = _square_dd(m)
    scaled_b = _scaled_b(m)

    def g(x, b):  # type: ignore[no-untyped-def]
        bb = m.where(b == 0, 1.0, b)
        _c, bs, asym, xs, r, rl, ir, u, ue = core(x, bb)
        w = xs * ir  # x >= 0: (1 + x / r) / 2, x / (r + rl) = w + wl from the exact residual
        p, pe = mul(w, r, _K64)
        wl = (((xs - p) - pe) - w * rl) * ir
        s = 1.0 + w  # fast two-sum (w <= 1)
        pos = (s + ((w - (s - 1.0)) + wl)) * 0.5
        d, de = mul(r, u, _K64)  # x < 0: b / (2 r (r - x)), no cancellation; 1 / d = 2 q / b
        h = 0.5 * bs
        q = h / d
        p, pe = mul(q, d, _K64)
        neg = q + (((h - p) - pe) - q * (de + r * ue + rl * u)) * ((2.0 * q) * (1.0 / bs))
        # far: b / (4 x^2), x^2 exact (x scaled by 2^-600 above 2^480), b scaled into range for the residual
        ax = m.where(asym, m.abs(x), 1.0)
        big = ax >= 2.0**480
        a = m.where(big, m.where(ax < math.inf, ax, 2.0**1000) * 2.0**-600, ax)
        a2, a2e = sq(a, _K64)
        nb, post = scaled_b(bb)
        q = nb / a2
        p, pe = mul(q, a2, _K64)
        v = (q + (((nb - p) - pe) - q * a2e) * (q * (1.0 / nb))) * 0.25
        v = v * m.where(big, 2.0**-600, 1.0) * (post * m.where(big, 2.0**-600, 1.0))
        far = m.where(x > 0, 1.0, m.where(ax < math.inf, v, 0.0))
        general = m.where(asym, far, m.where(xs < 0, neg, pos))
        return m.where(b == 0, m.where(x > 0, 1.0, 0.0), general)

    return g


def _squareplus_grad264(m):  # type: ignore[no-untyped-def]
    core = _squareplus_core(m)
    mul = _mul_dd(m)
    sq = _square_dd(m)
    scaled_b = _scaled_b(m)

    def g2(x, b):  # type: ignore[no-untyped-def]
        bb = m.where(b == 0, 1.0, b)
        c, bs, asym, _xs, r, rl, _ir, _u, _ue = core(x, bb)
        n = bs * (1.0 / c)  # b / (2 r^3) = (bs / c) / (2 (r + rl)^3)
        r2, r2e = sq(r, _K64)
        k, ke = mul(r2, r, _K64)
        h = 0.5 * n
        q = h / k
        p, pe = mul(q, k, _K64)
        mid = q + (((h - p) - pe) - q * (ke + r2e * r + 3.0 * r2 * rl)) * ((2.0 * q) * (1.0 / n))
        ax = m.where(asym, m.abs(x), 1.0)  # far: b / (2|x|^3), |x|^3 exact below 2^320
        near = ax < 2.0**320
        a = m.where(near, ax, 1.0)
        a2, a2e = sq(a, _K64)
        k, ke = mul(a2, a, _K64)
        nb, post = scaled_b(bb)
        ka = m.where(near, k, ax)  # beyond 2^320: (b / (2|x|)) (1 / |x|)^2
        h = 0.5 * nb
        q = h / ka
        ia = 1.0 / ka
        p, pe = mul(q, ka, _K64)
        far = m.where(near, q + (((h - p) - pe) - q * (ke + a2e * a)) * ia, q * ia * ia) * post
        return m.where(b == 0, 0.0, m.where(asym, far, mid))

    return g2


def _squareplus_db64(m):  # type: ignore[no-untyped-def]
    core = _squareplus_core(m)
    mul = _mul_dd(m)

    def gb(x, b):  # type: ignore[no-untyped-def]
        bb = m.where(b == 0, 1.0, b)
        c, _bs, asym, _xs, r, rl, ir, _u, _ue = core(x, bb)
        p, pe = mul(ir, r, _K64)  # 1 / (4 sqrt(x^2 + b)) = (0.25 / (r + rl)) / c, 1 / (r + rl) from the residual
        mid = 0.25 * (ir + (((1.0 - p) - pe) - ir * rl) * ir) * (1.0 / c)
        ax = m.abs(x)
        # far: 1 / (4|x|); b = 0: the same, inf at 0. bb (1 then) makes the numerator an array: PyTorch evaluates
        # scalar / tensor as reciprocal(tensor) * scalar, which overflows for subnormal |x|
        den = m.where(b == 0, m.where(ax == 0, 1.0, ax), m.where(asym, ax, 1.0))
        quarter = m.where(b == 0, bb * 0.25, 0.25) / den
        relu_side = m.where(ax == 0, math.inf, quarter)
        return m.where(b == 0, relu_side, m.where(asym, quarter, mid))

    return gb


def _squareplus32(m, order):  # type: ignore[no-untyped-def]
    """Squareplus (``order`` 0, 1, 2 or "b") on an array path that computes in float32 (JAX without x64): the
    float64 constants above do not exist there. r = sqrt(x^2 + b) as hypot(|x|, sqrt(b)) (no overflow), the same
    cancellation-free forms, a few ulp."""

    def fn(x, b):  # type: ignore[no-untyped-def]
        ax = m.abs(x)
        if b == 0:  # relu
            pos = x > 0
            if order == 0:
                return m.where(pos, x, 0.0)
            if order == 1:
                return m.where(pos, 1.0, 0.0)
            if order == 2:
                return m.where(pos, 0.0, 0.0)
            nonzero = m.where(ax == 0, 1.0, ax)
            return m.where(ax == 0, math.inf, m.where(pos, 0.25, 0.25) / nonzero)
        finite = ax < math.inf
        a = m.where(finite, ax, 1.0)
        sb = math.sqrt(b)
        top = m.where(a > sb, a, sb)
        direct = (top > 2.0**-40) & (top < 2.0**40)  # x^2 + b neither overflows nor underflows
        ra, rb = a / top, sb / top
        d = m.where(direct, a, 1.0)
        s = d * d + b
        r = m.where(direct, m.sqrt(s), top * m.sqrt(ra * ra + rb * rb))
        half = 0.5 * r + 0.5 * a  # (r + |x|) / 2, no overflow
        if order == 0:
            y = m.where(x >= 0, 0.5 * a + 0.5 * r, (0.25 * b) / half)
            return m.where(finite, y, m.where(x > 0, x, 0.0))
        if order == 1:
            w = a / r  # 1 - w cancels only where w > 1/2
            y = m.where(x >= 0, 0.5 + 0.5 * w, m.where(w <= 0.5, 0.5 - 0.5 * w, ((0.25 * b) / r) / half))
            return m.where(finite, y, m.where(x > 0, 1.0, 0.0))
        if order == 2:
            return m.where(finite, m.where(direct, (0.5 * b / s) / r, ((0.5 * b) / r) / r / r), 0.0)
        return m.where(finite, 0.25 / r, 0.0)

    return fn


def _squareplus_lean(m, order):  # type: ignore[no-untyped-def]
    """Squareplus (``order`` 0) or its f' (1) for float32 results (actgrad._lean): x is a float32, so x^2 is exact
    in float64 and neither it, r = sqrt(x^2 + b) nor r (r + |x|) over- or underflows for any float64 b that f' needs
    it for; the cancellation-free forms then carry a few float64 roundings, and one division:
    f = (x + r) / 2 or b / (2 (r + |x|)) (x < 0); f' = 1/2 + x / (2r), or 1/2 - |x| / (2r) where that does not
    cancel (3 x^2 <= b, so |x| <= r / 2), else b / (2 r (r + |x|)), whose denominator is below 4 x^2 there. b = 0
    is relu on both sides."""

    def fn(x, b):  # type: ignore[no-untyped-def]
        x = x * 1.0  # see _F64 in sigmoid.py
        ax = m.abs(x)
        r = m.sqrt(x * x + b)
        u = r + ax
        pos = x >= 0
        if order == 0:
            return m.where(pos, 0.5 * (x + r), (0.5 * b) / m.where(pos, 1.0, u))
        steep = 3.0 * (x * x) > b
        q = m.where(pos | ~steep, ax, 0.5 * b) / m.where(pos | ~steep, r, r * u)
        finite = m.where(pos, 0.5 + 0.5 * q, m.where(steep, q, 0.5 - 0.5 * q))
        return m.where(ax < math.inf, finite, m.where(pos, 1.0, 0.0))  # not inf / inf

    return fn


def _by_precision(order, double):  # type: ignore[no-untyped-def]
    """The factory: ``double`` in the kernels (for float32 results, order 0 and 1: ``_squareplus_lean``); on the
    array path, by the compute dtype."""

    def factory(m):  # type: ignore[no-untyped-def]
        if _math.lean(m) and order in (0, 1):
            return _squareplus_lean(m, order)
        f64 = double(m)
        if _math.compiled(m):
            return f64
        f32, is_double = _squareplus32(m, order), _double(m)
        return lambda x, b: f64(x, b) if is_double(x) else f32(x, b)

    return factory


_squareplus = _by_precision(0, _squareplus64)
_squareplus_grad = _by_precision(1, _squareplus_grad64)
_squareplus_grad2 = _by_precision(2, _squareplus_grad264)
_squareplus_db = _by_precision("b", _squareplus_db64)


def _nonnegative(v: float) -> str | None:
    return "must be >= 0" if v < 0 else None


squareplus = activation(
    Spec(
        name="squareplus",
        summary="Squareplus: (x + sqrt(x^2 + b)) / 2, a softplus made of a square root (Barron, 2021).",
        params=(Param("b", 4.0, "the smoothness (>= 0; b = 0 gives relu)", check=_nonnegative),),
        f=Formula(_squareplus, r"\frac{x + \sqrt{x^2 + b}}{2}"),
        grad=Formula(
            _squareplus_grad,
            r"\frac{1}{2}\left(1 + \frac{x}{\sqrt{x^2 + b}}\right)",
            # only with b = 0 (relu); at NaN (no input) otherwise
            kinks=(Kink(at=lambda b: 0.0 if b == 0 else math.nan, left=0.0, right=1.0, torch="left", jax="left"),),
        ),
        grad2=Formula(_squareplus_grad2, r"\frac{b}{2 (x^2 + b)^{3/2}}"),
        wrt={"b": Formula(_squareplus_db, r"\frac{1}{4 \sqrt{x^2 + b}}")},
        reference="https://arxiv.org/abs/2112.11687",
    )
)


def _sparse_plus(m):  # type: ignore[no-untyped-def]
    """(x + 1)^2 / 4 on (-1, 1), correctly rounded: s = x + 1 as a double-double, s^2 as one."""
    sq = _square_dd(m)
    split = _split(m)

    def f(x):  # type: ignore[no-untyped-def]
        inside = m.abs(x) < 1.0
        a = m.where(inside, x, 0.0)
        s = a + 1.0
        e = a - (s - 1.0)  # fast two-sum: s + e = a + 1
        p, pe = sq(s, split(x))
        return m.where(inside, (p + (pe + 2.0 * s * e)) * 0.25, m.where(x > 0, x, 0.0))

    return f


sparse_plus = activation(
    Spec(
        name="sparse_plus",
        summary="Sparse plus: 0 below -1, (x + 1)^2 / 4 between, x above; the twin of softplus with exact zeros.",
        f=Formula(
            _sparse_plus,
            r"\begin{cases} 0 & x \le -1 \\ \frac{(x + 1)^2}{4} & -1 < x < 1 \\ x & x \ge 1 \end{cases}",
        ),
        grad=Formula(
            lambda m: lambda x: m.where(x <= -1.0, 0.0, m.where(x >= 1.0, 1.0, (x + 1.0) * 0.5)),
            r"\begin{cases} 0 & x \le -1 \\ \frac{x + 1}{2} & -1 < x < 1 \\ 1 & x \ge 1 \end{cases}",
        ),
        grad2=Formula(
            lambda m: lambda x: m.where(m.abs(x) < 1.0, 0.5, 0.0),
            r"\begin{cases} \tfrac{1}{2} & -1 < x < 1 \\ 0 & |x| > 1 \end{cases}",
            kinks=(
                Kink(at=-1.0, left=0.0, right=0.5, torch="left", jax="left"),
                Kink(at=1.0, left=0.5, right=0.0, torch="right", jax="right"),
            ),
        ),
        reference="https://jax.readthedocs.io/en/latest/_autosummary/jax.nn.sparse_plus.html",
    )
)

sparse_sigmoid = activation(
    Spec(
        name="sparse_sigmoid",
        summary="Sparse sigmoid: clip((x + 1) / 2, 0, 1), the derivative of sparse_plus (Blondel et al., 2020).",
        f=Formula(
            lambda m: lambda x: m.where(x <= -1.0, 0.0, m.where(x >= 1.0, 1.0, (x + 1.0) * 0.5)),
            r"\begin{cases} 0 & x \le -1 \\ \frac{x + 1}{2} & -1 < x < 1 \\ 1 & x \ge 1 \end{cases}",
        ),
        grad=Formula(
            lambda m: lambda x: m.where(m.abs(x) < 1.0, 0.5, 0.0),
            r"\begin{cases} \tfrac{1}{2} & -1 < x < 1 \\ 0 & |x| > 1 \end{cases}",
            kinks=(
                Kink(at=-1.0, left=0.0, right=0.5, torch="mean", jax="mean"),
                Kink(at=1.0, left=0.5, right=0.0, torch="mean", jax="mean"),
            ),
        ),
        grad2=ZERO,
        reference="https://arxiv.org/abs/1901.02324",
    )
)
