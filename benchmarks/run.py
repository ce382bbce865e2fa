"""Benchmark actgrad's NumPy kernels against naive NumPy, PyTorch and a plain memory copy.

Usage::

    python benchmarks/run.py                       # relu, f32 + f64, 10 .. 10^7 elements -> benchmarks/RESULTS.md
    python benchmarks/run.py --names relu leaky_relu --sizes 1000 10000000 --dtypes float32
    python benchmarks/run.py --quick --output /tmp/results.md   # CI smoke test (seconds)

Method: for each case (activation, op, dtype, size) every contender is called once to warm up (numba compiles
then) and checked against a reference result; then all contenders are timed round-robin, ``repeats`` rounds, the
order rotating each round, and the median per-call time of each is reported. Ratios are medians of the per-round
ratios (each pairs two measurements taken moments apart, which cancels most of the drift of a shared machine).
All contenders read the same arrays (PyTorch through ``torch.from_numpy``) and the ``out=`` ones write the same
output buffer. Allocating contenders allocate a fresh result on every call; the time of a call includes freeing
its result (the result is dropped at once, as in ``timeit``).

Writes a markdown report (``--output``, default ``benchmarks/RESULTS.md``) with machine information, the command,
one table per (activation, op, dtype), a summary section between ``<!-- summary:start -->`` and
``<!-- summary:end -->`` markers for the README, and the evaluation of the project's performance targets. The
summary alone also goes to ``SUMMARY.md`` next to the report (``--summary`` to change). Sections that
``benchmarks/backends.py`` and ``benchmarks/gpu.py`` wrote into the report (``<!-- backends:start -->`` ...
``<!-- backends:end -->``, ``<!-- gpu:start -->`` ... ``<!-- gpu:end -->``) are kept, at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _sections
import numpy as np

import actgrad as ag

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "RESULTS.md"
DEFAULT_SIZES = (10, 1_000, 100_000, 10_000_000)
QUICK_SIZES = (10, 1_000)
DEFAULT_DTYPES = ("float32", "float64")
OPS = ("forward", "grad", "backward")
TORCH_THREADS = 2
SUMMARY_START = "<!-- summary:start -->"
SUMMARY_END = "<!-- summary:end -->"

#: Contender roles. Every case has "ag", "ag_out" and "copy"; the others where a counterpart exists.
#: ag: actgrad, allocating; ag_out: actgrad with out=; naive: the straightforward NumPy expression (allocating);
#: naive_ge: the seed article's derivative formula (x >= 0); np_out: the best NumPy expression with out=;
#: torch / torch_out: PyTorch allocating / with out=; copy: np.copyto of x into the output buffer (the memory
#: limit of a one-input op); stream: np.add(g, x, out=) -- two reads and one write, the memory limit of backward.
ROLES = ("ag", "ag_out", "naive", "naive_ge", "np_out", "torch", "torch_out", "copy", "stream")


# --------------------------------------------------------------------------------------------------------------
# Contenders


@dataclass
class Contender:
    role: str
    label: str
    fn: Callable[[], Any]


@dataclass
class Case:
    """One (activation, op, dtype, size) measurement: per-round per-call seconds for each contender role."""

    name: str
    op: str
    dtype: str
    n: int
    labels: dict[str, str]
    samples: dict[str, list[float]] = field(default_factory=dict)
    number: int = 1
    mismatches: list[str] = field(default_factory=list)
    #: Share of the machine's CPU time used by other processes while this case was timed (None: unknown).
    foreign_load: float | None = None

    def time(self, role: str) -> float | None:
        s = self.samples.get(role)
        return statistics.median(s) if s else None

    def ratio(self, num: str, den: str) -> float | None:
        """Median over rounds of time(num) / time(den)."""
        a, b = self.samples.get(num), self.samples.get(den)
        if not a or not b:
            return None
        return statistics.median(x / y for x, y in zip(a, b, strict=True))

    def ratio_iqr(self, num: str, den: str) -> tuple[float, float] | None:
        a, b = self.samples.get(num), self.samples.get(den)
        if not a or not b or len(a) < 4:
            return None
        q = statistics.quantiles([x / y for x, y in zip(a, b, strict=True)], n=4)
        return q[0], q[2]


class _NumpyMath:
    """The math namespace a spec's formula sees when evaluated naively with NumPy (the 'naive NumPy' baseline)."""

    where = staticmethod(np.where)

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)


