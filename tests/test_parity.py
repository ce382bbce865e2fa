"""Parity with PyTorch autograd and jax.grad, and the array-API path (torch, JAX, array_api_strict inputs).

Each part skips cleanly when its library is not installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import edge_values, example_params
from reference import EXACT, REFERENCES, kinks_at

import actgrad as ag

CASES = [(n, p) for n in ag.names() for p in REFERENCES[n].param_sets]
IDS = [f"{n}-{p}" for n, p in CASES]
DTYPES = [np.float32, np.float64]


def _points(dtype: type, name: str, params: dict[str, float], subnormals: bool = True) -> np.ndarray:
    """Edge values where the frameworks are right: finite, not near overflow, and (for XLA on the CPU, which
    flushes subnormals to zero) optionally without subnormals."""
    kinks = [float(k.at(**params)) for k in kinks_at(REFERENCES[name], params)]
    x = edge_values(np.dtype(dtype), kinks)
    keep = np.isfinite(x) & (np.abs(x) < 1e30)
    if not subnormals:
        keep &= (x == 0) | (np.abs(x) >= np.finfo(dtype).smallest_normal)
    return x[keep]


def _within_one_ulp(ours: np.ndarray, theirs: np.ndarray, ulps: float = 1, tiny: float = 0.0) -> None:
    """Equal, or ``ulps`` ulp apart (frameworks multiply by float32(s) where we round s*x once from float64), or
    both within ``tiny`` of 0."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    ok = (diff <= ulps * np.spacing(np.abs(theirs)).astype(np.float64)) | (np.maximum(abs(ours), abs(theirs)) <= tiny)
    assert np.all(ok), np.max(diff)


def _paths_agree(name: str, xp_result: np.ndarray, numpy_result: np.ndarray) -> None:
    """The array-API path and the NumPy kernels each stay within the budget of the truth, so within twice it of
    each other (they use different libraries' exp, erf, ...). XLA on the CPU flushes subnormal results to 0."""
    tiny = float(np.finfo(np.asarray(numpy_result).dtype).smallest_normal)
    _within_one_ulp(xp_result, numpy_result, ulps=max(1, 2 * max(REFERENCES[name].budget)), tiny=tiny)


#: Relative tolerance against a framework's smooth functions evaluated in float64, on moderate inputs (|x| <= 20):
#: we are within 2-4 ulp of the truth, frameworks lose up to ~1e6 ulp in float64 where a formula cancels (mish f'',
#: softplus with beta; docs/ACCURACY.md measures it). A different definition or convention differs by far more.
_SMOOTH_RTOL = {np.dtype(np.float32): 1e-6, np.dtype(np.float64): 1e-9}


def _kink_locations(name: str, params: dict, order: int) -> list[float]:
    return [float(k.at(**params)) for k in kinks_at(REFERENCES[name], params) if k.order <= order]


def _agree(
    name: str, params: dict, x: np.ndarray, ours: np.ndarray, theirs: np.ndarray, order: int, computed: type
) -> None:
    """Our values against a framework's (computed in dtype ``computed``): at every kink bit for bit, as a convention
    promises (within the double rounding of a product when ``computed`` is wider); elsewhere piecewise-linear
    functions bit for bit (values within 1 ulp), smooth ones within a relative tolerance on moderate inputs.

    Points a few ulps of ``computed`` away from a kink are left out: there the framework's own rounding (of x + 3
    in hard_sigmoid, say) may land on the kink, which is a property of its formula, not of the derivative."""
    ref = REFERENCES[name]
    with np.errstate(over="ignore"):  # a float64 result beyond float32's range becomes inf, as ours does
        theirs = np.asarray(theirs).astype(ours.dtype)
    locations = np.array(_kink_locations(name, params, order), np.float64)
    at_kink = np.isin(x, locations)
    if computed == ours.dtype:
        np.testing.assert_array_equal(ours[at_kink], theirs[at_kink])
    else:  # g * f' rounded once from float64, ours is the product of float32 values: 1 ulp apart at most
        _within_one_ulp(ours[at_kink], theirs[at_kink])
    gap = np.abs(x.astype(np.float64)[:, None] - locations[None, :]) if locations.size else np.full((x.size, 1), np.inf)
    near = np.any(gap <= 8 * np.spacing(np.abs(locations).astype(computed)).astype(np.float64), axis=1) & ~at_kink
    away = ~at_kink & ~near
    if ref.budget == EXACT:
        if order == 0:
            _within_one_ulp(ours[away], theirs[away])
        else:  # PyTorch's float64 hardsigmoid backward multiplies by float32(1/6): 3e-8 off
            np.testing.assert_allclose(ours[away], theirs[away], rtol=6e-8, atol=0)
        return
    moderate = away & (np.abs(x) <= 20)
    tol = _SMOOTH_RTOL[x.dtype]
    np.testing.assert_allclose(ours[moderate], theirs[moderate], rtol=tol, atol=tol * 1e-3)


