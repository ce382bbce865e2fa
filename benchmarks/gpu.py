"""Check and time actgrad on an NVIDIA GPU: PyTorch CUDA tensors and CuPy arrays against the CPU NumPy kernels.

Usage::

    python benchmarks/gpu.py                                   # check + time -> the gpu section of RESULTS.md
    python benchmarks/gpu.py --section-only $OUT/gpu.md        # write just the section text to that file
    python benchmarks/gpu.py --cpu-smoke --section-only /tmp/gpu.md   # no GPU: torch CPU tensors, tiny sizes

(a) Correctness. For every registered activation (each option of a choice parameter too; required parameters at
their documented example) and every method -- ``f``, ``grad`` under every kink convention, ``grad2``, ``backward``,
``value_and_grad`` (under every convention where the formula has kinks) and ``grad(wrt=...)`` for each parameter --
float32 and float64 inputs of ``--n`` elements (signed zeros, subnormals, extremes, infinities, NaN, every kink and
its neighbours, a dense grid on [-12, 12], random values in four regimes) go through actgrad as CuPy arrays and as
torch CUDA tensors, and the results are compared with the NumPy kernels' on the CPU: NaN where NaN, equal
infinities, equal values at every kink (that is what a kink convention promises), and elsewhere within
``--ulps`` ulp (8) -- where the function has an interior zero (a sign change away from x = 0), within 0.05 of it,
in units of ulp(1) (times |g| for backward), the rule the accuracy tests use. Results must keep the input's type,
dtype and device. A PASS/FAIL table is printed; the exit status is 1 on any failure. Bit-identical shares and the
largest ulp distances are reported too. The CPU reference runs in chunks small enough for numba's serial kernels
(no parallel compiles), so the numba compile time stays small.

(b) Throughput at ``--bench-n`` (10^8) float32 elements: ``ag.<name>(t)`` and ``ag.<name>.backward(g, t)`` on
torch CUDA tensors (and the same memory as CuPy arrays) against PyTorch's own CUDA kernels (``F.<name>``;
backward: ``torch.autograd.grad`` on a retained graph, i.e. the backward kernel alone) and against the memory
limit: ``out.copy_(t)`` (one read, one write) and ``torch.add(g, t, out=out)`` (two reads, one write). Timed with
``torch.cuda.Event``, medians of ``--rounds`` interleaved rounds (order rotating).

(c) A markdown section (date, device, versions, tables) replaces the part of ``--output`` (default
``benchmarks/RESULTS.md``) between ``<!-- gpu:start -->`` and ``<!-- gpu:end -->``; ``--section-only PATH`` writes
just the section (markers included) to PATH and leaves RESULTS.md alone. CuPy or PyTorch are skipped cleanly when
absent. Nothing here needs mpmath, hypothesis or the tests' modules.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import platform
import shlex
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _sections
import numpy as np
from _timing import RoundSamples

import actgrad as ag
from actgrad._registry import CONVENTIONS

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "RESULTS.md"
SECTION = "gpu"
#: Chunk size of the CPU reference: below actgrad's parallel threshold, so only serial kernels compile.
REF_CHUNK = 16_384
DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# --------------------------------------------------------------------------------------------------------------
# Backends: how to move arrays to the device and back, and what a result must look like


@dataclass
class Backend:
    label: str
    put: Callable[[np.ndarray], Any]
    get: Callable[[Any], np.ndarray]
    #: A message when ``result`` is not of ``like``'s type, dtype and device; else None.
    check: Callable[[Any, Any], str | None]
    sync: Callable[[], None]


def torch_backend(device: str) -> Backend | None:
    try:
        import torch
    except ImportError:
        return None
    if device == "cuda" and not torch.cuda.is_available():
        return None
    dev = torch.device(device)

    def check(r: Any, like: Any) -> str | None:
        if not isinstance(r, torch.Tensor):
            return f"got {type(r).__name__}, not a torch.Tensor"
        if r.dtype != like.dtype or r.device != like.device:
            return f"got {r.dtype} on {r.device}, expected {like.dtype} on {like.device}"
        return None

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize()

    return Backend(
        f"torch {dev.type}",
        lambda a: torch.from_numpy(a).to(dev),
        lambda r: r.detach().cpu().numpy(),
        check,
        sync,
    )


def cupy_backend() -> Backend | None:
    try:
        import cupy as cp

        cp.zeros(1).sum().item()  # a device must work, not just the import
    except Exception:
        return None

    def check(r: Any, like: Any) -> str | None:
        if not isinstance(r, cp.ndarray):
            return f"got {type(r).__name__}, not a cupy.ndarray"
        if r.dtype != like.dtype or r.device.id != like.device.id:
            return f"got {r.dtype} on device {r.device.id}, expected {like.dtype} on {like.device.id}"
        return None

    return Backend("cupy", cp.asarray, cp.asnumpy, check, lambda: cp.cuda.Device().synchronize())


# --------------------------------------------------------------------------------------------------------------
# Inputs


def variants(name: str) -> list[dict[str, Any]]:
    """Keyword sets to check: required parameters at their example, and each option of a choice parameter."""
    spec = ag.get(name).spec
    base = {p.name: p.shown for p in spec.params if p.default is None}
    sets = [base]
    for p in spec.params:
        if p.choices:
            sets += [{**base, p.name: c} for c in p.choices if c != p.default]
    return sets


def formulas(name: str, kw: dict[str, Any]) -> dict[str, Any]:
    """The formulas one variant uses, by key: "f", "grad", "grad2", "wrt:<param>"."""
    spec = ag.get(name).spec
    _, variant = spec.bind(kw)
    out = {"f": spec.formula(0, variant), "grad": spec.formula(1, variant), "grad2": spec.formula(2, variant)}
    for p in spec.wrt:
        out[f"wrt:{p}"] = spec.formula(p, variant)
    return out


def kink_positions(name: str, kw: dict[str, Any], formula: Any) -> list[float]:
    params, _ = ag.get(name).spec.bind(kw)
    return [float(k.location(params)) for k in formula.kinks]


GRID = (-12.0, 12.0, 24_001)  # contains 0 exactly; spacing 0.001


def make_inputs(dtype: np.dtype, kinks: Sequence[float], n: int, seed: int) -> tuple[np.ndarray, slice]:
    """``n`` values (at least the special ones) and the slice of ``x`` holding the sorted grid."""
    fi = np.finfo(dtype)
    inf = dtype.type(np.inf)
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, -7.0, 20.0, -20.0, 40.0, -40.0]
    special += [100.0, -100.0, 700.0, -700.0, 750.0, -750.0, np.inf, -np.inf, np.nan]
    vals = [dtype.type(v) for v in special]
    for v in (fi.smallest_subnormal, fi.smallest_normal, fi.max, fi.eps, fi.tiny * 3, fi.max / 3):
        vals += [dtype.type(v), -dtype.type(v)]
    for k in kinks:
        k = dtype.type(k)
        up = down = k
        vals.append(k)
        for _ in range(3):
            up, down = np.nextafter(up, inf), np.nextafter(down, -inf)
            vals += [up, down]
    head = np.array(vals, dtype)
    grid = np.linspace(*GRID[:2], GRID[2]).astype(dtype)
    rng = np.random.default_rng(seed)
    m = max(0, n - head.size - grid.size)
    q = m // 5
    big = np.log10(float(fi.max))
    small = np.log10(float(fi.smallest_subnormal))
    regimes = [
        rng.normal(0, 3, q),  # normal
        rng.normal(0, 1, q) * 1e-3,  # small
        rng.normal(0, 1, q) * 1e3,  # large
        rng.choice([-1, 1], q) * 10.0 ** rng.uniform(small, big, q),  # extremal, every exponent
        rng.uniform(-12, 12, m - 4 * q),  # the grid's range, off the grid
    ]
    with np.errstate(over="ignore", under="ignore"):
        rand = np.concatenate(regimes).astype(dtype)
    x = np.concatenate([head, grid, rand])
    return x, slice(head.size, head.size + grid.size)


def make_g(x: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    g = rng.normal(0, 1, x.size).astype(x.dtype)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0], x.dtype)
    g[: special.size] = special
    return g


# --------------------------------------------------------------------------------------------------------------
# Methods and comparison


@dataclass
class Method:
    label: str
    call: Callable[..., Any]  # (x) or (g, x) -> result or pair
    takes_g: bool
    #: Formula key of each output ("f", "grad", ...): its kinks are checked exactly (not for f or backward).
    outputs: tuple[str, ...]
    exact_at_kinks: tuple[bool, ...]


def methods(name: str, kw: dict[str, Any]) -> list[Method]:
    act = ag.get(name)
    fs = formulas(name, kw)

    def convs(key: str) -> Sequence[str]:
        return CONVENTIONS if fs[key].kinks else ("torch",)

    out = [Method("f", lambda x: act(x, **kw), False, ("f",), (False,))]
    for c in CONVENTIONS:
        out.append(Method(f"grad[{c}]", lambda x, c=c: act.grad(x, kink=c, **kw), False, ("grad",), (True,)))
    for c in convs("grad2"):
        out.append(Method(f"grad2[{c}]", lambda x, c=c: act.grad2(x, kink=c, **kw), False, ("grad2",), (True,)))
    for c in convs("grad"):
        out.append(
            Method(f"backward[{c}]", lambda g, x, c=c: act.backward(g, x, kink=c, **kw), True, ("grad",), (False,))
        )
        out.append(
            Method(
                f"value_and_grad[{c}]",
                lambda x, c=c: act.value_and_grad(x, kink=c, **kw),
                False,
                ("f", "grad"),
                (False, True),
            )
        )
    for key in fs:
        if key.startswith("wrt:"):
            p = key[4:]
            for c in convs(key):
                out.append(
                    Method(
                        f"grad(wrt={p})[{c}]",
                        lambda x, c=c, p=p: act.grad(x, kink=c, wrt=p, **kw),
                        False,
                        (key,),
                        (True,),
                    )
                )
    return out


def cpu_reference(m: Method, x: np.ndarray, g: np.ndarray) -> list[np.ndarray]:
    """The NumPy kernels' results, in chunks (serial kernels only)."""
    parts: list[list[np.ndarray]] = [[] for _ in m.outputs]
    for i in range(0, x.size, REF_CHUNK):
        xs = x[i : i + REF_CHUNK]
        r = m.call(g[i : i + REF_CHUNK], xs) if m.takes_g else m.call(xs)
        r = r if isinstance(r, tuple) else (r,)
        for p, v in zip(parts, r, strict=True):
            p.append(np.asarray(v))
    return [np.concatenate(p) for p in parts]


