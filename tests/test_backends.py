"""Autograd modules (actgrad.torch, actgrad.jax), Dask (also on a real LocalCluster) and xarray."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conftest import example_params, sample_names
from reference import REFERENCES

import actgrad as ag

NAMES = ag.names()


def _away_from_kinks(name: str, n: int = 40, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).uniform(-8, 8, n)
    params = {**ag.get(name).spec.shown({}), **example_params(ag.get(name))}
    for k in REFERENCES[name].kinks:
        x = x[np.abs(x - float(k.at(**{p: v for p, v in params.items() if p in _ref_args(k)}))) > 1e-2]
    return x


def _ref_args(kink: Any) -> set[str]:
    return set(kink.at.__code__.co_varnames[: kink.at.__code__.co_argcount])


def _kink_points(name: str) -> np.ndarray:
    spec = ag.get(name).spec
    return np.array([k.location(spec.defaults) for o in (1, 2) for k in spec.formula(o).kinks])


# --- actgrad.torch --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_torch_module_gradcheck_and_gradgradcheck(name: str) -> None:
    torch = pytest.importorskip("torch")
    import actgrad.torch as agt

    fn = getattr(agt, name)
    params = example_params(ag.get(name))
    x = torch.tensor(_away_from_kinks(name), dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: fn(t, **params), (x,))
    assert torch.autograd.gradgradcheck(lambda t: fn(t, **params), (x,))


@pytest.mark.parametrize("name", NAMES)
def test_torch_module_honours_the_kink_convention(name: str) -> None:
    torch = pytest.importorskip("torch")
    import actgrad.torch as agt

    points = _kink_points(name)
    if not points.size:
        pytest.skip(f"{name} has no kinks")
    params = example_params(ag.get(name))
    for kink in ag.CONVENTIONS:
        t = torch.tensor(points, dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(getattr(agt, name)(t, kink=kink, **params).sum(), t)
        np.testing.assert_array_equal(g.numpy(), ag.get(name).grad(points, kink=kink, **params))
    t = torch.tensor([0.0], requires_grad=True)
    agt.relu(t, kink="right").sum().backward()
    assert t.grad.item() == 1.0  # the seed article's convention, inside autograd


def test_torch_module_errors() -> None:
    torch = pytest.importorskip("torch")
    import actgrad.torch as agt

    with pytest.raises(ValueError, match="unknown kink convention"):
        agt.relu(torch.zeros(2), kink="up")
    with pytest.raises(TypeError, match=r"expected a torch\.Tensor"):
        agt.relu(np.zeros(2))
    with pytest.raises(AttributeError, match="unknown activation 'relu7'; did you mean"):
        agt.relu7  # noqa: B018
    assert agt.LeakyReLU is agt.leaky_relu


# --- actgrad.jax ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_jax_module_check_grads_to_order_2(name: str) -> None:
    jax = pytest.importorskip("jax")
    from jax.test_util import check_grads

    import actgrad.jax as agj

    params = example_params(ag.get(name))
    with jax.enable_x64(True):
        x = jax.numpy.asarray(_away_from_kinks(name))
        check_grads(lambda a: getattr(agj, name)(a, **params), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", NAMES)
def test_jax_module_honours_the_kink_convention_under_jit(name: str) -> None:
    jax = pytest.importorskip("jax")
    import actgrad.jax as agj

    points = _kink_points(name)
    if not points.size:
        pytest.skip(f"{name} has no kinks")
    params = example_params(ag.get(name))
    fn = getattr(agj, name)
    with jax.enable_x64(True):
        for kink in ag.CONVENTIONS:
            grad = jax.jit(jax.vmap(jax.grad(lambda a, kink=kink: fn(a, kink=kink, **params))))
            np.testing.assert_array_equal(np.asarray(grad(points)), ag.get(name).grad(points, kink=kink, **params))
            hess = jax.vmap(jax.grad(jax.grad(lambda a, kink=kink: fn(a, kink=kink, **params))))
            np.testing.assert_array_equal(np.asarray(hess(points)), ag.get(name).grad2(points, kink=kink, **params))


# --- Dask -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def da() -> Any:
    return pytest.importorskip("dask.array")


def _data(dtype: type = np.float32) -> np.ndarray:
    x = np.random.default_rng(3).normal(0, 4, (300, 70)).astype(dtype)
    x[::7, ::5] = 0.0
    x[1, 1] = np.nan
    return x


@pytest.mark.parametrize("name", sample_names(NAMES))
def test_dask_is_lazy_keeps_chunks_and_equals_numpy_bit_for_bit(da: Any, name: str) -> None:
    act = ag.get(name)
    params = example_params(ag.get(name))
    x = _data()
    g = np.random.default_rng(4).normal(size=x.shape).astype(np.float32)
    dx, dg = da.from_array(x, chunks=(64, 30)), da.from_array(g, chunks=(64, 30))
    for op, want in (
        (act(dx, **params), act(x, **params)),
        (act.grad(dx, kink="mean", **params), act.grad(x, kink="mean", **params)),
        (act.grad2(dx, **params), act.grad2(x, **params)),
        (act.backward(dg, dx, **params), act.backward(g, x, **params)),
        (act.value_and_grad(dx, **params)[1], act.value_and_grad(x, **params)[1]),
    ):
        assert isinstance(op, da.Array) and op.chunks == dx.chunks and op.dtype == want.dtype
        np.testing.assert_array_equal(op.compute(), want)


def test_dask_errors(da: Any) -> None:
    with pytest.raises(TypeError, match="NumPy arrays only"):
        ag.relu(da.zeros(3), out=np.zeros(3))
    with pytest.raises(TypeError, match="complex"):
        ag.relu(da.zeros(3, dtype=complex))


@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_dask_on_a_local_cluster_with_two_worker_processes(da: Any) -> None:
    distributed = pytest.importorskip("dask.distributed")
    x = np.random.default_rng(5).normal(size=(400_000,)).astype(np.float64)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", scheduler_port=0
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        dx = da.from_array(x, chunks=50_000)
        got = client.compute([ag.relu6.backward(dx, dx), ag.leaky_relu.grad(dx, negative_slope=0.3)], sync=True)
    np.testing.assert_array_equal(got[0], ag.relu6.backward(x, x))
    np.testing.assert_array_equal(got[1], ag.leaky_relu.grad(x, negative_slope=0.3))


# --- xarray ---------------------------------------------------------------------------------------------------


def test_xarray_dataarrays_keep_dims_coords_and_attrs(da: Any) -> None:
    xr = pytest.importorskip("xarray")
    x = _data(np.float64)
    xa = xr.DataArray(x, dims=("time", "channel"), coords={"channel": np.arange(70) * 10}, attrs={"units": "mV"})
    for result, want in (
        (ag.relu6(xa), ag.relu6(x)),
        (ag.leaky_relu.grad(xa, kink="jax"), ag.leaky_relu.grad(x, kink="jax")),
    ):
        assert isinstance(result, xr.DataArray) and result.dims == xa.dims and result.attrs == {"units": "mV"}
        np.testing.assert_array_equal(result.coords["channel"], xa.coords["channel"])
        np.testing.assert_array_equal(result.values, want)
    _, grad = ag.relu.value_and_grad(xa)
    assert isinstance(grad, xr.DataArray)
    np.testing.assert_array_equal(grad.values, ag.relu.grad(x))
    # g broadcasts by dimension name
    g = xr.DataArray(np.arange(70.0), dims=("channel",))
    np.testing.assert_array_equal(ag.relu.backward(g, xa).values, ag.relu.backward(np.arange(70.0), x))
    lazy = ag.relu(xa.chunk({"time": 100}))
    assert isinstance(lazy.data, da.Array)
    np.testing.assert_array_equal(lazy.values, ag.relu(x))
