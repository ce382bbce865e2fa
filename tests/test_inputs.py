"""Input handling on the NumPy path: layouts, dtypes, scalars, ``out=``, bad input, and no mutation."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import FLOAT_DTYPES, assert_same, edge_arrays, edge_values, example_params, sample_names

import actgrad as ag

NAMES = ag.names()


def _ops(act: ag.Activation) -> dict[str, Callable[..., Any]]:
    """Every entry point as a function of x (backward with a fixed, non-trivial g), required parameters given."""
    need = example_params(act)
    return {
        "f": lambda x, **kw: act(x, **need, **kw),
        "grad": lambda x, **kw: act.grad(x, **need, **kw),
        "grad2": lambda x, **kw: act.grad2(x, **need, **kw),
        "backward": lambda x, **kw: act.backward(np.full(np.shape(x), 1.5, np.asarray(x).dtype), x, **need, **kw),
        "value": lambda x, **kw: act.value_and_grad(x, **need, **kw)[0],
        "vgrad": lambda x, **kw: act.value_and_grad(x, **need, **kw)[1],
    }


OPS = list(_ops(ag.relu))


@pytest.mark.parametrize("name", sample_names(NAMES))
@pytest.mark.parametrize("op", OPS)
def test_every_layout_gives_the_contiguous_result(name: str, op: str, float_dtype: np.dtype) -> None:
    fn = _ops(ag.get(name))[op]
    base = edge_values(float_dtype, kinks=(0.0, 6.0), n_random=8)
    for layout, x in edge_arrays(base):
        before = x.copy()
        got = fn(x)
        want = fn(np.ascontiguousarray(x).astype(float_dtype.newbyteorder("=")))
        assert np.shape(got) == x.shape, layout
        assert np.asarray(got).dtype == float_dtype.newbyteorder("="), layout
        assert_same(got, want, err_msg=layout)
        assert x.tobytes() == before.tobytes(), f"{layout}: input modified"


@pytest.mark.parametrize("name", NAMES)
def test_value_and_grad_and_backward_agree_with_the_separate_calls(name: str, float_dtype: np.dtype) -> None:
    act = ag.get(name)
    need = example_params(act)
    x = edge_values(float_dtype, kinks=(0.0, 6.0))
    for kink in ag.CONVENTIONS:
        value, grad = act.value_and_grad(x, kink=kink, **need)
        assert_same(value, act(x, **need))
        assert_same(grad, act.grad(x, kink=kink, **need))


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.bool_])
def test_integers_and_bools_promote_to_float64(dtype: type) -> None:
    x = np.array([-3, -1, 0, 1, 6, 7]).astype(dtype)
    for op in _ops(ag.relu6).values():
        assert op(x).dtype == np.float64
    np.testing.assert_array_equal(ag.relu6(x), np.clip(x.astype(np.float64), 0, 6))


def test_python_scalars_lists_and_0d_arrays() -> None:
    assert ag.relu(-2.0) == 0.0 and np.ndim(ag.relu(-2.0)) == 0
    assert type(ag.relu(3)) is np.float64 and ag.relu(3) == 3.0
    assert ag.relu.grad(np.float32(2)).dtype == np.float32
    assert np.shape(ag.relu(np.array(5.0))) == ()
    np.testing.assert_array_equal(ag.relu([-1, 0.5, 2]), [0.0, 0.5, 2.0])
    np.testing.assert_array_equal(ag.relu.grad([[-1, 2], [3, -4]]), [[0.0, 1.0], [1.0, 0.0]])
    value, grad = ag.leaky_relu.value_and_grad(-2.0)
    assert (value, grad) == (-0.02, 0.01)


def test_nan_propagates_and_signed_zero_follows_pytorch() -> None:
    x = np.array([np.nan, -0.0, 0.0])
    for name in NAMES:
        for op in _ops(ag.get(name)).values():
            assert np.isnan(op(x)[0]), name
    assert np.signbit(ag.relu(x)[1]) and not np.signbit(ag.relu(x)[2])  # torch.relu(-0.0) is -0.0
    assert np.isnan(ag.relu.backward(np.array([np.nan]), np.array([1.0]))[0])


def test_large_arrays_use_the_parallel_kernel_and_agree() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0, 4, 100_003).astype(np.float32)
    x[::1000] = 0.0
    np.testing.assert_array_equal(ag.relu(x), np.where(x > 0, x, np.float32(0)))
    np.testing.assert_array_equal(ag.relu.grad(x, kink="right"), (x >= 0).astype(np.float32))
    g = rng.normal(size=x.size).astype(np.float32)
    np.testing.assert_array_equal(ag.leaky_relu.backward(g, x), g * ag.leaky_relu.grad(x))


# --- out= ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS[:4])
def test_out_is_filled_and_returned(op: str) -> None:
    x = np.linspace(-8, 8, 33)
    fn = _ops(ag.relu6)[op]
    want = fn(x)
    out = np.full_like(x, 123.0)
    assert fn(x, out=out) is out
    np.testing.assert_array_equal(out, want)


def test_out_may_be_the_input() -> None:
    x = np.linspace(-8, 8, 33)
    want = ag.relu6(x)
    assert ag.relu6(x, out=x) is x
    np.testing.assert_array_equal(x, want)
    g = np.linspace(-1, 1, 33)
    x = np.linspace(-8, 8, 33)
    want = ag.relu6.backward(g, x)
    ag.relu6.backward(g, x, out=g)
    np.testing.assert_array_equal(g, want)


def test_out_partially_overlapping_the_input_is_correct() -> None:
    buf = np.linspace(-5, 5, 41)
    x = buf[:-1]
    want = ag.leaky_relu(x.copy(), negative_slope=0.5)
    ag.leaky_relu(x, out=buf[1:], negative_slope=0.5)
    np.testing.assert_array_equal(buf[1:], want)


def test_out_strided_wider_and_fortran() -> None:
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    wide = np.zeros((3, 4))
    ag.relu(x, out=wide)
    np.testing.assert_array_equal(wide, np.maximum(x, 0).astype(np.float64))
    strided = np.zeros((3, 8), np.float32)[:, ::2]
    ag.relu.grad(x, out=strided)
    np.testing.assert_array_equal(strided, (x > 0).astype(np.float32))
    fortran = np.zeros((3, 4), np.float32, order="F")
    ag.relu(x, out=fortran)
    np.testing.assert_array_equal(fortran, np.maximum(x, 0))
    half = np.zeros(4, np.float16)
    ag.relu(np.array([1, -1, 2, 65504], np.float16), out=half)
    np.testing.assert_array_equal(half, [1, 0, 2, 65504])


def test_value_and_grad_out_pair() -> None:
    x = np.linspace(-3, 3, 7)
    o1, o2 = np.empty_like(x), np.empty_like(x)
    v, g = ag.relu.value_and_grad(x, out=(o1, o2))
    assert v is o1 and g is o2
    np.testing.assert_array_equal(o2, (x > 0).astype(float))
    with pytest.raises(TypeError, match="tuple of 2"):
        ag.relu.value_and_grad(x, out=o1)


@pytest.mark.parametrize(
    ("out", "exc", "message"),
    [
        (np.zeros(4), ValueError, "shape"),
        (np.zeros(5, np.float32), TypeError, "float64 result in out of dtype float32"),
        (np.zeros(5, np.int64), TypeError, "safely"),
        ([0.0] * 5, TypeError, "numpy.ndarray"),
    ],
)
def test_bad_out(out: Any, exc: type, message: str) -> None:
    with pytest.raises(exc, match=message):
        ag.relu(np.zeros(5), out=out)


def test_read_only_out() -> None:
    out = np.zeros(5)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        ag.relu.grad(np.zeros(5), out=out)


# --- bad input ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.array([1 + 2j]), "complex128"),
        (1j, "complex"),
        (np.array(["a"]), "<U1"),
        ("relu", "str"),
        (None, "NoneType"),
        (np.array([object()]), "object"),
        ([1, None], "object"),
        (np.zeros(2, np.longdouble), "float128|longdouble"),
    ],
)
def test_bad_input_types(x: Any, message: str) -> None:
    for name in NAMES:
        for op_name, op in _ops(ag.get(name)).items():
            if op_name == "backward":
                continue
            with pytest.raises(TypeError, match=message):
                op(x)
    with pytest.raises(TypeError, match=message):
        ag.relu.backward(x, np.zeros(1))


def test_bad_parameters() -> None:
    x = np.zeros(3)
    with pytest.raises(ValueError, match=r"'negative_slope' must be finite, got nan"):
        ag.leaky_relu(x, negative_slope=float("nan"))
    with pytest.raises(ValueError, match="must be finite"):
        ag.leaky_relu.grad(x, negative_slope=float("inf"))
    with pytest.raises(TypeError, match="'negative_slope' must be a real number, got str"):
        ag.leaky_relu(x, negative_slope="0.1")
    with pytest.raises(TypeError, match="must be a real number, got bool"):
        ag.leaky_relu(x, negative_slope=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'alpha'; parameters: negative_slope"):
        ag.leaky_relu(x, alpha=0.1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'negative_slope'; parameters: none"):
        ag.relu(x, negative_slope=0.1)


def test_remembered_parameters_answer_only_for_equal_values_of_their_type() -> None:
    """Calls with parameters reuse what a first call with equal values prepared (kernel constants, plans): True
    equals 1.0 but is refused, 1 and 1.0 give the same result (but for an integer parameter, where 1.0 is refused),
    and -0.0 is not 0.0 (nor its constants)."""
    x = np.array([-2.0, 0.5, 3.0])
    for _ in range(2):  # the second round finds everything remembered
        np.testing.assert_array_equal(ag.leaky_relu(x, negative_slope=1.0), x)
        np.testing.assert_array_equal(ag.leaky_relu(x, negative_slope=1), x)
        np.testing.assert_array_equal(ag.prelu(x, weight=0.5, axis=1), [-1.0, 0.5, 3.0])
        with pytest.raises(TypeError, match=r"parameter 'axis' must be an integer, got 1\.0"):
            ag.prelu(x, weight=0.5, axis=1.0)
        with pytest.raises(TypeError, match="must be a real number, got bool"):
            ag.leaky_relu(x, negative_slope=True)
        with pytest.raises(TypeError, match="got bool"):
            ag.threshold.backward(x, x, threshold=1.0, value=True)
        for value in (0.0, -0.0):
            for given in (x, x.tolist(), x[::-1][::-1]):  # the short path, and the general one
                got = ag.threshold(given, threshold=1.0, value=value)
                np.testing.assert_array_equal(np.signbit(got), [np.signbit(value), np.signbit(value), False])


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("gelu", {"approximate": "fast"}, "parameter 'approximate' must be one of 'none', 'tanh', got 'fast'"),
        ("hard_tanh", {"min_val": 2.0, "max_val": 1.0}, "needs min_val <= max_val (got min_val=2.0, max_val=1.0)"),
        ("hard_shrink", {"lambd": -1.0}, "parameter 'lambd' must be >= 0, got -1.0"),
        ("soft_shrink", {"lambd": -0.5}, "parameter 'lambd' must be >= 0, got -0.5"),
        ("softplus", {"beta": 0.0}, "parameter 'beta' must be > 0, got 0.0"),
        ("squareplus", {"b": -1.0}, "parameter 'b' must be >= 0, got -1.0"),
        ("celu", {"alpha": 0.0}, "parameter 'alpha' must not be 0"),
        ("elu", {"alpha": float("nan")}, "parameter 'alpha' must be finite, got nan"),
    ],
)
def test_bad_family_parameters_are_named(name: str, params: dict[str, Any], message: str) -> None:
    act = ag.get(name)
    for call in (act, act.grad, act.grad2):
        with pytest.raises(ValueError, match=re.escape(f"{name}: {message}")):
            call(np.zeros(2), **params)


def test_methods_show_their_parameters() -> None:
    """Each activation's methods name its parameters with their defaults (help(), inspect.signature)."""
    for name in ag.names():
        act = ag.get(name)
        for method in (act, act.grad, act.grad2, act.backward, act.value_and_grad):
            params = inspect.signature(method).parameters
            for p in act.spec.params:
                assert params[p.name].kind is inspect.Parameter.KEYWORD_ONLY
                assert params[p.name].default == p.default, (name, method, p.name)
    assert str(inspect.signature(ag.elu.grad)) == "(x, *, kink='torch', wrt=None, out=None, alpha=1.0, **unknown)"