def interior_zeros(x: np.ndarray, ref: np.ndarray, grid: slice) -> list[float]:
    """Where ``ref`` changes sign on the grid away from x = 0 (the closed forms cancel near such zeros)."""
    xg = x[grid].astype(np.float64)
    r = ref[grid].astype(np.float64)
    s = np.sign(np.where(np.isnan(r), 0.0, r))
    zeros = [float((xg[i] + xg[i + 1]) / 2) for i in np.flatnonzero(s[:-1] * s[1:] < 0)]
    mid = np.flatnonzero((s[1:-1] == 0) & (s[:-2] * s[2:] < 0)) + 1
    zeros += [float(xg[i]) for i in mid]
    return [z for z in zeros if z != 0.0 and abs(z) > 1e-3]


@dataclass
class Check:
    """One (activation variant, method, backend, dtype) comparison."""

    name: str
    variant: str
    method: str
    backend: str
    dtype: str
    ok: bool
    identical: float  # share of bit-identical elements
    max_ulp: float
    message: str = ""


def compare(
    x: np.ndarray,
    ref: np.ndarray,
    got: np.ndarray,
    *,
    ulps: float,
    kinks: Sequence[float],
    exact_at_kinks: bool,
    zeros: Sequence[float],
    scale: np.ndarray | None,
) -> tuple[bool, float, float, str]:
    """(ok, share bit-identical, max ulp distance, message)."""
    dt = ref.dtype
    if got.dtype != dt or got.shape != ref.shape:
        return False, 0.0, np.inf, f"got {got.dtype}{got.shape}, expected {dt}{ref.shape}"
    bits = ref.view(f"u{dt.itemsize}") == got.view(f"u{dt.itemsize}")
    identical = float(np.mean(bits))
    problems = []
    nan_r, nan_g = np.isnan(ref), np.isnan(got)
    if np.any(nan_r != nan_g):
        i = int(np.flatnonzero(nan_r != nan_g)[0])
        problems.append(f"NaN mismatch at {np.sum(nan_r != nan_g)} points, e.g. x={x[i]!r}: {ref[i]!r} vs {got[i]!r}")
    inf = (np.isinf(ref) | np.isinf(got)) & ~nan_r & ~nan_g
    if np.any(ref[inf] != got[inf]):
        i = int(np.flatnonzero(inf & (ref != got))[0])
        problems.append(f"infinity mismatch, e.g. x={x[i]!r}: {ref[i]!r} vs {got[i]!r}")
    at_kink = np.isin(x, np.array(kinks, dt)) if kinks else np.zeros(x.shape, bool)
    if exact_at_kinks and np.any(ref[at_kink] != got[at_kink]):
        i = int(np.flatnonzero(at_kink & (ref != got))[0])
        problems.append(f"differs at the kink x={x[i]!r}: {ref[i]!r} vs {got[i]!r}")
    fin = np.isfinite(ref) & np.isfinite(got)
    r64, g64 = ref.astype(np.float64), got.astype(np.float64)
    with np.errstate(all="ignore"):
        unit = np.spacing(np.abs(ref)).astype(np.float64)
    if zeros:
        near = np.zeros(x.shape, bool)
        for z in zeros:
            near |= np.abs(x.astype(np.float64) - z) < 0.05
        one = float(np.spacing(dt.type(1)))
        floor = one * (np.abs(scale.astype(np.float64)) if scale is not None else 1.0)
        unit = np.where(near, np.maximum(unit, floor), unit)
    with np.errstate(invalid="ignore", over="ignore"):
        dist = np.where(fin, np.abs(g64 - r64) / unit, 0.0)
    dist = np.where(bits, 0.0, dist)
    max_ulp = float(np.max(dist)) if dist.size else 0.0
    if max_ulp > ulps:
        i = int(np.argmax(dist))
        problems.append(f"{np.sum(dist > ulps)} points beyond {ulps:g} ulp, worst x={x[i]!r}: {ref[i]!r} vs {got[i]!r}")
    return not problems, identical, max_ulp, "; ".join(problems)


