"""Hypothesis properties over the registry: shape and dtype kept, NaN positions kept, fused passes bit for bit."""

from __future__ import annotations

import numpy as np
from conftest import FLOAT_DTYPES, assert_same, backward_expected, example_params
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import actgrad as ag

_DTYPES = [d for d in FLOAT_DTYPES if d.name != "bfloat16"]  # hypothesis draws NumPy's own dtypes only


@st.composite
def arrays(draw: st.DrawFn) -> np.ndarray:
    dtype = draw(st.sampled_from(_DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))
    x = draw(hnp.arrays(dtype, shape, elements=hnp.from_dtype(dtype, allow_nan=True, allow_infinity=True)))
    if x.ndim >= 2 and draw(st.booleans()):
        x = x.T
    if x.ndim >= 1 and draw(st.booleans()):
        x = x[::-1]
    return x


settings.register_profile("actgrad", max_examples=60, deadline=None)
settings.load_profile("actgrad")


@given(name=st.sampled_from(ag.names()), x=arrays(), kink=st.sampled_from(ag.CONVENTIONS))
def test_shape_dtype_and_nan_positions_are_kept(name: str, x: np.ndarray, kink: str) -> None:
    act = ag.get(name)
    need = example_params(act)
    before = x.tobytes()
    for y in (act(x, **need), act.grad(x, kink=kink, **need), act.grad2(x, kink=kink, **need)):
        assert np.shape(y) == x.shape and np.asarray(y).dtype == x.dtype
        np.testing.assert_array_equal(np.isnan(y), np.isnan(x))
    assert x.tobytes() == before


@given(name=st.sampled_from(ag.names()), x=arrays(), kink=st.sampled_from(ag.CONVENTIONS), data=st.data())
def test_backward_is_g_times_grad_bit_for_bit(name: str, x: np.ndarray, kink: str, data: st.DataObject) -> None:
    act = ag.get(name)
    need = example_params(act)
    g = data.draw(hnp.arrays(x.dtype, x.shape, elements=hnp.from_dtype(x.dtype, allow_nan=False)))
    with np.errstate(all="ignore"):  # the expectation itself may overflow (inf * 0 in the reference product)
        want = backward_expected(act, g, x, kink=kink, **need)
    assert_same(act.backward(g, x, kink=kink, **need), want)
    value, grad = act.value_and_grad(x, kink=kink, **need)
    assert_same(value, act(x, **need))
    assert_same(grad, act.grad(x, kink=kink, **need))


@given(x=arrays(), slope=st.floats(-100, 100, allow_nan=False))
def test_leaky_relu_is_identity_above_and_the_slope_line_below(x: np.ndarray, slope: float) -> None:
    y = ag.leaky_relu(x, negative_slope=slope).astype(np.float64)
    xf = x.astype(np.float64)
    pos = xf >= 0
    np.testing.assert_array_equal(y[pos], xf[pos])
    neg = xf < 0
    with np.errstate(all="ignore"):
        ref = (xf * slope if slope else np.zeros_like(xf)).astype(x.dtype).astype(np.float64)
        tol = np.spacing(np.abs(ref))  # room for the rare double rounding through float64
    finite = neg & np.isfinite(ref)
    assert np.all(np.abs(y[finite] - ref[finite]) <= tol[finite]), slope
    np.testing.assert_array_equal(y[neg & ~finite], ref[neg & ~finite])
