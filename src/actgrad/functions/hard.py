"""The hard (piecewise linear or quadratic) family: hard sigmoid, hard swish, hard tanh, hard and soft shrink,
threshold and squared ReLU.

Defaults and spellings are PyTorch's (``hardsigmoid``, ``hardswish``, ``hardtanh``, ``hardshrink``,
``softshrink``, ``threshold``); the PyTorch names resolve as aliases.

Numerics. The pieces are correctly rounded: ``(x + 3) / 6`` is not (two roundings, up to 1.2 ulp), so the sum is
carried as a double-double and divided with a correction (``_div6``); hard swish's ``x (x + 3)`` is formed exactly
(Veltkamp splitting) and divided the same way. float32 results need neither: the plain float64 forms round to the
same float32 but within 2^-28 ulp of a tie (``_lean_sixths``; none differs on 11 million points). The untaken side
of every ``where`` is evaluated on a clamped input, so infinities raise no warning.

Kinks. Every value below was read off PyTorch's autograd (``torch.autograd.grad``, first and second derivative)
and ``jax.grad`` at the kink itself, in float32 and float64:

- hard_sigmoid: f' is 0 at -3 and at 3 in both (PyTorch's ``hardsigmoid_backward`` uses the open interval; JAX's
  ``relu6`` takes 0 at both ends). PyTorch has no second derivative for it (``hardsigmoid_backward`` is not
  differentiable); f'' is 0. PyTorch's float64 backward returns float32(1/6) inside; we return 1/6. Next to the
  kinks JAX rounds x + 3 first (3 - ulp + 3 is 6) and returns 0 at x = 3 - ulp; we return the true 1/6.
- hard_swish: f' is 0 at -3 (left) and 1 at 3 (right) in both; f'' there is 0 (PyTorch: open interval).
- hard_tanh: PyTorch takes 0 at both ends (the clamped side), JAX 1 (``jnp.where(x > 1, 1, jnp.where(x < -1, -1,
  x))`` keeps x at the ends; "jax" takes that side with other bounds too). With min_val == max_val there is no
  middle piece and every convention gives 0.
- hard_shrink, soft_shrink: PyTorch takes 0 at both ends (``|x| <= lambd`` is the zero piece), also with
  ``lambd = 0`` where both one-sided slopes are 1. JAX has neither: "jax" takes PyTorch's values.
- threshold: 0 at x = threshold (``x <= threshold`` takes ``value``). JAX has none: "jax" takes PyTorch's.
- squared_relu (neither framework has it; ``relu(x) ** 2`` in both): f'' is 0 at 0.
"""

from __future__ import annotations

from .. import _math
from .._activation import activation
from .._registry import ZERO, Formula, Kink, Param, Spec

__all__ = ["hard_sigmoid", "hard_swish", "hard_tanh", "hard_shrink", "soft_shrink", "threshold", "squared_relu"]

_SIXTH = 1.0 / 6.0


def _double(m):  # type: ignore[no-untyped-def]
    """``x -> True`` where x is computed in float64: always in the kernels; on the array path, unless the library
    lacks float64 (JAX without x64 computes in float32)."""
    if _math.compiled(m):
        return _math.jit_for(m)(lambda x: True)
    return lambda x: x.dtype == m.float64


def _split(m):  # type: ignore[no-untyped-def]
    """``x -> `` Veltkamp's splitting constant 2^ceil(p/2) + 1 for x's compute precision p (53 or 24)."""
    if _math.compiled(m):
        return _math.jit_for(m)(lambda x: 134217729.0)
    return lambda x: 134217729.0 if x.dtype == m.float64 else 4097.0