@dataclass
class Job:
    """One (activation, variant, dtype) to check: its inputs and the CPU reference of every method."""

    name: str
    kw: dict[str, Any]
    dtype: str
    x: np.ndarray
    g: np.ndarray
    grid: slice
    refs: dict[str, list[np.ndarray]]
    errors: dict[str, str]
    seconds: float


def reference_job(name: str, kw: dict[str, Any], dtype: str, n: int, seed: int) -> Job:
    """Inputs and CPU references for one (activation, variant, dtype); runs in a worker process (picklable)."""
    t0 = time.perf_counter()
    dt = np.dtype(dtype)
    fs = formulas(name, kw)
    all_kinks = sorted({k for f in fs.values() for k in kink_positions(name, kw, f)})
    x, grid = make_inputs(dt, all_kinks, n, seed=seed)
    g = make_g(x, seed=seed)
    refs: dict[str, list[np.ndarray]] = {}
    errors: dict[str, str] = {}
    for m in methods(name, kw):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                refs[m.label] = cpu_reference(m, x, g)
        except Exception as exc:
            errors[m.label] = "".join(traceback.format_exception_only(exc)).strip()
    return Job(name, kw, dtype, x, g, grid, refs, errors, time.perf_counter() - t0)


def _warm_worker() -> None:
    """Import actgrad (and numba) in a pool worker before the first job arrives."""
    import actgrad  # noqa: F401


