"""Reliability: concurrent callers, fork and spawn, caches, memory, and fuzzed input over the public API."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import example_params
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import actgrad as ag

ROOT = Path(__file__).resolve().parent.parent
NAMES = ag.names()


def _run_python(code: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


# --- concurrent callers -----------------------------------------------------------------------------------------


def test_eight_threads_for_ten_seconds_match_a_single_threaded_run() -> None:
    rng = np.random.default_rng(0)
    big = rng.normal(0, 4, 10**7).astype(np.float32)
    small = rng.normal(0, 4, 1000)
    jobs = [
        (name, op, x)
        for name in ("relu", "leaky_relu", "relu6", NAMES[-1])
        for op in ("f", "grad", "backward")
        for x in (big, small)
    ]

    def call(name: str, op: str, x: np.ndarray) -> np.ndarray:
        act = ag.get(name)
        kw = example_params(act)
        if op == "backward":
            return act.backward(x, x, **kw)
        return act(x, **kw) if op == "f" else act.grad(x, **kw)

    expected = [call(*job) for job in jobs]
    errors: list[str] = []
    stop = time.monotonic() + 10.0
    calls = [0] * 8

    def worker(k: int) -> None:
        i = k
        while time.monotonic() < stop and not errors:
            job = jobs[i % len(jobs)]
            try:
                if not np.array_equal(call(*job), expected[i % len(jobs)], equal_nan=True):
                    errors.append(f"thread {k}: wrong result for {job[:2]}")
            except Exception as exc:
                errors.append(f"thread {k}: {exc!r}")
            calls[k] += 1
            i += 3

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "deadlock"
    assert not errors, errors[:3]
    assert min(calls) > 0


# --- processes ----------------------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_works_in_a_child_after_fork_once_the_parallel_kernels_ran() -> None:
    result = _run_python(
        """
        import os, numpy as np, actgrad as ag
        x = np.random.default_rng(0).normal(size=10**6)
        want = ag.relu(x)  # the parallel kernel: the threading layer now holds threads
        pid = os.fork()
        if pid == 0:
            ok = np.array_equal(ag.relu(x), want) and np.array_equal(ag.leaky_relu.grad(x), ag.leaky_relu.grad(x))
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        """,
        timeout=120,
    )
    assert result.returncode == 0 and "child 0" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_multiprocessing_fork_and_spawn(method: str, tmp_path: Path) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    # A fresh interpreter, so that what other tests imported (JAX warns on every fork) does not decide the outcome;
    # a script file, so that spawned children can import its functions.
    script = tmp_path / "pool.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import multiprocessing, numpy as np, actgrad as ag

            def square_relu_sum(seed):
                x = np.random.default_rng(seed).normal(size=200_000)
                return float(ag.relu(x).sum() + ag.relu6.grad(x).sum())

            if __name__ == "__main__":
                ag.relu(np.ones(10**6))  # the parent has used the parallel kernels
                want = [square_relu_sum(s) for s in range(4)]
                with multiprocessing.get_context("{method}").Pool(2) as pool:
                    got = pool.map(square_relu_sum, range(4))
                print("equal", got == want)
            """
        )
    )
    result = subprocess.run([sys.executable, "-W", "error", str(script)], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0 and "equal True" in result.stdout, result.stdout + result.stderr


# --- caches -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["unwritable-cache-dir", "read-only-package"])
def test_unwritable_caches_still_give_correct_results(tmp_path: Path, where: str) -> None:
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "cache").mkdir()
    if where == "unwritable-cache-dir":
        (tmp_path / "cache").chmod(0o500)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = _run_python(
        """
        import warnings, numpy as np, actgrad as ag
        warnings.simplefilter("error")
        x = np.linspace(-8, 8, 101)
        assert np.array_equal(ag.relu6(x), np.clip(x, 0, 6))
        assert np.array_equal(ag.relu.grad(x, kink="right"), (x >= 0).astype(float))
        print("ok")
        """,
        env=env,
    )
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr


_CACHE_CHECK = """
    import warnings, numpy as np, actgrad as ag
    from actgrad._cache import CacheWarning
    x = np.linspace(-8, 8, 101)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ok = np.array_equal(ag.relu6(x), np.clip(x, 0, 6))
        ok &= np.allclose(ag.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15, atol=0)
        ok &= np.allclose(ag.sigmoid.grad(x[::2]), np.exp(-x[::2]) / (1 + np.exp(-x[::2])) ** 2, rtol=1e-14, atol=0)
    cache_warnings = [w for w in caught if issubclass(w.category, CacheWarning)]
    other = [str(w.message) for w in caught if not issubclass(w.category, CacheWarning)]
    print("ok" if ok else "WRONG", len(cache_warnings), other)
"""


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_damaged_cache_recompiles_warns_once_and_heals(tmp_path: Path, damage: str) -> None:
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    first = _run_python(_CACHE_CHECK, env=env)
    assert first.stdout.split() == ["ok", "0", "[]"], first.stdout + first.stderr
    files = [p for p in tmp_path.rglob("*") if p.suffix in (".nbi", ".nbc")]
    assert any(p.suffix == ".nbc" for p in files), "nothing was cached"
    for path in files:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if damage == "truncated" else os.urandom(len(data)))
    second = _run_python(_CACHE_CHECK, env=env)
    assert second.stdout.split()[:2] in (["ok", "0"], ["ok", "1"]), second.stdout + second.stderr
    third = _run_python(_CACHE_CHECK, env=env)  # the damaged entries were replaced
    assert third.stdout.split() == ["ok", "0", "[]"], third.stdout + third.stderr


