"""NumPy kernels built from formulas with numba.

Each :class:`~actgrad._registry.Formula` compiles to a scalar function (formula + kink values + NaN guard, rounded
once to the input's type); three loop templates (unary, fused backward, fused value-and-grad) wrap scalar functions
into a serial and a parallel kernel. Nothing compiles at import: a kernel is built on first use, numba specializes
it per dtype and layout, and the machine code is cached on disk for the next process (:mod:`actgrad._cache`).

Concurrency: numba's parallel backends may not be entered by two threads at once (the workqueue layer aborts the
process). The parallel kernels run under a lock taken without blocking; a caller that finds it held runs the serial
kernel instead, so concurrent callers never wait on each other and never crash, whatever the threading layer.

Fork: GNU OpenMP (numba's "omp" layer, the one picked here) does not survive ``fork()`` once its threads exist.
A child forked after this process ran a parallel kernel therefore runs serial kernels only: correct, never hung.
Children started by ``spawn``/``forkserver``, and Dask workers, start fresh and use the parallel kernels.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from typing import Any

from numba import njit, prange

from . import _cache, _math
from ._registry import Formula

#: Below this many elements the serial kernel is faster than the parallel one (thread wake-up costs ~2 us).
#: Measured on the 2-core reference machine: serial wins at 1e4 elements, parallel at 3e4.
PARALLEL_MIN_SIZE = 20_000

_parallel_lock = threading.Lock()
#: Whether this process may run parallel kernels, and whether it has (the threading layer then holds threads).
_parallel_allowed = True
_parallel_started = False


def _after_fork_in_child() -> None:
    global _parallel_allowed, _parallel_lock
    _parallel_lock = threading.Lock()  # a lock held by another thread at fork time would never be released
    if _parallel_started:
        _parallel_allowed = False


os.register_at_fork(after_in_child=_after_fork_in_child)

_NJIT_OPTIONS: dict[str, Any] = {"error_model": "numpy", "nogil": True}


@functools.cache
def scalar(formula: Formula) -> Callable[..., Any]:
    """The compiled scalar function ``s(x, params, kink_positions, kink_values)`` of one formula."""
    if formula.expr is None:
        raise NotImplementedError("this derivative was not defined (actgrad.define(..., grad2=...) defines f'')")
    # Inlined into the loops by LLVM (forceinline), so that they vectorize; with numpy's error model, as division
    # checks would keep them from vectorizing.
    core = njit(forceinline=True, **_NJIT_OPTIONS)(formula.expr(_math))
    where, astype_like, widen = _math.where, _math.astype_like, _math.widen

    def s(x, params, kpos, kval):  # type: ignore[no-untyped-def]
        r = core(widen(x), *params)
        for j in range(len(kpos)):
            r = where(x == kpos[j], kval[j], r)
        return astype_like(where(x != x, x, r), x)

    return njit(inline="always")(s)  # type: ignore[no-any-return]


def _unary(s: Callable[..., Any]) -> Callable[..., None]:
    def kernel(x, out, params, kpos, kval):  # type: ignore[no-untyped-def]
        for i in prange(x.size):
            out[i] = s(x[i], params, kpos, kval)

    return kernel


def _backward(s: Callable[..., Any]) -> Callable[..., None]:
    def kernel(g, x, out, params, kpos, kval):  # type: ignore[no-untyped-def]
        for i in prange(x.size):
            out[i] = g[i] * s(x[i], params, kpos, kval)

    return kernel


def _pair(s0: Callable[..., Any], s1: Callable[..., Any]) -> Callable[..., None]:
    def kernel(x, out0, out1, params, kpos0, kval0, kpos1, kval1):  # type: ignore[no-untyped-def]
        for i in prange(x.size):
            xi = x[i]
            out0[i] = s0(xi, params, kpos0, kval0)
            out1[i] = s1(xi, params, kpos1, kval1)

    return kernel


class Kernel:
    """A serial and a parallel build of one loop; :meth:`run` picks by size and by who else is running."""

    def __init__(self, loop: Callable[..., None], key: str | None) -> None:
        self._serial = njit(**_NJIT_OPTIONS)(loop)
        self._parallel = njit(parallel=True, **_NJIT_OPTIONS)(loop)
        _cache.enable(self._serial, key and f"serial:{key}")
        _cache.enable(self._parallel, key and f"parallel:{key}")

    def run(self, size: int, *args: Any) -> None:
        global _parallel_started
        lock = _parallel_lock
        if size >= PARALLEL_MIN_SIZE and _parallel_allowed and lock.acquire(blocking=False):
            try:
                _parallel_started = True
                self._parallel(*args)
            finally:
                lock.release()
        else:
            self._serial(*args)


@functools.cache
def unary(formula: Formula) -> Kernel:
    """``out = formula(x)``."""
    return Kernel(_unary(scalar(formula)), _cache.kernel_key("unary", (formula,)))


@functools.cache
def backward(formula: Formula) -> Kernel:
    """``out = g * formula(x)`` in one pass."""
    return Kernel(_backward(scalar(formula)), _cache.kernel_key("backward", (formula,)))


@functools.cache
def pair(first: Formula, second: Formula) -> Kernel:
    """``out0, out1 = first(x), second(x)`` in one pass."""
    return Kernel(_pair(scalar(first), scalar(second)), _cache.kernel_key("pair", (first, second)))
