"""The one place that decides how a call is evaluated: NumPy kernels, Dask, xarray, or the array-API path.

- NumPy inputs (ndarrays, scalars, lists) run the compiled kernels.
- Dask arrays stay lazy: each chunk is computed by the NumPy kernels (``map_blocks``), so results equal the NumPy
  path bit for bit; chunks are kept.
- xarray DataArrays come back as DataArrays with their dims and coords (``xarray.apply_ufunc``; Dask-backed ones
  stay lazy).
- PyTorch CPU tensors that need no autograd graph and concrete JAX arrays on the CPU, of float32 or float64, run the
  NumPy kernels on a zero-copy view and come back as the same kind of array: the kernels' values (bit for bit the
  NumPy path's), hundreds of times faster than the formulas evaluated op by op.
- Other array libraries (PyTorch on GPUs or recording autograd, JAX under ``jax.jit``, CuPy, array_api_strict)
  evaluate the same formulas with their own namespace.
- NumPy and Dask inputs with a per-channel array parameter (PReLU's weight) take the array-API path too (NumPy or
  Dask as the namespace), keeping the NumPy path's dtype and ``out=`` rules.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Sequence
from typing import Any

import array_api_compat
import numpy as np

from . import _kernels, _numpy, _xp
from ._kernels import Kernel
from ._registry import Formula, check_convention


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


def unary(owner: str, formula: Formula, x: Any, params: tuple[Any, ...], convention: str, out: Any) -> Any:
    """``formula(x)``."""
    return _evaluate(owner, _kernels.unary(formula, len(params)), [formula], [x], params, convention, out)


def backward(owner: str, formula: Formula, g: Any, x: Any, params: tuple[Any, ...], convention: str, out: Any) -> Any:
    """``g * formula(x)`` in one pass (g and x broadcast together)."""
    return _evaluate(owner, _kernels.backward(formula, len(params)), [formula], [g, x], params, convention, out)


def pair(
    owner: str, first: Formula, second: Formula, x: Any, params: tuple[Any, ...], convention: str, out: Any
) -> tuple[Any, Any]:
    """``(first(x), second(x))`` in one pass."""
    kernel = _kernels.pair(first, second, len(params))
    return _evaluate(owner, kernel, [first, second], [x], params, convention, out)  # type: ignore[no-any-return]


def _evaluate(
    owner: str,
    kernel: Kernel,
    formulas: Sequence[Formula],
    inputs: Sequence[Any],
    params: tuple[Any, ...],
    convention: str,
    out: Any,
) -> Any:
    """Each formula at the last input (times the first input, ``g``, when there are two), on the right path."""
    roles = ["g", "x"][-len(inputs) :]
    if any(_is_dataarray(a) for a in inputs):
        return _xarray(owner, kernel, formulas, inputs, params, convention, out)
    scalar_params = all(isinstance(p, float) for p in params)  # the kernels' (per-channel arrays: array-API path)
    if scalar_params and any(array_api_compat.is_dask_array(a) for a in inputs):
        return _dask(owner, kernel, formulas, inputs, params, convention, out)
    xp = namespace(*inputs)
    if xp is None:
        arrays = [_numpy.coerce(owner, a, role) for a, role in zip(inputs, roles, strict=True)]
        if scalar_params:
            return _numpy.run(owner, kernel, arrays, len(formulas), out, kernel_args(formulas, params, convention))
        # per-channel parameters: NumPy as an array-API namespace, imported here: its `from numpy import *` imports
        # every NumPy submodule (f2py, testing, ma: a fifth of `import actgrad`)
        import array_api_compat.numpy as np_namespace

        wide = [a.astype(np.float64) for a in arrays]
        values = _xp_values(owner, np_namespace, formulas, wide, params, convention)
        return _numpy.finish(owner, arrays, values, out)
    if out is not None:
        raise TypeError(f"{owner}: out= is supported for NumPy arrays only")
    if scalar_params and (back := _cpu_views(inputs)) is not None:
        views, wrap = back
        values = _numpy.run(owner, kernel, views, len(formulas), None, kernel_args(formulas, params, convention))
        return wrap(values) if len(formulas) == 1 else tuple(wrap(v) for v in values)
    inputs = [a if array_api_compat.is_array_api_obj(a) else xp.asarray(a) for a in inputs]
    result = _xp.result_dtype(owner, xp, *inputs)
    values = [xp.astype(v, result, copy=False) for v in _xp_values(owner, xp, formulas, inputs, params, convention)]
    return values[0] if len(values) == 1 else tuple(values)


def _cpu_views(inputs: Sequence[Any]) -> tuple[list[np.ndarray], Any] | None:
    """Zero-copy NumPy views of PyTorch CPU tensors without autograd (``requires_grad`` False) or of concrete JAX
    CPU arrays, all float32 or all float64, and the function that turns a result back into that kind of array;
    None for anything else (other devices, tracers under ``jax.jit``, other dtypes, mixed inputs)."""
    first = inputs[0]
    if array_api_compat.is_torch_array(first):
        import torch

        if not all(
            isinstance(a, torch.Tensor)
            and a.device.type == "cpu"
            and not a.requires_grad
            and a.dtype in (torch.float32, torch.float64)
            and a.dtype == first.dtype
            and not a.is_neg()
            for a in inputs
        ):
            return None
        return [a.numpy() for a in inputs], lambda v: torch.from_numpy(np.asarray(v))  # 0-d results are scalars
    if array_api_compat.is_jax_array(first):
        import jax
        import jax.numpy as jnp

        if not all(
            isinstance(a, jax.Array)
            and not isinstance(a, jax.core.Tracer)
            and a.dtype in (jnp.float32, jnp.float64)
            and a.dtype == first.dtype
            and all(d.platform == "cpu" for d in a.devices())
            for a in inputs
        ):
            return None
        device = next(iter(first.devices()))
        return [np.asarray(a) for a in inputs], lambda v: jax.device_put(v, device)  # a copy: JAX arrays own theirs
    return None


def kernel_args(formulas: Sequence[Formula], params: tuple[float, ...], convention: str) -> tuple[Any, ...]:
    """A kernel's arguments after its arrays: its constants (the parameters, each formula's kinks under
    ``convention``) in one array."""
    signs = tuple(math.copysign(1.0, p) for p in params)  # the memo's key: -0.0 == 0.0, but a value -0.0 is -0.0
    return (_constants(tuple(formulas), params, signs, check_convention(convention)),)


@functools.lru_cache(maxsize=1024)
def _constants(
    formulas: tuple[Formula, ...], params: tuple[float, ...], signs: tuple[float, ...], convention: str
) -> np.ndarray:
    return _kernels.constants(formulas, params, convention)


def _xp_values(
    owner: str, xp: Any, formulas: Sequence[Formula], inputs: Sequence[Any], params: tuple[Any, ...], convention: str
) -> list[Any]:
    *g, x = inputs
    values = [_xp.evaluate(owner, xp, f, x, params, convention) for f in formulas]
    if g:
        return [xp.astype(g[0], _xp.compute_dtype(owner, xp, g[0], "g"), copy=False) * v for v in values]
    return values


def _is_dataarray(a: object) -> bool:
    xr = sys.modules.get("xarray")
    return xr is not None and isinstance(a, xr.DataArray)


def _dask(
    owner: str,
    kernel: Kernel,
    formulas: Sequence[Formula],
    inputs: Sequence[Any],
    params: tuple[Any, ...],
    convention: str,
    out: Any,
) -> Any:
    """Lazy Dask arrays, chunk by chunk through the NumPy kernels (one ``map_blocks`` per output)."""
    import dask.array as da

    if out is not None:
        raise TypeError(f"{owner}: out= is supported for NumPy arrays only")
    arrays = [a if array_api_compat.is_dask_array(a) else da.asarray(_numpy.coerce(owner, a)) for a in inputs]
    for a, role in zip(arrays, ["g", "x"][-len(arrays) :], strict=True):
        _numpy.coerce(owner, np.empty(0, a.dtype), role)  # the TypeError for a bad dtype, before anything runs
    result = _numpy.result_dtype([a.dtype for a in arrays])

    def block(i: int) -> Any:
        def compute(*chunks: np.ndarray) -> Any:
            values = _evaluate(owner, kernel, formulas, chunks, params, convention, None)
            return values[i] if len(formulas) > 1 else values

        return da.map_blocks(compute, *arrays, dtype=result, meta=np.empty((0,) * arrays[-1].ndim, result))

    values = [block(i) for i in range(len(formulas))]
    return values[0] if len(values) == 1 else tuple(values)


def _xarray(
    owner: str,
    kernel: Kernel,
    formulas: Sequence[Formula],
    inputs: Sequence[Any],
    params: tuple[Any, ...],
    convention: str,
    out: Any,
) -> Any:
    """DataArrays in, DataArrays out: aligned and broadcast by xarray, data computed by the other paths."""
    import xarray as xr

    if out is not None:
        raise TypeError(f"{owner}: out= is supported for NumPy arrays only")

    def compute(*data: Any) -> Any:
        return _evaluate(owner, kernel, formulas, data, params, convention, None)

    n = len(formulas)
    results = xr.apply_ufunc(compute, *inputs, dask="allowed", keep_attrs=True, output_core_dims=[[]] * n)
    x = inputs[-1]
    if not _is_dataarray(x):
        return results
    # x's dims first, in x's order (g may have brought others, or put its own first)
    order = (*x.dims, ...)
    return results.transpose(*order) if n == 1 else tuple(r.transpose(*order) for r in results)