def test_a_warm_cache_is_used_by_the_next_process(tmp_path: Path) -> None:
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    code = """
        import time, numpy as np, actgrad as ag
        t = time.perf_counter()
        ag.sigmoid(np.ones(10))
        print(round(time.perf_counter() - t, 3))
    """
    cold = float(_run_python(code, env=env).stdout)
    warm = float(_run_python(code, env=env).stdout)
    assert warm < cold / 2, (cold, warm)


@pytest.mark.parametrize("inner", ["data", "index"])
def test_cache_saves_racing_from_two_processes_never_swap_kernels(tmp_path: Path, inner: str) -> None:
    """Two processes that loaded a kernel's cache index before either saved a new signature (Dask workers on a cold
    cache), the second one's save landing inside the first one's: each entry that survives in the index loads its
    own code (numba's own numbering gave both the same data file, and one entry the other's code)."""
    from actgrad._cache import _Index

    first, second = (_Index(str(tmp_path), "kernel", ("stamp",)) for _ in range(2))
    stale = second._load_index()
    second._load_index = lambda: dict(stale)  # type: ignore[method-assign]
    step = "_save_data" if inner == "data" else "_save_index"
    original = getattr(first, step)

    def interrupted(*args: Any) -> None:
        second.save(("signature", "f32"), "code for f32")
        original(*args)

    setattr(first, step, interrupted)
    first.save(("signature", "f64"), "code for f64")
    fresh = _Index(str(tmp_path), "kernel", ("stamp",))
    loaded = {sig: fresh.load(("signature", sig)) for sig in ("f32", "f64")}
    assert loaded["f32"] in (None, "code for f32") and loaded["f64"] in (None, "code for f64"), loaded
    assert loaded != {"f32": None, "f64": None}


def test_cached_kernels_call_their_own_code_whatever_the_processes_compiled_before(tmp_path: Path) -> None:
    """A cached parallel kernel calls its serial loop by name. One process compiles gelu's serial kernel, a second its
    parallel kernel (calling the first's from the cache), and a third compiles the tanh variant's serial kernel
    before it loads that parallel kernel: numba gave both serial kernels the same symbol (a per-process counter),
    and the third process's parallel gelu ran the tanh variant's loop. It must agree with the serial kernel."""
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    setup = """
        import numpy as np, actgrad as ag
        x = np.arange(2**16, dtype=np.uint16).view(np.float16).astype(np.float32)
        x = x[np.isfinite(x)]
    """
    steps = [
        "ag.gelu(x[:1000])",
        "ag.gelu(x)",
        """
        ag.gelu(x[:1000], approximate="tanh")
        whole = ag.gelu(x)
        pieces = np.concatenate([ag.gelu(x[i : i + 1000]) for i in range(0, x.size, 1000)])
        print("differ", np.count_nonzero(whole != pieces))
        """,
    ]
    for step in steps:
        result = _run_python(textwrap.dedent(setup) + textwrap.dedent(step), env=env)
        assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["differ", "0"], result.stdout


# --- memory -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gigabytes", [1, pytest.param(4, marks=pytest.mark.slow)])
def test_out_allocates_nothing_big_and_without_out_one_output(gigabytes: int) -> None:
    """A float32 array of 1 GB (4 GB with ``-m slow``); peak RSS by the process's own accounting, in a fresh
    process."""
    result = _run_python(
        f"""
        import resource, numpy as np, actgrad as ag
        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        n = {gigabytes} * 2**28
        x = np.ones(n, np.float32)
        x[::4096] = -1.0
        out = np.ones(n, np.float32)
        ag.relu(x[:1000], out=out[:1000]); ag.relu(x[:1000])  # compile outside the measurement
        before = peak()
        ag.relu(x, out=out)
        ag.leaky_relu.backward(x, x, out=out)
        with_out = peak() - before
        del out
        y = ag.relu(x)
        without_out = peak() - before
        assert y[0] == 0.0 and y[1] == 1.0
        print(with_out / x.nbytes, without_out / x.nbytes)
        """,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    with_out, without_out = map(float, result.stdout.split())
    assert with_out < 0.05
    assert without_out < 1.05


def test_many_small_calls_do_not_leak() -> None:
    x = np.linspace(-3, 3, 16)

    def rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    if not Path("/proc/self/statm").exists():
        pytest.skip("no /proc here")
    for _ in range(2000):  # warm up: compiled kernels, caches
        ag.leaky_relu.backward(x, x)
        ag.relu(x)
    before = rss()
    for _ in range(50_000):
        ag.leaky_relu.backward(x, x)
        ag.relu(x)
    assert rss() - before < 8 * 2**20


# --- fuzzed input -------------------------------------------------------------------------------------------------

_DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int64, np.uint32, np.bool_]
_BAD_DTYPES = [np.complex64, np.complex128, object, "U3", "S2", "M8[s]"]


