"""Benchmark actgrad's NumPy kernels against PyTorch, JAX, naive NumPy and a plain memory copy.

Usage::

    python benchmarks/run.py                      # every activation, 3 ops, f32 + f64, 10 .. 10^7 -> RESULTS.md
    python benchmarks/run.py --names relu gelu --sizes 1000 1e7 --dtypes float32 --ops forward backward
    python benchmarks/run.py --quick --output /tmp/results.md   # smoke test: 3 activations, sizes 10 and 1000

Cases are (activation, op, dtype, size); ops are ``forward`` (f), ``grad`` (f') and ``backward`` (g * f').
Contenders (see ``peers.py`` and ``naive.py``): actgrad allocating and with ``out=``; PyTorch's CPU kernel for the
op (with ``out=`` where it has one); JAX (``jax.jit`` of ``jax.nn``); the naive NumPy/SciPy expression; and
``np.copyto(out, x)``, the memory limit (plus ``np.add(g, x, out=)`` for backward, which moves its bytes, and
``np.maximum(x, 0)`` below 10^4 elements, the call overhead of a NumPy ufunc).

Method: for each case every contender is called once to warm up (numba and JAX compile then) and its result
checked against actgrad's; then all contenders are timed round-robin, the order rotating each round, and the
median per-call time of each is reported. Ratios are medians of the per-round ratios (each pairs two measurements
taken moments apart, which cancels most of the drift of a shared machine). The number of rounds adapts to the
speed of the contenders (about ``CONTENDER_BUDGET_S`` of timing per contender, within ``MIN_ROUNDS`` and
:func:`max_rounds`). All contenders read the same arrays (PyTorch through ``torch.from_numpy``, JAX from copies on
its device) and the ``out=`` ones write the same output buffer. Allocating contenders allocate a fresh result on
every call; the time of a call includes freeing its result (the result is dropped at once, as in ``timeit``).

Writes a markdown report (``--output``, default ``benchmarks/RESULTS.md``) with machine information, the peers,
the evaluation of the project's performance targets, a summary between ``<!-- summary:start -->`` and
``<!-- summary:end -->`` markers, and one table per (op, dtype); a bar chart of the ratios against PyTorch at the
largest size (``--plot``, default ``ratios.png`` next to the report). The summary alone also goes to ``SUMMARY.md``
next to the report (``--summary`` to change), from which ``scripts/readme.py`` fills the README. Sections that
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _sections
import numpy as np
import peers
from _timing import RoundSamples
from naive import NAIVE

import actgrad as ag

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_OUTPUT = HERE / "RESULTS.md"
DEFAULT_SIZES = (10, 1_000, 100_000, 10_000_000)
QUICK_SIZES = (10, 1_000)
#: Activations of a --quick run without --names: one aten kernel with out=, one whose PyTorch backward takes f(x),
#: one PyTorch composes (autograd), so that every kind of contender runs.
QUICK_NAMES = ("relu", "sigmoid", "softsign")
DEFAULT_DTYPES = ("float32", "float64")
OPS = ("forward", "grad", "backward")
OP_SHORT = {"forward": "fwd", "grad": "grad", "backward": "bwd"}
TORCH_THREADS = 2
SUMMARY_START = "<!-- summary:start -->"
SUMMARY_END = "<!-- summary:end -->"
#: Below this size the call overhead of a NumPy ufunc, np.maximum(x, 0), is timed as well.
UFUNC_MAX_SIZE = 10_000

# Contender roles. Every case has "ag", "ag_out", "naive" and "copy"; the others where a counterpart exists.
# ag / ag_out: actgrad allocating / with out=; torch / torch_out: PyTorch allocating / with out=; jax: jitted
# jax.nn; naive: the textbook NumPy expression of naive.py (allocating); copy: np.copyto(out, x), the memory
# limit of a one-input op; stream: np.add(g, x, out=) -- two reads and one write, the memory limit of backward;
# ufunc: np.maximum(x, 0), the call overhead of a NumPy ufunc (below UFUNC_MAX_SIZE).

#: Peer roles that write into the shared output buffer: actgrad is compared to them with out=, to others allocating.
WRITES_OUT = ("torch_out", "copy", "stream")
#: Results must agree with actgrad's to this relative-or-absolute tolerance (inputs are O(1)): a check that the
#: same function is computed, not of accuracy.
TOLERANCE = {"float32": 1e-5, "float64": 1e-7}


# --------------------------------------------------------------------------------------------------------------
# Contenders


@dataclass
class Contender:
    role: str
    label: str
    fn: Callable[[], Any]


@dataclass
class Case(RoundSamples):
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

    @property
    def rounds(self) -> int:
        return len(next(iter(self.samples.values()), []))

    def ratio_iqr(self, num: str, den: str) -> tuple[float, float] | None:
        a, b = self.samples.get(num), self.samples.get(den)
        if not a or not b or len(a) < 4:
            return None
        q = statistics.quantiles([x / y for x, y in zip(a, b, strict=True)], n=4)
        return q[0], q[2]

    def peer_role(self, peer: str) -> str | None:
        """The role timed for a peer: its ``out=`` variant where it has one (``torch`` -> ``torch_out``)."""
        return next((r for r in (peer + "_out", peer) if r in self.samples), None)

    def pair(self, peer: str) -> tuple[str, str] | None:
        """(actgrad's role, the peer's role) compared: with ``out=`` where the peer writes ``out``, else allocating."""
        role = self.peer_role(peer)
        if role is None:
            return None
        return ("ag_out" if role in WRITES_OUT else "ag"), role

    def vs(self, peer: str) -> float | None:
        """actgrad's time over the peer's (median of per-round ratios); None where the peer was not timed."""
        pair = self.pair(peer)
        return self.ratio(*pair) if pair else None


def contenders(
    name: str, op: str, x: np.ndarray, g: np.ndarray, out: np.ndarray, torch: Any, jax: Any
) -> list[Contender]:
    """The contenders for one case, actgrad's allocating call first; all read ``x`` (and ``g``) and the ``out=``
    ones write ``out``. Required parameters take their documented example value, the others their default."""
    act = ag.get(name)
    spec = act.spec
    kw = {p.name: p.shown for p in spec.params if p.default is None}
    params = spec.values(kw)  # every parameter's value, for the peers
    method = {"forward": act, "grad": act.grad, "backward": act.backward}[op]
    args = (g, x) if op == "backward" else (x,)
    call = f"ag.{name}{'' if op == 'forward' else '.' + op}({'g, ' if op == 'backward' else ''}x"
    call += "".join(f", {k}={v!r}" for k, v in kw.items())
    cs = [
        Contender("ag", call + ")", lambda: method(*args, **kw)),
        Contender("ag_out", call + ", out=)", lambda: method(*args, out=out, **kw)),
    ]

    f, fprime = NAIVE[name]
    typed = {p.name: x.dtype.type(params[p.name]) for p in spec.params if p.numeric}

    def naive() -> np.ndarray:
        with np.errstate(all="ignore"):
            if op == "forward":
                return f(x, **typed)
            return fprime(x, **typed) if op == "grad" else g * fprime(x, **typed)

    cs.append(Contender("naive", {"forward": "f(x)", "grad": "f'(x)", "backward": "g * f'(x)"}[op] + ", naive", naive))
    if torch is not None and (peer := peers.torch_peer(torch, name, op, x, g, out, params)):
        cs.append(Contender(*peer))
    if jax is not None and (peer := peers.jax_peer(jax, name, op, x, g, params)):
        cs.append(Contender(*peer))

    cs.append(Contender("copy", "np.copyto(out, x)", lambda: np.copyto(out, x)))
    if op == "backward":
        cs.append(Contender("stream", "np.add(g, x, out=)", lambda: np.add(g, x, out=out)))
    if x.size < UFUNC_MAX_SIZE:
        cs.append(Contender("ufunc", "np.maximum(x, 0)", lambda: np.maximum(x, 0)))
    return cs


def _as_numpy(r: Any) -> np.ndarray:
    return r.numpy() if hasattr(r, "numpy") else np.asarray(r)


# --------------------------------------------------------------------------------------------------------------
# Timing

#: Cases timed while other processes used more than this share of the machine's CPU time are flagged as noisy.
NOISY_LOAD = 0.10
#: Timed run time per contender and case that the number of rounds aims at (seconds), and its bounds.
CONTENDER_BUDGET_S = 0.12
MIN_ROUNDS = 7
QUICK_ROUNDS = 3


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


def max_rounds(n: int) -> int:
    if n <= 10_000:
        return 51
    if n <= 1_000_000:
        return 41
    return 31


def rounds_for(n: int, round_s: float, contenders: int) -> int:
    """Rounds that give each contender about CONTENDER_BUDGET_S of timing, within MIN_ROUNDS and max_rounds(n)."""
    return min(max_rounds(n), max(MIN_ROUNDS, int(CONTENDER_BUDGET_S * contenders / round_s)))


def _check(case: Case, label: str, result: Any, ref: np.ndarray, compared: np.ndarray | slice) -> None:
    """Record a contender whose result is not actgrad's: shape, dtype, or values (where ``compared``) beyond
    TOLERANCE."""
    got = _as_numpy(result)
    if got.shape != ref.shape or got.dtype != ref.dtype:
        case.mismatches.append(f"{label} (gives {got.dtype}{list(got.shape)})")
        return
    got, ref = got[compared], ref[compared]
    tol = TOLERANCE[case.dtype]
    if not np.allclose(got, ref, rtol=tol, atol=tol, equal_nan=True):
        case.mismatches.append(f"{label} (differs by up to {np.nanmax(np.abs(got - ref)):.3g})")


def measure(
    name: str,
    op: str,
    dtype: str,
    n: int,
    repeats: int | None,
    sample_s: float,
    peer_modules: tuple[Any, Any],
    rng: np.random.Generator,
) -> Case:
    """Time one case; ``repeats`` fixes the number of rounds (None: :func:`rounds_for`)."""
    x = rng.standard_normal(n).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    out = np.empty(n, dtype)
    cs = contenders(name, op, x, g, out, *peer_modules)
    case = Case(name, op, dtype, n, {c.role: c.label for c in cs})

    # Warm up (compiles numba and JAX kernels, faults in pages) and check that every contender computes the same
    # thing as actgrad's allocating call (the first).
    ref = cs[0].fn()
    # Derivatives at the kinks of f' are conventions (10^7 normal float32 samples include 1.0), and a peer computing
    # x + 1 in x's precision moves a kink by an ulp (JAX's sparse_sigmoid): not compared within 4 ulps of one.
    spec = ag.get(name).spec
    at = spec.defaults
    kinks = [k.location(at) for order, k in spec.kinks_at(at) if order == 1] if op != "forward" else []
    eps = 4 * np.finfo(dtype).eps
    compared = ~np.any([np.isclose(x, k, rtol=eps, atol=eps) for k in kinks], axis=0) if kinks else slice(None)
    est = []
    for c in cs:
        r = c.fn()
        if c.role not in ("copy", "stream", "ufunc"):
            _check(case, c.label, r, ref, compared)
        del r
        est.append(_time(c.fn, 1))
    case.number = number = max(1, math.ceil(sample_s / max(est)))
    rounds = repeats or rounds_for(n, number * sum(est), len(cs))

    samples: dict[str, list[float]] = {c.role: [] for c in cs}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    monitor = CpuMonitor()
    monitor.start()
    try:
        for r in range(rounds):
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
# Formatting


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
    e = round(math.log10(n)) if n > 0 else 0
    return f"10^{e}" if n >= 1000 and 10**e == n else f"{n:,}"


def fmt_dtype(dtype: str) -> str:
    return dtype.replace("float", "f")


def md_table(head: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """Markdown table lines; ``align`` has one character per column: ``l`` (left) or ``r`` (right)."""
    return [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" if a == "l" else "---:" for a in align) + "|",
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


def torch_mark(case: Case) -> str:
    """A dagger where PyTorch has no out= variant and allocating calls are compared."""
    return "†" if "torch" in case.samples else ""


def _median(values: Sequence[float | None]) -> float | None:
    have = [v for v in values if v is not None]
    return statistics.median(have) if have else None


def _summary_size(results: Sequence[Case]) -> int:
    sizes = {c.n for c in results}
    return 10_000_000 if 10_000_000 in sizes else max(sizes)


# --------------------------------------------------------------------------------------------------------------
# Report: results, peers, summary, chart

#: Ratio columns of the results tables: (header, peer); each is actgrad's time over the peer's.
RATIO_COLUMNS = (
    ("ag / PyTorch", "torch"),
    ("ag / JAX", "jax"),
    ("ag / naive", "naive"),
    ("ag / copy", "copy"),
    ("ag / stream", "stream"),
    ("ag / np.maximum", "ufunc"),
)


def results_table(cases: Sequence[Case]) -> str:
    """One markdown table for cases sharing (op, dtype): rows (activation, size), times and ratios."""
    ratios = [(h, p) for h, p in RATIO_COLUMNS if any(c.peer_role(p) for c in cases)]
    head = [
        "activation",
        "n",
        "ag `out=`",
        "ag",
        "PyTorch",
        "JAX",
        "naive",
        "np.copyto",
        *(h for h, _ in ratios),
        "rounds",
        "other load",
    ]
    rows = []
    previous = None
    for c in cases:
        torch_role = c.peer_role("torch")
        rows.append(
            [
                f"`{c.name}`" if c.name != previous else "",
                fmt_n(c.n),
                fmt_time(c.time("ag_out")),
                fmt_time(c.time("ag")),
                fmt_time(c.time(torch_role)) + torch_mark(c) if torch_role else "-",
                fmt_time(c.time("jax")),
                fmt_time(c.time("naive")),
                fmt_time(c.time("copy")),
                *(fmt_ratio(c.vs(p)) + (torch_mark(c) if p == "torch" and c.vs(p) else "") for _, p in ratios),
                str(c.rounds),
                fmt_load(c.foreign_load),
            ]
        )
        previous = c.name
    lines = md_table(head, rows, "ll" + "r" * (len(head) - 2))
    gbs = []
    for n in sorted({c.n for c in cases if c.n >= 10_000}):
        t = _median([c.time("copy") for c in cases if c.n == n])
        if t:
            gbs.append(f"{fmt_n(n)}: {2 * n * np.dtype(cases[0].dtype).itemsize / t / 1e9:.1f} GB/s")
    if gbs:
        lines += ["", f"np.copyto bandwidth (read + write, median over the rows): {', '.join(gbs)}."]
    bad = [f"`{c.name}` {fmt_n(c.n)}: {', '.join(c.mismatches)}" for c in cases if c.mismatches]
    if bad:
        lines += ["", f"**Results differing from actgrad's** (check!): {'; '.join(bad)}."]
    return "\n".join(lines)


def peers_table(results: Sequence[Case]) -> str:
    """Per activation, the PyTorch and JAX code that was timed (from the cases' labels)."""

    def label(name: str, op: str, peer: str) -> str:
        for c in results:
            role = c.peer_role(peer) if (c.name, c.op) == (name, op) else None
            if role:
                return f"`{c.labels[role]}`"
        return "-"

    names = list(dict.fromkeys(c.name for c in results))
    ops = [op for op in ("forward", "backward") if any(c.op == op for c in results)]
    head = ["activation", *(f"PyTorch {op}" for op in ops), *(f"JAX {op}" for op in ops)]
    rows = [[f"`{n}`", *(label(n, op, "torch") for op in ops), *(label(n, op, "jax") for op in ops)] for n in names]
    return "\n".join(md_table(head, rows, "l" * len(head)))


def summary_text(results: Sequence[Case], links: Sequence[str]) -> str:
    """The few lines for the README: per (op, dtype) at the largest size, how actgrad compares; ``links`` (paths
    relative to where the text goes) to the details."""
    if not results:
        return "(no results)"
    n = _summary_size(results)
    rows = []
    for op in OPS:
        for dtype in DEFAULT_DTYPES:
            cases = [c for c in results if (c.op, c.dtype, c.n) == (op, dtype, n)]
            if not cases:
                continue
            vs_torch = [r for c in cases if (r := c.vs("torch")) is not None]
            rows.append(
                [
                    op,
                    dtype,
                    f"{sum(r <= 1 for r in vs_torch)} of {len(vs_torch)}",
                    *(fmt_ratio(_median([c.vs(p) for c in cases])) for p in ("torch", "jax", "naive", "copy")),
                ]
            )
    noisy = sum(c.n == n and c.foreign_load is not None and c.foreign_load > NOISY_LOAD for c in results)
    head = ["op", "dtype", "as fast as PyTorch", "median ag / PyTorch", "ag / JAX", "ag / naive", "ag / np.copyto"]
    lines = [
        f"{len({c.name for c in results})} activation(s) at n = {fmt_n(n)} elements: time ratios, actgrad over each "
        "peer (below 1.00x actgrad is faster); medians over the activations of medians of interleaved runs. "
        "PyTorch: its CPU kernel for the op, with `out=` like actgrad's where it has one (else both allocate); "
        "JAX: `jax.jit` of `jax.nn`; naive: the textbook NumPy/SciPy expression; `np.copyto`: a copy of the same "
        "bytes, the memory limit."
        + (
            f" Per activation, the targets and the other sizes: {', '.join(f'[{p}]({p})' for p in links)}."
            if links
            else ""
        ),
        "",
        *md_table(head, rows, "ll" + "r" * (len(head) - 2)),
    ]
    if noisy:
        lines += ["", f"{noisy} of these cases were measured while other processes loaded the machine."]
    return "\n".join(lines)


def plot_ratios(results: Sequence[Case], path: Path) -> bool:
    """A bar chart of actgrad / PyTorch at the largest size: one bar per activation and op, a panel per dtype.

    Returns False (and draws nothing) without matplotlib or without any PyTorch measurement."""
    try:
        import matplotlib
        import matplotlib.ticker

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    n = _summary_size(results)
    ratio = {(c.dtype, c.op, c.name): r for c in results if c.n == n and (r := c.vs("torch")) is not None}
    if not ratio:
        return False
    everyone = list(dict.fromkeys(c.name for c in results))
    names = [name for name in everyone if any(key[2] == name for key in ratio)]
    dtypes = [d for d in DEFAULT_DTYPES if any(key[0] == d for key in ratio)]
    ops = [op for op in OPS if any(key[1] == op for key in ratio)]
    fig, axes = plt.subplots(len(dtypes), 1, figsize=(max(8.0, 2.0 + 0.5 * len(names)), 1.2 + 3.8 * len(dtypes)))
    width = 0.8 / len(ops)
    for ax, dtype in zip(np.atleast_1d(axes), dtypes, strict=True):
        for k, op in enumerate(ops):
            have = [(i, ratio[dtype, op, name]) for i, name in enumerate(names) if (dtype, op, name) in ratio]
            ax.bar([i + (k - (len(ops) - 1) / 2) * width for i, _ in have], [r for _, r in have], width, label=op)
        ax.axhline(1.0, color="black", linewidth=1)
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%gx"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right")
        ax.set_ylabel("actgrad time / PyTorch time")
        ax.set_title(f"{dtype}, n = {fmt_n(n)}")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncols=len(ops))
    missing = [name for name in everyone if name not in names]
    fig.suptitle(
        "actgrad / PyTorch, out= against out= where PyTorch has it: below 1x actgrad is faster"
        + (f"\nPyTorch has no {', '.join(missing)}" if missing else ""),
        x=0.01,
        ha="left",
        fontsize="medium",
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --------------------------------------------------------------------------------------------------------------
# Targets


@dataclass(frozen=True)
class Target:
    """A limit on actgrad's time over a peer's (:meth:`Case.vs`) for every case it covers."""

    text: str
    n: int
    ops: tuple[str, ...]
    peer: str
    #: dtype -> the largest passing ratio.
    limits: Mapping[str, float]
    #: The activations covered (None: all).
    names: tuple[str, ...] | None = None

    def cases(self, results: Sequence[Case], dtype: str) -> list[Case]:
        return [
            c
            for c in results
            if c.n == self.n and c.op in self.ops and c.dtype == dtype and (self.names is None or c.name in self.names)
        ]


BIG = 10_000_000

#: Issue 4: every activation, at 10^7 elements with out= unless said otherwise.
TARGETS = (
    Target("forward `out=` <= 1x PyTorch", BIG, ("forward",), "torch", dict.fromkeys(DEFAULT_DTYPES, 1.0)),
    Target("backward `out=` <= 1x PyTorch", BIG, ("backward",), "torch", dict.fromkeys(DEFAULT_DTYPES, 1.0)),
    Target(
        "forward `out=` <= 2x (f32) / 3x (f64) np.copyto", BIG, ("forward",), "copy", {"float32": 2.0, "float64": 3.0}
    ),
    Target(
        "backward `out=` <= 3x (f32) / 4x (f64) np.copyto", BIG, ("backward",), "copy", {"float32": 3.0, "float64": 4.0}
    ),
    Target("every op >= 5x faster than naive NumPy", BIG, OPS, "naive", dict.fromkeys(DEFAULT_DTYPES, 0.2)),
    Target(
        "forward and backward at 10^3 <= 1.5x PyTorch",
        1_000,
        ("forward", "backward"),
        "torch",
        dict.fromkeys(DEFAULT_DTYPES, 1.5),
    ),
    Target(
        "every op at 10 elements <= 3x a call of `np.maximum(x, 0)`",
        10,
        OPS,
        "ufunc",
        dict.fromkeys(DEFAULT_DTYPES, 3.0),
    ),
)

#: Issue 2: relu, float32.
RELU_TARGETS = tuple(
    Target(text, n, (op,), peer, {"float32": limit}, ("relu",))
    for text, n, op, peer, limit in (
        ("`relu(x, out=)` <= 1.0x the time of `np.copyto`", BIG, "forward", "copy", 1.0),
        ("`relu.backward(g, x, out=)` <= 1.1x PyTorch's `threshold_backward`", BIG, "backward", "torch", 1.1),
        ("`relu(x)` >= 1.3x faster than `np.maximum(x, 0)`", BIG, "forward", "naive", 1 / 1.3),
        ("`relu.grad(x)` >= 1.6x faster than `(x > 0).astype(x.dtype)`", BIG, "grad", "naive", 1 / 1.6),
        ("`relu(x)` on 10 elements <= 3x a call of `np.maximum(x, 0)`", 10, "forward", "ufunc", 3.0),
    )
)


def _where(c: Case) -> str:
    return f"`{c.name}` {OP_SHORT[c.op]} {fmt_dtype(c.dtype)}"


def _worst(cases: Sequence[Case], target: Target) -> tuple[Case, float] | None:
    """The measured case furthest from (or closest to) its limit, with its ratio."""
    measured = [(c, r) for c in cases if (r := c.vs(target.peer)) is not None]
    return max(measured, key=lambda cr: cr[1] / target.limits[cr[0].dtype]) if measured else None


def _worst_text(case: Case, r: float, target: Target, with_name: bool) -> str:
    pair = case.pair(target.peer)
    iqr = case.ratio_iqr(*pair) if pair else None
    spread = f" (IQR {iqr[0]:.2f}-{iqr[1]:.2f})" if iqr else ""
    where = f" {_where(case)}" if with_name else ""
    return f"{r:.2f}x{where}{spread}"


def targets_table(results: Sequence[Case], targets: Sequence[Target]) -> tuple[str, list[bool | None]]:
    """One row per (target, dtype): how many cases pass, the worst one, the verdict."""
    rows = []
    verdicts: list[bool | None] = []
    for i, t in enumerate(targets, 1):
        for dtype, limit in t.limits.items():
            cases = t.cases(results, dtype)
            worst = _worst(cases, t)
            ratios = [r for c in cases if (r := c.vs(t.peer)) is not None]
            passed = sum(r <= limit for r in ratios)
            verdict = None if worst is None else passed == len(ratios)
            verdicts.append(verdict)
            rows.append(
                [
                    str(i),
                    t.text,
                    fmt_dtype(dtype),
                    f"{limit:.3g}x",
                    f"{passed} of {len(ratios)}"
                    + (f" ({len(cases) - len(ratios)} without peer)" if len(cases) > len(ratios) else ""),
                    "-" if worst is None else _worst_text(*worst, t, with_name=t.names is None),
                    {None: "not measured", True: "PASS", False: "FAIL"}[verdict],
                ]
            )
    head = ["#", "target", "dtype", "limit (ag / peer)", "cases passing", "worst (ag / peer)", "result"]
    return "\n".join(md_table(head, rows, "rllrrrl")), verdicts


def targets_matrix(results: Sequence[Case]) -> str:
    """Per activation and issue-4 target: PASS/FAIL over its ops and dtypes, with the worst ratio."""
    names = list(dict.fromkeys(c.name for c in results))
    rows = []
    for name in names:
        cells = [f"`{name}`"]
        for t in TARGETS:
            cases = [c for dtype in t.limits for c in t.cases(results, dtype) if c.name == name]
            worst = _worst(cases, t)
            if worst is None:
                cells.append("-")
                continue
            case, r = worst
            ok = r <= t.limits[case.dtype]
            cells.append(f"{'PASS' if ok else 'FAIL'} {r:.2f}x ({OP_SHORT[case.op]} {fmt_dtype(case.dtype)})")
        rows.append(cells)
    head = ["activation", *(f"#{i}" for i in range(1, len(TARGETS) + 1))]
    return "\n".join(md_table(head, rows, "l" * len(head)))


# --------------------------------------------------------------------------------------------------------------
# Report


def machine_info(torch: Any, jax: Any = None) -> list[str]:
    """Markdown list lines on the machine and the libraries (jax: the module when used, else left out)."""
    import numba
    import scipy

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
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=True
        ).stdout.strip()
        commit += " (src/ has uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    info = [
        f"- actgrad {ag.__version__} at commit {commit}",
        f"- CPU: {cpu}; {cores} logical cores ({usable} usable by this process)",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- numpy {np.__version__}, scipy {scipy.__version__}, numba {numba.__version__} "
        f"({numba.get_num_threads()} threads, {numba.config.THREADING_LAYER} threading layer requested)",
        f"- torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "- torch: not used",
    ]
    if jax is not None:
        info.append(f"- jax {jax.__version__} ({jax.default_backend()}, x64 enabled)")
    try:
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
        info.append(f"- transparent huge pages: {thp}")
    except OSError:
        pass
    with contextlib.suppress(OSError):
        info.append(f"- load average at start: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    return info


METHOD = (
    "For each case (activation, op, dtype, size) every contender is warmed up once (numba and JAX compile then) and "
    "its result checked against actgrad's; then all contenders are timed round-robin, the order rotating each "
    "round, and each cell is the median time per call over the rounds (a round times a burst of back-to-back calls "
    "at small sizes; fewer rounds where calls are slow). Ratios are medians of per-round ratios, actgrad's time over "
    "the peer's: below 1.00x actgrad is faster. actgrad is compared with `out=` to contenders that write a given "
    "buffer (PyTorch's `out=` kernels, `np.copyto`, `np.add`), and allocating to those that allocate (PyTorch where "
    "it has no `out=` variant, marked †; JAX; naive NumPy; `np.maximum`). All contenders read the same standard "
    "normal arrays (PyTorch via `torch.from_numpy`, JAX from copies on its device); allocating ones allocate a fresh "
    "result on every call, and the time includes freeing it.\n\n"
    "Peers. PyTorch: the aten kernel its CPU autograd runs (`torch.ops.aten`), with "
    f"{TORCH_THREADS} threads; PyTorch has no op for f' alone, so `grad` runs its backward kernel with g = 1. "
    "`sigmoid_backward`/`tanh_backward` take the output f(x) and `log_sigmoid_backward` a buffer from the forward: "
    "those are computed outside the timed call (as autograd saves them), which spares PyTorch work actgrad does. "
    "Activations PyTorch composes from several ops (softsign, tanhshrink) are timed as `torch.nn.functional` "
    "and `torch.autograd.grad` through the recorded graph. PReLU with one weight runs PyTorch's `leaky_relu` kernels, "
    "SELU its `elu` kernels with SELU's scale (what `torch.selu` calls). JAX: `jax.jit` of `jax.nn.<fn>`, "
    "`vmap(grad(fn))` and the VJP, `block_until_ready`. Naive: `benchmarks/naive.py`, the textbook NumPy/SciPy "
    "formulas (GELU with `1 + erf`, softplus as `log1p(exp(x))`); backward is `g * f'(x)`. Parameters: defaults, "
    "and for required ones (threshold) the documented example values; GELU is the exact (erf) variant.\n\n"
    "Memory limits: `np.copyto(out, x)` moves the bytes of a one-input op (one read, one write); `np.add(g, x, "
    "out=)` those of backward (two reads, one write). Below 10^4 elements `np.maximum(x, 0)` gives the call "
    'overhead of a NumPy ufunc. "Other load" is the share of the machine\'s CPU time that other processes used '
    f"while a case was timed; above {NOISY_LOAD:.0%} the case is marked noisy (the two-thread kernels of actgrad, "
    "PyTorch and JAX suffer most when a core is taken), and it should be measured again on a quiet machine.\n\n"
    "Allocating contenders at 10^7 elements: a new 40-80 MB result is faulted in on first touch, in huge pages "
    "where the OS gives them. When the machine's memory is fragmented, such faults can wait tens of ms for "
    "compaction, most often when actgrad's two threads fault at once (`python benchmarks/stalls.py`): an "
    "allocating column far above its `out=` column, with a wide IQR, is that, not the kernel."
)


def report(
    results: Sequence[Case], argv: Sequence[str], elapsed: float, modules: tuple[Any, Any], chart: str | None
) -> str:
    """The markdown report; ``chart``: the bar chart's path relative to the report (None: no chart)."""
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    issue4, _ = targets_table(results, TARGETS)
    relu, _ = targets_table(results, RELU_TARGETS)
    out = [
        "# actgrad benchmarks",
        "",
        f"Generated {now} by `{shlex.join(argv)}` in {elapsed:.0f} s.",
        "",
        "## Machine",
        "",
        *machine_info(*modules),
        "",
        "## Method",
        "",
        METHOD,
        "",
        "## Targets",
        "",
        "Issue 4, every activation: at 10^7 elements with `out=` unless stated; PyTorch's time is that of its "
        '`out=` kernel where it has one, else both allocate. "worst" is the case furthest past (or closest to) '
        "its limit.",
        "",
        issue4,
        "",
        "Per activation (the worst case over its ops and dtypes; `-`: no peer, or not measured):",
        "",
        targets_matrix(results),
        "",
        "Issue 2, relu in float32:",
        "",
        relu,
        "",
        "## Summary",
        "",
        SUMMARY_START,
        summary_text(results, ()),
        SUMMARY_END,
        "",
        *([f"![actgrad / PyTorch at the largest size]({chart})", ""] if chart else []),
        "## Peers",
        "",
        peers_table(results),
        "",
        "## Results",
        "",
        "Times per call (median); ratios: actgrad's time over the peer's (below 1.00x actgrad is faster), `out=` "
        "against `out=`, allocating against allocating (†: PyTorch has no `out=` variant).",
    ]
    for op in OPS:
        for dtype in DEFAULT_DTYPES:
            cases = [c for c in results if (c.op, c.dtype) == (op, dtype)]
            if cases:
                out += ["", f"### {op}, {dtype}", "", results_table(cases)]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------------------------
# CLI


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--names", nargs="+", help="activations to time (registry names or aliases); default: all")
    p.add_argument("--sizes", nargs="+", type=lambda s: int(float(s)), help="array sizes (default 10 1e3 1e5 1e7)")
    p.add_argument("--dtypes", nargs="+", choices=DEFAULT_DTYPES, help="default: float32 float64")
    p.add_argument("--ops", nargs="+", choices=OPS, default=list(OPS), help="default: all three")
    p.add_argument("--repeats", type=int, help="rounds per case (default: adaptive, 7 to 51; 3 with --quick)")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: sizes 10 and 1000, {QUICK_ROUNDS} rounds, and (without --names) {' '.join(QUICK_NAMES)}",
    )
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report path (default benchmarks/RESULTS.md)")
    p.add_argument("--summary", type=Path, help="summary path (default: SUMMARY.md next to --output)")
    p.add_argument("--plot", type=Path, help="bar chart path (default: ratios.png next to --output)")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    p.add_argument("--no-jax", action="store_true", help="leave JAX out even if installed")
    args = p.parse_args(argv)
    names = args.names or (QUICK_NAMES if args.quick else ag.names())
    args.names = list(dict.fromkeys(ag.get(n).name for n in names))
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    args.dtypes = args.dtypes or list(DEFAULT_DTYPES)
    if args.quick and args.repeats is None:
        args.repeats = QUICK_ROUNDS
    args.summary = args.summary or args.output.parent / "SUMMARY.md"
    args.plot = args.plot or args.output.parent / "ratios.png"
    return args


