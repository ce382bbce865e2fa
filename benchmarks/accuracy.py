"""Measure actgrad's accuracy in ULPs against the mpmath reference, side by side with PyTorch autograd and JAX.

Usage::

    python benchmarks/accuracy.py                          # every registered activation -> docs/ACCURACY.md
    python benchmarks/accuracy.py --names gelu elu --dtypes float32 --output /tmp/acc.md
    python benchmarks/accuracy.py --quick --output /tmp/acc.md   # smoke test (seconds)

For each registered activation that has a reference in ``tests/reference`` (default parameters, plus every
parameter set of the reference that only picks a formula variant, such as ``approximate="tanh"``; all of them with
``--all-params``), each order (f, f', f'') and each dtype (float32, float64), the script evaluates

- actgrad (``act``, ``act.grad``, ``act.grad2``; kinks under ``kink="torch"``),
- PyTorch (the reference's ``torch_fn``): f' by ``torch.autograd.grad``, f'' by double backward with
  ``create_graph=True`` (2 threads, CPU),
- JAX (the reference's ``jax_fn``): ``jax.vmap(jax.grad(fn))`` and grad of grad, float64 under
  ``jax.enable_x64(True)``,

on the same points: the test suite's edge values (signed zeros, subnormals, extremes, infinities, NaN, both sides of
every kink, random values in four regimes) and a log-spaced sweep over both signs (half of it over the whole float
range, half over magnitudes 2**-8 .. 2**8), and compares each with the 200-bit mpmath reference by the test suite's
rule: error = |value - true| / ulp(|true|) in the output dtype; within 0.05 of an interior zero of the function the
unit is ulp(1); a value that is inf or NaN where the truth is finite (or finite where the truth is not) is an
infinite error. At a kink each framework is judged by its own convention (PyTorch against ``kink="torch"`` values,
JAX against ``kink="jax"``); actgrad is judged under ``"torch"``. A (function, dtype) pair passes when all three
orders are within the reference's budget (f, f' 2 ulp, f'' 4 ulp for smooth functions) at every point.

The reference values are computed once per (activation, parameters, order, dtype) and shared by the three
contenders; the mpmath work runs in ``--jobs`` worker processes. The exit status is 1 when actgrad misses its
budget somewhere, 0 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import functools
import multiprocessing
import os
import platform
import shlex
import sys
import time
import types
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import actgrad as ag

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TESTS = ROOT / "tests"
DEFAULT_OUTPUT = ROOT / "docs" / "ACCURACY.md"
DEFAULT_DTYPES = ("float32", "float64")
DEFAULT_POINTS = 2000
DEFAULT_RANDOM = 64
QUICK_POINTS = 100
QUICK_RANDOM = 8
TORCH_THREADS = 2
ORDERS = ("f", "f'", "f''")
CONTENDERS = ("actgrad", "torch", "jax")


# --------------------------------------------------------------------------------------------------------------
# The test suite's helpers (conftest, the reference, test_reference), imported from tests/


@functools.cache
def helpers() -> Any:
    """The modules the tests use: ``conftest``, ``reference`` and ``test_reference`` (tests/ goes on sys.path).

    ``test_reference`` builds its parametrization from every registered name at import, which fails for an
    activation registered before its reference exists; such names get a placeholder while it is imported."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    import conftest
    import reference

    missing = [n for n in ag.names() if n not in reference.REFERENCES]
    placeholder = reference.Ref(f=None, grad=None, grad2=None)  # type: ignore[arg-type]
    for n in missing:
        reference.REFERENCES[n] = placeholder
    try:
        import test_reference
    finally:
        for n in missing:
            del reference.REFERENCES[n]

    return types.SimpleNamespace(conftest=conftest, reference=reference, test_reference=test_reference)


# --------------------------------------------------------------------------------------------------------------
# Points


