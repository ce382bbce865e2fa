"""Every registered activation, order, parameter set, dtype and kink convention against the mpmath reference."""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
from conftest import FLOAT_DTYPES, backward_expected, edge_values, spacing, to_mp, ulp_errors
from reference import REFERENCES, Ref, RefKink, kink_value, kinks_at, one_sided_slopes

import actgrad as ag

#: float32 and float64 against mpmath (half types: exhaustively against the float64 result, below); random points
#: per regime on top of the edge values (benchmarks/accuracy.py sweeps thousands more for docs/ACCURACY.md).
PRECISE = [np.dtype(np.float32), np.dtype(np.float64)]
N_RANDOM = 24

CASES = [(name, params) for name in ag.names() for params in REFERENCES[name].param_sets]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'default'}" for name, p in CASES]


BUILT_IN = ag.names()  # at collection, before any test defines activations of its own


def test_every_activation_has_a_reference() -> None:
    assert set(BUILT_IN) <= set(REFERENCES)


def _kink_points(ref: Ref, params: dict[str, Any]) -> list[float]:
    return [float(k.at(**params)) for k in kinks_at(ref, params)]


def _method(act: ag.Activation, order: int) -> Any:
    return (act, act.grad, act.grad2)[order]


def expected(ref: Ref, order: int | str, x: mpmath.mpf, params: dict[str, Any]) -> mpmath.mpf:
    """The reference value of f (0), f' (1), f'' (2) or d f/d param (a name) at x; kinks under 'torch'.

    At a kink of f^(k), f^(k) takes the convention's value and f^(k+1) is 0 (the documented choice)."""
    if mpmath.isnan(x):
        return mpmath.mpf("nan")
    if isinstance(order, int):
        for k in ref.kinks:
            if x == k.at(**params) and order >= k.order:
                return kink_value(k, "torch", params) if order == k.order else mpmath.mpf(0)
    fn = {0: ref.f, 1: ref.grad, 2: ref.grad2}[order] if isinstance(order, int) else ref.wrt[order]
    return fn(x, **params)


@functools.cache
def _interior_zeros(name: str, order: int | str, frozen: tuple[tuple[str, Any], ...]) -> tuple[float, ...]:
    """Where the reference f^(order) crosses zero away from x = 0 (found on a grid over [-40, 40], refined)."""
    ref, params = REFERENCES[name], dict(frozen)
    grid = [mpmath.mpf(v) / 8 for v in range(-320, 321)]
    vals = [expected(ref, order, v, params) for v in grid]
    zeros = []
    for a, b, fa, fb in zip(grid, grid[1:], vals, vals[1:], strict=False):
        if not (mpmath.isfinite(fa) and mpmath.isfinite(fb) and fa * fb < 0):
            continue
        for _ in range(60):  # bisection; a jump (not a zero) shows as a large value at the limit point
            mid = (a + b) / 2
            fm = expected(ref, order, mid, params)
            a, b, fa = (mid, b, fm) if fm * fa > 0 else (a, mid, fa)
        if abs(expected(ref, order, a, params)) < 1e-12 and abs(a) > 1e-9:
            zeros.append(float(a))
    return tuple(zeros)


