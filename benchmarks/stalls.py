"""Allocating calls at 10^7 elements: who faults the result's pages in, and how often that stalls.

Usage::

    python benchmarks/stalls.py                 # 40 rounds -> benchmarks/STALLS.md
    python benchmarks/stalls.py --rounds 10 --output /tmp/stalls.md

NumPy asks the OS for transparent huge pages on arrays of 4 MiB and more; where the OS must compact memory to find
one (``/sys/kernel/mm/transparent_hugepage/defrag`` = ``madvise``), the page fault waits for it. Three ways to get
``tanh`` of 10^7 float64 into a new array, interleaved round by round:

- ``actgrad``: ``ag.tanh(x)``: ``np.empty``, and the kernel's two threads fault the pages in, each its half (first
  touch in the parallel loop);
- ``serial prefault``: one write per 2 MiB from the calling thread first, then the kernel with ``out=``;
- ``np.tanh``: NumPy's own (one thread).

A stall is a call slower than twice the contender's median. Medians, means and maxima in ms. What this shows
depends on the state of the machine's memory: on 2026-11-30, with memory fragmented, the parallel first touch
stalled (~130 ms) in 3 to 5 calls of 40 and the serial prefault in none, for ~3 ms more per call (and the issue-2
targets for allocating relu calls no longer met); after a program had allocated and freed 8 GB, neither stalled.
actgrad keeps the parallel first touch.
"""

from __future__ import annotations

import argparse
import datetime
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import actgrad as ag

HERE = Path(__file__).resolve().parent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=40)
    p.add_argument("--output", type=Path, default=HERE / "STALLS.md")
    args = p.parse_args()

    x = np.random.default_rng(0).standard_normal(10**7)

    def prefaulted() -> np.ndarray:
        y = np.empty_like(x)
        y[:: (2 << 20) // y.itemsize] = 0
        return ag.tanh(x, out=y)  # type: ignore[no-any-return]

    contenders: dict[str, Callable[[], np.ndarray]] = {
        "actgrad": lambda: ag.tanh(x),
        "serial prefault": prefaulted,
        "np.tanh": lambda: np.tanh(x),
    }
    times: dict[str, list[float]] = {k: [] for k in contenders}
    for f in contenders.values():
        f()  # compile, warm up
    for _ in range(args.rounds):
        for name, f in contenders.items():
            t = time.perf_counter()
            y = f()
            times[name].append((time.perf_counter() - t) * 1e3)
            del y

    thp = Path("/sys/kernel/mm/transparent_hugepage/defrag")
    lines = [
        "# Allocating calls: page-fault stalls",
        "",
        f"Generated {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC by `python benchmarks/stalls.py` "
        f"({args.rounds} rounds, interleaved; tanh of 10^7 float64 into a new array). Transparent huge pages, "
        f"defrag: `{thp.read_text().strip() if thp.exists() else 'unknown'}`.",
        "",
        "| contender | median ms | mean ms | max ms | stalls (> 2x median) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, ts in times.items():
        a = np.array(ts)
        med = float(np.median(a))
        lines.append(f"| {name} | {med:.1f} | {a.mean():.1f} | {a.max():.1f} | {int((a > 2 * med).sum())} |")
    text = "\n".join(lines) + "\n"
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
