"""The scalar math namespace that formulas are compiled against (numba).

Every function here is branch-free from LLVM's point of view (``a if c else b`` compiles to a select), so
kernels built from formulas vectorize. The array-API adapter in :mod:`actgrad._xp` offers the same names.
"""

from __future__ import annotations

from numba import njit
from numba.extending import overload


@njit(inline="always")
def where(cond, a, b):  # type: ignore[no-untyped-def]
    """``a`` where ``cond`` holds, else ``b`` (a select, not a branch)."""
    return a if cond else b


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
