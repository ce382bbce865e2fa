"""The one place that decides how a call is evaluated: NumPy kernels or the array-API path."""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

from . import _kernels, _numpy, _xp
from ._registry import Formula, kink_args


def namespace(*arrays: object) -> Any | None:
    """``None`` when the NumPy kernels apply (ndarrays, scalars, lists), else the arrays' array-API namespace.

    Mixing NumPy with another array library is a TypeError (from array-api-compat, naming the namespaces).
    """
    if all(type(a) is np.ndarray for a in arrays):
        return None
    objs = [a for a in arrays if array_api_compat.is_array_api_obj(a)]
    if all(array_api_compat.is_numpy_array(a) for a in objs):
        return None
    return array_api_compat.array_namespace(*objs)


def _no_out(owner: str, out: object) -> None:
    if out is not None:
        raise TypeError(f"{owner}: out= is supported for NumPy arrays only")


def unary(owner: str, formula: Formula, x: Any, params: tuple[float, ...], convention: str, out: Any) -> Any:
    """``formula(x)``."""
    kpos, kval = kink_args(formula, params, convention)
    xp = namespace(x)
    if xp is None:
        return _numpy.run(owner, _kernels.unary(formula), [_numpy.coerce(owner, x)], 1, out, (params, kpos, kval))
    _no_out(owner, out)
    result = _xp.result_dtype(owner, xp, x)
    return xp.astype(_xp.evaluate(owner, xp, formula, x, params, convention), result, copy=False)


def backward(owner: str, formula: Formula, g: Any, x: Any, params: tuple[float, ...], convention: str, out: Any) -> Any:
    """``g * formula(x)`` in one pass."""
    kpos, kval = kink_args(formula, params, convention)
    xp = namespace(g, x)
    if xp is None:
        inputs = [_numpy.coerce(owner, g, "g"), _numpy.coerce(owner, x)]
        return _numpy.run(owner, _kernels.backward(formula), inputs, 1, out, (params, kpos, kval))
    _no_out(owner, out)
    g = xp.asarray(g) if not array_api_compat.is_array_api_obj(g) else g
    result = _xp.result_dtype(owner, xp, g, x)
    g = xp.astype(g, _xp.compute_dtype(owner, xp, g, "g"), copy=False)
    return xp.astype(g * _xp.evaluate(owner, xp, formula, x, params, convention), result, copy=False)


def pair(
    owner: str, first: Formula, second: Formula, x: Any, params: tuple[float, ...], convention: str, out: Any
) -> tuple[Any, Any]:
    """``(first(x), second(x))`` in one pass."""
    args = (params, *kink_args(first, params, convention), *kink_args(second, params, convention))
    xp = namespace(x)
    if xp is None:
        return _numpy.run(owner, _kernels.pair(first, second), [_numpy.coerce(owner, x)], 2, out, args)  # type: ignore[no-any-return]
    _no_out(owner, out)
    result = _xp.result_dtype(owner, xp, x)
    return (
        xp.astype(_xp.evaluate(owner, xp, first, x, params, convention), result, copy=False),
        xp.astype(_xp.evaluate(owner, xp, second, x, params, convention), result, copy=False),
    )
