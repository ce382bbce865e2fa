"""Shared test helpers: dtypes, the edge-array generator, ULP error against the mpmath reference."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from typing import Any

import mpmath
import numpy as np
import pytest

FLOAT_DTYPES: list[np.dtype] = [np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)]
if importlib.util.find_spec("ml_dtypes"):
    import ml_dtypes

    FLOAT_DTYPES.append(np.dtype(ml_dtypes.bfloat16))


def finfo(dtype: np.dtype) -> np.finfo:
    if dtype.name == "bfloat16":
        return ml_dtypes.finfo(dtype)
    return np.finfo(dtype)


def ulp(value: mpmath.mpf, dtype: np.dtype) -> mpmath.mpf:
    """The spacing of ``dtype`` at |value| (the smallest subnormal at 0)."""
    fi = finfo(dtype)
    p = fi.nmant + 1
    t = abs(value)
    e = fi.minexp if t == 0 else max(int(mpmath.floor(mpmath.log(t, 2))), fi.minexp)
    return mpmath.mpf(2) ** (e - p + 1)


def spacing(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The dtype's ulp at each |value| (float64 values representable in ``dtype``), for any float dtype."""
    fi = finfo(dtype)
    exponent = np.frexp(np.abs(np.asarray(values, np.float64)))[1] - 1
    return np.ldexp(1.0, np.maximum(exponent, fi.minexp) - fi.nmant)


def ulp_errors(
    ours: np.ndarray, exact: Sequence[mpmath.mpf], dtype: np.dtype, near_zero: np.ndarray | None = None
) -> np.ndarray:
    """|ours - exact| in units of the dtype's ulp at |exact|; 0 for matching NaN/inf, inf for a mismatch.

    Where ``near_zero`` is set (inputs within 0.05 of an interior zero of the function), the unit is ulp(1)."""
    one = mpmath.mpf(1)
    fi = finfo(dtype)
    overflow = mpmath.mpf(float(fi.max)) + ulp(mpmath.mpf(float(fi.max)), dtype) / 2
    out = np.empty(len(exact))
    for i, (o, e) in enumerate(zip(np.asarray(ours, dtype=np.float64).ravel(), exact, strict=True)):
        if mpmath.isnan(e) or np.isnan(o):
            out[i] = 0.0 if (mpmath.isnan(e) and np.isnan(o)) else np.inf
        elif mpmath.isinf(e) or abs(e) >= overflow:
            out[i] = 0.0 if (np.isinf(o) and (o > 0) == (e > 0)) else np.inf
        elif np.isinf(o):
            out[i] = np.inf
        else:
            unit = ulp(one if near_zero is not None and near_zero.ravel()[i] else e, dtype)
            out[i] = float(abs(mpmath.mpf(o) - e) / unit)
    return out


def edge_values(dtype: np.dtype, kinks: Sequence[float] = (), n_random: int = 64, seed: int = 0) -> np.ndarray:
    """Values that break activations: signed zeros, subnormals, extremes, infinities, NaN, both sides of every
    kink, and random values in four regimes (normal, small, large, extremal)."""
    fi = finfo(dtype)
    inf = np.array(np.inf, dtype)
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, -7.0, np.inf, -np.inf, np.nan]
    vals = [np.array(v, dtype) for v in special]
    for v in (fi.smallest_subnormal, fi.smallest_normal, fi.max, fi.eps):
        vals += [np.array(v, dtype), -np.array(v, dtype)]
    for k in kinks:
        k = np.array(k, dtype)
        vals += [k, np.nextafter(k, inf), np.nextafter(k, -inf)]
    rng = np.random.default_rng(seed)
    big = float(fi.max)
    regimes = [
        rng.normal(0, 3, n_random),
        rng.normal(0, 1, n_random) * 1e-3,
        rng.normal(0, 1, n_random) * min(1e4, big / 10),
        np.exp(rng.uniform(-1, 1, n_random) * np.log(big)) * rng.choice([-1, 1], n_random),
    ]
    with np.errstate(over="ignore"):
        vals += [r.astype(dtype) for r in regimes]
    return np.concatenate([np.atleast_1d(v) for v in vals]).astype(dtype)


def to_mp(values: np.ndarray) -> list[mpmath.mpf]:
    return [mpmath.mpf(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]


def edge_arrays(base: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    """The same values in every layout a caller may pass: contiguous, reversed, strided, transposed, Fortran,
    big-endian, read-only, 0-d and empty."""
    yield "contiguous", base.copy()
    yield "reversed", base[::-1]
    doubled = np.repeat(base, 2)
    yield "strided", doubled[::2]
    n = base.size - base.size % 4
    grid = base[:n].reshape(4, -1)
    yield "transposed", grid.T
    yield "fortran", np.asfortranarray(grid)
    yield "sliced-2d", np.repeat(grid, 2, axis=1)[:, ::2]
    if base.dtype.name != "bfloat16":
        yield "big-endian", base.astype(base.dtype.newbyteorder(">"))
    ro = base.copy()
    ro.flags.writeable = False
    yield "read-only", ro
    yield "0-d", base[0].reshape(())
    yield "empty", base[:0]
    yield "empty-2d", base[:0].reshape(0, 3)


def assert_same(got: object, want: object, err_msg: str = "") -> None:
    """Equal values, NaN where NaN, in any float dtype (bfloat16 compared through float64)."""
    np.testing.assert_array_equal(
        np.asarray(got).astype(np.float64), np.asarray(want).astype(np.float64), err_msg=err_msg
    )


def backward_expected(act, g: np.ndarray, x: np.ndarray, **kwargs: object) -> np.ndarray:  # type: ignore[no-untyped-def]
    """g * f'(x) as the library defines it: the product of the float32/float64 results, and for half types that
    product in float32 rounded once to the half type (as PyTorch computes half-precision backward passes)."""
    if x.dtype.itemsize == 2 and g.dtype == x.dtype:
        wide = g.astype(np.float32) * act.grad(x.astype(np.float32), **kwargs)
        return wide.astype(x.dtype)  # type: ignore[no-any-return]
    return g * act.grad(x, **kwargs)  # type: ignore[no-any-return]


def sample_names(names: Sequence[str]) -> list[Any]:
    """The registry for tests that compile many kernel variants per activation (layouts, Dask chunks): every
    activation, the cheap-to-compile rectifiers by default and the rest under ``-m slow`` (numba takes seconds per
    variant of the double-double formulas; the values themselves are covered for every activation elsewhere)."""
    quick = {"relu", "leaky_relu", "relu6", "prelu", "sigmoid", "hard_swish", "elu"}
    return [n if n in quick else pytest.param(n, marks=pytest.mark.slow) for n in names]


@pytest.fixture(params=FLOAT_DTYPES, ids=lambda d: d.name)
def float_dtype(request: pytest.FixtureRequest) -> np.dtype:
    return request.param  # type: ignore[no-any-return]


def example_params(act: Any) -> dict[str, Any]:
    """Values for an activation's required parameters (threshold's ``threshold`` and ``value``): their examples."""
    return {p.name: p.shown for p in act.spec.params if p.default is None}