def _errors(name: str, order: int | str, x: np.ndarray, ours: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """ULP errors against the reference; within 0.05 of an interior zero of f^(order), in units of ulp(1)."""
    near = np.zeros(x.shape, bool)
    for z in _interior_zeros(name, order, tuple(sorted(params.items()))):
        near |= np.abs(x.astype(np.float64) - z) <= 0.05
    exact = [expected(REFERENCES[name], order, xi, params) for xi in to_mp(x)]
    return ulp_errors(ours, exact, x.dtype, near_zero=near)


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("order", [0, 1, 2])
@pytest.mark.parametrize("dtype", PRECISE, ids=str)
def test_values_match_mpmath(name: str, params: dict[str, Any], order: int, dtype: np.dtype) -> None:
    ref = REFERENCES[name]
    x = edge_values(dtype, _kink_points(ref, params), n_random=N_RANDOM)
    ours = _method(ag.get(name), order)(x, **params)
    assert ours.dtype == dtype and ours.shape == x.shape
    err = _errors(name, order, x, ours, params)
    worst = int(np.argmax(err))
    assert err[worst] <= ref.budget[order], f"x={x[worst]!r}: got {ours[worst]!r}, error {err[worst]} ulp"


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("dtype", PRECISE, ids=str)
def test_parameter_derivatives_match_mpmath(name: str, params: dict[str, Any], dtype: np.dtype) -> None:
    ref = REFERENCES[name]
    act = ag.get(name)
    assert set(act.spec.wrt) == set(ref.wrt)
    x = edge_values(dtype, _kink_points(ref, params), n_random=N_RANDOM)
    for pname in ref.wrt:
        ours = act.grad(x, wrt=pname, **params)
        err = _errors(name, pname, x, ours, params)
        assert err.max() <= ref.budget[1], (pname, x[np.argmax(err)], ours[np.argmax(err)])


@pytest.mark.parametrize("dtype", PRECISE, ids=str)
@pytest.mark.parametrize(
    ("method", "exact"),
    [
        (ag.hard_sigmoid, lambda v: (v + 3) / 6),
        (ag.hard_swish, lambda v: v * (v + 3) / 6),
        (ag.hard_swish.grad, lambda v: (2 * v + 3) / 6),
    ],
    ids=["hard_sigmoid", "hard_swish", "hard_swish'"],
)
def test_quotients_by_six_are_correctly_rounded(dtype: np.dtype, method: Any, exact: Any) -> None:
    """The /6 of the hard functions (multiplications with a correction, no division) rounds correctly, checked in
    exact rational arithmetic on thousands of points: uniform on (-3, 3), next to -3 and 0, and tiny."""
    rng = np.random.default_rng(6)
    n = 3000
    x = np.concatenate(
        [
            rng.uniform(-3, 3, n),
            rng.uniform(-3, -2.999, n),
            rng.uniform(-1e-3, 1e-3, n),
            np.ldexp(rng.uniform(-1, 1, n), rng.integers(-120, 1, n)),
        ]
    ).astype(dtype)
    got = method(x)
    want = np.array([exact(Fraction(v)) for v in x.tolist()], dtype=object)
    rounded = np.array([float(w) for w in want]).astype(dtype)  # float(Fraction) rounds once; float32: twice, below
    if dtype == np.float32:  # correct float32 rounding of the exact value, not of its float64 rounding
        rounded = np.array([_round_to_float32(w) for w in want], dtype=np.float32)
    bad = np.flatnonzero(got != rounded)
    assert bad.size == 0, (x[bad[:3]], got[bad[:3]], rounded[bad[:3]])


def _round_to_float32(value: Fraction) -> np.float32:
    """``value`` rounded to the nearest float32 (ties to even), from exact arithmetic."""
    near = np.float32(float(value))
    candidates = [np.nextafter(near, np.float32(-np.inf)), near, np.nextafter(near, np.float32(np.inf))]
    errs = [abs(Fraction(float(c)) - value) for c in candidates]
    best = min(errs)
    ties = [c for c, e in zip(candidates, errs, strict=True) if e == best]
    return min(ties, key=lambda c: int(np.array(c).view(np.int32)) & 1)


@pytest.mark.parametrize("dtype", PRECISE, ids=str)
def test_softplus_kernels_with_a_subnormal_beta_overflow_to_inf(dtype: np.dtype) -> None:
    """log(1 + e^(beta x)) / beta is about ln 2 / beta > the largest float: inf, not the NaN of an overflowed
    quotient's residual (not in the parameter sets: finite differences of inf are meaningless)."""
    params = {"beta": 5e-324}
    x = edge_values(dtype, [], n_random=N_RANDOM)
    act, ref = ag.softplus, REFERENCES["softplus"]
    for order in (0, 1, 2, "beta"):
        ours = act.grad(x, wrt="beta", **params) if order == "beta" else _method(act, order)(x, **params)
        err = _errors("softplus", order, x, ours, params)
        assert err.max() <= ref.budget[order if order != "beta" else 1], (order, x[np.argmax(err)])


_ENDS = (5e-324, 1e-310, 1e-200, 1e-20, 1e20, 1e200, 1e300, 1.7e308)
#: Inputs where e^x underflows but a huge parameter times it does not (ELU's alpha e^x is normal down to ~-1454).
_FAR = np.array([-750.0, -1285.0, -1450.0, -1454.0])
EXTREME = [("celu", {"alpha": a}) for a in (5e-324, -1e-310, 1e300, -1.7e308)] + [
    ("elu", {"alpha": a}) for a in (1e300, -1.7e308, 2.0**501)
]


@pytest.mark.parametrize("dtype", PRECISE, ids=str)
@pytest.mark.parametrize(("name", "params"), EXTREME, ids=[f"{n}-{p}" for n, p in EXTREME])
def test_kernels_with_an_extreme_parameter(dtype: np.dtype, name: str, params: dict[str, float]) -> None:
    """Parameters at float64's ends (not in the parameter sets: their finite differences are meaningless), where
    products and quotients by them under- or overflow before the result does. CELU: x / alpha and e^(x/alpha) / alpha
    with a subnormal or huge alpha (float32 gave NaN at x = 0 for a subnormal alpha, 0 * inf from 1/alpha; float64 was
    25 ulp off, and NaN for alpha = -1.7e308); ELU: alpha e^x is a normal number down to x ~ -1454 for a huge alpha,
    where e^x alone underflows (f' and f'' were 0 below x = -800)."""
    x = edge_values(dtype, [0.0], n_random=N_RANDOM)
    x = np.concatenate([x, _FAR.astype(dtype)])
    ref = REFERENCES[name]
    for order in (0, 1, 2):
        ours = _method(ag.get(name), order)(x, **params)
        err = _errors(name, order, x, ours, params)
        assert err.max() <= ref.budget[order], (order, x[np.argmax(err)], ours[np.argmax(err)])


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("dtype", [d for d in FLOAT_DTYPES if d.itemsize == 2], ids=lambda d: d.name)
@pytest.mark.parametrize("order", [0, 1, 2])
def test_half_types_within_one_ulp_of_float64_rounded(
    name: str, params: dict[str, Any], dtype: np.dtype, order: int
) -> None:
    """Every one of the 65536 half-precision inputs."""
    fn = _method(ag.get(name), order)
    x = np.arange(2**16, dtype=np.uint16).view(dtype)
    ours = fn(x, **params).astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        want = fn(x.astype(np.float64), **params).astype(dtype).astype(np.float64)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(want))
    finite = np.isfinite(want)
    infinite = ~finite & ~np.isnan(want)
    np.testing.assert_array_equal(ours[infinite], want[infinite])
    bad = np.abs(ours[finite] - want[finite]) > spacing(want[finite], dtype)
    assert not bad.any(), x[finite][bad][:5]