def test_a_missing_required_parameter_is_named() -> None:
    with pytest.raises(TypeError, match="threshold: missing required parameter 'value'"):
        ag.threshold(np.zeros(2), threshold=1.0)


def test_bad_kink_and_wrt() -> None:
    valid = "'torch', 'jax', 'left', 'right', 'mean'"
    for kink in ("pytorch", None, 0, ["torch"]):
        for call in (ag.relu.grad, ag.relu.grad2, lambda x, **kw: ag.relu.backward(x, x, **kw)):
            with pytest.raises(ValueError, match=re.escape(f"unknown kink convention {kink!r}; valid: {valid}")):
                call(np.zeros(2), kink=kink)
    derivatives = (ag.leaky_relu.grad, lambda x, **kw: ag.leaky_relu.backward(x, x, **kw))
    for wrt in (3, ["negative_slope"]):
        # prelu's backward looks wrt up among its per-channel parameters: an unhashable one is still named
        for call in (*derivatives, lambda x, **kw: ag.prelu.backward(x, x, weight=0.25, **kw)):
            with pytest.raises(TypeError, match=re.escape(f"wrt must be a parameter name or None, got {wrt!r}")):
                call(np.zeros(2), wrt=wrt)
    with pytest.raises(ValueError, match="respect to 'alpha'; parameters with one: 'negative_slope'"):
        ag.leaky_relu.grad(np.zeros(2), wrt="alpha")
    with pytest.raises(ValueError, match="parameters with one: none"):
        ag.relu.grad(np.zeros(2), wrt="x")


