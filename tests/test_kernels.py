"""The kernel loops themselves: how they take their constants, and that they vectorize wide."""

from __future__ import annotations

import re

import numpy as np
import pytest
from numba import njit

import actgrad as ag
from actgrad import _kernels, _math


def test_constants_unpack_to_the_parameters_and_each_formulas_kinks() -> None:
    """One float64 array carries the parameters, then each formula's kink positions and values under the
    convention; the generated unpacker gives them back as the tuples the scalar functions take."""
    spec = ag.get("threshold").spec
    params = (0.25, -2.0)  # threshold, value
    f, grad = spec.formula(0, None), spec.formula(1, None)
    c = _kernels.constants([f, grad], params, "torch")
    unpack = _kernels._unpacker(len(params), (len(f.kinks), len(grad.kinks)))
    got = unpack(c)
    want = [params]
    for formula in (f, grad):
        want += [
            tuple(k.location(params) for k in formula.kinks),
            tuple(k.value("torch", params) for k in formula.kinks),
        ]
    assert got == tuple(want)
    assert len(grad.kinks) == 1 and got[3] == (0.25,)  # threshold's f' has its kink at the threshold


@pytest.mark.parametrize("n", [64, 100_000])  # the serial and the parallel kernel
def test_float32_kinks_are_hit_where_float32_holds_the_position_and_never_elsewhere(n: int) -> None:
    """Kink positions are compared in the input's type: float32 inputs equal to a position float32 holds take the
    kink's value; a position it does not hold (0.7 lies between two float32s) is never hit, so float32 inputs give
    what the float64 kernel gives on the same values."""
    for t in (0.5, 0.7, -1.1, 3.0):
        x = np.full(n, np.float32(t), np.float32)
        x[::3] = np.nextafter(x[::3], np.float32(np.inf))
        for kink in ("left", "right", "mean"):
            got = ag.threshold.grad(x, threshold=t, value=0.0, kink=kink)
            want = ag.threshold.grad(x.astype(np.float64), threshold=t, value=0.0, kink=kink)
            np.testing.assert_array_equal(got, want.astype(np.float32))
    hit = ag.threshold.grad(np.full(n, 0.5, np.float32), threshold=0.5, value=0.0, kink="mean")
    np.testing.assert_array_equal(hit, np.float32(0.5))


def test_float32_loops_with_kinks_stay_float32() -> None:
    """A float32 loop over a formula with kinks (relu') compiles to float32 vector code only: the kink's position and
    value are compared and selected in float32 (LLVM merged the select of two float32 conversions into a float64
    select once, and the loop ran at half the lanes, converting every element)."""
    formula = ag.get("relu").spec.formula(1, None)
    s = _kernels.scalar(formula, True)
    unpack = _kernels._unpacker(0, (len(formula.kinks),))

    @njit(error_model="numpy")
    def loop(x, out, c):  # type: ignore[no-untyped-def]
        params, kpos, kval = unpack(c)
        for i in range(x.size):
            out[i] = s(x[i], params, kpos, kval)

    x = np.linspace(-2.0, 2.0, 65).astype(np.float32)  # 0 among them
    out = np.empty_like(x)
    loop(x, out, _kernels.constants([formula], (), "jax"))
    np.testing.assert_array_equal(out, ag.relu.grad(x, kink="jax"))
    ir = "".join(loop.inspect_llvm().values())
    assert re.search(r"<\d+ x float>", ir), "no float32 vector code"
    assert not re.search(r"<\d+ x double>", ir), "float64 vectors in a float32 loop"


def test_float32_pair_kernels_stay_float32() -> None:
    """silu's float32 kernel (arithmetic in pairs of float32s) compiles to float32 vector code only: the formula
    takes x in its own type and widens it itself, so LLVM sees the widening and the pair code's narrowing together.
    Given x widened, the formula saw a float64 argument, LLVM moved its comparisons with constants into float64, and
    the loop converted every element to compare at half the lanes (1.8x slower)."""
    formula = ag.get("silu").spec.formula(0, None)
    unpack = _kernels._unpacker(0, (0,))
    kernel = _kernels.Kernel(lambda lean: _kernels._unary(_kernels.scalar(formula, lean, 0), unpack), 1, None)
    serial = kernel.serial(True)  # no key: compiled here, not loaded from the disk cache (which has no IR)
    x = np.linspace(-130.0, 60.0, 97).astype(np.float32)
    out = np.empty_like(x)
    serial(x, out, _kernels.constants([formula], (), "torch"))
    np.testing.assert_array_equal(out, ag.silu(x))
    ir = "".join(serial.inspect_llvm().values())
    assert re.search(r"fcmp[^\n]*<\d+ x float>", ir), "no float32 vector comparisons"
    assert not re.search(r"<\d+ x double>", ir), "float64 vectors in a float32 loop"