def _mul_dd(m):  # type: ignore[no-untyped-def]
    """``(a, b, k) -> (p, pe)``: a * b = p + pe exactly: in the kernels from an fma (also for float32 results, where
    the lean namespace's two_prod drops the error term), elsewhere by Dekker's product (k is ``_split``'s
    constant)."""
    if _math.compiled(m):
        return _math.jit_for(m)(lambda a, b, k: _math.two_prod(a, b))

    def mul(a, b, k):  # type: ignore[no-untyped-def]
        p = a * b
        c = k * a
        ah = c - (c - a)
        al = a - ah
        c = k * b
        bh = c - (c - b)
        bl = b - bh
        return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl

    return _math.jit_for(m)(mul)


def _div6(m):  # type: ignore[no-untyped-def]
    """``(s + e) / 6`` for a double-double ``s + e`` with ``|e| <= ulp(s)``, within 0.5 + 2^-50 ulp (correctly
    rounded but within 2^-50 ulp of a tie), by multiplications only (a division costs these kernels more than
    their memory traffic).

    q = fl(s fl(1/6)), within two ulps of the quotient, and the residual r = s + e - 6q; then q + fl(r fl(1/6)) differs
    from the quotient by at most |r| 2^-52 <= 2^-50 ulp(q) before it rounds once. fl(r fl(1/6)) is r / 6 exactly
    where that is a float (fl(1/6) is within 2^-54 of 1/6, relatively), so exact ties, which occur (s + e a multiple
    of 3), round to even; an fma of r and fl(1/6) added to q would round them down. In the kernels an fma gives
    s - 6q (a multiple of ulp(q) of a few bits: exact); elsewhere 6q = h + t exactly (4q and 2q are exact, fast
    two-sum) and the residual is computed up to a rounding far below ulp(q)."""
    if _math.compiled(m):
        fma = _math.fma

        def div6_fma(s, e):  # type: ignore[no-untyped-def]
            q = s * _SIXTH
            return q + (fma(q, -6.0, s) + e) * _SIXTH

        return _math.jit_for(m)(div6_fma)

    def div6(s, e):  # type: ignore[no-untyped-def]
        q = s * _SIXTH
        p4 = 4.0 * q
        p2 = 2.0 * q
        h = p4 + p2
        t = (p4 - h) + p2
        r = ((s - h) - t) + e
        return q + r * _SIXTH

    return _math.jit_for(m)(div6)


def _lean_sixths(m, inside, above):  # type: ignore[no-untyped-def]
    """For float32 results (actgrad._lean): ``x -> inside(x) / 6`` on (-3, 3), ``above(x)`` from 3 on, 0 up to -3,
    in plain float64. ``inside`` is a product of float32 values and x + 3, within 2^-53 relative, and the product by
    fl(1/6) within 3 2^-53 of the quotient: far inside float32's half ulp (2^-24), so the result rounds as the exact
    one does but within 2^-28 ulp of a tie. No double-double, no correction, no subnormal case (x / 2 is normal in
    float64): 3 to 6 operations instead of 15 to 25."""
    jit = _math.jit_for(m)
    inner, outer = jit(inside), jit(above)
    return lambda x: m.where(m.abs(x) < 3.0, inner(x) * _SIXTH, m.where(x > 0, outer(x), 0.0))


def _hs(m):  # type: ignore[no-untyped-def]
    """``(x + 3) / 6`` on (-3, 3), correctly rounded; 0 and 1 outside."""
    if _math.lean(m):
        return _math.jit_for(m)(_lean_sixths(m, lambda x: x + 3.0, lambda x: 1.0))
    div6 = _div6(m)

    def hs(x):  # type: ignore[no-untyped-def]
        inside = m.abs(x) < 3.0
        xi = m.where(inside, x, 0.0)
        s = xi + 3.0
        e = xi - (s - 3.0)  # fast two-sum: |3| >= |xi|
        return m.where(inside, div6(s, e), m.where(x > 0, 1.0, 0.0))

    return _math.jit_for(m)(hs)


def _hard_sigmoid(m):  # type: ignore[no-untyped-def]
    hs = _hs(m)
    return lambda x: hs(x)


