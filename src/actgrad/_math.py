"""The scalar math namespace that formulas are compiled against (numba).

Formulas may use exactly these names (the array-API adapter in :mod:`actgrad._xp` offers the same ones):
``where``, ``exp``, ``expm1``, ``log``, ``log1p``, ``tanh``, ``erf``, ``erfc``, ``sqrt``, ``abs``, ``copysign``,
and arithmetic. ``where`` is a select (``a if c else b``), never a branch, so kernels built from formulas vectorize;
keep the untaken side finite (an inner ``where``) so that it raises nothing and produces no NaN. Kits may use
``fma`` where they check for a scalar namespace (:func:`compiled`).

``exp`` is our own (:mod:`actgrad._exp`: plain arithmetic that vectorizes, within 0.503 ulp); the other elementary
functions are the C library's, correctly rounded or within 1 ulp. Kernels evaluate formulas in float64 and round
once to the input's type.

The error-free transformations of double-double arithmetic (``two_sum``, ``fast_two_sum``, ``two_prod``, ``div_dd``)
are here too, for the functions' kits. This namespace serves kernels with float64 results; kernels with float32
results use :mod:`actgrad._lean`, whose transformations are plain float64 arithmetic (``COMPENSATED`` is False there).
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from ._exp import exp as exp  # the namespace's exp: vectorizable, within 0.503 ulp
from ._exp import select as where  # noqa: F401 -- the namespace's where: LLVM's select

#: A scalar namespace, compiled by numba (array namespaces lack the attribute).
COMPILED = True
#: Kits carry double-double corrections: results are float64.
COMPENSATED = True


#: How formulas compile in this namespace (and with them the kits' helpers, which numba inlines into them: see
#: :func:`jit_for`): numba, inlined by LLVM into the kernels' loops (so that loops vectorize), with numpy's error
#: model (division checks would keep them from vectorizing), and no contraction of a * b + c into an fma, which would
#: break the error-free transformations.
helper = njit(forceinline=True, error_model="numpy")


def compiled(m: object) -> bool:
    """Whether ``m`` is a scalar namespace compiled into the kernels (this module or :mod:`actgrad._lean`), rather
    than an array namespace evaluated as it stands."""
    return getattr(m, "COMPILED", False) is True


def lean(m: object) -> bool:
    """Whether ``m`` is :mod:`actgrad._lean` (float32 results: kits drop their double-double corrections)."""
    return getattr(m, "COMPENSATED", True) is False


#: Inlined by numba into the caller before typing, so that a function and the helpers under it compile as one
#: (each function numba compiles costs 0.05-0.1 s of a cold start: gelu's float32 f' kernel 0.97 -> 0.66 s with the
#: kits' helpers inlined). Inlined code takes its caller's flags. How kits compile the helpers under a formula in the
#: scalar namespaces (the formula's flags are its namespace's ``helper``'s), and float64 pair helpers
#: (actgrad._pairs.helper_for).
inlined = njit(inline="always", error_model="numpy")


def jit_for(m: Any) -> Callable[[Any], Any]:
    """How a kit compiles a helper for namespace ``m``: inlined into its caller in the scalar namespaces (with the
    caller's flags, which are the namespace's), not at all (the function as it stands) for array namespaces."""
    return inlined if compiled(m) else _as_it_stands


def _as_it_stands(fn: Any) -> Any:
    return fn


def scaled_reciprocal(m: Any) -> Callable[[Any], Any]:
    """``b -> (inv, back)`` with 1/b = inv * back for a parameter b != 0 of namespace ``m``: inv = 2^-64 / b and
    back = 2^64 where |b| < 1, else 2^64 / b and 2^-64, so that inv is normal for every finite b (1/b itself
    overflows for a subnormal b, or is subnormal for a huge one). Kernels multiply by inv and back instead of dividing
    by b per element: b is the same for every element, so LLVM computes inv once, out of the loop."""

    def rec(b):  # type: ignore[no-untyped-def]
        small = builtins.abs(b) < 1.0  # b may be a Python float on the array path
        return m.where(small, 2.0**-64, 2.0**64) / b, m.where(small, 2.0**64, 2.0**-64)

    return jit_for(m)(rec)


@njit(inline="always")
def expm1(x):  # type: ignore[no-untyped-def]
    return math.expm1(x)


@njit(inline="always")
def log(x):  # type: ignore[no-untyped-def]
    return math.log(x)


@njit(inline="always")
def log1p(x):  # type: ignore[no-untyped-def]
    return math.log1p(x)


@njit(inline="always")
def tanh(x):  # type: ignore[no-untyped-def]
    return math.tanh(x)


@njit(inline="always")
def erf(x):  # type: ignore[no-untyped-def]
    return math.erf(x)


@njit(inline="always")
def erfc(x):  # type: ignore[no-untyped-def]
    return math.erfc(x)


@njit(inline="always")
def sqrt(x):  # type: ignore[no-untyped-def]
    return math.sqrt(x)


@njit(inline="always")
def abs(x):  # type: ignore[no-untyped-def]
    return math.fabs(x)


@njit(inline="always")
def copysign(x, y):  # type: ignore[no-untyped-def]
    return math.copysign(x, y)


def _float64_intrinsic(name: str, n_in: int, n_out: int, build: Callable[..., list[Any]]) -> Any:
    """An intrinsic of ``n_in`` real arguments (cast to float64) returning ``n_out`` float64s (a tuple if several):
    ``build(builder, fma, *args)`` emits them with LLVM's IR builder. Numba types an intrinsic call at once, where a
    jitted helper costs a compile of its own (~45 ms of a cold start each) and is then inlined all the same."""
    out = types.float64 if n_out == 1 else types.UniTuple(types.float64, n_out)

    def typed(*args):  # type: ignore[no-untyped-def]
        if not all(isinstance(t, (types.Float, types.Integer)) for t in args):
            return None

        def codegen(context, builder, signature, values):  # type: ignore[no-untyped-def]
            double = ir.DoubleType()
            fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(double, [double] * 3), "llvm.fma.f64")
            cast = [context.cast(builder, v, t, types.float64) for v, t in zip(values, signature.args, strict=True)]
            results = build(builder, lambda a, b, c: builder.call(fma, [a, b, c]), *cast)
            return results[0] if n_out == 1 else context.make_tuple(builder, out, results)

        return out(*args), codegen

    # numba reads an intrinsic's parameters from its signature: spelled out, not *args
    names = ", ".join("abc"[:n_in])
    scope = {"typed": typed}
    exec(f"def {name}(typingctx, {names}):\n    return typed({names})\n", scope)
    return intrinsic(scope[name])


def _fma(builder: Any, fma: Any, a: Any, b: Any, c: Any) -> list[Any]:
    return [fma(a, b, c)]


def _two_prod(builder: Any, fma: Any, a: Any, b: Any) -> list[Any]:
    p = builder.fmul(a, b)
    return [p, fma(a, b, builder.fneg(p))]


def _two_sum(builder: Any, fma: Any, a: Any, b: Any) -> list[Any]:
    s = builder.fadd(a, b)
    bb = builder.fsub(s, a)
    return [s, builder.fadd(builder.fsub(a, builder.fsub(s, bb)), builder.fsub(b, bb))]


def _fast_two_sum(builder: Any, fma: Any, a: Any, b: Any) -> list[Any]:
    s = builder.fadd(a, b)
    return [s, builder.fsub(b, builder.fsub(s, a))]


#: a * b + c rounded once (LLVM's ``fma``: one instruction on CPUs with FMA, and it vectorizes).
fma = _float64_intrinsic("fma", 3, 1, _fma)
#: (p, e) with a * b = p + e exactly (p the rounded product; e exact while it does not underflow).
two_prod = _float64_intrinsic("two_prod", 2, 2, _two_prod)
#: (s, e) with a + b = s + e exactly.
two_sum = _float64_intrinsic("two_sum", 2, 2, _two_sum)
#: (s, e) with a + b = s + e exactly when |a| >= |b| (or a == 0): also normalizes a double-double.
fast_two_sum = _float64_intrinsic("fast_two_sum", 2, 2, _fast_two_sum)


@njit(forceinline=True, error_model="numpy")
def div_dd(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
    """(nh + nl) / (dh + dl) as a normalized double-double (up to a tiny second-order term); |nl| << |nh|,
    |dl| << |dh|, and 1/dh finite (|dh| >= 2^-1024). One division, for the reciprocal r = 1/dh: q = nh r is within
    an ulp (not half of one), and the residual nh - q dh (exact: an fma) times r corrects it. A division does not
    pipeline (on AVX-512 one per 2 cycles and element), so a second one for the residual cost more than the
    multiplications that replace it (softplus 6.6 -> 5.5 ns per element, tanh and silu 8% less)."""
    r = 1.0 / dh
    q = nh * r
    p, pe = two_prod(q, dh)
    return fast_two_sum(q, ((((nh - p) - pe) + nl) - q * dl) * r)


@njit(inline="always")
def widen(x):  # type: ignore[no-untyped-def]
    """``x`` as float64 (kernels compute in float64 and round once at the end). Not ``float(x)``: numba types
    that as the argument's own type, so a float32 kernel would compute in float32."""
    return np.float64(x)


def _astype_like_impl(value, like):  # type: ignore[no-untyped-def]
    return value


@overload(_astype_like_impl, inline="always")
def _astype_like_typed(value, like):  # type: ignore[no-untyped-def]
    to = like

    def impl(value, like):  # type: ignore[no-untyped-def]
        return to(value)

    return impl


@njit(inline="always")
def astype_like(value, like):  # type: ignore[no-untyped-def]
    """``value`` rounded to the type of ``like`` (so float32 kernels round once, at the end)."""
    return _astype_like_impl(value, like)