def correctness(
    names: Sequence[str], backends: Sequence[Backend], n: int, ulps: float, jobs: int, log: Callable[[str], None]
) -> list[Check]:
    """Check every (activation, variant, dtype); the CPU references are computed by ``jobs`` worker processes
    (numba compiles there, in parallel) while this process runs the device checks of finished ones."""
    todo = [(name, kw, dt.name, n, ni) for ni, name in enumerate(names) for kw in variants(name) for dt in DTYPES]
    pool = None
    if jobs > 1:
        import concurrent.futures
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no fork after CUDA is initialised
        pool = concurrent.futures.ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_warm_worker)
        futures = [pool.submit(reference_job, *t) for t in todo]
        results = (f.result() for f in futures)
    else:
        results = (reference_job(*t) for t in todo)
    checks: list[Check] = []
    try:
        for job in results:
            checks += _device_checks(job, backends, ulps)
            mine = [c for c in checks if c.name == job.name and c.dtype == job.dtype]
            bad = [c for c in mine if not c.ok]
            var = ", ".join(f"{k}={v!r}" for k, v in job.kw.items())
            log(
                f"{job.name}{f' ({var})' if var else ''} {job.dtype}: {'FAIL' if bad else 'ok'} "
                f"(CPU reference {job.seconds:.1f} s)"
            )
            for c in bad[:5]:
                log(f"  FAIL {c.method} {c.backend} {c.dtype}: {c.message}")
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return checks


def _device_checks(job: Job, backends: Sequence[Backend], ulps: float) -> list[Check]:
    name, kw, x, g = job.name, job.kw, job.x, job.g
    var = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    checks = [Check(name, var, m, "numpy (cpu)", job.dtype, False, 0, np.inf, e) for m, e in job.errors.items()]
    fs = formulas(name, kw)
    kinks_of = {k: kink_positions(name, kw, f) for k, f in fs.items()}
    ms = methods(name, kw)
    zeros: dict[str, list[float]] = {}
    for m in ms:  # the unary methods' references give each formula's zeros
        if not m.takes_g and m.label in job.refs:
            for key, r in zip(m.outputs, job.refs[m.label], strict=True):
                zeros.setdefault(key, interior_zeros(x, r, job.grid))
    for b in backends:
        dx, dg = b.put(x), b.put(g)
        for m in ms:
            if m.label in job.refs:
                checks.append(_check_one(name, var, m, b, dx, dg, x, g, job.refs[m.label], kinks_of, zeros, ulps))
    return checks