def _link(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cmd = ["python", os.path.relpath(__file__), *(sys.argv[1:] if argv is None else argv)]
    modules = (
        None if args.no_torch else peers.load_torch(TORCH_THREADS),
        None if args.no_jax else peers.load_jax(),
    )
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
                    started = time.perf_counter()
                    c = measure(name, op, dtype, n, args.repeats, sample_s, modules, rng)
                    results.append(c)
                    brief = ", ".join(f"{r}={fmt_time(c.time(r))}" for r in c.labels)
                    print(
                        f"{name:>14} {OP_SHORT[op]:<4} {fmt_dtype(dtype)} n={fmt_n(n):<5} {brief} "
                        f"[{c.rounds} rounds in {time.perf_counter() - started:.1f} s, "
                        f"other load {fmt_load(c.foreign_load)}]",
                        flush=True,
                    )
                    if c.mismatches:
                        print(f"  WARNING: results differ from actgrad's: {', '.join(c.mismatches)}", flush=True)
    elapsed = time.perf_counter() - t0
    plotted = plot_ratios(results, args.plot)
    text = report(results, cmd, elapsed, modules, _link(args.plot, args.output.parent) if plotted else None)
    if args.output.exists():  # keep the sections backends.py and gpu.py wrote into the report
        text = _sections.keep(text, args.output.read_text(encoding="utf-8"))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    links = [_link(p, ROOT) for p in (args.output, args.plot) if p != args.plot or plotted]
    args.summary.write_text(summary_text(results, links) + "\n", encoding="utf-8")
    issue4, _ = targets_table(results, TARGETS)
    wrote = ", ".join(str(p) for p in (args.output, args.summary, args.plot) if p != args.plot or plotted)
    print(f"\n{issue4}\n\nwrote {wrote} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
