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

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from ._exp import exp as exp  # the namespace's exp: vectorizable, within 0.503 ulp

#: A scalar namespace, compiled by numba (array namespaces lack the attribute).
COMPILED = True
#: Kits carry double-double corrections: results are float64.
COMPENSATED = True


#: How kits compile their helpers in this namespace: numba, inlined by LLVM (so that loops vectorize), with numpy's
#: error model (division checks would keep them from vectorizing), and no contraction of a * b + c into an fma,
#: which would break the error-free transformations.
helper = njit(forceinline=True, error_model="numpy")


def compiled(m: object) -> bool:
    """Whether ``m`` is a scalar namespace compiled into the kernels (this module or :mod:`actgrad._lean`), rather
    than an array namespace evaluated as it stands."""
    return getattr(m, "COMPILED", False) is True


def lean(m: object) -> bool:
    """Whether ``m`` is :mod:`actgrad._lean` (float32 results: kits drop their double-double corrections)."""
    return getattr(m, "COMPENSATED", True) is False


def jit_for(m: Any) -> Callable[[Any], Any]:
    """How a kit compiles a helper for namespace ``m``: ``m.helper`` in the scalar namespaces, not at all (the
    function as it stands) for array namespaces."""
    return m.helper if compiled(m) else _as_it_stands


def _as_it_stands(fn: Any) -> Any:
    return fn


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


@intrinsic
def fma64(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """a * b + c rounded once (LLVM's ``fma``: one instruction on CPUs with FMA, and it vectorizes), for float64
    arguments; quicker to type than :func:`fma`, which converts its arguments first (kits' polynomials use it)."""
    if not all(t == types.float64 for t in (a, b, c)):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        double = ir.DoubleType()
        fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(double, [double] * 3), "llvm.fma.f64")
        return builder.call(fma, args)

    return types.float64(types.float64, types.float64, types.float64), codegen


@njit(forceinline=True, error_model="numpy")
def fma(a, b, c):  # type: ignore[no-untyped-def]
    """a * b + c rounded once."""
    return fma64(np.float64(a), np.float64(b), np.float64(c))


@njit(forceinline=True, error_model="numpy")
def two_prod(a, b):  # type: ignore[no-untyped-def]
    """(p, e) with a * b = p + e exactly (p the rounded product; e exact while it does not underflow)."""
    a, b = np.float64(a), np.float64(b)
    p = a * b
    return p, fma64(a, b, -p)


@njit(forceinline=True, error_model="numpy")
def two_sum(a, b):  # type: ignore[no-untyped-def]
    """(s, e) with a + b = s + e exactly."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit(forceinline=True, error_model="numpy")
def fast_two_sum(a, b):  # type: ignore[no-untyped-def]
    """(s, e) with a + b = s + e exactly when |a| >= |b| (or a == 0): also normalizes a double-double."""
    s = a + b
    return s, b - (s - a)


@njit(forceinline=True, error_model="numpy")
def div_dd(nh, nl, dh, dl):  # type: ignore[no-untyped-def]
    """(nh + nl) / (dh + dl) as a normalized double-double (up to a tiny second-order term); |nl| << |nh|,
    |dl| << |dh|."""
    q = nh / dh
    p, pe = two_prod(q, dh)
    return fast_two_sum(q, ((((nh - p) - pe) + nl) - q * dl) / dh)


@njit(inline="always")
def widen(x):  # type: ignore[no-untyped-def]
    """``x`` as float64 (kernels compute in float64 and round once at the end). Not ``float(x)``: numba types
    that as the argument's own type, so a float32 kernel would compute in float32."""
    return np.float64(x)


@intrinsic
def where(typingctx, cond, a, b):  # type: ignore[no-untyped-def]
    """``a`` where ``cond`` holds, else ``b``: LLVM's ``select`` (no branch, so loops around it vectorize), of the two
    sides' common type. An intrinsic rather than ``a if cond else b``, which numba would type and lower as control
    flow at every one of the hundreds of uses in a kernel (a third of a cold start's compile time)."""
    common = typingctx.unify_types(a, b)
    if common is None or not isinstance(cond, types.Boolean):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        c, x, y = args
        x = context.cast(builder, x, signature.args[1], common)
        y = context.cast(builder, y, signature.args[2], common)
        return builder.select(c, x, y)

    return common(cond, a, b), codegen


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
