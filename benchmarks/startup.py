"""Start-up time: ``import actgrad``, and a fresh process's first call with a cold and with a warm kernel cache.

Usage::

    python benchmarks/startup.py            # 7 runs of each -> the "startup" section of README.md
    python benchmarks/startup.py --runs 3 --output /tmp/startup.md

Each run is a new interpreter (``sys.executable``), timed from spawn to exit, so Python's own start is included.
``import``: ``import actgrad`` alone, timed inside the process too. ``cold``: ``import actgrad, numpy;
actgrad.gelu(numpy.ones(10))`` with an empty ``NUMBA_CACHE_DIR`` (every kernel compiles); ``warm``: the same with
the directory the previous run filled (kernels load from disk). Medians over ``--runs``, the three kinds
interleaved. Targets (issue 4): import <= 0.5 s (in the process), warm <= 0.8 s, cold <= 2 s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _sections

ROOT = Path(__file__).resolve().parent.parent
IMPORT = "import time; t = time.perf_counter(); import actgrad; print(time.perf_counter() - t)"
FIRST_CALL = "import actgrad, numpy; actgrad.gelu(numpy.ones(10))"
TARGETS = {"import (in process)": 0.5, "warm": 0.8, "cold": 2.0}


def _wall(code: str, cache: str) -> tuple[float, str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - t, done.stdout.strip()


def measure(runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"import": [], "import (in process)": [], "cold": [], "warm": []}
    with tempfile.TemporaryDirectory() as warm_dir:
        _wall(FIRST_CALL, warm_dir)  # fill the warm cache
        for _ in range(runs):
            wall, inside = _wall(IMPORT, warm_dir)
            times["import"].append(wall)
            times["import (in process)"].append(float(inside))
            with tempfile.TemporaryDirectory() as cold_dir:
                times["cold"].append(_wall(FIRST_CALL, cold_dir)[0])
            times["warm"].append(_wall(FIRST_CALL, warm_dir)[0])
    return times


def report(times: dict[str, list[float]], runs: int) -> str:
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        f"Measured {stamp} by `python benchmarks/startup.py` ({runs} runs each, medians; a fresh interpreter per run,",
        "timed from spawn to exit):",
        "",
        "| what | median | target | |",
        "|---|---:|---:|---|",
    ]
    what = {
        "import": "`python -c 'import actgrad'`",
        "import (in process)": "`import actgrad` inside the process",
        "cold": f"`{FIRST_CALL}`, empty kernel cache",
        "warm": f"`{FIRST_CALL}`, warm kernel cache",
    }
    for key, values in times.items():
        median = statistics.median(values)
        target = TARGETS.get(key)
        verdict = "" if target is None else ("PASS" if median <= target else "FAIL")
        rows.append(f"| {what[key]} | {median:.2f} s | {'' if target is None else f'<= {target} s'} | {verdict} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--output", type=Path, default=ROOT / "README.md", help="file whose startup section to set")
    args = parser.parse_args(argv)
    body = report(measure(args.runs), args.runs)
    _sections.write(args.output, "startup", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