def _check_one(
    name: str,
    var: str,
    m: Method,
    b: Backend,
    dx: Any,
    dg: Any,
    x: np.ndarray,
    g: np.ndarray,
    ref: list[np.ndarray],
    kinks_of: dict[str, list[float]],
    zeros: dict[str, list[float]],
    ulps: float,
) -> Check:
    dt = x.dtype.name
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = m.call(dg, dx) if m.takes_g else m.call(dx)
        b.sync()
    except Exception as exc:
        msg = "".join(traceback.format_exception_only(exc)).strip()
        return Check(name, var, m.label, b.label, dt, False, 0.0, np.inf, f"raised {msg}")
    r = r if isinstance(r, tuple) else (r,)
    if len(r) != len(ref):
        return Check(name, var, m.label, b.label, dt, False, 0.0, np.inf, f"{len(r)} outputs, expected {len(ref)}")
    ok, ident, worst, msgs = True, 1.0, 0.0, []
    for out, want, key, exact in zip(r, ref, m.outputs, m.exact_at_kinks, strict=True):
        bad_type = b.check(out, dx)
        if bad_type:
            ok = False
            msgs.append(bad_type)
            continue
        got = b.get(out)
        good, share, mu, msg = compare(
            x,
            want,
            got,
            ulps=ulps,
            kinks=kinks_of[key],
            exact_at_kinks=exact,
            zeros=zeros.get(key, []),
            scale=g if m.takes_g else None,
        )
        ok &= good
        ident = min(ident, share)
        worst = max(worst, mu)
        if msg:
            msgs.append(msg)
    return Check(name, var, m.label, b.label, dt, ok, ident, worst, "; ".join(msgs))


# --------------------------------------------------------------------------------------------------------------
# Throughput


def torch_native(torch: Any, name: str, kw: dict[str, Any], device: str) -> tuple[str, Callable[[Any], Any]] | None:
    """PyTorch's own function for the activation (``F.<name>`` by name or alias), with the same parameters."""
    F = torch.nn.functional
    spec = ag.get(name).spec
    cands = list(dict.fromkeys([name, *spec.aliases, name.replace("_", "")]))
    for cand in cands:
        fn = getattr(F, cand, None)
        if fn is None or not callable(fn):
            continue
        args: dict[str, Any] = {}
        for p in spec.params:
            if p.integer:
                continue
            value = kw.get(p.name, p.default if p.default is not None else p.shown)
            args[p.name] = torch.tensor([float(value)], device=device) if p.per_channel else value
        try:  # PyTorch must take these parameters (else it is not the same function)
            fn(torch.linspace(-3, 3, 7, device=device), **args)
        except Exception:
            continue
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items() if not hasattr(v, "shape") and k in kw)
        return f"F.{cand}(t{', ' + shown if shown else ''})", lambda t, fn=fn, a=args: fn(t, **a)
    return None


@dataclass
class Bench(RoundSamples):
    name: str
    variant: str
    op: str
    n: int
    labels: dict[str, str]
    samples: dict[str, list[float]] = field(default_factory=dict)
    note: str = ""
    rounds: int = 0


def _timer(torch: Any, cuda: bool) -> Callable[[Callable[[], Any]], float]:
    """Seconds of one call: CUDA events on the GPU, perf_counter on the CPU."""
    if cuda:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

        def run(fn: Callable[[], Any]) -> float:
            start.record()
            fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end) / 1e3

        return run

    def run_cpu(fn: Callable[[], Any]) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    return run_cpu


