"""Streaming (non-temporal) stores for the parallel kernels: what they would gain, and where they lose.

Usage::

    python benchmarks/streaming.py                 # 11 rounds -> benchmarks/STREAMING.md
    python benchmarks/streaming.py --rounds 5 --output /tmp/streaming.md

An ordinary store to memory that is not in the cache first reads the line in (read-for-ownership), so a unary
kernel over arrays larger than the cache moves 3 bytes for each 2 it must, a backward 4 for 3; a streaming store
writes a whole line without reading it. actgrad's kernels use ordinary stores. This script builds, next to each of
actgrad's parallel kernels (the same scalar function, the same 64-byte aligned blocks), one whose loop computes 512
bytes of output at a time into a buffer in the first-level cache and streams them out a 64-byte line per store
(LLVM's ``!nontemporal``; a fence ends each block), and times both, interleaved round by round, against
``np.copyto`` of the same bytes (the memory limit):

- ``forward out=`` and ``backward out=``: outputs allocated once and reused, as a training loop would;
- ``forward, new array``: ``np.empty`` then the kernel, whose stores fault the fresh pages in.

Streaming stores cannot be made safe by marking the loops' ordinary stores: LLVM widens a non-temporal store only
when told it is aligned to the vector, and it kept that claim on an iteration it peeled off (a fault). The buffer
and an explicit 64-byte store, here only where the output is aligned, are safe.

What this shows (benchmarks/STREAMING.md, 2026-12-01, 2 cores and a 32 MiB L3): with ``out=`` beyond the cache,
streaming took 0.78x-0.94x the time of ordinary stores for relu and leaky_relu (memory-bound); it took 1.07x-1.38x
for sigmoid and gelu (compute-bound: the chunked loop costs more than the traffic it saves), up to 2.1x for
hard_swish's backward, and 1.05x-1.26x for new arrays at 10^7 (the OS zeroes a fresh page through the cache, so the
line is there to be owned). actgrad keeps ordinary stores: streaming would pay only for memory-bound kernels writing
into a preallocated output beyond the cache, a choice the kernels cannot see.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from backends import interleave
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic
from run import fmt_load, machine_info

import actgrad as ag
from actgrad import _kernels

HERE = Path(__file__).resolve().parent
CHUNK_BYTES = 512
NAMES = ("relu", "leaky_relu", "hard_swish", "sigmoid", "gelu")
SIZES = (10**6, 4 * 10**6, 10**7)


@intrinsic
def _stream(typingctx, dst, lo, chunk):  # type: ignore[no-untyped-def]
    """CHUNK_BYTES from ``chunk`` to ``dst[lo:]`` (contiguous, ``dst[lo]`` 64-byte aligned), a streaming store of
    64 bytes at a time."""

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        target = context.make_array(signature.args[0])(context, builder, args[0])
        source = context.make_array(signature.args[2])(context, builder, args[2])
        element = context.get_data_type(signature.args[0].dtype)
        size = context.get_abi_sizeof(element)
        line = ir.VectorType(element, 64 // size).as_pointer()
        streaming = builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)])
        for j in range(0, CHUNK_BYTES // size, 64 // size):
            step = ir.Constant(ir.IntType(64), j)
            value = builder.load(builder.bitcast(builder.gep(source.data, [step]), line), align=size)
            at = builder.bitcast(builder.gep(target.data, [builder.add(args[1], step)]), line)
            builder.store(value, at, align=64).set_metadata("nontemporal", streaming)
        return context.get_dummy_value()

    return types.none(dst, lo, chunk), codegen


@intrinsic
def _fence(typingctx):  # type: ignore[no-untyped-def]
    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        builder.fence("seq_cst")
        return context.get_dummy_value()

    return types.none(), codegen


@njit(inline="always")
def _streamable(n, out):  # type: ignore[no-untyped-def]
    """Elements written by streaming: whole chunks where ``out`` is contiguous and 64-byte aligned, else none."""
    if out.strides[0] != out.itemsize or np.int64(out.ctypes.data) & 63:
        return 0
    return n - n % (CHUNK_BYTES // out.itemsize)


def _streaming_loop(s: Any, unpack: Any, backward: bool) -> Callable[..., None]:
    """The serial loop with streaming stores (every loop runs over views from their first element: numba wraps
    negative indices, and a loop from another start kept that test on each element, 2-6x slower)."""

    def unary(x, out, c):  # type: ignore[no-untyped-def]
        params, kpos, kval = unpack(c)
        run = _streamable(x.size, out)
        chunk = np.empty(CHUNK_BYTES // out.itemsize, out.dtype)
        for lo in range(0, run, chunk.size):
            part = x[lo : lo + chunk.size]
            for k in range(chunk.size):
                _kernels._wide_vectors()
                chunk[k] = s(part[k], params, kpos, kval)
            _stream(out, lo, chunk)
        rest, out_rest = x[run:], out[run:]
        for i in range(rest.size):
            _kernels._wide_vectors()
            out_rest[i] = s(rest[i], params, kpos, kval)
        _fence()

    def grad_times(g, x, out, c):  # type: ignore[no-untyped-def]
        params, kpos, kval = unpack(c)
        run = _streamable(x.size, out)
        chunk = np.empty(CHUNK_BYTES // out.itemsize, out.dtype)
        for lo in range(0, run, chunk.size):
            part, g_part = x[lo : lo + chunk.size], g[lo : lo + chunk.size]
            for k in range(chunk.size):
                _kernels._wide_vectors()
                chunk[k] = g_part[k] * s(part[k], params, kpos, kval)
            _stream(out, lo, chunk)
        rest, g_rest, out_rest = x[run:], g[run:], out[run:]
        for i in range(rest.size):
            _kernels._wide_vectors()
            out_rest[i] = g_rest[i] * s(rest[i], params, kpos, kval)
        _fence()

    return grad_times if backward else unary


def _kernels_of(name: str, lean: bool) -> dict[str, tuple[Any, Any, np.ndarray]]:
    """op -> (actgrad's parallel kernel, the streaming one, constants), for f (forward) and f' (backward)."""
    spec = ag.get(name).spec
    params = tuple(float(p.shown) for p in spec.params if p.numeric)
    found = {}
    for op, order in (("forward", 0), ("backward", 1)):
        formula = spec.formula(order, None)
        unpack = _kernels._unpacker(len(params), (len(formula.kinks),))
        s = _kernels.scalar(formula, lean, len(params))
        back = op == "backward"
        kernel = (_kernels.backward if back else _kernels.unary)(formula, len(params))
        serial = njit(error_model="numpy", nogil=True)(_streaming_loop(s, unpack, back))
        streaming = njit(parallel=True, error_model="numpy", nogil=True)(
            _kernels._blocked(serial, 3 if back else 2, 2 if back else 1)
        )
        found[op] = kernel.parallel(lean), streaming, _kernels.constants([formula], params, "torch")
    return found


def _cases(kernels: dict[str, tuple[Any, Any, np.ndarray]], g: Any, x: Any, out: Any) -> dict[str, Any]:
    """op -> {contender: call} for one activation, dtype and size."""
    (f_plain, f_stream, cf), (b_plain, b_stream, cb) = kernels["forward"], kernels["backward"]
    return {
        "forward out=": {"ordinary": lambda: f_plain(x, out, cf), "streaming": lambda: f_stream(x, out, cf)},
        "backward out=": {"ordinary": lambda: b_plain(g, x, out, cb), "streaming": lambda: b_stream(g, x, out, cb)},
        "forward, new array": {
            "ordinary": lambda: f_plain(x, np.empty_like(x), cf),
            "streaming": lambda: f_stream(x, np.empty_like(x), cf),
        },
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=11)
    p.add_argument("--output", type=Path, default=HERE / "STREAMING.md")
    args = p.parse_args()
    started = time.perf_counter()
    rows = []
    for dtype in (np.float32, np.float64):
        lean = dtype is np.float32
        for name in NAMES:
            kernels = _kernels_of(name, lean)
            for n in SIZES:
                rng = np.random.default_rng(0)
                x, g = rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)
                out, copy = np.empty_like(x), np.empty_like(x)
                (f_plain, f_stream, cf) = kernels["forward"]
                f_stream(x, copy, cf)
                f_plain(x, out, cf)
                assert np.array_equal(out, copy), (name, dtype, n)
                cases = _cases(kernels, g, x, out)
                for op, contenders in cases.items():
                    times = interleave({**contenders, "np.copyto": functools.partial(np.copyto, copy, x)}, args.rounds)
                    med = {k: times.time(k) * 1e3 for k in times.labels}
                    ratio = times.ratio("streaming", "ordinary")
                    bold = "**" if ratio < 0.95 else ""
                    rows.append(
                        f"| `{name}` | {np.dtype(dtype).name} | {op} | {n:.0e} | {x.nbytes / 2**20:.0f} | "
                        f"{med['ordinary']:.2f} | {med['streaming']:.2f} | {med['np.copyto']:.2f} | "
                        f"{bold}{ratio:.2f}x{bold} | {fmt_load(times.foreign_load)} |"
                    )
                    print(rows[-1], flush=True)
    lines = [
        "# Streaming stores in the parallel kernels",
        "",
        f"Generated {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `python benchmarks/streaming.py` "
        f"in {time.perf_counter() - started:.0f} s ({args.rounds} rounds, round-robin with the order rotating; "
        "medians in ms; ratio: the median over rounds of streaming / ordinary, bold below 0.95x; other load: other "
        "processes' CPU share while timing).",
        "",
        *machine_info(None),
        f"- last-level cache: {_last_level_cache()}",
        "",
        "| activation | dtype | op | n | MiB per array | ordinary | streaming | np.copyto | streaming / ordinary | "
        "other load |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(lines) + "\n"
    args.output.write_text(text)
    print(text)


def _last_level_cache() -> str:
    sizes = [p.read_text().strip() for p in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size")]
    return max(sizes, key=lambda s: int(s.rstrip("KMG")) << {"K": 10, "M": 20, "G": 30}.get(s[-1:], 0), default="?")


if __name__ == "__main__":
    main()