def _framework_dtype(name: str, dtype: type) -> type:
    """Smooth functions are compared with the framework's float64 results (its float32 ones lose more than we
    do); piecewise-linear ones in the dtype itself, bit for bit."""
    return dtype if REFERENCES[name].budget == EXACT else np.float64


# --- PyTorch --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch() -> Any:
    return pytest.importorskip("torch")


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_autograd_first_and_second_derivative(torch: Any, name: str, params: dict, dtype: type) -> None:
    act = ag.get(name)
    if REFERENCES[name].torch_fn is None:
        pytest.skip(f"PyTorch has no {name}")
    fn = REFERENCES[name].torch_fn(torch, **params)  # type: ignore[misc]
    x = _points(dtype, name, params)
    computed = _framework_dtype(name, dtype)
    t = torch.tensor(x.astype(computed), requires_grad=True)
    y = fn(t)
    (g1,) = torch.autograd.grad(y.sum(), t, create_graph=True)
    try:
        g2 = torch.autograd.grad(g1.sum(), t, allow_unused=True)[0] if g1.requires_grad else None
    except RuntimeError as error:  # hardsigmoid: "derivative for aten::hardsigmoid_backward is not implemented"
        assert "not implemented" in str(error)
        g2 = torch.full_like(t, np.nan)
    _agree(name, params, x, act(x, **params), y.detach().numpy(), 0, computed)
    _agree(name, params, x, act.grad(x, **params), g1.detach().numpy(), 1, computed)  # kink="torch"
    if g2 is None or not torch.isnan(g2).all():
        want2 = np.zeros_like(x) if g2 is None else g2.numpy()
        _agree(name, params, x, act.grad2(x, **params), want2, 2, computed)
    # the fused backward against torch's with a random upstream gradient
    g = np.random.default_rng(0).normal(size=x.shape).astype(dtype)
    gx = torch.autograd.grad(fn(t), t, torch.tensor(g.astype(computed)))[0].numpy()
    _agree(name, params, x, act.backward(g, x, **params), gx, 1, computed)


@pytest.mark.parametrize("name", ag.names())
def test_torch_tensors_in_torch_tensors_out(torch: Any, name: str) -> None:
    act = ag.get(name)
    need = example_params(act)
    for dtype in (torch.float32, torch.float64, torch.float16, torch.bfloat16):
        x = torch.linspace(-8, 8, 65, dtype=dtype)
        xn = x.float().numpy() if dtype in (torch.float16, torch.bfloat16) else x.numpy()
        for op in (act, act.grad, act.grad2):
            got = op(x, **need)
            assert isinstance(got, torch.Tensor) and got.dtype == dtype and got.shape == x.shape
            want = op(xn, **need)
            if dtype in (torch.float32, torch.float64):  # CPU tensors without autograd run the NumPy kernels
                assert torch.equal(got, torch.from_numpy(want))
            # with a graph to record, the formulas run on torch (the path CUDA tensors take too)
            recorded = op(x.clone().requires_grad_(dtype.is_floating_point), **need).detach()
            for result in (got, recorded):
                _paths_agree(name, result.float().numpy(), torch.tensor(want).to(dtype).float().numpy())
        got = act.backward(torch.ones_like(x), x, **need)
        assert got.dtype == dtype
    assert act.grad(torch.tensor([1, -2, 3]), **need).dtype == torch.float64  # integers promote to float64


def test_torch_requires_grad_keeps_the_graph(torch: Any) -> None:
    t = torch.tensor([-1.0, 0.5, 3.0], requires_grad=True)
    y = ag.leaky_relu(t, negative_slope=0.1)
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [0.1, 1.0, 1.0])


