"""Time actgrad's vectorizable ``exp`` (``actgrad._exp``) against libm's and NumPy's, on one thread.

Usage::

    python benchmarks/exp_speed.py                 # 10**7 float64 elements, 15 rounds
    python benchmarks/exp_speed.py --n 1000000 --rounds 31

Contenders, each writing into the same preallocated output: a serial numba loop calling ``actgrad._exp.exp``, the
same loop calling ``math.exp`` (a scalar libm call), ``np.exp(x, out=out)`` and ``np.copyto(out, x)`` (the memory
bound: the same bytes read and written). Inputs are uniform on [-700, 700]. Each round runs every contender once,
in an order rotated from round to round; the table gives the median over rounds in ns per element and its ratio
to ``np.exp`` and to the copy.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import numpy as np
from numba import njit

from actgrad._exp import exp


@njit(error_model="numpy")
def _ours(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = exp(x[i])


@njit(error_model="numpy")
def _libm(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.size):
        out[i] = math.exp(x[i])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**7, help="elements (default 10**7)")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    args = parser.parse_args()

    x = np.random.default_rng(0).uniform(-700.0, 700.0, args.n)
    out = np.zeros_like(x)
    contenders: dict[str, Callable[[], object]] = {
        "numba loop, actgrad._exp.exp": lambda: _ours(x, out),
        "numba loop, math.exp (libm)": lambda: _libm(x, out),
        "np.exp": lambda: np.exp(x, out=out),
        "np.copyto (memory bound)": lambda: np.copyto(out, x),
    }
    names = list(contenders)
    for fn in contenders.values():  # compile and warm up
        fn()
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(args.rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            contenders[name]()
            times[name].append(time.perf_counter() - start)

    ns = {name: statistics.median(t) / args.n * 1e9 for name, t in times.items()}
    print(f"exp on {args.n:,} float64 elements, 1 thread, median of {args.rounds} interleaved rounds\n")
    print("| contender | ns/element | vs np.exp | vs copy |")
    print("|---|---:|---:|---:|")
    for name in names:
        print(f"| {name} | {ns[name]:.3f} | {ns[name] / ns['np.exp']:.2f} | {ns[name] / ns[names[-1]]:.2f} |")


if __name__ == "__main__":
    main()
