"""The kernel loops themselves: how they take their constants, and that they vectorize wide."""

from __future__ import annotations

import re

import numpy as np
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