def _hard_swish(m):  # type: ignore[no-untyped-def]
    """``x (x + 3) / 6`` on (-3, 3), correctly rounded: x times the double-double x + 3 exactly (Veltkamp
    splitting, no FMA needed), then divided by 6 with a correction. x * fl(hard_sigmoid(x)) would be 1.5 ulp off
    near x = 0."""
    if _math.lean(m):
        return _lean_sixths(m, lambda x: x * (x + 3.0), lambda x: x)
    div6 = _div6(m)
    mul = _mul_dd(m)
    split = _split(m)

    def f(x):  # type: ignore[no-untyped-def]
        inside = m.abs(x) < 3.0
        a = m.where(inside, x, 0.0)
        s = a + 3.0
        e = a - (s - 3.0)  # fast two-sum: s + e = a + 3 exactly
        p, pe = mul(a, s, split(x))
        # below 2**-1000, f = x/2 + x^2/6 with x^2/6 far below ulp(x/2) (div6 would round twice among
        # subnormals): x/2, except that a tie (odd subnormal x) goes up, as x^2/6 > 0 breaks it
        h = 0.5 * a
        tiny = m.where(a - 2.0 * h > 0, h + 2.0**-1074, h)
        return m.where(inside, m.where(m.abs(x) < 2.0**-1000, tiny, div6(p, pe + a * e)), m.where(x > 0, x, 0.0))

    return f


def _hard_swish_grad(m):  # type: ignore[no-untyped-def]
    """``(2x + 3) / 6`` on (-3, 3), correctly rounded; 0 below, 1 above."""
    if _math.lean(m):
        return _lean_sixths(m, lambda x: 2.0 * x + 3.0, lambda x: 1.0)
    div6 = _div6(m)

    def g(x):  # type: ignore[no-untyped-def]
        inside = m.abs(x) < 3.0
        a = 2.0 * m.where(inside, x, 0.0)
        s = a + 3.0
        bb = s - a
        e = (a - (s - bb)) + (3.0 - bb)  # two-sum
        return m.where(inside, div6(s, e), m.where(x > 0, 1.0, 0.0))

    return g


_INSIDE_3 = r"\begin{cases} %s & -3 < x < 3 \\ %s & x < -3 \\ %s & x > 3 \end{cases}"

hard_sigmoid = activation(
    Spec(
        name="hard_sigmoid",
        summary="Hard sigmoid: relu6(x + 3) / 6, a piecewise-linear sigmoid.",
        f=Formula(_hard_sigmoid, r"\frac{\min(\max(x + 3, 0), 6)}{6}"),
        grad=Formula(
            lambda m: lambda x: m.where(m.abs(x) < 3.0, 1.0 / 6.0, 0.0),
            _INSIDE_3 % (r"\tfrac{1}{6}", "0", "0"),
            kinks=(
                Kink(at=-3.0, left=0.0, right=1.0 / 6.0, torch="left", jax="left"),
                Kink(at=3.0, left=1.0 / 6.0, right=0.0, torch="right", jax="right"),
            ),
        ),
        grad2=ZERO,
        aliases=("hardsigmoid",),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Hardsigmoid.html",
    )
)

hard_swish = activation(
    Spec(
        name="hard_swish",
        summary="Hard swish (hard SiLU): x * relu6(x + 3) / 6, from MobileNetV3; piecewise quadratic.",
        f=Formula(_hard_swish, r"\frac{x \min(\max(x + 3, 0), 6)}{6}"),
        grad=Formula(
            _hard_swish_grad,
            _INSIDE_3 % (r"\frac{2x + 3}{6}", "0", "1"),
            kinks=(
                Kink(at=-3.0, left=0.0, right=-0.5, torch="left", jax="left"),
                Kink(at=3.0, left=1.5, right=1.0, torch="right", jax="right"),
            ),
        ),
        grad2=Formula(
            lambda m: lambda x: m.where(m.abs(x) < 3.0, 1.0 / 3.0, 0.0),
            _INSIDE_3 % (r"\tfrac{1}{3}", "0", "0"),
        ),
        aliases=("hardswish", "hard_silu", "hardsilu"),
        reference="https://arxiv.org/abs/1905.02244",
    )
)


