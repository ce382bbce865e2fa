"""Elementary functions for user-defined activations (:func:`actgrad.define`).

Each function works in three places: inside actgrad's compiled NumPy kernels (numba compiles it to the C library's
function), on arrays of any library (NumPy, PyTorch, JAX, CuPy: the array's own function), and on Python numbers.
So one formula written with them, e.g. ``lambda x: x * ag.math.tanh(ag.math.log1p(ag.math.exp(x)))``, serves
every backend.

``where(cond, a, b)`` is a select, not a branch: both sides are evaluated, so keep the untaken one finite.
"""

from __future__ import annotations

import functools
import math as _m
import numbers
from collections.abc import Callable
from typing import Any

import array_api_compat
import numpy as np
from numba.extending import overload

from . import _xp

__all__ = ["abs", "copysign", "erf", "erfc", "exp", "expm1", "log", "log1p", "sqrt", "tanh", "where"]


@functools.cache
def _numpy_special(name: str) -> Callable[[Any], Any]:
    """erf/erfc for NumPy arrays (NumPy has neither): the C library's, as a compiled ufunc."""
    from numba import vectorize

    libm = getattr(_m, name)
    return vectorize(["float32(float32)", "float64(float64)"])(lambda v: libm(v))  # type: ignore[no-any-return]


def _apply(name: str, x: Any) -> Any:
    if isinstance(x, numbers.Real):
        return getattr(_m, "fabs" if name == "abs" else name)(float(x))
    xp = array_api_compat.array_namespace(x)
    if name in ("erf", "erfc"):
        if array_api_compat.is_numpy_namespace(xp):
            return _numpy_special(name)(x)
        return _xp._special(xp, name)(x)
    return getattr(xp, name)(x)


def _scalar_overload(name: str) -> Callable[[Any], Any]:
    """The public function ``name`` with a numba overload that compiles it to ``math.<name>``."""
    libm = getattr(_m, "fabs" if name == "abs" else name)

    def public(x: Any) -> Any:
        return _apply(name, x)

    public.__name__ = public.__qualname__ = name
    public.__doc__ = f"``{name}(x)`` elementwise, on numbers, on any array library, and inside compiled kernels."

    @overload(public, inline="always")
    def _compiled(x):  # type: ignore[no-untyped-def]  # (numba compares this signature: no annotations)
        return lambda x: libm(x)

    return public


exp = _scalar_overload("exp")
expm1 = _scalar_overload("expm1")
log = _scalar_overload("log")
log1p = _scalar_overload("log1p")
tanh = _scalar_overload("tanh")
erf = _scalar_overload("erf")
erfc = _scalar_overload("erfc")
sqrt = _scalar_overload("sqrt")
abs = _scalar_overload("abs")


def copysign(x: Any, y: Any) -> Any:
    """``|x|`` with the sign of ``y``, elementwise."""
    if isinstance(x, numbers.Real) and isinstance(y, numbers.Real):
        return _m.copysign(float(x), float(y))
    arrays = [a for a in (x, y) if not isinstance(a, numbers.Real)]
    ns = _xp.Namespace(array_api_compat.array_namespace(*arrays), arrays[0])
    return ns.copysign(ns.lift(x), ns.lift(y))


@overload(copysign, inline="always")
def _copysign_compiled(x, y):  # type: ignore[no-untyped-def]
    return lambda x, y: _m.copysign(x, y)


def where(cond: Any, a: Any, b: Any) -> Any:
    """``a`` where ``cond`` holds, else ``b`` (both evaluated; numbers are lifted to the arrays' dtype)."""
    if isinstance(cond, (bool, np.bool_)):
        return a if cond else b
    like = next((v for v in (a, b) if not isinstance(v, numbers.Real)), None)
    xp = array_api_compat.array_namespace(cond)
    if like is None:
        like = xp.zeros(cond.shape)
    return _xp.Namespace(xp, like).where(cond, a, b)


@overload(where, inline="always")
def _where_compiled(cond, a, b):  # type: ignore[no-untyped-def]
    return lambda cond, a, b: a if cond else b