def throughput(
    names: Sequence[str],
    n: int,
    max_rounds: int,
    budget: float,
    device: str,
    use_cupy: bool,
    log: Callable[[str], None],
) -> list[Bench]:
    """Time each case for ``max_rounds`` interleaved rounds, or fewer (at least 5) where a round takes longer
    than ``budget / max_rounds`` seconds."""
    import torch

    cuda = device == "cuda"
    timer = _timer(torch, cuda)
    cp = None
    if use_cupy:
        import cupy as cp
    gen = torch.Generator(device=device).manual_seed(0)
    x = torch.randn(n, device=device, dtype=torch.float32, generator=gen)
    g = torch.randn(n, device=device, dtype=torch.float32, generator=gen)
    out = torch.empty_like(x)
    cx = cg = None
    if cp is not None:
        cx, cg = cp.from_dlpack(x), cp.from_dlpack(g)
    results: list[Bench] = []
    for name in names:
        act = ag.get(name)
        kw = variants(name)[0]
        var = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        native = torch_native(torch, name, kw, device)
        for op in ("forward", "backward"):
            fns: dict[str, Callable[[], Any]] = {}
            labels: dict[str, str] = {}
            note = ""
            if op == "forward":
                fns["ag"], labels["ag"] = (lambda act=act, kw=kw: act(x, **kw)), f"ag.{name}(t)"
                if cx is not None:
                    fns["ag_cupy"], labels["ag_cupy"] = (lambda act=act, kw=kw: act(cx, **kw)), f"ag.{name}(cupy)"
                if native is not None:
                    fns["native"], labels["native"] = (lambda fn=native[1]: fn(x)), native[0]
                fns["copy"], labels["copy"] = (lambda: out.copy_(x)), "out.copy_(t)"
            else:
                fns["ag"], labels["ag"] = (lambda act=act, kw=kw: act.backward(g, x, **kw)), f"ag.{name}.backward(g, t)"
                if cx is not None:
                    fns["ag_cupy"], labels["ag_cupy"] = (lambda act=act, kw=kw: act.backward(cg, cx, **kw)), "(cupy)"
                if native is not None:
                    try:
                        xr = x.detach().clone().requires_grad_(True)
                        y = native[1](xr)
                        fns["native"] = lambda xr=xr, y=y: torch.autograd.grad(y, xr, g, retain_graph=True)
                        labels["native"] = "autograd.grad (retained graph)"
                        del xr, y
                    except Exception as exc:
                        note = "PyTorch raised " + "".join(traceback.format_exception_only(exc)).strip()
                fns["copy"], labels["copy"] = (lambda: torch.add(g, x, out=out)), "torch.add(g, t, out=)"
            bench = Bench(name, var, op, n, labels)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    for fn in fns.values():  # warm-up: CuPy compiles its kernels, caches fill
                        fn()
                    one_round = sum(timer(fn) for fn in fns.values())
                    rounds = max(5, min(max_rounds, int(budget / max(one_round, 1e-9))))
                    if native is not None and op == "forward":
                        a, b = act(x[:100_000], **kw), native[1](x[:100_000])
                        if not torch.allclose(a, b, rtol=1e-4, atol=1e-6, equal_nan=True):
                            note = "actgrad and PyTorch differ beyond 1e-4 (different definitions?)"
                    items = list(fns.items())
                    samples: dict[str, list[float]] = {k: [] for k in fns}
                    for r in range(rounds):
                        k = r % len(items)
                        for role, fn in items[k:] + items[:k]:
                            samples[role].append(timer(fn))
                bench.samples = samples
            except Exception as exc:
                note = "raised " + "".join(traceback.format_exception_only(exc)).strip()
                if cuda:
                    torch.cuda.synchronize()
            bench.note = note
            bench.rounds = len(bench.samples.get("ag", []))
            results.append(bench)
            fns.clear()
            log(
                f"{name} {op}: ag {_ms(bench.time('ag'))}, native {_ms(bench.time('native'))}, "
                f"copy {_ms(bench.time('copy'))}" + (f" [{note}]" if note else "")
            )
        if cuda:
            torch.cuda.empty_cache()
    return results


def _ms(s: float | None) -> str:
    return "-" if s is None else f"{s * 1e3:.3f} ms"


# --------------------------------------------------------------------------------------------------------------
# Report


