"""Benchmark actgrad on Dask (a real ``dask.distributed`` cluster) and on PyTorch and JAX inputs.

Usage::

    python benchmarks/backends.py                          # 4 GB on the cluster; torch/JAX at 1e6, 1e7 elements
    python benchmarks/backends.py --quick --output /tmp/r.md   # smoke test: 0.2 GB, 1e5 elements, 3 rounds
    python benchmarks/backends.py --gb 8 --names gelu silu --sizes 1e6 --parts dask torch

Dask: a ``LocalCluster`` (2 worker processes, 1 thread each) is started, a float32 array of ``--gb`` GB (and a
second one, the incoming gradient) is generated in the workers with ``da.random`` in chunks of ``--chunk-mb`` MiB and
persisted in their memory; then ``ag.<name>(dx).sum().compute()``, ``ag.<name>.backward(dg, dx).sum().compute()``
and the bare reductions ``dx.sum()`` (the cost of reading the data) and ``dx.sum(), dg.sum()`` are timed in
interleaved rounds. The cluster is closed, and the same work runs in this process on in-memory NumPy arrays of the
same size (with ``out=`` and allocating; ``x.sum()`` and ``np.copyto`` as references). Workers get
``NUMBA_NUM_THREADS`` = their thread count (``--worker-numba-threads``), as Dask sets ``OMP_NUM_THREADS``.

PyTorch and JAX: for each activation the framework has (``torch.nn.functional.<name>``, ``jax.nn.<name>``, found by
name or alias and checked against actgrad on a small array), ``ag.<name>(t)`` against the native call, and
``ag.<name>.backward(g, t)`` against the framework's own backward (``torch.autograd.grad`` on a retained graph;
``jax.vjp``), float32, standard-normal inputs. PyTorch runs with 2 threads; for JAX both sides are ``jax.jit``-ed.

The section between ``<!-- backends:start -->`` and ``<!-- backends:end -->`` of ``--output`` (default
``benchmarks/RESULTS.md``) is replaced (or appended); the rest of the file is left alone.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import inspect
import os
import shlex
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _sections
import numpy as np
from _timing import RoundSamples
from run import CpuMonitor, fmt_load, fmt_n, fmt_time, machine_info

import actgrad as ag

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "RESULTS.md"
SECTION = "backends"
TORCH_THREADS = 2
PARTS = ("dask", "torch", "jax")
#: Preferred activations for the Dask part, in order; else the first smooth one, else relu.
DASK_PREFERRED = ("gelu",)


# --------------------------------------------------------------------------------------------------------------
# Timing


@dataclass
class Timings(RoundSamples):
    """Per-round seconds per call of each contender (by label), timed round-robin."""

    labels: list[str]
    samples: dict[str, list[float]] = field(default_factory=dict)
    number: int = 1
    foreign_load: float | None = None


def interleave(
    fns: dict[str, Callable[[], Any]], rounds: int, sample_s: float = 0.0, budget: float | None = None
) -> Timings:
    """Time each callable round-robin (order rotating each round); a burst of calls lasting ~``sample_s`` each.

    With ``budget`` (seconds), fewer rounds (at least 3) where ``rounds`` rounds would take longer."""
    clock = time.perf_counter
    est = []
    for fn in fns.values():  # warm-up (compiles, caches), then an estimate unless the first call was slow
        t0 = clock()
        fn()
        first = clock() - t0
        if first < 1.0:
            t0 = clock()
            fn()
            first = clock() - t0
        est.append(first)
    number = max(1, int(sample_s / max(max(est), 1e-9))) if sample_s else 1
    if budget is not None:
        rounds = max(3, min(rounds, int(budget / max(sum(est) * number, 1e-9))))
    items = list(fns.items())
    samples: dict[str, list[float]] = {k: [] for k in fns}
    was = gc.isenabled()
    gc.disable()
    monitor = CpuMonitor()
    monitor.start()
    try:
        for r in range(rounds):
            k = r % len(items)
            for label, fn in items[k:] + items[:k]:
                t0 = clock()
                for _ in range(number):
                    fn()
                samples[label].append((clock() - t0) / number)
    finally:
        load = monitor.stop()
        if was:
            gc.enable()
    return Timings(list(fns), samples, number, load)


def fmt_rate(n_elements: float, nbytes: float, seconds: float | None) -> tuple[str, str]:
    if not seconds:
        return "-", "-"
    return f"{n_elements / seconds / 1e9:.2f} G/s", f"{nbytes / seconds / 1e9:.1f} GB/s"


def fmt_ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo, in bytes (None where unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def require_memory(nbytes: float, what: str) -> None:
    avail = available_memory()
    if avail is not None and avail < nbytes:
        raise SystemExit(
            f"{what} needs about {nbytes / 2**30:.1f} GiB of memory, only {avail / 2**30:.1f} GiB is available: "
            "use a smaller --gb"
        )


# --------------------------------------------------------------------------------------------------------------
# Dask on a LocalCluster


def smooth(name: str) -> bool:
    spec = ag.get(name).spec
    return not spec.formula(1).kinks and all(p.default is not None for p in spec.params)


def dask_names(requested: Sequence[str] | None) -> list[str]:
    if requested:
        return list(requested)
    have = ag.names()
    for name in DASK_PREFERRED:
        if name in have:
            return [name]
    return [next((n for n in have if smooth(n)), "relu")]


@dataclass
class Row:
    path: str
    op: str
    code: str
    seconds: float | None
    n: int
    nbytes: int
    note: str = ""


def dask_part(args: argparse.Namespace, names: Sequence[str], log: Callable[[str], None]) -> tuple[str, list[str]]:
    import dask
    import dask.array as da
    from dask.distributed import Client, LocalCluster, wait

    itemsize = 4
    n = int(args.gb * 1e9 / itemsize)
    chunk = max(1, int(args.chunk_mb * 2**20 / itemsize))
    nbytes = n * itemsize
    # cluster: x and g in the workers (plus a chunk in flight per thread); NumPy: x, g and one result
    require_memory(2 * nbytes * 1.25 + 2**30, "the Dask part")
    require_memory(3 * nbytes * 1.1 + 2**30, "the NumPy part")
    rows: list[Row] = []
    notes: list[str] = []
    env = {"NUMBA_NUM_THREADS": str(args.worker_numba_threads)}
    t_start = time.perf_counter()
    with (
        warnings.catch_warnings(),
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env=env,
            silence_logs=50,  # CRITICAL: no heartbeat errors while the cluster shuts down
        ) as cluster,
        Client(cluster) as client,
    ):
        warnings.simplefilter("ignore")
        limit = cluster.workers[next(iter(cluster.workers))].memory_manager.memory_limit
        log(f"dask: {args.workers} workers x 1 thread, memory limit {limit / 2**30:.1f} GiB each; {n:,} float32")
        rng = da.random.default_rng(0)
        dx = rng.standard_normal(n, chunks=chunk, dtype=np.float32)
        dg = da.random.default_rng(1).standard_normal(n, chunks=chunk, dtype=np.float32)
        t0 = time.perf_counter()
        dx, dg = client.persist([dx, dg])
        wait([dx, dg])
        data = {"x": dx, "g": dg}  # the timed calls read these; cleared before the cluster closes
        gen_s = time.perf_counter() - t0
        log(f"dask: generated and persisted 2 x {nbytes / 1e9:.2f} GB in {gen_s:.1f} s ({dx.npartitions} chunks)")
        notes.append(
            f"Cluster: `LocalCluster(n_workers={args.workers}, threads_per_worker=1)`, worker memory limit "
            f"{limit / 2**30:.1f} GiB, `NUMBA_NUM_THREADS={args.worker_numba_threads}` in the workers; "
            f"x and g: {n:,} float32 each ({nbytes / 1e9:.2f} GB), {dx.npartitions} chunks of "
            f"{dx.chunks[0][0] * itemsize / 2**20:.0f} MiB, generated in the workers and persisted in {gen_s:.1f} s."
        )
        # Bit-for-bit check on one chunk: the cluster's result against this process's NumPy kernels.
        for name in names:
            act = ag.get(name)
            part = dx[:chunk]
            local = part.compute()
            ok = np.array_equal(act(part).compute(), act(local), equal_nan=True)
            ok &= np.array_equal(act.backward(dg[:chunk], part).compute(), act.backward(dg[:chunk].compute(), local))
            if not ok:
                notes.append(f"**{name}: the cluster's result differs from the NumPy kernels' on the first chunk.**")
            log(f"dask: {name} on one chunk, cluster vs NumPy bit for bit: {ok}")
        del dx, dg, part, local
        fns: dict[str, Callable[[], Any]] = {
            "sum x": lambda: data["x"].sum().compute(),
            "sum x, g": lambda: dask.compute(data["x"].sum(), data["g"].sum()),
        }
        for name in names:
            act = ag.get(name)
            fns[f"{name} forward"] = lambda act=act: act(data["x"]).sum().compute()
            fns[f"{name} backward"] = lambda act=act: act.backward(data["g"], data["x"]).sum().compute()
        first = {}
        for label, fn in fns.items():  # first call (numba compiles in the workers then)
            t0 = time.perf_counter()
            fn()
            first[label] = time.perf_counter() - t0
        log("dask: first calls " + ", ".join(f"{k} {v:.2f} s" for k, v in first.items()))
        tm = interleave(fns, args.rounds)
        rows.append(Row("Dask cluster", "read x", "`dx.sum().compute()`", tm.time("sum x"), n, nbytes))
        rows.append(
            Row("Dask cluster", "read x, g", "`dask.compute(dx.sum(), dg.sum())`", tm.time("sum x, g"), n, 2 * nbytes)
        )
        for name in names:
            rows.append(
                Row(
                    "Dask cluster",
                    f"{name} forward",
                    f"`ag.{name}(dx).sum().compute()`",
                    tm.time(f"{name} forward"),
                    n,
                    nbytes,
                    f"first call {first[f'{name} forward']:.2f} s",
                )
            )
            rows.append(
                Row(
                    "Dask cluster",
                    f"{name} backward",
                    f"`ag.{name}.backward(dg, dx).sum().compute()`",
                    tm.time(f"{name} backward"),
                    n,
                    2 * nbytes,
                    f"first call {first[f'{name} backward']:.2f} s",
                )
            )
        cluster_load = tm.foreign_load
        fns.clear()
        data.clear()
    log(f"dask: cluster closed ({time.perf_counter() - t_start:.0f} s)")
    gc.collect()

    # The same sizes in this process: x, g and an output buffer; then the allocating calls (x, g, one result).
    rng_np = np.random.default_rng(0)
    t0 = time.perf_counter()
    arr = {"x": rng_np.standard_normal(n, dtype=np.float32), "g": rng_np.standard_normal(n, dtype=np.float32)}
    log(f"numpy: generated 2 x {nbytes / 1e9:.2f} GB in {time.perf_counter() - t0:.1f} s")
    arr["out"] = np.zeros_like(arr["x"])
    arr["out"].fill(1)  # fault the pages in before timing
    fns = {"sum": lambda: arr["x"].sum(), "copy": lambda: np.copyto(arr["out"], arr["x"])}
    for name in names:
        act = ag.get(name)
        fns[f"{name} forward out"] = lambda act=act: act(arr["x"], out=arr["out"])
        fns[f"{name} backward out"] = lambda act=act: act.backward(arr["g"], arr["x"], out=arr["out"])
    tm_out = interleave(fns, args.rounds)
    fns.clear()
    del arr["out"]  # the allocating calls next: x, g and one result at a time
    gc.collect()
    for name in names:
        act = ag.get(name)
        fns[f"{name} forward"] = lambda act=act: act(arr["x"])
        fns[f"{name} backward"] = lambda act=act: act.backward(arr["g"], arr["x"])
    tm_alloc = interleave(fns, args.rounds)
    fns.clear()
    arr.clear()
    gc.collect()
    numba_threads = _numba_threads()
    path = f"NumPy, 1 process ({numba_threads} numba threads)"
    rows.append(Row(path, "read x", "`x.sum()`", tm_out.time("sum"), n, nbytes))
    rows.append(Row(path, "copy x", "`np.copyto(out, x)`", tm_out.time("copy"), n, nbytes))
    for name in names:
        for op, code, bytes_in in (
            ("forward", f"ag.{name}(x{{}})", nbytes),
            ("backward", f"ag.{name}.backward(g, x{{}})", 2 * nbytes),
        ):
            rows.append(
                Row(path, f"{name} {op}", f"`{code.format(', out=out')}`", tm_out.time(f"{name} {op} out"), n, bytes_in)
            )
            rows.append(Row(path, f"{name} {op}", f"`{code.format('')}`", tm_alloc.time(f"{name} {op}"), n, bytes_in))
    loads = [fmt_load(cluster_load), fmt_load(tm_out.foreign_load), fmt_load(tm_alloc.foreign_load)]
    notes.append(
        f"Rounds: {args.rounds}, interleaved; other processes' CPU share while timing: cluster {loads[0]} (this "
        f"counts the workers too: they are other processes), NumPy `out=` {loads[1]}, NumPy allocating {loads[2]}."
    )
    return dask_table(rows, names), notes


def _numba_threads() -> int:
    import numba

    return int(numba.get_num_threads())


def dask_table(rows: Sequence[Row], names: Sequence[str]) -> str:
    best = {}  # the NumPy out= time of each op, the reference of the last column
    for r in rows:
        if r.path.startswith("NumPy") and "out=" in r.code and r.seconds:
            best[r.op] = r.seconds
        if r.path.startswith("NumPy") and r.op == "read x" and r.seconds:
            best["read x"] = best["read x, g"] = r.seconds
    head = "| path | op | code | time (median) | elements/s | GB/s (input) | time / NumPy `out=` | note |"
    lines = [head, "|---|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        eps, gbs = fmt_rate(r.n, r.nbytes, r.seconds)
        ref = best.get(r.op)
        rel = fmt_ratio(r.seconds / ref) if r.seconds and ref and not r.op.startswith("read") else "-"
        if r.op.startswith("read") and r.seconds and ref and r.path.startswith("Dask"):
            rel = f"{r.seconds / ref:.2f}x `x.sum()`"
        lines.append(f"| {r.path} | {r.op} | {r.code} | {fmt_time(r.seconds)} | {eps} | {gbs} | {rel} | {r.note} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# PyTorch and JAX inputs


def call_params(name: str) -> dict[str, Any]:
    """The keyword arguments an activation is timed with: its defaults (a required parameter's example)."""
    spec = ag.get(name).spec
    return {p.name: p.shown for p in spec.params if p.default is None}


def _candidates(name: str) -> list[str]:
    spec = ag.get(name).spec
    out = [name, *spec.aliases, name.replace("_", "")]
    return list(dict.fromkeys(out))


def torch_native(torch: Any, name: str) -> tuple[str, Callable[[Any], Any]] | None:
    """``(label, fn)`` with ``fn(t)`` PyTorch's own version of the activation (its default parameters)."""
    F = torch.nn.functional
    spec = ag.get(name).spec
    for cand in _candidates(name):
        fn = getattr(F, cand, None)
        if fn is None or not callable(fn):
            continue
        kw: dict[str, Any] = {}
        for p in spec.params:
            if p.integer or p.choices:
                continue
            if p.per_channel:
                kw[p.name] = torch.tensor([float(p.shown)])
            elif p.default is None:
                kw[p.name] = p.shown
        args = ", ".join(f"{k}={v}" if not hasattr(v, "shape") else f"{k}=tensor" for k, v in kw.items())
        return f"F.{cand}(t{', ' + args if args else ''})", lambda t, fn=fn, kw=kw: fn(t, **kw)
    return None


#: JAX spellings that neither the name nor an alias gives.
JAX_NAMES = {"softsign": "soft_sign", "hard_swish": "hard_silu"}


def jax_native(jax: Any, name: str) -> tuple[str, Callable[[Any], Any]] | None:
    spec = ag.get(name).spec
    cands = [JAX_NAMES[name]] if name in JAX_NAMES else []
    for cand in [*cands, *_candidates(name)]:
        fn = getattr(jax.nn, cand, None)
        if fn is None or not callable(fn):
            continue
        try:
            accepted = set(inspect.signature(fn).parameters)
        except (TypeError, ValueError):
            accepted = set()
        kw: dict[str, Any] = {}
        for p in spec.params:
            if p.name == "approximate" and "approximate" in accepted:
                kw["approximate"] = p.shown == "tanh"  # PyTorch's "none"/"tanh" is JAX's False/True
            elif p.numeric and not p.per_channel and p.name in accepted:
                kw[p.name] = p.shown
        args = ", ".join(f"{k}={v}" for k, v in kw.items())
        return f"jax.nn.{cand}(a{', ' + args if args else ''})", lambda a, fn=fn, kw=kw: fn(a, **kw)
    return None


@dataclass
class FwRow:
    name: str
    framework: str
    op: str
    n: int
    ours: str
    theirs: str
    tm: Timings
    agree: bool


def torch_part(
    args: argparse.Namespace,
    names: Sequence[str],
    log: Callable[[str], None],
    progress: Callable[[list[FwRow]], None] = lambda rows: None,
) -> list[FwRow]:
    import torch

    torch.set_num_threads(TORCH_THREADS)
    rows = []
    for name in names:
        act = ag.get(name)
        native = torch_native(torch, name)
        if native is None:
            continue
        label, fn = native
        kw = call_params(name)
        probe = torch.linspace(-8, 8, 1001)
        try:
            agree = _close(act(probe, **kw).numpy(), fn(probe).detach().numpy())
        except Exception as exc:  # a name that means something else in torch: leave it out
            log(f"torch: {name}: {label} failed ({exc}); skipped")
            continue
        for n in args.sizes:
            gen = torch.Generator().manual_seed(0)
            t = torch.randn(n, generator=gen)
            g = torch.randn(n, generator=gen)
            tr = t.clone().requires_grad_(True)
            y = fn(tr)
            fwd = interleave(
                {"ag": lambda t=t, act=act, kw=kw: act(t, **kw), "native": lambda t=t, fn=fn: fn(t)},
                args.fw_rounds,
                0.005,
                args.case_budget,
            )
            rows.append(FwRow(name, "PyTorch", "forward", n, f"ag.{name}(t)", label, fwd, agree))
            bwd = interleave(
                {
                    "ag": lambda g=g, t=t, act=act, kw=kw: act.backward(g, t, **kw),
                    "native": lambda y=y, tr=tr, g=g: torch.autograd.grad(y, tr, g, retain_graph=True),
                },
                args.fw_rounds,
                0.005,
                args.case_budget,
            )
            agree_b = _close(
                act.backward(g[:1000], t[:1000], **kw).numpy(),
                torch.autograd.grad(fn(tr[:1000]), tr, g[:1000])[0][:1000].numpy(),
            )
            rows.append(
                FwRow(name, "PyTorch", "backward", n, f"ag.{name}.backward(g, t)", "autograd.grad", bwd, agree_b)
            )
            log(_brief(rows[-2]) + "; " + _brief(rows[-1]))
            del t, g, tr, y
        progress(rows)
    return rows


def jax_part(
    args: argparse.Namespace,
    names: Sequence[str],
    log: Callable[[str], None],
    progress: Callable[[list[FwRow]], None] = lambda rows: None,
) -> list[FwRow]:
    import jax
    import jax.numpy as jnp

    rows = []
    for name in names:
        act = ag.get(name)
        native = jax_native(jax, name)
        if native is None:
            continue
        label, fn = native
        kw = call_params(name)
        probe = jnp.linspace(-8, 8, 1001, dtype=jnp.float32)
        try:
            agree = _close(np.asarray(act(probe, **kw)), np.asarray(fn(probe)))
        except Exception as exc:
            log(f"jax: {name}: {label} failed ({exc}); skipped")
            continue
        ours_f = jax.jit(lambda a, act=act, kw=kw: act(a, **kw))
        theirs_f = jax.jit(fn)
        ours_b = jax.jit(lambda g, a, act=act, kw=kw: act.backward(g, a, **kw))
        theirs_b = jax.jit(lambda g, a, fn=fn: jax.vjp(fn, a)[1](g)[0])
        agree_b = _close(np.asarray(ours_b(probe, probe)), np.asarray(theirs_b(probe, probe)))
        for n in args.sizes:
            k1, k2 = jax.random.split(jax.random.key(0))
            a = jax.random.normal(k1, (n,), jnp.float32)
            g = jax.random.normal(k2, (n,), jnp.float32)
            fwd = interleave(
                {
                    "ag": lambda a=a, f=ours_f: f(a).block_until_ready(),
                    "native": lambda a=a, f=theirs_f: f(a).block_until_ready(),
                },
                args.fw_rounds,
                0.005,
                args.case_budget,
            )
            rows.append(FwRow(name, "JAX (jit)", "forward", n, f"ag.{name}(a)", label, fwd, agree))
            bwd = interleave(
                {
                    "ag": lambda g=g, a=a, f=ours_b: f(g, a).block_until_ready(),
                    "native": lambda g=g, a=a, f=theirs_b: f(g, a).block_until_ready(),
                },
                args.fw_rounds,
                0.005,
                args.case_budget,
            )
            rows.append(FwRow(name, "JAX (jit)", "backward", n, f"ag.{name}.backward(g, a)", "jax.vjp", bwd, agree_b))
            log(_brief(rows[-2]) + "; " + _brief(rows[-1]))
            del a, g
        progress(rows)
    return rows


def _close(ours: np.ndarray, theirs: np.ndarray) -> bool:
    return bool(np.allclose(ours, theirs, rtol=1e-4, atol=1e-6, equal_nan=True))


def _brief(r: FwRow) -> str:
    return (
        f"{r.framework} {r.name} {r.op} n={fmt_n(r.n)}: ag {fmt_time(r.tm.time('ag'))}, "
        f"native {fmt_time(r.tm.time('native'))} ({fmt_ratio(r.tm.ratio('ag', 'native'))})"
    )


def fw_table(rows: Sequence[FwRow]) -> str:
    head = (
        "| activation | framework | op | n | actgrad | native | time actgrad | time native | actgrad / native "
        "| GB/s actgrad | agree | rounds | other load |"
    )
    lines = [head, "|---|---|---|---:|---|---|---:|---:|---:|---:|---|---:|---:|"]
    for r in rows:
        nbytes = (2 if r.op == "forward" else 3) * 4 * r.n  # reads and writes
        _, gbs = fmt_rate(r.n, nbytes, r.tm.time("ag"))
        lines.append(
            f"| {r.name} | {r.framework} | {r.op} | {fmt_n(r.n)} | `{r.ours}` | `{r.theirs}` | "
            f"{fmt_time(r.tm.time('ag'))} | {fmt_time(r.tm.time('native'))} | {fmt_ratio(r.tm.ratio('ag', 'native'))} "
            f"| {gbs} | {'yes' if r.agree else '**no**'} | {len(r.tm.samples.get('ag', []))} "
            f"| {fmt_load(r.tm.foreign_load)} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------------------
# Report and CLI


def environment() -> list[str]:
    """Machine, versions and commit, taken when the run starts (the code measured is the code imported then)."""
    torch = None
    with contextlib.suppress(ImportError):
        import torch

        torch.set_num_threads(TORCH_THREADS)
    versions = []
    for mod in ("dask", "distributed", "xarray", "jax"):
        with contextlib.suppress(ImportError):
            versions.append(f"{mod} {__import__(mod).__version__}")
    lines = machine_info(torch)
    with contextlib.suppress(OSError, ValueError, IndexError):
        total = int(Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]) * 1024
        lines.append(f"- memory: {total / 2**30:.1f} GiB")
    return [*lines, f"- {', '.join(versions)}"]


def section(
    args: argparse.Namespace, cmd: Sequence[str], parts: dict[str, Any], elapsed: float, env: Sequence[str]
) -> str:
    started = datetime.datetime.now().astimezone() - datetime.timedelta(seconds=elapsed)
    out = [
        "## Dask, PyTorch and JAX inputs (benchmarks/backends.py)",
        "",
        f"Generated by `{shlex.join(cmd)}`, started {started.strftime('%Y-%m-%d %H:%M %Z')}, {elapsed:.0f} s.",
        "",
        *env,
    ]
    if "dask" in parts:
        table, notes = parts["dask"]
        out += [
            "",
            "### Dask on a `dask.distributed` cluster vs NumPy in one process",
            "",
            "Each Dask row is one `.compute()` of the whole graph: chunk-wise actgrad (the NumPy kernels in the "
            "workers) and a sum, so only scalars travel back. The `read` rows are the sums alone: what reading "
            "the persisted data costs the cluster. The NumPy rows run the same activation on in-memory arrays of "
            "the same size in this process, after the cluster is closed. Elements/s counts x's elements; GB/s "
            "counts the bytes of the inputs read (x, or g and x), not the writes. Medians of interleaved rounds.",
            "",
            *(f"- {n}" for n in notes),
            "",
            table,
        ]
    fw_rows = parts.get("torch", []) + parts.get("jax", [])
    if fw_rows:
        out += [
            "",
            "### PyTorch and JAX inputs vs the framework's own activation",
            "",
            "float32, standard-normal inputs on the CPU. actgrad evaluates its formulas with the framework's "
            "operations (in float64 where the framework has it, rounded once; JAX without x64 in float32); the "
            "native functions are the frameworks' fused kernels. Backward: `ag.<name>.backward(g, x)` against "
            "`torch.autograd.grad(y, t, g)` on a retained graph (the backward kernel alone) and against "
            f"`jax.vjp`, both sides `jax.jit`-ed. PyTorch with {TORCH_THREADS} threads. Up to {args.fw_rounds} "
            f"interleaved rounds per case (at least 3; fewer where they would take over {args.case_budget:g} s). "
            "Ratios are medians of per-round ratios (> 1: actgrad is slower); GB/s counts reads and writes of "
            "actgrad's call. "
            '"agree": actgrad and the native function agree within 1e-4 relative on [-8, 8] (a **no** need not '
            "be actgrad's error: `jax.vjp` of `jnp.tanh` in float32 computes 1 - tanh(x)^2, which is 0 at |x| = 8 "
            "where the truth is 4.5e-7; actgrad's float32 tanh' is within 1.1e-7 relative there).",
            "",
            fw_table(fw_rows),
        ]
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smoke test: --gb 0.2, sizes 1e5, 3 rounds")
    p.add_argument("--gb", type=float, help="GB (1e9 bytes) of float32 per Dask array (default 4; 0.2 with --quick)")
    p.add_argument(
        "--names",
        nargs="+",
        help="activations (default: gelu or the first smooth one for Dask; "
        "every one the framework has for PyTorch/JAX)",
    )
    p.add_argument("--sizes", nargs="+", type=lambda s: int(float(s)), help="PyTorch/JAX sizes (default 1e6 1e7)")
    p.add_argument("--dask-names", nargs="+", help="activations for the Dask part (default: --names, else gelu)")
    p.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS), help="default: all three")
    p.add_argument(
        "--case-budget", type=float, default=3.0, help="PyTorch/JAX: seconds per case, fewer rounds (>= 3) beyond"
    )
    p.add_argument("--rounds", type=int, help="rounds for the Dask/NumPy part (default 5; 3 with --quick)")
    p.add_argument("--fw-rounds", type=int, help="rounds for PyTorch/JAX (default 15; 3 with --quick)")
    p.add_argument("--workers", type=int, default=2, help="Dask worker processes (1 thread each); default 2")
    p.add_argument("--worker-numba-threads", type=int, default=1, help="NUMBA_NUM_THREADS in the workers (1)")
    p.add_argument("--chunk-mb", type=float, default=128, help="Dask chunk size in MiB (default 128)")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report to update (benchmarks/RESULTS.md)")
    args = p.parse_args(argv)
    if args.gb is None:
        args.gb = 0.2 if args.quick else 4.0
    if args.sizes is None:
        args.sizes = [100_000] if args.quick else [1_000_000, 10_000_000]
    args.rounds = args.rounds or (3 if args.quick else 5)
    args.fw_rounds = args.fw_rounds or (3 if args.quick else 15)
    if args.names:
        args.names = [ag.get(n).name for n in args.names]
    args.dask_names = [ag.get(n).name for n in args.dask_names] if args.dask_names else args.names
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cmd = ["python", os.path.relpath(__file__), *(sys.argv[1:] if argv is None else argv)]
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.1f} s] {msg}", flush=True)

    parts: dict[str, Any] = {}
    env = environment()

    def save() -> None:  # after each part and activation, so that a long run that dies keeps what it measured
        _sections.write(args.output, SECTION, section(args, cmd, parts, time.perf_counter() - t0, env))

    def progress(part: str) -> Callable[[list[FwRow]], None]:
        def update(rows: list[FwRow]) -> None:
            parts[part] = rows
            save()

        return update

    if "dask" in args.parts:
        parts["dask"] = dask_part(args, dask_names(args.dask_names), log)
        print(parts["dask"][0], flush=True)
        save()
    fw_names = args.names or list(ag.names())
    if "torch" in args.parts:
        parts["torch"] = torch_part(args, fw_names, log, progress("torch"))
    if "jax" in args.parts:
        parts["jax"] = jax_part(args, fw_names, log, progress("jax"))
    elapsed = time.perf_counter() - t0
    save()
    if parts.get("torch") or parts.get("jax"):
        print(fw_table(parts.get("torch", []) + parts.get("jax", [])))
    print(f"\nwrote the {SECTION!r} section of {args.output} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