def test_torch_kinks_under_every_convention(torch: Any) -> None:
    t = torch.tensor([0.0, 6.0])
    for conv in ag.CONVENTIONS:
        np.testing.assert_array_equal(ag.relu6.grad(t, kink=conv).numpy(), ag.relu6.grad(t.numpy(), kink=conv))


def test_out_is_numpy_only(torch: Any) -> None:
    with pytest.raises(TypeError, match="out= is supported for NumPy arrays only"):
        ag.relu(torch.zeros(2), out=np.zeros(2))
    with pytest.raises(TypeError, match=r"[Mm]ultiple namespaces"):
        ag.relu.backward(torch.zeros(2), np.zeros(2))
    with pytest.raises(TypeError, match="complex"):
        ag.relu(torch.zeros(2, dtype=torch.complex64))


# --- JAX ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jax() -> Any:
    return pytest.importorskip("jax")


@pytest.mark.parametrize(("name", "params"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_jax_grad_first_and_second_derivative(jax: Any, name: str, params: dict, dtype: type) -> None:
    act = ag.get(name)
    if REFERENCES[name].jax_fn is None:
        pytest.skip(f"JAX has no {name}")
    fn = REFERENCES[name].jax_fn(jax, **params)  # type: ignore[misc]
    x = _points(dtype, name, params, subnormals=False)
    fx = np.abs(act(x, **params))
    x = x[(fx == 0) | (fx >= np.finfo(dtype).smallest_normal)]  # nor subnormal results
    computed = _framework_dtype(name, dtype)
    with jax.enable_x64(computed == np.float64):
        xj = jax.numpy.asarray(x.astype(computed))
        assert xj.dtype == computed
        y = np.asarray(fn(xj))
        g1 = np.asarray(jax.vmap(jax.grad(fn))(xj))
        g2 = np.asarray(jax.vmap(jax.grad(jax.grad(fn)))(xj))
    _agree(name, params, x, act(x, **params), y, 0, computed)
    _agree(name, params, x, act.grad(x, kink="jax", **params), g1, 1, computed)
    _agree(name, params, x, act.grad2(x, kink="jax", **params), g2, 2, computed)


@pytest.mark.parametrize("name", ag.names())
def test_jax_arrays_in_jax_arrays_out_also_under_jit(jax: Any, name: str) -> None:
    act = ag.get(name)
    need = example_params(act)
    jnp = jax.numpy
    x = jnp.linspace(-8, 8, 65, dtype=jnp.float32)
    for op in (act, act.grad, act.grad2):
        eager = op(x, **need)
        jitted = jax.jit(lambda a, op=op: op(a, **need))(x)
        assert isinstance(eager, jax.Array) and eager.dtype == jnp.float32
        np.testing.assert_array_equal(np.asarray(eager), op(np.asarray(x), **need))  # concrete CPU arrays: kernels
        _paths_agree(name, np.asarray(jitted), np.asarray(eager))  # XLA may fuse a product into a sum under jit
    assert act.grad(jnp.asarray([1, 2]), **need).dtype == jnp.float32  # no float64 without x64
    with jax.enable_x64(True):
        assert act.grad(jnp.asarray([1, 2]), **need).dtype == jnp.float64


# --- array_api_strict -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ag.names())
def test_array_api_strict(name: str) -> None:
    xps = pytest.importorskip("array_api_strict")
    act = ag.get(name)
    need = example_params(act)
    xn = np.linspace(-8, 8, 65)
    x = xps.asarray(xn)
    for kink in ag.CONVENTIONS:
        got = act.grad(x, kink=kink, **need)
        assert type(got) is type(x) and got.dtype == xps.float64
        _paths_agree(name, np.asarray(got), act.grad(xn, kink=kink, **need))
    _paths_agree(name, np.asarray(act(x, **need)), act(xn, **need))
    _paths_agree(name, np.asarray(act.backward(x, x, **need)), act.backward(xn, xn, **need))
    v, g = act.value_and_grad(x, **need)
    _paths_agree(name, np.asarray(v), act(xn, **need))
    _paths_agree(name, np.asarray(g), act.grad(xn, **need))
    nan = act.grad(xps.asarray([float("nan")]), **need)
    assert np.isnan(np.asarray(nan)[0])
