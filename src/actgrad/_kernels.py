"""NumPy kernels built from formulas with numba.

Each :class:`~actgrad._registry.Formula` compiles to a scalar function (formula + kink values + NaN guard, rounded
once to the input's type); three loop templates (unary, fused backward, fused value-and-grad) wrap scalar functions
into a serial kernel, and a parallel kernel runs that over blocks of the arrays. Formulas compile against
:mod:`actgrad._math` for float64 results and against :mod:`actgrad._lean` (plain float64 arithmetic, without
double-double corrections) for float32 results; a formula may instead compute in its result's own precision
(:mod:`actgrad._pairs`, as sigmoid's do). Nothing compiles at import: a kernel is built on first use, numba
specializes it per dtype and layout, and the machine code is cached on disk for the next process
(:mod:`actgrad._cache`).

Concurrency: numba's parallel backends may not be entered by two threads at once (the workqueue layer aborts the
process). The parallel kernels run under a lock taken without blocking; a caller that finds it held runs the serial
kernel instead, so concurrent callers never wait on each other and never crash, whatever the threading layer.

Fork: GNU OpenMP (numba's "omp" layer, the one picked here) does not survive ``fork()`` once its threads exist.
A child forked after this process ran a parallel kernel therefore runs serial kernels only: correct, never hung.
Children started by ``spawn``/``forkserver``, and Dask workers, start fresh and use the parallel kernels.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numba import njit, prange, types
from numba.core import config as numba_config
from numba.core.dispatcher import Dispatcher
from numba.extending import intrinsic

from . import _cache, _lean, _math
from ._registry import Formula, kink_args

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
_inline = njit(inline="always")


@intrinsic
def _fenced(typingctx, x):  # type: ignore[no-untyped-def]
    """``x`` through LLVM's arithmetic fence, which emits nothing: a float32 kink value (``fptrunc`` of a float64)
    stays a value of its own, and LLVM no longer merges ``select(hit, fptrunc(v), fptrunc(r))`` into
    ``fptrunc(select(hit, v, r))``, which pulled the whole float32 loop back into float64 (4 lanes and conversions
    where it has 8). (Loop-invariant values only: LLVM's vectorizer leaves a loop with a fence on each element
    scalar.)"""
    if not isinstance(x, types.Float):
        return None

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        fn = builder.module.declare_intrinsic("llvm.arithmetic.fence", [args[0].type])
        return builder.call(fn, list(args))

    return x(x), codegen


@functools.cache
def scalar(formula: Formula, lean: bool = False, n_params: int = 0) -> Callable[..., Any]:
    """The compiled scalar function ``s(x, params, kink_positions, kink_values)`` of one formula of ``n_params``
    parameters, against the lean namespace (for float32 results) or the full one."""
    if formula.expr is None:
        raise NotImplementedError("this derivative was not defined (actgrad.define(..., grad2=...) defines f'')")
    m = _lean if lean else _math
    expr = formula.expr(m)
    # The formula widens x itself, inside one function compiled as the namespace compiles formulas (the helpers
    # under it are inlined into it; LLVM inlines it into the loops): where it took x already widened, a float32 pair
    # formula saw a float64 argument, and LLVM moved its comparisons of the narrowed x with constants into float64
    # (x >= 0 became x >= -2^-150, which float32 cannot hold): the loop converted every element and compared at half
    # the lanes. numba cannot inline a function of *args, nor a compiled one: those are called.
    own = isinstance(expr, Dispatcher) or expr.__code__.co_flags & inspect.CO_VARARGS
    scope = {"expr": m.helper(expr) if own else _inline(expr), "widen": _math.widen}
    args = "".join(f", params[{i}]" for i in range(n_params))
    exec(f"def core(x, params):\n    return expr(widen(x){args})\n", scope)
    core = m.helper(scope["core"])
    where, astype_like, widen = _math.where, _math.astype_like, _math.widen

    def s(x, params, kpos, kval):  # type: ignore[no-untyped-def]
        """The formula rounded to x's type, then the kinks' values, compared and selected in x's type: a float32
        loop stays float32 (compared with the float64 positions, it ran 4x slower). A position that x's type does
        not hold (a parameter of 0.1 for float32 inputs) is never hit: it becomes NaN (loop-invariant)."""
        r = astype_like(core(x, params), x)
        for j in range(len(kpos)):
            at = astype_like(kpos[j], x)
            at = where(widen(at) == kpos[j], at, astype_like(np.nan, x))
            r = where(x == at, _fenced(astype_like(kval[j], x)), r)
        return where(x != x, x, r)

    def smooth(x, params, kpos, kval):  # type: ignore[no-untyped-def]
        """s for a formula without kinks (kpos and kval are empty): no comparisons in the loop."""
        return astype_like(where(x != x, x, core(x, params)), x)

    return _inline(s if formula.kinks else smooth)  # type: ignore[no-any-return]


#: LLVM's function attribute asking for 512-bit vectors. LLVM's tuning for recent Intel CPUs prefers 256-bit ones
#: (a remedy for the clock drop of early AVX-512 parts) and so runs float64 loops 4 lanes wide; on AVX-512 machines
#: the float64 kernels run 1.3x-1.5x faster at 8 lanes (exp 1.95 -> 1.32 ns per element, tanh 5.2 -> 3.8 on the
#: reference machine). CPUs without AVX-512 ignore it.
_WIDE = '"prefer-vector-width"="512"'


@intrinsic
def _wide_vectors(typingctx):  # type: ignore[no-untyped-def]
    """Marks the function it is called in (a kernel's loop) with :data:`_WIDE`; it emits no instruction. llvmlite's
    attribute set accepts only its list of bare attributes, so the string attribute goes into the set as it is
    printed."""

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        set.add(builder.function.attributes, _WIDE)
        return context.get_dummy_value()

    return types.none(), codegen


def _unpacker(n_params: int, kinks: tuple[int, ...]) -> Callable[..., Any]:
    """``unpack(c)``: the kernels' constants, packed into one float64 array ``c`` (numba's dispatcher types an array
    in C, a tuple of floats in Python: three tuples cost a 10-element call 0.3 us), as the tuples the scalar
    functions take: the parameters, then each formula's kink positions and values (``kinks`` counts them)."""

    def tup(start: int, n: int) -> str:
        return "(" + "".join(f"c[{start + i}], " for i in range(n)) + ")"

    parts, at = [tup(0, n_params)], n_params
    for n in kinks:
        parts += [tup(at, n), tup(at + n, n)]
        at += 2 * n
    scope: dict[str, Any] = {}
    name = f"unpack_{n_params}_" + "_".join(map(str, kinks))  # one name per layout (see _name)
    exec(f"def {name}(c):\n    return {', '.join(parts)}\n", scope)
    # not inlined by numba (LLVM inlines it): numba's parallel array analysis, seeing the nested tuples in the
    # kernel, mistakes them for array shapes and fails
    return njit(scope[name])  # type: ignore[no-any-return]