def sweep(dtype: np.dtype, n: int, seed: int = 0) -> np.ndarray:
    """``n`` values, both signs: half log-uniform over the whole finite range (smallest subnormal .. max), half over
    magnitudes 2**-8 .. 2**8; stratified (one random point per equal log-width bin), deterministic."""
    fi = helpers().conftest.finfo(dtype)
    rng = np.random.default_rng(seed)
    lo_all = float(np.log2(float(fi.smallest_subnormal)))
    hi_all = float(np.log2(float(fi.max)))
    quarter = max(n // 4, 1)
    parts = []
    for lo, hi in ((lo_all, hi_all), (-8.0, 8.0)):
        for sign in (1.0, -1.0):
            u = (np.arange(quarter) + rng.uniform(size=quarter)) / quarter
            parts.append(sign * np.exp2(lo + u * (hi - lo)))
    with np.errstate(over="ignore", under="ignore"):
        x = np.concatenate(parts).astype(dtype)
    x = x[np.isfinite(x) & (x != 0)]
    return x


def points(dtype: np.dtype, kinks: Sequence[float], n_sweep: int, n_random: int) -> np.ndarray:
    """The edge values of the test suite plus the sweep, without duplicates (by bit pattern: +0 and -0 both stay)."""
    c = helpers().conftest
    x = np.concatenate([c.edge_values(dtype, kinks, n_random=n_random), sweep(dtype, n_sweep)]).astype(dtype)
    bits = x.view(f"u{dtype.itemsize}")
    _, first = np.unique(bits, return_index=True)
    return x[np.sort(first)]


# --------------------------------------------------------------------------------------------------------------
# Contenders (evaluated in the main process)


def _quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn()


def eval_actgrad(name: str, params: dict[str, Any], x: np.ndarray) -> list[np.ndarray]:
    act = ag.get(name)
    outs = []
    for method in (act, act.grad, act.grad2):
        y = np.asarray(_quiet(lambda m=method: m(x, **params)))
        if y.dtype != x.dtype or y.shape != x.shape:
            raise TypeError(f"returned {y.dtype}{list(y.shape)} for {x.dtype}{list(x.shape)}")
        outs.append(y)
    return outs


def _err(e: Exception) -> str:
    return f"{type(e).__name__}: {(str(e).splitlines() or [''])[0][:160]}"


#: One contender's results for f, f', f'' (None where it failed), and why each failed, by order.
Outputs = tuple[list[np.ndarray | None], dict[int, str]]
#: Per dtype: (dtype name, points, {contender: [f, f', f''] or None where it has no such function}).
PerDtype = list[tuple[str, np.ndarray, dict[str, list[np.ndarray | None] | None]]]


def eval_torch(torch: Any, name: str, params: dict[str, Any], x: np.ndarray) -> Outputs:
    """f, f' (autograd) and f'' (double backward) with PyTorch, as test_parity does."""
    fn = helpers().reference.REFERENCES[name].torch_fn(torch, **params)
    outs: list[np.ndarray | None] = [None, None, None]
    why: dict[int, str] = {}

    def run() -> None:
        t = torch.tensor(x, requires_grad=True)
        y = fn(t)
        outs[0] = y.detach().numpy().copy()
        (g1,) = torch.autograd.grad(y.sum(), t, create_graph=True)
        outs[1] = g1.detach().numpy().copy()
        try:
            g2 = torch.autograd.grad(g1.sum(), t, allow_unused=True)[0] if g1.requires_grad else None
        except Exception as e:  # e.g. no double backward for this function
            why[2] = _err(e)
            return
        outs[2] = np.zeros_like(x) if g2 is None else g2.detach().numpy().copy()  # None: f' does not depend on x

    try:
        _quiet(run)
    except Exception as e:
        why[next(i for i in range(3) if outs[i] is None)] = _err(e)
    return outs, why


def eval_jax(jax: Any, name: str, params: dict[str, Any], x: np.ndarray) -> Outputs:
    """f, jax.vmap(jax.grad(f)) and grad of grad with JAX; float64 under jax.enable_x64(True)."""
    fn = helpers().reference.REFERENCES[name].jax_fn(jax, **params)
    outs: list[np.ndarray | None] = [None, None, None]
    why: dict[int, str] = {}
    with jax.enable_x64(x.dtype == np.float64):
        xj = jax.numpy.asarray(x)
        if xj.dtype != x.dtype:
            return outs, {0: f"JAX turned {x.dtype} into {xj.dtype}"}
        for order, g in enumerate((fn, jax.vmap(jax.grad(fn)), jax.vmap(jax.grad(jax.grad(fn))))):
            try:
                outs[order] = np.asarray(_quiet(lambda g=g: g(xj))).astype(x.dtype, copy=True)
            except Exception as e:
                why[order] = _err(e)
    return outs, why


# --------------------------------------------------------------------------------------------------------------
# The reference and the errors (in worker processes)


@dataclass
class Stat:
    """One contender's errors for one order. The non-finite inputs (NaN, ±inf) are kept apart in ``special``, so
    that a wrong limit at infinity or a NaN that does not propagate does not hide the worst finite input."""

    max: float  # over the finite inputs
    median: float
    over: int  # finite inputs over budget
    n: int  # finite inputs
    x: str = ""  # the worst finite input, the value there and the truth
    got: str = ""
    true: str = ""
    #: the non-finite inputs with a wrong result: input ("nan", "inf", "-inf") -> (got, true)
    special: dict[str, tuple[str, str]] = field(default_factory=dict)

    def ok(self, budget: float, nan: bool = True) -> bool:
        """Within budget everywhere (``nan=False``: NaN inputs left out)."""
        wrong = [k for k in self.special if nan or k != "nan"]
        return self.max <= budget and not wrong


#: Reference values already computed in this process: (name, params, order, x) -> mpf.
_CACHE: dict[tuple[Any, ...], Any] = {}


def _truth(name: str, frozen: tuple[tuple[str, Any], ...], order: int, xs: Sequence[Any]) -> list[Any]:
    tr = helpers().test_reference
    ref, params = helpers().reference.REFERENCES[name], dict(frozen)
    out = []
    for v in xs:
        key = (name, frozen, order, float(v))
        hit = _CACHE.get(key)
        if hit is None:
            hit = tr.expected(ref, order, v, params)
            if v == v:  # not NaN (NaN keys never match)
                _CACHE[key] = hit
        out.append(hit)
    return out


def _fmt_scalar(v: Any, dtype: np.dtype) -> str:
    return str(np.asarray(v, np.float64).astype(dtype)[()])


def measure_case(
    name: str, params: dict[str, Any], per_dtype: PerDtype
) -> tuple[dict[tuple[str, str, int], Stat], float]:
    """Errors of every contender's outputs for one (activation, parameters), over the given dtypes.

    ``per_dtype``: (dtype name, points, {contender: [f, f', f''] or None}). Returns {(dtype, contender, order):
    Stat} and the seconds spent."""
    import mpmath

    t0 = time.perf_counter()
    h = helpers()
    c, tr, rmod = h.conftest, h.test_reference, h.reference
    ref = rmod.REFERENCES[name]
    frozen = tuple(sorted(params.items()))
    stats: dict[tuple[str, str, int], Stat] = {}
    for dtype_name, x, outputs in per_dtype:
        dtype = np.dtype(dtype_name)
        xs = c.to_mp(x)
        special = ~np.isfinite(x)
        digits = 9 if dtype.itemsize == 4 else 17
        for order in range(3):
            budget = ref.budget[order]
            exact = _truth(name, frozen, order, xs)
            near = np.zeros(x.shape, bool)
            for z in tr._interior_zeros(name, order, frozen):
                near |= np.abs(x.astype(np.float64) - z) <= 0.05
            # JAX is judged at kinks by its own convention; everything else by "torch" (test_reference.expected)
            exact_jax = list(exact)
            for k in ref.kinks:
                if k.order == order:
                    at = mpmath.mpf(k.at(**params))
                    for i, v in enumerate(xs):
                        if v == at:
                            exact_jax[i] = rmod.kink_value(k, "jax", params)
            for who, outs in outputs.items():
                if outs is None or outs[order] is None:
                    continue
                want = exact_jax if who == "jax" else exact
                err = c.ulp_errors(outs[order], want, dtype, near_zero=near)
                s_special: dict[str, tuple[str, str]] = {}
                for j in np.flatnonzero(special & (err > budget)):
                    s_got = _fmt_scalar(outs[order][j], dtype)
                    s_true = mpmath.nstr(want[j], digits)
                    s_special[str(x[j])] = (s_got, s_true)
                err[special] = 0.0
                i = int(np.argmax(err))
                finite_err = err[~special]
                median = float(np.median(finite_err)) if finite_err.size else 0.0
                s = Stat(float(err[i]), median, int((finite_err > budget).sum()), int(finite_err.size))
                s.special = s_special
                if s.max > 0:
                    s.x = _fmt_scalar(x[i], dtype)
                    s.got = _fmt_scalar(outs[order][i], dtype)
                    s.true = mpmath.nstr(want[i], digits)
                stats[(dtype_name, who, order)] = s
    return stats, time.perf_counter() - t0


# --------------------------------------------------------------------------------------------------------------
# Driver


@dataclass
class Case:
    name: str
    params: dict[str, Any]
    budget: tuple[float, float, float]
    stats: dict[tuple[str, str, int], Stat] = field(default_factory=dict)
    #: why a contender has no numbers for a dtype: (dtype, contender) -> reason
    absent: dict[tuple[str, str], str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def label(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"

    def passes(self, dtype: str, who: str, nan: bool = True) -> bool | None:
        """All three orders within budget at every point (``nan=False``: at every point but NaN); None where the
        contender has no numbers."""
        got = [self.stats.get((dtype, who, o)) for o in range(3)]
        if any(s is None for s in got):
            return None
        return all(s.ok(b, nan) for s, b in zip(got, self.budget, strict=True))  # type: ignore[union-attr]


def param_cases(ref: Any, all_params: bool) -> list[dict[str, Any]]:
    """The reference's first parameter set (the defaults, or the required parameters), plus the sets that only
    choose a formula variant (string values); every set with ``all_params``."""
    sets = list(ref.param_sets) or [{}]
    if all_params:
        return sets
    return [sets[0]] + [p for p in sets[1:] if p and all(isinstance(v, str) for v in p.values())]


def _versions(torch: Any, jax: Any) -> str:
    import mpmath
    import numba

    parts = [
        f"actgrad {getattr(ag, '__version__', '?')}",
        f"NumPy {np.__version__}",
        f"numba {numba.__version__}",
        f"mpmath {mpmath.__version__} (reference at {helpers().reference.mpmath.mp.prec} bits)",
        f"PyTorch {torch.__version__} (CPU, {torch.get_num_threads()} threads)" if torch else "PyTorch: not used",
        f"JAX {jax.__version__} (jaxlib on {jax.default_backend().upper()})" if jax else "JAX: not used",
        f"Python {platform.python_version()}",
    ]
    return ", ".join(parts)


def _fmt_ulp(v: float) -> str:
    if np.isinf(v):
        return "inf"
    if v == 0:
        return "0"
    if v < 10:
        return f"{v:.2f}"
    if v < 1e4:
        return f"{v:.0f}"
    return f"{v:.2g}"


def _fmt_budget(b: float) -> str:
    return f"{b:g}"


NAN_MARK = "‡"


def _nan_key(item: tuple[tuple[str, str], list[str]]) -> int:
    return CONTENDERS.index(item[0][0])


def _cell(case: Case, dtype: str, who: str, order: int) -> list[str]:
    s = case.stats.get((dtype, who, order))
    if s is None:
        return ["—", "", ""]
    mx = _fmt_ulp(s.max) + (f" {NAN_MARK}" if s.special else "")
    if not s.ok(case.budget[order]):
        mx = f"**{mx}**"
    return [mx, f"`{s.x}`" if s.x else "", _fmt_ulp(s.median)]


def _count(cases: Sequence[Case], dtypes: Sequence[str], who: str, nan: bool = True) -> tuple[int, int]:
    verdicts = [case.passes(d, who, nan) for case in cases for d in dtypes]
    have = [v for v in verdicts if v is not None]
    return sum(have), len(have)


def summary_line(cases: Sequence[Case], dtypes: Sequence[str], torch: Any, jax: Any) -> str:
    """ "actgrad passes A of B (function, dtype) pairs; PyTorch passes C of D; JAX passes E of F", and the
    frameworks' counts when NaN inputs are left out (neither propagates NaN through every derivative)."""
    a, b = _count(cases, dtypes, "actgrad")
    line = f"actgrad passes {a} of {b} (function, dtype) pairs"
    lenient = []
    for who, mod, label in (("torch", torch, "PyTorch {} CPU"), ("jax", jax, "JAX {}")):
        if mod is None:
            continue
        c, d = _count(cases, dtypes, who)
        line += f"; {label.format(mod.__version__.split('+')[0])} passes {c} of {d}"
        lenient.append(f"{label.split()[0]} {_count(cases, dtypes, who, nan=False)[0]}")
    if lenient:
        line += f" (NaN inputs left out: {', '.join(lenient)})"
    return line


NAMES = {"actgrad": "actgrad", "torch": "PyTorch", "jax": "JAX"}


def report(
    cases: Sequence[Case],
    args: argparse.Namespace,
    cmd: Sequence[str],
    elapsed: float,
    torch: Any,
    jax: Any,
    skipped: dict[str, str],
    n_points: dict[str, int],
) -> str:
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    who = [w for w, mod in (("actgrad", ag), ("torch", torch), ("jax", jax)) if mod is not None]
    out = [
        "# Accuracy",
        "",
        f"Generated {now} by `{shlex.join(cmd)}` in {elapsed:.0f} s ({args.jobs} worker processes).",
        "",
        f"Versions: {_versions(torch, jax)}.",
        "",
        f"**{summary_line(cases, args.dtypes, torch, jax)}.**",
        "",
        "## Method",
        "",
        "Each value is compared with a 200-bit mpmath reference written independently of the library "
        "(`tests/reference`), by the rule of the test suite: error = |value - true| / ulp(|true|) in the output "
        "dtype, in ulps; within 0.05 of an interior zero of the function (not x = 0) the unit is ulp(1); a value "
        "that is inf or NaN where the truth is finite, or finite where the truth is inf or NaN, is an infinite "
        "error (`inf`). Budgets: f and f' 2 ulp, f'' 4 ulp for smooth functions; piecewise-linear functions must "
        "be correctly rounded (0.501 ulp). A (function, dtype) pair passes when all three orders are within "
        "budget at every point; a framework is counted only for the functions it has.",
        "",
        "Points, the same for every contender: the test suite's edge values (signed zeros, subnormals, ±max, "
        "±inf, NaN, the kinks and their neighbours, "
        f"{args.random} random values in each of four regimes) and a stratified log-spaced sweep of {args.points} "
        "values, both signs, half over the whole float range and half over magnitudes 2^-8 .. 2^8: "
        + ", ".join(f"{n} points in {d}" for d, n in n_points.items())
        + ".",
        "",
        'Contenders: actgrad (`act`, `act.grad`, `act.grad2`, the default `kink="torch"`); PyTorch autograd '
        "(f' by `torch.autograd.grad`, f'' by double backward with `create_graph=True`; where f' does not depend "
        "on x PyTorch reports no gradient, counted as 0); JAX (`jax.vmap(jax.grad(f))`, grad of grad; float64 "
        "under `jax.enable_x64(True)`). At a kink each framework is judged by its own convention: PyTorch against "
        'the `kink="torch"` values, JAX against `kink="jax"`. "—": the framework has no such function.',
        "",
        "Columns: the largest error over the finite inputs (bold: over budget), the input where it occurs (the "
        f"first such), and the median error over the finite inputs. {NAN_MARK}: a wrong result at a non-finite "
        "input (a NaN that does not propagate, or not the exact limit at ±inf); by the rule that is an infinite "
        "error and the pair fails, but it is listed apart below each table so that it does not hide the worst "
        "finite input. The summary also counts the frameworks' passes with NaN inputs left out (propagating NaN "
        "through derivatives is a policy that autograd frameworks do not follow).",
    ]
    for dtype in args.dtypes:
        head = ["activation", "order", "budget"]
        for w in who:
            head += [f"{NAMES[w]} max", "at x", "median"]
        out += ["", f"## {dtype}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        details: list[str] = []
        nan_rows: dict[tuple[str, str], list[str]] = {}
        for case in cases:
            for order in range(3):
                row = [f"`{case.label}`", ORDERS[order], _fmt_budget(case.budget[order])]
                for w in who:
                    row += _cell(case, dtype, w, order)
                    s = case.stats.get((dtype, w, order))
                    if s is not None and s.max > case.budget[order]:
                        details.append(
                            f"- {NAMES[w]} `{case.label}` {ORDERS[order]}: at x = {s.x} got {s.got}, true {s.true} "
                            f"({_fmt_ulp(s.max)} ulp); {s.over} of {s.n} points over budget."
                        )
                    if s is not None and s.special:
                        what = ", ".join(f"{k} gives {g} (true {t})" for k, (g, t) in s.special.items())
                        nan_rows.setdefault((w, what), []).append(f"`{case.label}` {ORDERS[order]}")
                out.append("| " + " | ".join(row) + " |")
        notes = sorted({f"- {NAMES[w]} `{c.label}`: {why}" for c in cases for (d, w), why in c.absent.items()})
        if details:
            out += ["", f"Over budget in {dtype} (the worst finite input of each):", "", *details]
        if nan_rows:
            out += ["", f"{NAN_MARK} Wrong results at non-finite inputs in {dtype}:", ""]
            for (w, what), rows in sorted(nan_rows.items(), key=_nan_key):
                out.append(f"- {NAMES[w]} {', '.join(rows)}: {what}.")
        if notes:
            out += ["", f"Not measured in {dtype}:", "", *notes]
    if skipped:
        out += ["", "## Skipped", "", *(f"- `{n}`: {why}" for n, why in skipped.items())]
    return "\n".join(out) + "\n"


def _import_frameworks(which: Sequence[str]) -> tuple[Any, Any]:
    torch = jax = None
    if "torch" in which:
        try:
            import torch

            torch.set_num_threads(TORCH_THREADS)
        except ImportError:
            torch = None
    if "jax" in which:
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        try:
            import jax
        except ImportError:
            jax = None
    return torch, jax


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--names", nargs="+", help="activations (registry names or aliases); default: all registered")
    p.add_argument("--dtypes", nargs="+", choices=DEFAULT_DTYPES, help="default: float32 float64")
    p.add_argument("--points", type=int, help=f"sweep points per dtype (default {DEFAULT_POINTS})")
    p.add_argument("--random", type=int, help=f"random edge values per regime (default {DEFAULT_RANDOM})")
    p.add_argument("--all-params", action="store_true", help="every parameter set of the reference, not only defaults")
    p.add_argument(
        "--frameworks", nargs="*", choices=("torch", "jax"), default=["torch", "jax"], help="default: torch jax"
    )
    p.add_argument("--jobs", type=int, help="worker processes for the mpmath reference (default: CPUs, at most 2)")
    p.add_argument(
        "--quick", action="store_true", help=f"smoke test: {QUICK_POINTS} sweep points, {QUICK_RANDOM} random values"
    )
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="report path (default docs/ACCURACY.md)")
    args = p.parse_args(argv)
    args.names = [ag.get(n).spec.name for n in args.names] if args.names else list(ag.names())
    args.dtypes = args.dtypes or list(DEFAULT_DTYPES)
    args.points = args.points if args.points is not None else (QUICK_POINTS if args.quick else DEFAULT_POINTS)
    args.random = args.random if args.random is not None else (QUICK_RANDOM if args.quick else DEFAULT_RANDOM)
    if args.jobs is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:
            cpus = os.cpu_count() or 1
        args.jobs = max(1, min(2, cpus))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cmd = ["python", os.path.relpath(__file__), *(sys.argv[1:] if argv is None else argv)]
    t0 = time.perf_counter()
    refs = helpers().reference.REFERENCES
    torch, jax = _import_frameworks(args.frameworks)

    skipped: dict[str, str] = {}
    cases: list[Case] = []
    jobs: list[tuple[Case, PerDtype]] = []
    n_points: dict[str, int] = {}
    for name in args.names:
        ref = refs.get(name)
        if ref is None:
            skipped[name] = "no reference in tests/reference yet"
            print(f"skip {name}: no reference", file=sys.stderr, flush=True)
            continue
        for params in param_cases(ref, args.all_params):
            case = Case(name, dict(params), tuple(ref.budget))
            per_dtype: PerDtype = []
            try:
                kinks = [float(k.at(**params)) for k in ref.kinks]
                for dtype_name in args.dtypes:
                    x = points(np.dtype(dtype_name), kinks, args.points, args.random)
                    n_points[dtype_name] = max(n_points.get(dtype_name, 0), x.size)
                    outputs: dict[str, list[np.ndarray | None] | None] = {
                        "actgrad": list(eval_actgrad(name, params, x))
                    }
                    for who, mod, builder, ev in (
                        ("torch", torch, ref.torch_fn, eval_torch),
                        ("jax", jax, ref.jax_fn, eval_jax),
                    ):
                        if mod is None:
                            continue
                        if builder is None:
                            outputs[who] = None
                            continue
                        try:
                            outs, why = ev(mod, name, params, x)
                        except Exception as e:  # a framework that cannot do it: noted, not fatal
                            outs, why = None, {0: _err(e)}
                        outputs[who] = outs
                        by_msg: dict[str, list[str]] = {}
                        for order, msg in sorted(why.items()):
                            by_msg.setdefault(msg, []).append(ORDERS[order])
                        if by_msg:
                            case.absent[(dtype_name, who)] = "; ".join(
                                f"{', '.join(orders)}: {msg}" for msg, orders in by_msg.items()
                            )
                    per_dtype.append((dtype_name, x, outputs))
            except Exception as e:
                skipped[case.label] = f"actgrad failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
                print(f"skip {case.label}: {skipped[case.label]}", file=sys.stderr, flush=True)
                continue
            cases.append(case)
            jobs.append((case, per_dtype))

    def collect(case: Case, result: tuple[dict[tuple[str, str, int], Stat], float]) -> None:
        case.stats, case.seconds = result
        worst = max((s.max for (_, w, _), s in case.stats.items() if w == "actgrad"), default=0.0)
        print(f"{case.label}: {case.seconds:.1f} s, actgrad worst {_fmt_ulp(worst)} ulp", file=sys.stderr, flush=True)

    failed: list[Case] = []
    if args.jobs <= 1:
        for case, per_dtype in jobs:
            try:
                collect(case, measure_case(case.name, case.params, per_dtype))
            except Exception as e:
                skipped[case.label] = f"reference failed: {type(e).__name__}: {e}"
                failed.append(case)
    else:
        ctx = multiprocessing.get_context("spawn")  # no fork of a process running JAX's and PyTorch's threads
        with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs, mp_context=ctx) as pool:
            futures = {pool.submit(measure_case, case.name, case.params, pd): case for case, pd in jobs}
            for fut in concurrent.futures.as_completed(futures):
                case = futures[fut]
                try:
                    collect(case, fut.result())
                except Exception as e:
                    skipped[case.label] = f"reference failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
                    failed.append(case)
    cases = [c for c in cases if c not in failed]

    elapsed = time.perf_counter() - t0
    text = report(cases, args, cmd, elapsed, torch, jax, skipped, n_points)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(summary_line(cases, args.dtypes, torch, jax), flush=True)
    print(f"wrote {args.output} in {elapsed:.0f} s", flush=True)
    ok = all(c.passes(d, "actgrad") is not False for c in cases for d in args.dtypes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