def correctness_table(checks: Sequence[Check]) -> str:
    cols = list(dict.fromkeys((c.backend, c.dtype) for c in checks if c.backend != "numpy (cpu)"))
    rows = list(dict.fromkeys((c.name, c.variant) for c in checks))
    head = ["activation", *(f"{b} {d}" for b, d in cols), "result"]
    lines = [
        "Each cell: bit-identical share of the elements (worst method) / largest ulp distance (every method), over "
        "f, grad under every convention, grad2, backward, value_and_grad and the parameter derivatives.",
        "",
        "| " + " | ".join(head) + " |",
        "|---|" + "---:|" * len(cols) + "---|",
    ]
    for name, var in rows:
        mine = [c for c in checks if (c.name, c.variant) == (name, var)]
        cells = []
        for b, d in cols:
            cs = [c for c in mine if (c.backend, c.dtype) == (b, d)]
            if not cs:
                cells.append("-")
                continue
            ident = min(c.identical for c in cs)
            worst = max(c.max_ulp for c in cs)
            mark = "" if all(c.ok for c in cs) else " **FAIL**"
            cells.append(f"{ident:.1%} / {worst:.3g}{mark}")
        label = f"`{name}`" + (f" ({var})" if var else "")
        n_ok = sum(c.ok for c in mine)
        lines.append(
            f"| {label} | {' | '.join(cells)} | {'PASS' if n_ok == len(mine) else 'FAIL'} ({n_ok}/{len(mine)}) |"
        )
    fails = [c for c in checks if not c.ok]
    if fails:
        lines += ["", f"Failures ({len(fails)}):", ""]
        lines += [
            f"- `{c.name}`{f' ({c.variant})' if c.variant else ''} {c.method}, {c.backend} {c.dtype}: {c.message}"
            for c in fails[:40]
        ]
        if len(fails) > 40:
            lines.append(f"- ... and {len(fails) - 40} more")
    return "\n".join(lines)