def _order(mn: float, mx: float) -> str | None:
    return f"needs min_val <= max_val (got min_val={mn!r}, max_val={mx!r})" if mn > mx else None


def _open(mn: float, mx: float) -> float:
    """The slope of the middle piece: 1, or 0 when min_val == max_val leaves no middle piece."""
    return 1.0 if mn < mx else 0.0


hard_tanh = activation(
    Spec(
        name="hard_tanh",
        summary="Hard tanh: x clamped to [min_val, max_val].",
        params=(
            Param("min_val", -1.0, "the lower bound"),
            Param("max_val", 1.0, "the upper bound (min_val <= max_val)"),
        ),
        check=_order,
        f=Formula(
            lambda m: lambda x, mn, mx: m.where(x < mn, mn, m.where(x > mx, mx, x)),
            r"\min(\max(x, \text{min\_val}), \text{max\_val})",
        ),
        grad=Formula(
            lambda m: lambda x, mn, mx: m.where((x > mn) & (x < mx), 1.0, 0.0),
            r"\begin{cases} 1 & \text{min\_val} < x < \text{max\_val} \\ 0 & \text{otherwise} \end{cases}",
            kinks=(
                Kink(at=lambda mn, mx: mn, left=0.0, right=_open, torch="left", jax="right"),
                Kink(at=lambda mn, mx: mx, left=_open, right=0.0, torch="right", jax="left"),
            ),
        ),
        grad2=ZERO,
        # PyTorch's convention (the ends belong to the clamped pieces) here too, so that
        # f' + df/dmin_val + df/dmax_val = 1 everywhere (shifting x and both bounds shifts f).
        wrt={
            "min_val": Formula(
                lambda m: lambda x, mn, mx: m.where((x <= mn) & (x < mx), 1.0, 0.0),
                r"\begin{cases} 1 & x \le \text{min\_val} \\ 0 & x > \text{min\_val} \end{cases}",
            ),
            "max_val": Formula(
                lambda m: lambda x, mn, mx: m.where(x >= mx, 1.0, 0.0),
                r"\begin{cases} 1 & x \ge \text{max\_val} \\ 0 & x < \text{max\_val} \end{cases}",
            ),
        },
        aliases=("hardtanh",),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Hardtanh.html",
    )
)


def _nonnegative(v: float) -> str | None:
    return "must be >= 0" if v < 0 else None


def _one_if_zero(lambd: float) -> float:
    """The inner one-sided slope at +-lambd: 0, or 1 when lambd == 0 (no zero piece: f is x on both sides)."""
    return 1.0 if lambd == 0 else 0.0


# f' is 1 outside [-lambd, lambd] and 0 inside; PyTorch takes 0 at both ends, for lambd = 0 too.
_SHRINK_GRAD_KINKS = (
    Kink(at=lambda lambd: -lambd, left=1.0, right=_one_if_zero, torch=0.0, jax=0.0),
    Kink(at=lambda lambd: lambd, left=_one_if_zero, right=1.0, torch=0.0, jax=0.0),
)
_SHRINK_GRAD = Formula(
    lambda m: lambda x, lambd: m.where(m.abs(x) > lambd, 1.0, 0.0),
    r"\begin{cases} 1 & |x| > \lambda \\ 0 & |x| < \lambda \end{cases}",
    kinks=_SHRINK_GRAD_KINKS,
)
_LAMBD = Param("lambd", 0.5, r"\lambda, the half-width of the zero band (>= 0)", check=_nonnegative)