def _torch() -> Any | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(TORCH_THREADS)
    return torch


def contenders(name: str, op: str, x: np.ndarray, g: np.ndarray, out: np.ndarray, torch: Any) -> list[Contender]:
    """The contenders for one case; all read ``x`` (and ``g``) and the ``out=`` ones write ``out``."""
    act = ag.get(name)
    spec = act.spec
    defaults = tuple(p.default for p in spec.params)
    dt = x.dtype
    cs: list[Contender] = []
    add = cs.append
    t = tg = to = None
    if torch is not None:
        t, tg, to = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(out)

    if op == "forward":
        add(Contender("ag", f"ag.{name}(x)", lambda: act(x)))
        add(Contender("ag_out", f"ag.{name}(x, out=)", lambda: act(x, out=out)))
    elif op == "grad":
        add(Contender("ag", f"ag.{name}.grad(x)", lambda: act.grad(x)))
        add(Contender("ag_out", f"ag.{name}.grad(x, out=)", lambda: act.grad(x, out=out)))
    else:
        add(Contender("ag", f"ag.{name}.backward(g, x)", lambda: act.backward(g, x)))
        add(Contender("ag_out", f"ag.{name}.backward(g, x, out=)", lambda: act.backward(g, x, out=out)))

    if name == "relu":
        if op == "forward":
            add(Contender("naive", "np.maximum(0, x)", lambda: np.maximum(0, x)))
            add(Contender("np_out", "np.maximum(x, 0, out=)", lambda: np.maximum(x, 0, out=out)))
            if torch is not None:
                add(Contender("torch", "torch.relu(t)", lambda: torch.relu(t)))
                add(Contender("torch_out", "torch.clamp_min(t, 0, out=)", lambda: torch.clamp_min(t, 0, out=to)))
        elif op == "grad":
            add(Contender("naive", "(x > 0).astype(dt)", lambda: (x > 0).astype(dt)))
            add(Contender("naive_ge", "(x >= 0).astype(dt)", lambda: (x >= 0).astype(dt)))
            add(Contender("np_out", "np.greater(x, 0, out=)", lambda: np.greater(x, 0, out=out)))
            if torch is not None:
                add(Contender("torch", "(t > 0).to(dt)", lambda: (t > 0).to(t.dtype)))
                add(Contender("torch_out", "torch.gt(t, 0, out=)", lambda: torch.gt(t, 0, out=to)))
        else:
            add(Contender("naive", "g * (x > 0)", lambda: g * (x > 0)))
            add(Contender("np_out", "np.multiply(g, x > 0, out=)", lambda: np.multiply(g, x > 0, out=out)))
            if torch is not None:
                tb = torch.ops.aten.threshold_backward
                add(Contender("torch", "threshold_backward", lambda: tb.default(tg, t, 0.0)))
                add(
                    Contender(
                        "torch_out", "threshold_backward(grad_input=)", lambda: tb.grad_input(tg, t, 0.0, grad_input=to)
                    )
                )
    else:
        # Any other activation: its own formula evaluated with plain NumPy, and torch.nn.functional.<name>.
        m = _NumpyMath()
        formula = spec.f if op == "forward" else spec.grad

        def naive_value() -> Any:
            return np.asarray(formula.expr(m)(x, *defaults), dtype=dt)

        if op == "backward":
            add(Contender("naive", "g * f'(x) (NumPy)", lambda: g * naive_value()))
        else:
            add(Contender("naive", ("f" if op == "forward" else "f'") + "(x) (NumPy)", naive_value))
        fn = getattr(torch.nn.functional, name, None) if torch is not None else None
        if op == "forward" and fn is not None:
            kw = {p.name: p.default for p in spec.params}
            add(Contender("torch", f"F.{name}(t)", lambda: fn(t, **kw)))

    add(Contender("copy", "np.copyto(out, x)", lambda: np.copyto(out, x)))
    if op == "backward":
        add(Contender("stream", "np.add(g, x, out=)", lambda: np.add(g, x, out=out)))
    return cs