def _unary(s: Callable[..., Any], unpack: Callable[..., Any]) -> Callable[..., None]:
    def kernel(x, out, c):  # type: ignore[no-untyped-def]
        params, kpos, kval = unpack(c)
        for i in range(x.size):
            _wide_vectors()
            out[i] = s(x[i], params, kpos, kval)

    return kernel


def _backward(s: Callable[..., Any], unpack: Callable[..., Any]) -> Callable[..., None]:
    def kernel(g, x, out, c):  # type: ignore[no-untyped-def]
        params, kpos, kval = unpack(c)
        for i in range(x.size):
            _wide_vectors()
            out[i] = g[i] * s(x[i], params, kpos, kval)

    return kernel


def _pair(s0: Callable[..., Any], s1: Callable[..., Any], unpack: Callable[..., Any]) -> Callable[..., None]:
    def kernel(x, out0, out1, c):  # type: ignore[no-untyped-def]
        params, kpos0, kval0, kpos1, kval1 = unpack(c)
        for i in range(x.size):
            _wide_vectors()
            xi = x[i]
            out0[i] = s0(xi, params, kpos0, kval0)
            out1[i] = s1(xi, params, kpos1, kval1)

    return kernel


def constants(formulas: Sequence[Formula], params: tuple[float, ...], convention: str) -> np.ndarray:
    """The array ``c`` a kernel over ``formulas`` takes after its arrays (see :func:`_unpacker`). Callers keep it
    for later calls and must not write it; it stays writeable all the same, because numba's dispatcher types a
    read-only array in Python, three times slower."""
    values = [*params]
    for f in formulas:
        kpos, kval = kink_args(f, params, convention)
        values += [*kpos, *kval]
    return np.array(values, dtype=np.float64)