def throughput_table(benches: Sequence[Bench]) -> str:
    lines = [
        "| activation | op | actgrad (torch) | actgrad (CuPy) | PyTorch native | copy | actgrad / native | "
        "actgrad / copy | actgrad GB/s | copy GB/s | rounds | note |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for b in benches:
        nbytes = (2 if b.op == "forward" else 3) * 4 * b.n

        def gbs(role: str, b: Bench = b, nbytes: int = nbytes) -> str:
            t = b.time(role)
            return "-" if not t else f"{nbytes / t / 1e9:.0f}"

        def r(x: float | None) -> str:
            return "-" if x is None else f"{x:.2f}x"

        lines.append(
            f"| `{b.name}` | {b.op} | {_ms(b.time('ag'))} | {_ms(b.time('ag_cupy'))} | {_ms(b.time('native'))} | "
            f"{_ms(b.time('copy'))} | {r(b.ratio('ag', 'native'))} | {r(b.ratio('ag', 'copy'))} | {gbs('ag')} | "
            f"{gbs('copy')} | {b.rounds} | {b.labels.get('native', 'no PyTorch function') if not b.note else b.note} |"
        )
    return "\n".join(lines)


def device_info(device: str, use_cupy: bool) -> list[str]:
    info = [f"- Python {platform.python_version()}, numpy {np.__version__}, actgrad {ag.__version__}"]
    with contextlib.suppress(ImportError):
        import numba

        info[0] += f", numba {numba.__version__}"
    try:
        import torch

        info.append(f"- torch {torch.__version__} (CUDA {torch.version.cuda})")
        if device == "cuda":
            p = torch.cuda.get_device_properties(0)
            info.insert(
                0,
                f"- GPU: {torch.cuda.get_device_name()} ({p.total_memory / 2**30:.0f} GiB, compute capability "
                f"{p.major}.{p.minor}, {p.multi_processor_count} SMs)",
            )
        else:
            info.insert(0, "- no GPU: `--cpu-smoke`, torch CPU tensors in place of CUDA ones")
    except ImportError:
        info.append("- torch: not installed")
    if use_cupy:
        import cupy as cp

        info.append(f"- cupy {cp.__version__} (CUDA runtime {cp.cuda.runtime.runtimeGetVersion()})")
    else:
        info.append("- cupy: not available (skipped)")
    with contextlib.suppress(ImportError):
        import array_api_compat

        info.append(f"- array-api-compat {array_api_compat.__version__}")
    info.append(f"- CPU reference: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    return info


def section(
    cmd: Sequence[str],
    device: str,
    use_cupy: bool,
    checks: Sequence[Check] | None,
    benches: Sequence[Bench] | None,
    args: argparse.Namespace,
    timings: dict[str, float],
) -> str:
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = [
        "## GPU (benchmarks/gpu.py)",
        "",
        f"Generated {now} by `{shlex.join(cmd)}` in {sum(timings.values()):.0f} s ("
        + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
        + ").",
        "",
        *device_info(device, use_cupy),
    ]
    if checks is not None:
        n_ok = sum(c.ok for c in checks)
        parts += [
            "",
            "### Correctness against the CPU NumPy kernels",
            "",
            f"{len(checks)} comparisons, {n_ok} PASS, {len(checks) - n_ok} FAIL; {args.n:,} elements per "
            f"(activation, dtype); tolerance {args.ulps:g} ulp (ulp(1) within 0.05 of an interior zero), exact "
            "at kinks for f', f'' and parameter derivatives; NaN and infinities must match; results must keep "
            "type, dtype and device.",
            "",
            correctness_table(checks),
        ]
    if benches is not None:
        parts += [
            "",
            f"### Throughput, {benches[0].n if benches else args.bench_n:,} float32 elements",
            "",
            f"Medians of up to {args.rounds} interleaved rounds (fewer, at least 5, where a round takes more than "
            f"{args.case_budget / args.rounds:.2g} s; the rounds column), timed with `torch.cuda.Event`. actgrad "
            "evaluates its formulas with the array library's operations, in float64 and rounded once (several "
            "kernels per call); "
            "PyTorch's native functions are single fused float32 kernels. copy: `out.copy_(t)` for forward, "
            "`torch.add(g, t, out=)` for backward (the memory limit). GB/s counts reads and writes of float32 "
            "(forward 8 bytes per element, backward 12). Ratios are medians of per-round ratios.",
            "",
            throughput_table(benches),
        ]
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------------------------
# CLI


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--names", nargs="+", help="activations (default: all registered)")
    p.add_argument("--n", type=lambda s: int(float(s)), help="elements per correctness check (default 1e5)")
    p.add_argument("--bench-n", type=lambda s: int(float(s)), help="throughput size (default 1e8)")
    p.add_argument("--rounds", type=int, help="throughput rounds (default 20)")
    p.add_argument("--ulps", type=float, default=8.0, help="tolerance in ulp away from kinks (default 8)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for the CPU reference")
    p.add_argument("--case-budget", type=float, default=2.0, help="seconds per throughput case (fewer rounds)")
    p.add_argument("--skip-correctness", action="store_true")
    p.add_argument("--skip-throughput", action="store_true")
    p.add_argument("--no-cupy", action="store_true", help="leave CuPy out")
    p.add_argument("--cpu-smoke", action="store_true", help="no GPU: torch CPU tensors, tiny sizes")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report to update (benchmarks/RESULTS.md)")
    p.add_argument("--section-only", type=Path, metavar="PATH", help="write only the section text to PATH")
    args = p.parse_args(argv)
    args.names = [ag.get(n).name for n in args.names] if args.names else list(ag.names())
    args.n = args.n or (20_000 if args.cpu_smoke else 100_000)
    args.bench_n = args.bench_n or (1_000_000 if args.cpu_smoke else 100_000_000)
    args.rounds = args.rounds or (5 if args.cpu_smoke else 20)
    args.jobs = max(1, min(args.jobs, 16))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cmd = ["python", os.path.relpath(__file__), *(sys.argv[1:] if argv is None else argv)]
    t0 = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:6.1f} s] {msg}", flush=True)

    device = "cpu" if args.cpu_smoke else "cuda"
    backends = [b for b in (torch_backend(device),) if b is not None]
    cupy = None if args.no_cupy or args.cpu_smoke else cupy_backend()
    if cupy is not None:
        backends.append(cupy)
    log(f"backends: {', '.join(b.label for b in backends) or 'none'}")
    if not backends:
        print("neither PyTorch with CUDA nor CuPy works here: nothing to check (use --cpu-smoke on a CPU)")
        return 2
    timings: dict[str, float] = {}
    checks = benches = None
    if not args.skip_correctness:
        t = time.perf_counter()
        checks = correctness(args.names, backends, args.n, args.ulps, args.jobs, log)
        timings["correctness"] = time.perf_counter() - t
        print("\n" + correctness_table(checks) + "\n", flush=True)
    have_torch = any(b.label.startswith("torch") for b in backends)
    if not args.skip_throughput and have_torch:
        t = time.perf_counter()
        benches = throughput(args.names, args.bench_n, args.rounds, args.case_budget, device, cupy is not None, log)
        timings["throughput"] = time.perf_counter() - t
        print("\n" + throughput_table(benches) + "\n", flush=True)
    text = section(cmd, device, cupy is not None, checks, benches, args, timings)
    if args.section_only is not None:
        args.section_only.parent.mkdir(parents=True, exist_ok=True)
        args.section_only.write_text(_sections.wrap(SECTION, text) + "\n", encoding="utf-8")
        log(f"wrote {args.section_only}")
    else:
        _sections.write(args.output, SECTION, text)
        log(f"wrote the {SECTION!r} section of {args.output}")
    failed = [c for c in checks or [] if not c.ok]
    log(f"{'FAIL' if failed else 'PASS'}: {len(failed)} of {len(checks or [])} comparisons failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