def _as_numpy(r: Any) -> np.ndarray:
    return r.numpy() if hasattr(r, "numpy") else np.asarray(r)


def _reference(name: str, op: str, x: np.ndarray, g: np.ndarray) -> np.ndarray:
    act = ag.get(name)
    if op == "forward":
        return act(x)
    if op == "grad":
        return act.grad(x)
    return act.backward(g, x)


# --------------------------------------------------------------------------------------------------------------
# Timing

#: Cases timed while other processes used more than this share of the machine's CPU time are flagged as noisy.
NOISY_LOAD = 0.10


class CpuMonitor:
    """Measures how much CPU time *other* processes take between :meth:`start` and :meth:`stop` (Linux only).

    Busy time of the whole machine from ``/proc/stat`` minus this process's own CPU time, as a share of the
    machine's capacity: 0.0 on a quiet machine, 0.5 when another process kept one of two cores busy.
    """

    def __init__(self) -> None:
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._t0: tuple[float, float, float] | None = None

    def _snapshot(self) -> tuple[float, float, float] | None:
        try:
            fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        except (OSError, ValueError):
            return None
        total = sum(fields) / self._tick
        idle = (fields[3] + fields[4]) / self._tick
        own = sum(os.times()[:2])
        return total - idle, total, own

    def start(self) -> None:
        self._t0 = self._snapshot()

    def stop(self) -> float | None:
        t1 = self._snapshot()
        # /proc/stat counts clock ticks (10 ms): over less than ~0.2 s of machine time the share is mostly noise.
        if self._t0 is None or t1 is None or t1[1] - self._t0[1] < 0.2:
            return None
        busy, total, own = (b - a for a, b in zip(self._t0, t1, strict=True))
        return min(1.0, max(0.0, (busy - own) / total))


def _time(fn: Callable[[], Any], number: int) -> float:
    """Seconds per call of ``number`` back-to-back calls (each result dropped at once)."""
    clock = time.perf_counter
    t0 = clock()
    for _ in range(number):
        fn()
    return (clock() - t0) / number


def repeats_for(n: int, quick: bool) -> int:
    if quick:
        return 3
    if n <= 10_000:
        return 51
    if n <= 1_000_000:
        return 41
    return 31


def measure(
    name: str, op: str, dtype: str, n: int, repeats: int, sample_s: float, torch: Any, rng: np.random.Generator
) -> Case:
    x = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    out = np.empty(n, dtype)
    cs = contenders(name, op, x, g, out, torch)
    case = Case(name, op, dtype, n, {c.role: c.label for c in cs})

    # Warm up (compiles numba kernels, faults in pages) and check every contender computes the same thing.
    ref = _reference(name, op, x, g)
    est = []
    for c in cs:
        r = c.fn()
        if c.role not in ("copy", "stream"):
            got = _as_numpy(r).astype(dtype, copy=False)
            if got.shape != ref.shape or not np.allclose(got, ref, rtol=1e-6, atol=0, equal_nan=True):
                case.mismatches.append(c.label)
        del r
        est.append(min(_time(c.fn, 1) for _ in range(3)))
    case.number = number = max(1, math.ceil(sample_s / max(est)))

    samples: dict[str, list[float]] = {c.role: [] for c in cs}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    monitor = CpuMonitor()
    monitor.start()
    try:
        for r in range(repeats):
            k = r % len(cs)
            for c in cs[k:] + cs[:k]:
                samples[c.role].append(_time(c.fn, number))
    finally:
        case.foreign_load = monitor.stop()
        if gc_was_enabled:
            gc.enable()
    case.samples = samples
    return case


# --------------------------------------------------------------------------------------------------------------
# Report


def fmt_time(s: float | None) -> str:
    if s is None:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.3g} µs"
    return f"{s * 1e3:.3g} ms"


def fmt_ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def fmt_load(load: float | None) -> str:
    if load is None:
        return "?"
    return f"{load:.0%}" + (" (noisy)" if load > NOISY_LOAD else "")


def fmt_n(n: int) -> str:
    e = math.log10(n) if n > 0 else 0
    return f"10^{round(e)}" if n > 0 and 10 ** round(e) == n else f"{n:,}"


