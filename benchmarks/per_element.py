"""Per-element time of actgrad's serial kernels, on data in cache: the cost of the arithmetic alone.

Usage::

    python benchmarks/per_element.py                      # every activation
    python benchmarks/per_element.py sigmoid gelu --n 65536 --rounds 7
    python benchmarks/per_element.py gelu:tanh                # a variant (a choice parameter's value)

For each activation (parameters at their defaults, required ones at their documented examples) and dtype, the
serial kernel of f, f', f'' and the backward pass g f'(x) runs on n standard-normal inputs times 3 with a preallocated
output, next to ``np.copyto`` and ``np.add`` of the same arrays; each cell is the best of ``rounds`` rounds of 50
calls, in ns per element. Kernels are compared before and after a change by running this script at both commits
(the parallel kernels at 10^7 elements, against PyTorch and the memory limit, are benchmarks/run.py's).
"""

from __future__ import annotations

import argparse
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np

import actgrad as ag
from actgrad import _dispatch, _kernels


def _per_element(fn: Callable[[], Any], n: int, rounds: int) -> float:
    fn()  # compile or load the kernel first
    return min(timeit.repeat(fn, number=50, repeat=rounds)) / 50 / n * 1e9


def _row(name: str, dtype: type, n: int, rounds: int) -> list[str]:
    base, _, variant = name.partition(":")
    spec = ag.get(base).spec
    params = tuple(float(p.shown) for p in spec.params if p.numeric)
    x = (np.random.default_rng(0).standard_normal(n) * 3).astype(dtype)
    g, out = np.ones_like(x), np.empty_like(x)
    lean = dtype is np.float32
    cells = []
    for label, order in (("f", 0), ("f'", 1), ("f''", 2), ("backward", 1)):
        formula = spec.formula(order, variant or None)
        args = _dispatch.kernel_args([formula], params, "torch")
        if label == "backward":
            serial = _kernels.backward(formula, len(params)).serial(lean)
            cells.append(_per_element(lambda: serial(g, x, out, *args), n, rounds))  # noqa: B023
        else:
            serial = _kernels.unary(formula, len(params)).serial(lean)
            cells.append(_per_element(lambda: serial(x, out, *args), n, rounds))  # noqa: B023
    cells.append(_per_element(lambda: np.copyto(out, x), n, rounds))
    cells.append(_per_element(lambda: np.add(g, x, out=out), n, rounds))
    return [f"`{name}`", np.dtype(dtype).name, *(f"{c:.2f}" for c in cells)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="activations (default: all); NAME:VARIANT for a variant (gelu:tanh)")
    parser.add_argument("--n", type=int, default=1 << 16, help="elements (default 65536: in cache)")
    parser.add_argument("--rounds", type=int, default=7)
    opts = parser.parse_args()
    print("| activation | dtype | f | f' | f'' | backward | np.copyto | np.add |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name in opts.names or ag.names():
        for dtype in (np.float32, np.float64):
            print("| " + " | ".join(_row(name, dtype, opts.n, opts.rounds)) + " |", flush=True)


if __name__ == "__main__":
    main()
