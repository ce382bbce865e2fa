"""Every registered activation, order, parameter set, dtype and kink convention against the mpmath reference."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from conftest import backward_expected, edge_values, to_mp, ulp_errors
from reference import REFERENCES, Ref, kink_value, one_sided_slopes

import actgrad as ag

#: Piecewise-linear functions are correctly rounded; 0.501 leaves room for the double rounding of s*x computed in
#: float64 and rounded to float32 (at most 2**-29 ulp) and of half types computed in float32.
EXACT = 0.501

CASES = [(name, params) for name in ag.names() for params in REFERENCES[name].param_sets]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'default'}" for name, p in CASES]


def test_every_activation_has_a_reference() -> None:
    assert set(ag.names()) <= set(REFERENCES)


def _kink_points(ref: Ref, params: dict[str, float]) -> list[float]:
    return [float(k.at(**params)) for k in ref.kinks]


def expected(ref: Ref, order: int | str, x: mpmath.mpf, params: dict[str, float]) -> mpmath.mpf:
    """The reference value of f (0), f' (1), f'' (2) or d f/d param (a name) at x, kinks under 'torch'."""
    if mpmath.isnan(x):
        return mpmath.mpf("nan")
    for k in ref.kinks:
        if x == k.at(**params) and order in (1, 2):
            return kink_value(k, "torch", params) if order == 1 else mpmath.mpf(0)
    fn = {0: ref.f, 1: ref.grad, 2: ref.grad2}[order] if isinstance(order, int) else ref.wrt[order]
    return fn(x, **params)


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("order", [0, 1, 2])
def test_values_match_mpmath(name: str, params: dict[str, float], order: int, float_dtype: np.dtype) -> None:
    ref = REFERENCES[name]
    act = ag.get(name)
    x = edge_values(float_dtype, _kink_points(ref, params))
    ours = (act, act.grad, act.grad2)[order](x, **params)
    assert ours.dtype == float_dtype and ours.shape == x.shape
    err = ulp_errors(ours, [expected(ref, order, xi, params) for xi in to_mp(x)], float_dtype)
    worst = int(np.argmax(err))
    assert err[worst] <= EXACT, f"x={x[worst]!r}: got {ours[worst]!r}, error {err[worst]} ulp"


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_parameter_derivatives_match_mpmath(name: str, params: dict[str, float], float_dtype: np.dtype) -> None:
    ref = REFERENCES[name]
    act = ag.get(name)
    assert set(act.spec.wrt) == set(ref.wrt)
    x = edge_values(float_dtype, _kink_points(ref, params))
    for pname in ref.wrt:
        ours = act.grad(x, wrt=pname, **params)
        err = ulp_errors(ours, [expected(ref, pname, xi, params) for xi in to_mp(x)], float_dtype)
        assert err.max() <= EXACT, pname


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("convention", ag.CONVENTIONS)
def test_every_kink_under_every_convention(
    name: str, params: dict[str, float], convention: str, float_dtype: np.dtype
) -> None:
    ref = REFERENCES[name]
    act = ag.get(name)
    assert len(act.spec.formula(1).kinks) == len(ref.kinks)
    for k in ref.kinks:
        at = k.at(**params)
        points = np.array([at, -at], float_dtype)  # -0.0 as well as 0.0 at the origin
        points = points[np.array([p == at for p in points])]
        got = act.grad(points, kink=convention, **params)
        want = kink_value(k, convention, params)
        assert ulp_errors(got, [want] * len(points), float_dtype).max() <= EXACT, (at, got, want)
        assert np.all(act.grad2(points, kink=convention, **params) == 0)  # f'' at a kink is 0 (documented)
        # the backward pass takes the same value
        g = np.full(points.shape, 3, float_dtype)
        np.testing.assert_array_equal(
            act.backward(g, points, kink=convention, **params),
            backward_expected(act, g, points, kink=convention, **params),
        )


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_reference_kinks_are_the_true_one_sided_slopes(name: str, params: dict[str, float]) -> None:
    """The hand-written kink table agrees with difference quotients of the reference f itself."""
    ref = REFERENCES[name]
    for k in ref.kinks:
        left, right = one_sided_slopes(ref.f, k.at(**params), params)
        assert (left, right) == (k.left(**params), k.right(**params))
        ours = ag.get(name).grad(np.array([float(k.at(**params))] * 2), kink="left", **params)
        assert ours[0] == float(left)


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_derivatives_agree_with_finite_differences(name: str, params: dict[str, float]) -> None:
    act = ag.get(name)
    rng = np.random.default_rng(1)
    x = rng.uniform(-10, 10, 500)
    kinks = _kink_points(REFERENCES[name], params)
    h = 1e-6
    x = x[np.all([np.abs(x - k) > 10 * h for k in kinks], axis=0)] if kinks else x
    np.testing.assert_allclose(
        act.grad(x, **params), (act(x + h, **params) - act(x - h, **params)) / (2 * h), rtol=1e-6, atol=1e-6
    )
    np.testing.assert_allclose(
        act.grad2(x, **params), (act.grad(x + h, **params) - act.grad(x - h, **params)) / (2 * h), atol=1e-6
    )
    for pname in act.spec.wrt:
        p = params.get(pname, next(q.default for q in act.spec.params if q.name == pname))
        up, down = act(x, **{**params, pname: p + h}), act(x, **{**params, pname: p - h})
        np.testing.assert_allclose(act.grad(x, wrt=pname, **params), (up - down) / (2 * h), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ag.names())
def test_infinities_give_the_limits(name: str) -> None:
    ref = REFERENCES[name]
    act = ag.get(name)
    x = np.array([np.inf, -np.inf])
    for order, fn in enumerate((act, act.grad, act.grad2)):
        want = [float(expected(ref, order, mpmath.mpf(v), {})) for v in x]
        np.testing.assert_array_equal(fn(x), want)
