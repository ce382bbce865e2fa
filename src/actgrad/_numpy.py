"""The NumPy path: input and ``out=`` rules, dtype policy, layout handling, and the kernel call.

Dtype policy: float32 and float64 results are computed in float64 and rounded once (float32 ones by the lean kernels,
see :mod:`actgrad._lean`); float16 and bfloat16 as float32, rounded once more to their own type at the end; integers
and bools are promoted to float64. Any other dtype is a TypeError.

Layout: the kernels run over 1-D views. Inputs that are all contiguous in the same order (C or Fortran), or all 1-D
with any strides, are used in place; anything else is compacted once. ``out=`` is written directly when its dtype
and layout match and it does not partially overlap an input; otherwise the result goes through a temporary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._kernels import Kernel

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)

ACCEPTED = "float16, float32, float64, bfloat16, integer or bool"


def coerce(owner: str, x: object, role: str = "x") -> np.ndarray:
    """``x`` as an ndarray of an accepted dtype, or a TypeError naming what was passed."""
    arr = x if type(x) is np.ndarray else _asarray(owner, x, role)
    dt = arr.dtype
    if not (dt.kind in "biu" or (dt.kind == "f" and dt.itemsize <= 8) or dt.name == "bfloat16"):
        what = f"an array of dtype {dt}" if isinstance(x, np.ndarray) else f"{type(x).__name__} (dtype {dt})"
        raise TypeError(f"{owner}: {role} must be real numbers ({ACCEPTED}); got {what}")
    return arr


def _asarray(owner: str, x: object, role: str) -> np.ndarray:
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{owner}: {role} must be an array or a real number ({ACCEPTED}); got {type(x).__name__}")
    return np.asarray(x)


def dtypes(dt: np.dtype) -> tuple[np.dtype, np.dtype]:
    """(compute dtype, result dtype) for an accepted input dtype."""
    if dt is F32 or dt is F64:
        return dt, dt
    if dt.kind in "biu" or dt.itemsize == 8:
        return F64, F64
    if dt.itemsize == 4:
        return F32, F32
    return F32, dt.newbyteorder("=")  # float16, bfloat16


def result_dtype(dts: Sequence[np.dtype]) -> np.dtype:
    """The result dtype for inputs of these dtypes: their common half type if they share one, else the wider
    compute type."""
    first = dtypes(dts[0])[1]
    if all(dtypes(dt)[1] == first for dt in dts[1:]):
        return first
    return np.result_type(*(dtypes(dt)[0] for dt in dts))


def _flat_views(arrays: Sequence[np.ndarray]) -> list[np.ndarray] | None:
    """1-D views that enumerate the arrays' elements in the same order, or None when no such views exist."""
    ndim = max(a.ndim for a in arrays)
    if ndim <= 1 or all(a.flags.c_contiguous for a in arrays):
        return [a.reshape(-1) for a in arrays]
    if all(a.flags.f_contiguous for a in arrays):
        return [a.ravel(order="F") for a in arrays]
    return None


def _check_out(owner: str, out: object, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{owner}: out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"{owner}: out has shape {out.shape}, the result has shape {shape}")
    if not np.can_cast(dtype, out.dtype, casting="safe"):
        raise TypeError(f"{owner}: cannot store the {dtype} result in out of dtype {out.dtype} safely")
    if not out.flags.writeable:
        raise ValueError(f"{owner}: out is read-only")
    return out


def _writes_directly(out: np.ndarray, inputs: Sequence[np.ndarray], compute: np.dtype) -> bool:
    if out.dtype != compute or _flat_views([*inputs, out]) is None:
        return False
    # Writing element i after reading element i is safe only when out and an input coincide exactly.
    return all(
        not np.may_share_memory(out, a)
        or (a.__array_interface__["data"][0] == out.__array_interface__["data"][0] and a.strides == out.strides)
        for a in inputs
    )


def _outs(owner: str, out: object, n: int, shape: tuple[int, ...], dtype: np.dtype) -> list[np.ndarray | None]:
    if out is None:
        return [None] * n
    if n == 1:
        return [_check_out(owner, out, shape, dtype)]
    if not isinstance(out, tuple) or len(out) != n:
        raise TypeError(f"{owner}: out must be a tuple of {n} numpy arrays")
    return [_check_out(owner, o, shape, dtype) for o in out]