#: Ratio columns of the detailed tables: (header, numerator role, denominator role).
RATIO_COLUMNS = (
    ("out= / copy", "ag_out", "copy"),
    ("out= / stream", "ag_out", "stream"),
    ("out= / torch out=", "ag_out", "torch_out"),
    ("out= / NumPy out=", "ag_out", "np_out"),
    ("alloc / torch", "ag", "torch"),
    ("naive / alloc (speed-up)", "naive", "ag"),
)


def detail_table(cases: Sequence[Case]) -> str:
    """One markdown table, rows = sizes, for cases sharing (activation, op, dtype)."""
    roles = [r for r in ROLES if any(r in c.labels for c in cases)]
    labels = {r: next(c.labels[r] for c in cases if r in c.labels) for r in roles}
    ratios = [rc for rc in RATIO_COLUMNS if rc[1] in roles and rc[2] in roles]
    head = ["n", *(f"`{labels[r]}`" for r in roles), *(h for h, _, _ in ratios), "other load"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|"]
    for c in cases:
        cells = [
            fmt_n(c.n),
            *(fmt_time(c.time(r)) for r in roles),
            *(fmt_ratio(c.ratio(a, b)) for _, a, b in ratios),
            fmt_load(c.foreign_load),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    gbs = [
        f"{fmt_n(c.n)}: {(2 * c.n * np.dtype(c.dtype).itemsize) / c.time('copy') / 1e9:.1f} GB/s"
        for c in cases
        if c.time("copy") and c.n >= 10_000
    ]
    notes = ["", f"np.copyto bandwidth (read + write): {', '.join(gbs)}."]
    bad = [f"{fmt_n(c.n)}: {', '.join(c.mismatches)}" for c in cases if c.mismatches]
    if bad:
        notes.append(f"**Results differing from actgrad's** (check!): {'; '.join(bad)}.")
    return "\n".join(lines + notes)


def _summary_size(results: Sequence[Case]) -> int:
    sizes = {c.n for c in results}
    return 10_000_000 if 10_000_000 in sizes else max(sizes)


def summary_table(results: Sequence[Case]) -> str:
    """A compact markdown table at n = 10^7 (or the largest size measured) for the README.

    Per (activation, op, dtype): times of actgrad with ``out=`` and allocating, ``np.copyto`` of the same bytes,
    PyTorch (with ``out=``, else allocating), the naive NumPy expression; and the ratios that matter.
    """
    if not results:
        return "(no results)"
    n = _summary_size(results)
    head = [
        "activation",
        "op",
        "dtype",
        "actgrad `out=`",
        "actgrad alloc",
        "np.copyto",
        "PyTorch `out=`",
        "naive NumPy",
        "`out=` / copy",
        "`out=` / PyTorch",
        "naive / alloc",
    ]
    lines = [
        f"n = {fmt_n(n)} elements; times per call (median); ratios < 1 mean actgrad is faster, except "
        "naive / alloc: the speed-up of actgrad (allocating) over the naive NumPy expression.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|",
    ]
    for c in results:
        if c.n != n:
            continue
        torch_role = "torch_out" if "torch_out" in c.samples else "torch"
        cells = [
            c.name,
            c.op,
            c.dtype,
            fmt_time(c.time("ag_out")),
            fmt_time(c.time("ag")),
            fmt_time(c.time("copy")),
            fmt_time(c.time(torch_role)) + ("" if torch_role == "torch_out" or not c.time("torch") else " (alloc)"),
            fmt_time(c.time("naive")),
            fmt_ratio(c.ratio("ag_out", "copy")),
            fmt_ratio(c.ratio("ag_out", "torch_out") or c.ratio("ag", "torch")),
            fmt_ratio(c.ratio("naive", "ag")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    noisy = [c for c in results if c.n == n and c.foreign_load is not None and c.foreign_load > NOISY_LOAD]
    if noisy:
        lines += ["", f"Measured while other processes loaded the machine ({len(noisy)} rows): indicative only."]
    return "\n".join(lines)


@dataclass
class Target:
    text: str
    op: str
    n: int
    num: str
    den: str
    #: "le": time(num) / time(den) <= limit; "ge": time(num) / time(den) >= limit (a speed-up).
    kind: str
    limit: float


TARGETS = (
    Target("`relu(x, out=)` <= 1.0x the time of `np.copyto`", "forward", 10_000_000, "ag_out", "copy", "le", 1.0),
    Target(
        "`relu.backward(g, x, out=)` <= 1.1x PyTorch's `threshold_backward` with out",
        "backward",
        10_000_000,
        "ag_out",
        "torch_out",
        "le",
        1.1,
    ),
    Target("`relu(x)` >= 1.3x faster than `np.maximum(x, 0)`", "forward", 10_000_000, "naive", "ag", "ge", 1.3),
    Target(
        "`relu.grad(x)` >= 1.6x faster than `(x > 0).astype(x.dtype)`", "grad", 10_000_000, "naive", "ag", "ge", 1.6
    ),
    Target("`relu(x)` on 10 elements <= 3x a call of `np.maximum(x, 0)`", "forward", 10, "ag", "naive", "le", 3.0),
)


def targets_section(results: Sequence[Case]) -> tuple[str, list[bool | None]]:
    lines = [
        "| # | target (float32) | n | measured | IQR over rounds | other load | result |",
        "|---:|---|---:|---:|---:|---:|---|",
    ]
    verdicts: list[bool | None] = []
    for i, t in enumerate(TARGETS, 1):
        case = next(
            (c for c in results if (c.name, c.op, c.dtype, c.n) == ("relu", t.op, "float32", t.n)),
            None,
        )
        r = case.ratio(t.num, t.den) if case else None
        if r is None:
            verdicts.append(None)
            lines.append(f"| {i} | {t.text} | {fmt_n(t.n)} | - | - | - | not measured |")
            continue
        ok = r <= t.limit if t.kind == "le" else r >= t.limit
        verdicts.append(ok)
        iqr = case.ratio_iqr(t.num, t.den) if case else None
        what = f"{r:.2f}x" + (" faster" if t.kind == "ge" else "")
        rng = f"{iqr[0]:.2f}-{iqr[1]:.2f}" if iqr else "-"
        load = fmt_load(case.foreign_load) if case else "?"
        lines.append(f"| {i} | {t.text} | {fmt_n(t.n)} | {what} | {rng} | {load} | {'PASS' if ok else 'FAIL'} |")
    return "\n".join(lines), verdicts


def machine_info(torch: Any) -> list[str]:
    import numba

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    try:
        root = HERE.parent
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=True
        ).stdout.strip()
        commit += " (src/ has uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    info = [
        f"- actgrad {ag.__version__} at commit {commit}",
        f"- CPU: {cpu}; {cores} logical cores ({usable} usable by this process)",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- numpy {np.__version__}, numba {numba.__version__} ({numba.get_num_threads()} threads, "
        f"{numba.config.THREADING_LAYER} threading layer requested)",
        f"- torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "- torch: not installed",
    ]
    try:
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
        info.append(f"- transparent huge pages: {thp}")
    except OSError:
        pass
    with contextlib.suppress(OSError):
        info.append(f"- load average at start: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    return info


def report(results: Sequence[Case], argv: Sequence[str], elapsed: float, torch: Any) -> str:
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    targets, _ = targets_section(results)
    out = [
        "# actgrad benchmarks",
        "",
        f"Generated {now} by `{shlex.join(argv)}` in {elapsed:.0f} s.",
        "",
        "## Machine",
        "",
        *machine_info(torch),
        "",
        "## Method",
        "",
        "For each case every contender is warmed up once (numba compiles then) and its result checked against "
        "actgrad's; then all contenders are timed round-robin, the order rotating each round, and each cell is the "
        "median time per call over the rounds (a round times a burst of back-to-back calls at small sizes). Ratios "
        "are medians of per-round ratios. All contenders read the same arrays (PyTorch via `torch.from_numpy`); the "
        "`out=` ones write one shared output buffer. Allocating contenders allocate a fresh result on every call, "
        "and the time includes freeing it. Inputs are standard normal. `np.copyto(out, x)` moves the bytes of a "
        "one-input op (one read, one write): the memory limit; `np.add(g, x, out=)` moves those of backward (two "
        "reads, one write). Ratios are time ratios: below 1.00x actgrad is faster, except `naive / alloc`, the "
        'speed-up of actgrad over the naive NumPy code (above 1.00x actgrad is faster). "Other load" is the '
        "share of the machine's CPU time that other processes used while a case was timed; above "
        f"{NOISY_LOAD:.0%} the case is marked noisy (actgrad's and PyTorch's two-thread kernels suffer most when "
        "a core is taken), and its numbers should be measured again on a quiet machine.",
        "",
        "## Targets",
        "",
        targets,
        "",
        "## Summary",
        "",
        SUMMARY_START,
        summary_table(results),
        SUMMARY_END,
        "",
        "## Results",
    ]
    groups: dict[tuple[str, str, str], list[Case]] = {}
    for c in results:
        groups.setdefault((c.name, c.op, c.dtype), []).append(c)
    for (name, op, dtype), cases in groups.items():
        reps = sorted({len(next(iter(c.samples.values()))) for c in cases})
        out += [
            "",
            f"### {name} {op}, {dtype}",
            "",
            detail_table(cases),
            f"Rounds: {', '.join(map(str, reps))}; calls per timed burst: "
            + ", ".join(f"{fmt_n(c.n)}: {c.number}" for c in cases)
            + ".",
        ]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------------------------
# CLI


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--names", nargs="+", default=["relu"], help="activations to time (registry names, or 'all'); default relu"
    )
    p.add_argument("--sizes", nargs="+", type=lambda s: int(float(s)), help="array sizes (default 10 1e3 1e5 1e7)")
    p.add_argument("--dtypes", nargs="+", choices=DEFAULT_DTYPES, help="default: float32 float64")
    p.add_argument("--ops", nargs="+", choices=OPS, default=list(OPS), help="default: all three")
    p.add_argument("--repeats", type=int, help="rounds per case (default: 51 / 41 / 31 by size; 3 with --quick)")
    p.add_argument("--quick", action="store_true", help="tiny run for CI smoke tests: sizes 10 and 1000, 3 rounds")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report path (default benchmarks/RESULTS.md)")
    p.add_argument("--summary", type=Path, help="summary table path (default: SUMMARY.md next to --output)")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    args = p.parse_args(argv)
    if args.names == ["all"]:
        args.names = list(ag.names())
    args.names = [ag.get(n).name for n in args.names]
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    args.dtypes = args.dtypes or list(DEFAULT_DTYPES)
    if args.summary is None:
        args.summary = args.output.parent / "SUMMARY.md"
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cmd = ["python", os.path.relpath(__file__), *(sys.argv[1:] if argv is None else argv)]
    torch = None if args.no_torch else _torch()
    monitor = CpuMonitor()
    monitor.start()
    time.sleep(0.5)
    load = monitor.stop()
    if load is not None and load > NOISY_LOAD:
        print(f"warning: other processes use {load:.0%} of the CPU; results will be noisy", flush=True)
    sample_s = 0.0005 if args.quick else 0.005
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    results: list[Case] = []
    for name in args.names:
        for op in args.ops:
            for dtype in args.dtypes:
                for n in args.sizes:
                    reps = args.repeats or repeats_for(n, args.quick)
                    c = measure(name, op, dtype, n, reps, sample_s, torch, rng)
                    results.append(c)
                    brief = ", ".join(f"{r}={fmt_time(c.time(r))}" for r in c.labels)
                    load = fmt_load(c.foreign_load)
                    print(f"{name:>12} {op:<8} {dtype} n={fmt_n(n):<6} {brief} [other load {load}]", flush=True)
                    if c.mismatches:
                        print(f"  WARNING: results differ from actgrad's: {', '.join(c.mismatches)}", flush=True)
    elapsed = time.perf_counter() - t0
    text = report(results, cmd, elapsed, torch)
    if args.output.exists():  # keep the sections backends.py and gpu.py wrote into the report
        text = _sections.keep(text, args.output.read_text(encoding="utf-8"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(summary_table(results) + "\n", encoding="utf-8")
    targets, _ = targets_section(results)
    print(f"\n{targets}\n\nwrote {args.output} and {args.summary} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