@st.composite
def _inputs(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["array", "array", "array", "scalar", "list", "bad-dtype", "junk"]))
    if kind == "scalar":
        return draw(st.one_of(st.floats(), st.integers(-(2**60), 2**60), st.booleans()))
    if kind == "list":
        return draw(st.lists(st.floats(allow_nan=True), max_size=5))
    if kind == "junk":
        return draw(st.sampled_from([None, "x", b"x", {}, object(), 1j, [1, "a"]]))
    dtype = np.dtype(draw(st.sampled_from(_BAD_DTYPES if kind == "bad-dtype" else _DTYPES)))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=4))
    x = draw(hnp.arrays(dtype, shape)) if dtype.kind in "fiub" else np.zeros(shape, dtype)
    view = draw(st.sampled_from(["plain", "reversed", "strided", "transposed", "broadcast", "byteswapped", "ro"]))
    if view == "reversed" and x.ndim:
        x = x[::-1]
    elif view == "strided" and x.ndim:
        x = np.repeat(x, 2, axis=-1)[..., ::2]
    elif view == "transposed":
        x = x.T
    elif view == "broadcast" and x.ndim:
        x = np.broadcast_to(x[..., :1], x.shape)
    elif view == "byteswapped" and dtype.kind in "fiu" and dtype.itemsize > 1:
        x = x.astype(dtype.newbyteorder(">"))
    elif view == "ro":
        x = x.copy()
        x.flags.writeable = False
    return x


_PARAM_NAMES = ["negative_slope", "alpha", "beta", "lambd", "weight", "b", "approximate", "zz"]
_PARAM_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5), st.sampled_from(["a", None, [1.0], "tanh"])
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(NAMES),
    method=st.sampled_from(["f", "grad", "grad2", "backward", "value_and_grad", "wrt"]),
    x=_inputs(),
    kink=st.one_of(st.sampled_from([*ag.CONVENTIONS, "pytorch", ""]), st.none()),
    params=st.dictionaries(
        st.sampled_from(["negative_slope", "alpha", "beta", "lambd", "weight", "b", "zz"]), _PARAM_VALUES, max_size=2
    ),
    use_out=st.booleans(),
)
def test_fuzzed_calls_raise_only_documented_errors(
    name: str, method: str, x: Any, kink: Any, params: dict, use_out: bool
) -> None:
    act = ag.get(name)
    params = {**example_params(act), **params}
    before = x.tobytes() if isinstance(x, np.ndarray) else None
    kw: dict[str, Any] = dict(params)
    if method != "f":
        kw["kink"] = kink
    out = None
    try:
        shape = np.shape(x)
        if use_out and method != "value_and_grad":
            out = np.full(shape, 7.0)
            kw["out"] = out
        if method == "f":
            result = act(x, **kw)
        elif method == "grad":
            result = act.grad(x, **kw)
        elif method == "grad2":
            result = act.grad2(x, **kw)
        elif method == "backward":
            result = act.backward(np.ones(shape), x, **kw)
        elif method == "value_and_grad":
            result = act.value_and_grad(x, **kw)[1]
        else:
            result = act.grad(x, wrt=next(iter(act.spec.wrt), "nothing"), **kw)
    except (TypeError, ValueError, KeyError):
        return
    finally:
        if before is not None:
            assert x.tobytes() == before, "the input was modified"
    # Agreement with the float64 path on the same values.
    wide = np.asarray(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x.astype(np.float64)
    kw.pop("out", None)
    fn = {"f": act, "grad": act.grad, "grad2": act.grad2}.get(method)
    if fn is not None:
        reference = np.asarray(fn(wide, **kw))
        got = np.asarray(result, dtype=np.float64)
        rtol = 1e-2 if np.asarray(result).dtype.itemsize <= 2 else 1e-5
        with np.errstate(all="ignore"):
            np.testing.assert_allclose(got, reference, rtol=rtol, atol=1e-6 if rtol > 1e-3 else 1e-30)
    if out is not None:
        assert result is out
