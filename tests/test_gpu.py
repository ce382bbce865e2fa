"""GPU arrays through actgrad equal the CPU NumPy kernels (issue 5): torch CUDA tensors and CuPy arrays keep their
type, dtype and device, and their values match the CPU results (bit for bit at kinks and specials, within a few ulp
elsewhere). Each test skips cleanly where there is no CUDA device or no library for it; the full check over every
activation and method, and the throughput against PyTorch's CUDA kernels, is ``benchmarks/gpu.py``."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import actgrad as ag

NAMES = ["relu", "leaky_relu", "sigmoid", "tanh", "gelu", "silu", "elu", "softplus", "hard_swish", "mish"]
#: Allowed distance from the CPU result where both are finite, in ulp of the CPU result (the array path and the
#: kernels round differently; both are within the family's 2-ulp budget of the true value).
ULPS = 8


def _inputs(dtype: type) -> np.ndarray:
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, 6.0, -3.0, 3.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 80.0, -80.0]
    return np.concatenate([special, rng.standard_normal(2000) * 4, np.linspace(-12, 12, 241)]).astype(dtype)


def _close(got: np.ndarray, want: np.ndarray, x: np.ndarray) -> None:
    """Within ULPS ulp of the CPU result; within 0.05 of an interior zero (a sign change away from x = 0) in units of
    ulp(1), the accuracy tests' rule; NaN and infinities exactly."""
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    infinite = np.isinf(want)
    np.testing.assert_array_equal(got[infinite], want[infinite])
    order = np.argsort(x)
    xs, ws = x[order], want[order]
    change = np.flatnonzero((np.sign(ws[:-1]) * np.sign(ws[1:]) < 0) & (np.abs(xs[:-1]) > 0.05))
    near = np.zeros(x.shape, bool)
    with np.errstate(invalid="ignore"):  # inf - inf, NaN inputs
        for z in xs[change]:
            near |= np.abs(x - z) < 0.05
        unit = np.where(near, np.spacing(want.dtype.type(1)), np.spacing(np.abs(want)))
        bad = np.isfinite(want) & ~(np.abs(got - want) <= ULPS * unit)
    assert not bad.any(), f"x = {x[bad][:5]}: {got[bad][:5]} != {want[bad][:5]}"


class _Device(NamedTuple):
    """A GPU array library: host -> device, device -> host, and whether a result is a device array of it."""

    put: Callable[[np.ndarray], Any]
    get: Callable[[Any], np.ndarray]
    owns: Callable[[Any], bool]


def _torch_cuda() -> _Device:
    if importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed")
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return _Device(
        lambda a: torch.from_numpy(a).cuda(),
        lambda t: t.cpu().numpy(),
        lambda t: isinstance(t, torch.Tensor) and t.is_cuda,
    )


def _cupy() -> _Device:
    if importlib.util.find_spec("cupy") is None:
        pytest.skip("CuPy is not installed")
    import cupy

    try:
        cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError:
        pytest.skip("no CUDA device")
    return _Device(cupy.asarray, cupy.asnumpy, lambda a: isinstance(a, cupy.ndarray))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("device", [_torch_cuda, _cupy], ids=["torch-cuda", "cupy"])
def test_gpu_arrays_equal_cpu(device: Callable[[], _Device], name: str, dtype: type) -> None:
    dev = device()
    fn = ag.get(name)
    x = _inputs(dtype)
    g = np.random.default_rng(1).standard_normal(x.size).astype(dtype)
    d, dg = dev.put(x), dev.put(g)
    for kink in ("torch", "right"):
        for got, want in (
            (fn(d), fn(x)),
            (fn.grad(d, kink=kink), fn.grad(x, kink=kink)),
            (fn.grad2(d, kink=kink), fn.grad2(x, kink=kink)),
            (fn.backward(dg, d, kink=kink), fn.backward(g, x, kink=kink)),
        ):
            assert dev.owns(got)
            host = dev.get(got)
            assert host.dtype == x.dtype
            _close(host, want, x)