hard_shrink = activation(
    Spec(
        name="hard_shrink",
        summary="Hard shrinkage: x where |x| > lambd, else 0 (f jumps at +-lambd).",
        params=(_LAMBD,),
        f=Formula(
            lambda m: lambda x, lambd: m.where(m.abs(x) > lambd, x, 0.0),
            r"\begin{cases} x & |x| > \lambda \\ 0 & |x| \le \lambda \end{cases}",
        ),
        grad=_SHRINK_GRAD,
        grad2=ZERO,
        # f jumps at +-lambd as lambd moves; the Dirac deltas of that are not representable (as for f'').
        wrt={"lambd": Formula(lambda m: lambda x, lambd: 0.0, r"0 \quad (x \ne \pm\lambda)")},
        aliases=("hardshrink",),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Hardshrink.html",
    )
)

soft_shrink = activation(
    Spec(
        name="soft_shrink",
        summary="Soft shrinkage (soft thresholding): x - lambd above lambd, x + lambd below -lambd, else 0.",
        params=(_LAMBD,),
        f=Formula(
            lambda m: (
                lambda x, lambd: m.where(x > lambd, x - lambd, m.where(x < -lambd, x + lambd, m.copysign(0.0, x)))
            ),
            r"\begin{cases} x - \lambda & x > \lambda \\ x + \lambda & x < -\lambda \\ 0 & |x| \le \lambda"
            r"\end{cases}",
        ),
        grad=_SHRINK_GRAD,
        grad2=ZERO,
        wrt={
            "lambd": Formula(
                lambda m: lambda x, lambd: m.where(x > lambd, -1.0, m.where(x < -lambd, 1.0, 0.0)),
                r"\begin{cases} -1 & x > \lambda \\ 1 & x < -\lambda \\ 0 & |x| \le \lambda \end{cases}",
            )
        },
        aliases=("softshrink",),
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Softshrink.html",
    )
)

threshold = activation(
    Spec(
        name="threshold",
        summary="Threshold: x where x > threshold, else value (f jumps at threshold unless value == threshold).",
        params=(
            Param("threshold", None, "t, the input above which x passes through", example=1.0),
            Param("value", None, "v, the output at and below the threshold", example=0.0),
        ),
        f=Formula(
            lambda m: lambda x, t, v: m.where(x > t, x, v),
            r"\begin{cases} x & x > t \\ v & x \le t \end{cases}",
        ),
        grad=Formula(
            lambda m: lambda x, t, v: m.where(x > t, 1.0, 0.0),
            r"\begin{cases} 1 & x > t \\ 0 & x < t \end{cases}",
            kinks=(Kink(at=lambda t, v: t, left=0.0, right=1.0, torch="left", jax="left"),),
        ),
        grad2=ZERO,
        wrt={
            # f jumps at x = t as t moves (unless v == t); the Dirac delta of that is not representable.
            "threshold": Formula(lambda m: lambda x, t, v: 0.0, r"0 \quad (x \ne t)"),
            "value": Formula(
                lambda m: lambda x, t, v: m.where(x > t, 0.0, 1.0),
                r"\begin{cases} 0 & x > t \\ 1 & x \le t \end{cases}",
            ),
        },
        reference="https://pytorch.org/docs/stable/generated/torch.nn.Threshold.html",
    )
)

squared_relu = activation(
    Spec(
        name="squared_relu",
        summary="Squared ReLU: max(0, x)^2 (So et al., Primer); f' is continuous, f'' jumps at 0.",
        f=Formula(lambda m: lambda x: m.where(x > 0, x * x, 0.0), r"\max(0, x)^2"),
        grad=Formula(lambda m: lambda x: m.where(x > 0, 2.0 * x, 0.0), r"2 \max(0, x)"),
        grad2=Formula(
            lambda m: lambda x: m.where(x > 0, 2.0, 0.0),
            r"\begin{cases} 2 & x > 0 \\ 0 & x < 0 \end{cases}",
            kinks=(Kink(at=0.0, left=0.0, right=2.0, torch="left", jax="left"),),
        ),
        aliases=("relu_squared",),
        reference="https://arxiv.org/abs/2109.08668",
    )
)