def _points_at(k: RefKink, params: dict[str, Any], dtype: np.dtype) -> np.ndarray:
    at = k.at(**params)
    points = np.array([at, -at], dtype)  # -0.0 as well as 0.0 at the origin
    return points[np.array([p == at for p in points])]


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("convention", ag.CONVENTIONS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=str)
def test_every_kink_under_every_convention(name: str, params: dict[str, Any], convention: str, dtype: np.dtype) -> None:
    ref = REFERENCES[name]
    act = ag.get(name)
    for order in (1, 2):
        assert len(act.spec.formula(order).kinks) == sum(k.order == order for k in ref.kinks), order
    for k in kinks_at(ref, params):
        points = _points_at(k, params, dtype)
        if not points.size:
            continue  # the kink is not representable in this dtype
        got = _method(act, k.order)(points, kink=convention, **params)
        want = kink_value(k, convention, params)
        assert ulp_errors(got, [want] * len(points), dtype).max() <= ref.budget[k.order], (k, got, want)
        if k.order == 1:
            # f'' at a kink of f' is 0, unless f'' has a kink of its own there (elu: its value is checked above)
            if not any(j.order == 2 and j.at(**params) == k.at(**params) for j in ref.kinks):
                assert np.all(act.grad2(points, kink=convention, **params) == 0)
            g = np.full(points.shape, 3, dtype)  # the backward pass takes the same value
            np.testing.assert_array_equal(
                act.backward(g, points, kink=convention, **params),
                backward_expected(act, g, points, kink=convention, **params),
            )


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_reference_kinks_are_the_true_one_sided_slopes(name: str, params: dict[str, Any]) -> None:
    """The hand-written kink table agrees with difference quotients of the reference itself."""
    ref = REFERENCES[name]
    for k in kinks_at(ref, params):
        lower = ref.f if k.order == 1 else ref.grad
        left, right = one_sided_slopes(lower, k.at(**params), params)
        assert abs(left - k.left(**params)) < 1e-20 and abs(right - k.right(**params)) < 1e-20, k
        ours = _method(ag.get(name), k.order)(np.array([float(k.at(**params))] * 2), kink="left", **params)
        assert abs(ours[0] - float(left)) <= 1e-15 * max(1.0, abs(float(left)))


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_derivatives_agree_with_finite_differences(name: str, params: dict[str, Any]) -> None:
    act = ag.get(name)
    rng = np.random.default_rng(1)
    x = rng.uniform(-10, 10, 500)
    kinks = _kink_points(REFERENCES[name], params)
    h = 1e-6
    x = x[np.all([np.abs(x - k) > 10 * h for k in kinks], axis=0)] if kinks else x
    fd1 = (act(x + h, **params) - act(x - h, **params)) / (2 * h)
    np.testing.assert_allclose(act.grad(x, **params), fd1, rtol=1e-6, atol=1e-6)
    fd2 = (act.grad(x + h, **params) - act.grad(x - h, **params)) / (2 * h)
    np.testing.assert_allclose(act.grad2(x, **params), fd2, rtol=1e-5, atol=1e-5)
    for pname in act.spec.wrt:
        p = act.spec.values(params)[pname]
        up, down = act(x, **{**params, pname: p + h}), act(x, **{**params, pname: p - h})
        np.testing.assert_allclose(act.grad(x, wrt=pname, **params), (up - down) / (2 * h), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_infinities_give_the_limits(name: str, params: dict[str, Any]) -> None:
    ref = REFERENCES[name]
    act = ag.get(name)
    x = np.array([np.inf, -np.inf])
    for order in (0, 1, 2):
        want = [float(expected(ref, order, mpmath.mpf(v), params)) for v in x]
        np.testing.assert_array_equal(_method(act, order)(x, **params), want)


SWEPT = [
    (name, p.name)
    for name in BUILT_IN
    for p in ag.get(name).spec.params
    if not isinstance(p.default, str) and not p.integer
]


@pytest.mark.parametrize(("name", "pname"), SWEPT, ids=[f"{n}-{p}" for n, p in SWEPT])
def test_every_parameter_at_float64s_ends(name: str, pname: str) -> None:
    """Each numeric parameter at 16 values from the least subnormal to the largest float, both signs (the others at
    their first reference set), wherever the parameter's checks accept it: f, f', f'' and the parameter derivatives
    within budget, in float32 and float64. (This sweep found the extreme-parameter bugs of
    test_kernels_with_an_extreme_parameter and softplus's d/dbeta for beta >= 1e15.)"""
    act, ref = ag.get(name), REFERENCES[name]
    for value in (*_ENDS, *(-v for v in _ENDS)):
        params = {**ref.param_sets[0], pname: value}
        try:
            act(np.zeros(1), **params)
        except (TypeError, ValueError):
            continue  # outside the parameter's domain, rejected with a clear error (tested elsewhere)
        for dtype in PRECISE:
            top = float(np.finfo(dtype).max)
            kinks = [k for k in _kink_points(ref, params) if abs(k) <= top]  # float32 has no 1e300
            x = np.concatenate([edge_values(dtype, kinks, n_random=8), _FAR.astype(dtype)])
            for order in (0, 1, 2, *ref.wrt):
                method = functools.partial(act.grad, wrt=order) if isinstance(order, str) else _method(act, order)
                err = _errors(name, order, x, method(x, **params), params)
                budget = ref.budget[order if isinstance(order, int) else 1]
                assert err.max() <= budget, (params, dtype, order, x[np.argmax(err)])