#: Parallel kernels run the serial loop over blocks of this many elements, the first starting where the output is
#: 64-byte aligned. NumPy's large arrays start 16 bytes past a cache line (glibc's allocation header), so a loop from
#: element 0 splits every 64-byte vector store over two lines: on the reference machine memory-bound float64 loops at
#: 10^7 elements ran 1.25x slower so. (The serial loop is called, not inlined into the block loop, where LLVM kept
#: reloading the formulas' constants inside the inner loop: compute-bound kernels ran 1.1x slower.)
BLOCK = 4096


@njit(inline="always")
def _blocks(out, n):  # type: ignore[no-untyped-def]
    """(number of blocks, elements before ``out`` is 64-byte aligned) for a loop over ``n`` elements."""
    peel = min(n, ((64 - (np.int64(out.ctypes.data) & 63)) & 63) // out.itemsize)
    return 1 + (n - peel + BLOCK - 1) // BLOCK, peel


@njit(inline="always")
def _span(b, n, peel):  # type: ignore[no-untyped-def]
    """The element range [lo, hi) of block ``b``: block 0 is the peel, the others ``BLOCK`` elements each."""
    if b == 0:
        return 0, peel
    lo = peel + (b - 1) * BLOCK
    return lo, min(lo + BLOCK, n)


def _blocked(serial: Callable[..., None], n_arrays: int, out: int) -> Callable[..., None]:
    """The parallel loop: ``serial`` (a compiled kernel over ``n_arrays`` arrays of one size and the constants)
    over the blocks of the arrays, aligned on array ``out``."""
    arrays = [f"a{i}" for i in range(n_arrays)]
    source = (
        f"def kernel({', '.join(arrays)}, c):\n"
        f"    n_blocks, peel = _blocks(a{out}, a0.size)\n"
        "    for b in prange(n_blocks):\n"
        "        lo, hi = _span(b, a0.size, peel)\n"
        f"        serial({', '.join(f'{a}[lo:hi]' for a in arrays)}, c)\n"
    )
    scope: dict[str, Any] = {"_blocks": _blocks, "_span": _span, "prange": prange, "serial": serial}
    # this module's name and file: numba's disk cache locates a function's code by them
    scope["__name__"] = __name__
    exec(compile(source, __file__, "exec"), scope)
    return scope["kernel"]  # type: ignore[no-any-return]


def _name(fn: Callable[..., Any], name: str) -> None:
    """Names ``fn`` after what it computes. numba names a compiled function's symbol after its qualified name and a
    counter that starts afresh in every process, so two processes give two kernels of one template the same symbol;
    a cached parallel kernel then called, by that symbol, whichever such kernel the loading process had compiled
    first (the JIT binds a symbol once). Every cached kernel (and unpacker) is named uniquely instead."""
    fn.__name__ = fn.__qualname__ = name


class Kernel:
    """A serial and a parallel build of one loop, each for float64 results and (lean) for float32 results.

    ``make(lean)`` gives the loop; ``out`` is the position of its (first) output among the arguments, whose dtype
    picks the build. :meth:`run` picks serial or parallel by size and by who else is running. Builds are made on
    first use (a float64-only program never builds the lean ones).
    """

    def __init__(self, make: Callable[[bool], Callable[..., None]], out: int, key: str | None) -> None:
        self._make, self._out, self._key = make, out, key
        self._builds: list[tuple[Any, Any] | None] = [None, None]

    def _build(self, lean: bool) -> tuple[Any, Any]:
        key = self._key and ("lean:" if lean else "") + self._key
        tag = key and _cache.digest(key)
        loop = self._make(lean)
        if tag:
            _name(loop, f"serial_{tag}")
        serial = njit(**_NJIT_OPTIONS)(loop)
        blocked = _blocked(serial, loop.__code__.co_argcount - 1, self._out)  # the loop's arrays, then constants
        if tag:
            _name(blocked, f"parallel_{tag}")
        parallel = njit(parallel=True, **_NJIT_OPTIONS)(blocked)
        _cache.enable(serial, key and f"serial:{key}")
        _cache.enable(parallel, key and f"parallel:{key}")
        self._builds[lean] = serial, parallel
        return serial, parallel

    def serial(self, lean: bool) -> Any:
        """The serial build (for float32 results if ``lean``): what :meth:`run` calls below ``PARALLEL_MIN_SIZE``,
        for callers that already know the size is below it (a call through :meth:`run` costs a 10-element call a
        tenth of its time)."""
        return (self._builds[lean] or self._build(lean))[0]

    def parallel(self, lean: bool) -> Any:
        """The parallel build (for float32 results if ``lean``)."""
        return (self._builds[lean] or self._build(lean))[1]

    def run(self, size: int, *args: Any) -> None:
        global _parallel_started
        lean = args[self._out].itemsize == 4
        serial, parallel = self._builds[lean] or self._build(lean)
        if size < PARALLEL_MIN_SIZE:
            serial(*args)
            return
        lock = _parallel_lock
        if _parallel_allowed and lock.acquire(blocking=False):
            try:
                if not _parallel_started:
                    # numba reads its environment (NUMBA_NUM_THREADS) when it compiles, not when it loads a cached
                    # kernel: a process whose environment changed after numba's import (a Dask worker started
                    # with env=) would launch its threads under a stale setting and fail at its next compile.
                    numba_config.reload_config()
                _parallel_started = True
                parallel(*args)
            finally:
                lock.release()
        else:
            serial(*args)


# A formula always takes the same number of parameters (its activation's), so n_params needs no place in the keys.


@functools.cache
def unary(formula: Formula, n_params: int) -> Kernel:
    """``out = formula(x, *params)``, with ``constants([formula], params, ...)``."""
    unpack = _unpacker(n_params, (len(formula.kinks),))
    return Kernel(
        lambda lean: _unary(scalar(formula, lean, n_params), unpack), 1, _cache.kernel_key("unary", (formula,))
    )


@functools.cache
def backward(formula: Formula, n_params: int) -> Kernel:
    """``out = g * formula(x, *params)`` in one pass."""
    unpack = _unpacker(n_params, (len(formula.kinks),))
    return Kernel(
        lambda lean: _backward(scalar(formula, lean, n_params), unpack), 2, _cache.kernel_key("backward", (formula,))
    )


@functools.cache
def pair(first: Formula, second: Formula, n_params: int) -> Kernel:
    """``out0, out1 = first(x, *params), second(x, *params)`` in one pass."""
    unpack = _unpacker(n_params, (len(first.kinks), len(second.kinks)))
    return Kernel(
        lambda lean: _pair(scalar(first, lean, n_params), scalar(second, lean, n_params), unpack),
        1,
        _cache.kernel_key("pair", (first, second)),
    )