def test_backward_broadcasts_and_rejects_mismatched_shapes() -> None:
    x = np.array([[-1.0, 2.0, 0.0]])
    np.testing.assert_array_equal(ag.relu.backward(np.array([[2.0], [3.0]]), x), [[0, 2, 0], [0, 3, 0]])
    np.testing.assert_array_equal(ag.relu.backward(2.0, x), [[0, 2, 0]])
    with pytest.raises(ValueError, match="shape"):
        ag.relu.backward(np.zeros(4), np.zeros(3))


def test_registry_lookup() -> None:
    assert ag.get("relu") is ag.relu
    assert ag.get("LeakyReLU") is ag.leaky_relu and ag.get("ReLU6") is ag.relu6
    assert ag.names()[:3] == ("relu", "leaky_relu", "relu6")
    with pytest.raises(KeyError, match="unknown activation 'leaky_rleu'; did you mean 'leaky_relu'"):
        ag.get("leaky_rleu")
    with pytest.raises(KeyError, match="unknown activation 'nosuch'"):
        ag.get("nosuch")
    with pytest.raises(TypeError, match="must be a str"):
        ag.get(3)  # type: ignore[arg-type]


def test_docstrings_carry_the_math() -> None:
    for name in NAMES:
        doc = ag.get(name).__doc__ or ""
        assert "f(x) =" in doc and "f'(x) =" in doc and "f''(x) =" in doc, name
        assert name in repr(ag.get(name))
    assert "torch=0.01" in (ag.leaky_relu.__doc__ or "")


def test_half_dtypes_are_listed() -> None:
    assert {d.name for d in FLOAT_DTYPES} >= {"float16", "float32", "float64"}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_a_zero_at_zero_takes_the_sign_of_the_function_beside_it(name: str, dtype: type) -> None:
    """f(+-0), f'(+-0), f''(+-0), where 0, are +-0 as the limit from that side: the sign of the value at -tiny and
    at +tiny where those are small and not 0 (tanh(-0) = -0 as in IEEE 754 and PyTorch; sigmoid''(-0) = +0). Values
    at a kink (relu'(0), chosen by convention) are left alone: beside them the function is 0 or not small."""
    act = ag.get(name)
    need = example_params(act)
    tiny = 1e-100 if dtype == np.float64 else 1e-12
    x = np.array([-0.0, 0.0, -tiny, tiny], dtype)
    for order, method in enumerate((act, act.grad, act.grad2)):
        at_zero, beside = np.split(method(x, **need), 2)
        for side in (0, 1):
            if at_zero[side] == 0 and beside[side] != 0 and abs(beside[side]) < 1e-6:
                assert np.signbit(at_zero[side]) == np.signbit(beside[side]), (order, x[side], beside[side])
