"""dead_units / dead_fraction, check_grad, and user-defined activations (actgrad.define with actgrad.math)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import example_params

import actgrad as ag

NAMES = ag.names()
_counter = itertools.count()


def _unique(stem: str) -> str:
    return f"{stem}_{next(_counter)}"


# --- dead units -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_dead_units_against_a_brute_force_count(name: str) -> None:
    act, params = ag.get(name), example_params(ag.get(name))
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, (50, 12))
    z[:, 3] = -np.abs(z[:, 3]) - 7  # far left: dead for relu-like units
    z[:, 5] = 0.01 * rng.normal(size=50)  # inside the shrinks' flat middle
    z[:, 7] = np.abs(z[:, 7]) + 7  # far right: dead where f saturates (relu6, hard_*)
    brute = np.zeros(12, bool)
    if ag.diagnostics.has_flat_regions(act, **params):
        for j in range(12):
            brute[j] = all(float(act.grad(float(v), **params)) == 0.0 for v in z[:, j])
    np.testing.assert_array_equal(ag.dead_units(z, name, **params), brute)
    np.testing.assert_array_equal(ag.dead_units(z.T, name, axis=1, **params), brute)
    assert ag.dead_fraction(z, name, **params) == brute.mean()


def test_which_activations_can_die() -> None:
    assert ag.diagnostics.has_flat_regions("relu") and ag.diagnostics.has_flat_regions("relu6")
    assert not ag.diagnostics.has_flat_regions("leaky_relu")
    assert ag.diagnostics.has_flat_regions("leaky_relu", negative_slope=0.0)
    z = -np.ones((10, 4))
    assert ag.dead_units(z).all() and not ag.dead_units(z, "leaky_relu").any()
    assert ag.dead_fraction(np.zeros((3, 0))) == 0.0
    with pytest.raises(ValueError, match="sample axis"):
        ag.dead_units(1.0)
    with pytest.raises(ValueError, match="out of range"):
        ag.dead_units(z, axis=2)
    with pytest.raises(KeyError, match="did you mean 'relu'"):
        ag.dead_units(z, "rleu")


# --- check_grad -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_check_grad_passes_every_built_in(name: str) -> None:
    x = np.random.default_rng(1).uniform(-6, 6, 300)
    result = ag.check_grad(name, x, **example_params(ag.get(name)))
    assert result.ok, result
    assert result.checked > 250 and "ok" in repr(result)


def test_check_grad_catches_a_wrong_derivative() -> None:
    m = ag.math
    wrong = ag.define(_unique("wrong_tanh"), lambda x: m.tanh(x), lambda x: 1 - m.tanh(x), lambda x: 0 * x)
    result = ag.check_grad(wrong, np.linspace(-2, 2, 41))
    assert not result.ok
    assert result.max_rel_error > 0.1 and result.worst_order == 1
    assert "FAILED" in repr(result)


def test_check_grad_skips_kinks() -> None:
    result = ag.check_grad("relu6", np.array([-1.0, 0.0, 3.0, 6.0, 6.0 + 1e-9, 8.0]))
    assert result.ok and result.skipped == 3 and result.checked == 3


# --- user-defined activations ---------------------------------------------------------------------------------


def _softclip() -> ag.Activation:
    m = ag.math
    return ag.define(
        _unique("softclip"),
        lambda x: 2 * m.tanh(x / 2),
        lambda x: 1 - m.tanh(x / 2) ** 2,
        lambda x: -m.tanh(x / 2) * (1 - m.tanh(x / 2) ** 2),
    )


def test_a_user_activation_gets_everything_a_built_in_has() -> None:
    act = _softclip()
    assert ag.get(act.name) is act and act.name in ag.names()
    x = np.linspace(-5, 5, 101)
    np.testing.assert_allclose(act(x), 2 * np.tanh(x / 2), rtol=1e-15)
    np.testing.assert_allclose(act.grad(x), 1 - np.tanh(x / 2) ** 2, rtol=1e-14)
    assert act.grad(x.astype(np.float32)).dtype == np.float32
    g = np.cos(x)
    np.testing.assert_array_equal(act.backward(g, x), g * act.grad(x))
    _, grad = act.value_and_grad(x)
    np.testing.assert_array_equal(grad, act.grad(x))
    assert ag.check_grad(act, x).ok
    assert "User-defined" in (type(act).__doc__ or "")


def test_a_user_activation_on_pytorch_and_jax() -> None:
    torch = pytest.importorskip("torch")
    act = _softclip()
    x = np.linspace(-4, 4, 33)
    t = torch.tensor(x, requires_grad=True)
    y = act(t)
    assert isinstance(y, torch.Tensor) and y.requires_grad
    np.testing.assert_allclose(act.grad(torch.tensor(x)).numpy(), act.grad(x), rtol=1e-14)
    jnp = pytest.importorskip("jax.numpy")
    np.testing.assert_allclose(np.asarray(act.grad2(jnp.asarray(x))), act.grad2(x.astype(np.float32)), rtol=1e-5)


def test_user_kinks_and_missing_second_derivative() -> None:
    m = ag.math
    step = ag.define(
        _unique("my_relu"), lambda x: m.where(x > 0, x, 0.0), lambda x: m.where(x > 0, 1.0, 0.0), kinks=[0.0]
    )
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(step.grad(x, kink="right"), [0, 1, 1])
    np.testing.assert_array_equal(step.grad(x, kink="mean"), [0, 0.5, 1])
    np.testing.assert_array_equal(step.grad(x), [0, 0, 1])  # the formula's own value at the kink
    with pytest.raises(NotImplementedError, match="grad2="):
        step.grad2(x)


def test_define_errors() -> None:
    with pytest.raises(ValueError, match=r"the formula for f does not compile: .*actgrad\.math functions"):
        ag.define(_unique("bad"), lambda x: np.sin(x) + "1", lambda x: x)
    with pytest.raises(ValueError, match="the formula for f' does not compile"):
        ag.define(_unique("bad"), lambda x: x, lambda x: "one")
    with pytest.raises(TypeError, match="f' must be a function"):
        ag.define(_unique("bad"), lambda x: x, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be an identifier"):
        ag.define("no spaces", lambda x: x, lambda x: 1.0)
    with pytest.raises(ValueError, match="already registered"):
        ag.define("relu", lambda x: x, lambda x: 1.0)


def test_math_functions_work_on_numbers_and_arrays() -> None:
    m = ag.math
    assert m.exp(0.0) == 1.0 and m.erf(0.0) == 0.0 and m.abs(-2) == 2.0
    np.testing.assert_allclose(m.erfc(np.array([0.0, 1.0])), [1.0, 0.157299207050285], rtol=1e-14)
    np.testing.assert_array_equal(m.where(np.array([True, False]), 1.0, np.array([5.0, 6.0])), [1.0, 6.0])
    np.testing.assert_array_equal(m.copysign(2.0, np.array([-1.0, 1.0])), [-2.0, 2.0])