def test_float64_loops_are_eight_lanes_wide() -> None:
    """The kernels ask LLVM for 512-bit vectors (its default tuning for recent Intel CPUs is 256 bits): the
    attribute is on the loop's function, and a float64 exp loop compiles to 8-lane vector code where the CPU has
    AVX-512 (elsewhere the attribute is harmless)."""

    @njit(error_model="numpy")
    def loop(x, out):  # type: ignore[no-untyped-def]
        for i in range(x.size):
            _kernels._wide_vectors()
            out[i] = _math.exp(x[i])

    x = np.linspace(-5.0, 5.0, 64)
    out = np.empty_like(x)
    loop(x, out)
    np.testing.assert_allclose(out, np.exp(x), rtol=1e-15)
    ir = "".join(loop.inspect_llvm().values())
    assert _kernels._WIDE in ir
    import llvmlite.binding as llvm

    if "+avx512f" in llvm.get_host_cpu_features().flatten():
        assert re.search(r"<8 x double>", ir), "no 8-lane float64 vector code"


def test_where_selects_like_a_conditional_expression() -> None:
    """The namespace's where (an LLVM select, not a branch) gives what ``a if cond else b`` gives in Python: the
    sides' common type, a number's truth as the condition (NaN is true), NaN passed through from either side."""

    @njit
    def select(cond, a, b):  # type: ignore[no-untyped-def]
        return _math.where(cond, a, b)

    cases = [(True, 1.0, 2.0), (False, 1, 2.5), (0.0, 1.0, 2.0), (float("nan"), 1.0, 2.0), (3, 1.0, 2.0), (0, 1, 2)]
    for cond, a, b in cases:
        got = select(cond, a, b)
        assert got == (a if cond else b)
        assert type(got) is (float if float in (type(a), type(b)) else int)
    assert np.isnan(select(True, float("nan"), 0.0)) and np.isnan(select(False, 0.0, float("nan")))


def test_parallel_kernels_cover_every_element_once_whatever_the_alignment() -> None:
    """The parallel kernels run the serial loop over blocks, the first ending where the output is 64-byte aligned:
    for every size about the block edges, any offset of the arrays (so any peel, also one longer than the array)
    and in place, each kernel kind gives exactly the serial kernels' results."""
    spec = ag.get("elu").spec
    f, grad = spec.formula(0, None), spec.formula(1, None)
    params = (1.5,)
    kf, kg = _kernels.constants([f], params, "torch"), _kernels.constants([grad], params, "torch")
    kfg = _kernels.constants([f, grad], params, "torch")
    unary, unary_grad = _kernels.unary(f, 1), _kernels.unary(grad, 1)
    backward, pair = _kernels.backward(grad, 1), _kernels.pair(f, grad, 1)
    block = _kernels.BLOCK
    rng = np.random.default_rng(5)
    for dtype in (np.float64, np.float32):
        lean = dtype == np.float32
        for n in (0, 1, 5, 17, block - 1, block, block + 3, 3 * block + 11):
            for shift in (0, 1, 3, 7):
                x = rng.normal(0, 3, n + 16).astype(dtype)[shift : shift + n]
                g = rng.normal(0, 1, n + 16).astype(dtype)[8 - shift : 8 - shift + n]
                want_f, want_g = np.empty_like(x), np.empty_like(x)
                unary.serial(lean)(x, want_f, kf)
                unary_grad.serial(lean)(x, want_g, kg)
                out = np.full(n + 16, np.nan, dtype)[shift + 1 : shift + 1 + n]  # aligned unlike x
                unary.parallel(lean)(x, out, kf)
                np.testing.assert_array_equal(out, want_f)
                inplace = x.copy()
                unary.parallel(lean)(inplace, inplace, kf)
                np.testing.assert_array_equal(inplace, want_f)
                backward.parallel(lean)(g, x, out, kg)
                np.testing.assert_array_equal(out, g * want_g)
                second = np.full_like(x, np.nan)
                pair.parallel(lean)(x, out, second, kfg)
                np.testing.assert_array_equal(out, want_f)
                np.testing.assert_array_equal(second, want_g)