def plain(a: np.ndarray) -> bool:
    """A native float32/float64 array in C order with at least one dimension: the kernels take it as it is."""
    return (a.dtype is F32 or a.dtype is F64) and a.flags.c_contiguous and a.ndim > 0


def like(a: object, x: np.ndarray) -> bool:
    """``a`` is an ndarray of ``x``'s dtype and shape in C order: it runs beside a plain ``x`` as it is."""
    return type(a) is np.ndarray and a.dtype is x.dtype and a.shape == x.shape and a.flags.c_contiguous


def apart(out: np.ndarray, inputs: tuple[np.ndarray, ...]) -> bool:
    """``out`` is each input or shares no memory with it (so a kernel may write it while reading them). Two arrays
    that are nobody's views (``base`` None: each owns its memory) are apart without asking NumPy."""
    for a in inputs:  # a loop: all() of a generator costs more on the short path
        if a is not out and (out.base is not None or a.base is not None) and np.may_share_memory(out, a):
            return False
    return True


def run(
    owner: str,
    kernel: Kernel,
    inputs: Sequence[np.ndarray],
    n_out: int,
    out: object,
    args: tuple[Any, ...],
) -> Any:
    """Run ``kernel(*inputs, *outputs, *args)`` with the dtype, layout and ``out=`` rules of this module.

    ``inputs`` are coerced arrays; several are broadcast together. Returns one result, or a tuple of ``n_out``.
    """
    x = inputs[-1]
    if out is None and plain(x) and all(like(a, x) for a in inputs):
        # The common case, kept short: native float arrays in C order, nothing to convert.
        targets = [np.empty_like(x) for _ in range(n_out)]
        kernel.run(x.size, *[a.reshape(-1) for a in inputs], *[t.reshape(-1) for t in targets], *args)
        return targets[0] if n_out == 1 else tuple(targets)
    result = result_dtype([a.dtype for a in inputs])
    if len(inputs) > 1 and len({a.shape for a in inputs}) > 1:
        shape = np.broadcast_shapes(*(a.shape for a in inputs))
        inputs = [np.ascontiguousarray(np.broadcast_to(a, shape)) for a in inputs]
    shape = inputs[0].shape
    outs = _outs(owner, out, n_out, shape, result)

    prepared = [a.astype(dtypes(a.dtype)[0], copy=False) for a in inputs]
    compute = prepared[0].dtype if len(prepared) == 1 else np.result_type(*prepared)
    flat = _flat_views(prepared)
    if flat is None:
        prepared = [np.ascontiguousarray(a) for a in prepared]
        flat = [a.reshape(-1) for a in prepared]
    targets = [
        o if o is not None and _writes_directly(o, prepared, compute) else np.empty_like(prepared[-1], compute)
        for o in outs
    ]
    size = prepared[0].size
    if size:
        kernel.run(size, *flat, *[t.reshape(-1, order="A") for t in targets], *args)

    results = [_finish(o, t, result) for o, t in zip(outs, targets, strict=True)]
    return results[0] if n_out == 1 else tuple(results)


def finish(owner: str, inputs: Sequence[np.ndarray], values: Sequence[np.ndarray], out: object) -> Any:
    """Results computed elsewhere (in float64), returned by this module's dtype and ``out=`` rules."""
    result = result_dtype([a.dtype for a in inputs])
    outs = _outs(owner, out, len(values), values[0].shape, result)
    results = [_finish(o, np.asarray(v), result) for o, v in zip(outs, values, strict=True)]
    return results[0] if len(results) == 1 else tuple(results)


def _finish(out: np.ndarray | None, target: np.ndarray, result: np.dtype) -> Any:
    """The value to return for one output: ``out`` filled from ``target``, or ``target`` in the result dtype."""
    if out is target:
        return out
    if target.dtype != result:
        with np.errstate(all="ignore"):  # rounding to a half type may overflow to inf: that is the right answer
            if out is None:
                target = target.astype(result)
            else:
                np.copyto(out, target, casting="unsafe")
    elif out is not None:
        np.copyto(out, target, casting="unsafe")
    if out is not None:
        return out
    return target[()] if target.ndim == 0 else target
