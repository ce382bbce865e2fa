"""References for the hard family: hard_sigmoid, hard_swish, hard_tanh, hard_shrink, soft_shrink, threshold,
squared_relu.

Written from the definitions (PyTorch's docs) with plain control flow. The kink sides were read off
``torch.autograd.grad`` and ``jax.grad`` evaluated exactly at the kinks (first and second derivatives, float32 and
float64); where a framework lacks the function, its side is the other framework's.
"""

from __future__ import annotations

import mpmath

from . import EXACT, SMOOTH, Num, Ref, RefKink

_0, _1 = mpmath.mpf(0), mpmath.mpf(1)


def _zero(x: Num, **params: float) -> Num:
    return _0


# --- hard_sigmoid: 0 below -3, (x + 3) / 6 between, 1 above ----------------------------------------------------


def _hsig(x: Num) -> Num:
    if x <= -3:
        return _0
    if x >= 3:
        return _1
    return (x + 3) / 6


def _hsig_grad(x: Num) -> Num:
    assert x not in (-3, 3)
    return _1 / 6 if -3 < x < 3 else _0


# --- hard_swish: x * hard_sigmoid(x) = x (x + 3) / 6 between -3 and 3 -------------------------------------------


def _hswish(x: Num) -> Num:
    if x <= -3:
        return _0
    if x >= 3:
        return x
    return x * (x + 3) / 6


def _hswish_grad(x: Num) -> Num:
    assert x not in (-3, 3)
    if x < -3:
        return _0
    if x > 3:
        return _1
    return (2 * x + 3) / 6  # d/dx (x^2 + 3x) / 6


def _hswish_grad2(x: Num) -> Num:
    return _1 / 3 if -3 < x < 3 else _0


# --- hard_tanh: clamp to [min_val, max_val] ---------------------------------------------------------------------


def _htanh(x: Num, min_val: float = -1.0, max_val: float = 1.0) -> Num:
    if x < min_val:
        return mpmath.mpf(min_val)
    if x > max_val:
        return mpmath.mpf(max_val)
    return x


def _htanh_grad(x: Num, min_val: float = -1.0, max_val: float = 1.0) -> Num:
    assert x not in (min_val, max_val)
    return _1 if min_val < x < max_val else _0


def _htanh_dmin(x: Num, min_val: float = -1.0, max_val: float = 1.0) -> Num:
    # f = min_val on x < min_val; at x == min_val the clamped piece (PyTorch's side)
    return _1 if x <= min_val and x < max_val else _0


def _htanh_dmax(x: Num, min_val: float = -1.0, max_val: float = 1.0) -> Num:
    return _1 if x >= max_val else _0


def _htanh_jax(jax, min_val: float = -1.0, max_val: float = 1.0):  # type: ignore[no-untyped-def]
    if (min_val, max_val) == (-1.0, 1.0):
        return jax.nn.hard_tanh
    jnp = jax.numpy  # jax.nn.hard_tanh's own formula, with the bounds
    return lambda a: jnp.where(a > max_val, max_val, jnp.where(a < min_val, min_val, a))


# --- hard_shrink / soft_shrink: zero on [-lambd, lambd] ---------------------------------------------------------


def _hshrink(x: Num, lambd: float = 0.5) -> Num:
    return x if abs(x) > lambd else _0


def _shrink_grad(x: Num, lambd: float = 0.5) -> Num:
    assert abs(x) != lambd
    return _1 if abs(x) > lambd else _0


def _sshrink(x: Num, lambd: float = 0.5) -> Num:
    if x > lambd:
        return x - lambd
    if x < -lambd:
        return x + lambd
    return _0


def _sshrink_dlambd(x: Num, lambd: float = 0.5) -> Num:
    if x > lambd:
        return -_1
    if x < -lambd:
        return _1
    return _0


_SHRINK_KINKS = (
    RefKink(lambda lambd=0.5: -lambd, lambda lambd=0.5: 1, lambda lambd=0.5: 0, torch="right", jax="right"),
    RefKink(lambda lambd=0.5: lambd, lambda lambd=0.5: 0, lambda lambd=0.5: 1, torch="left", jax="left"),
)
# lambd values exact in float32 (PyTorch compares float32 inputs with lambd cast to float32)
_SHRINK_PARAMS = ({}, {"lambd": 1.5}, {"lambd": 0.125}, {"lambd": 3.0})


# --- threshold: x above the threshold, value at and below it ---------------------------------------------------


def _thr(x: Num, threshold: float, value: float) -> Num:
    return x if x > threshold else mpmath.mpf(value)


def _thr_grad(x: Num, threshold: float, value: float) -> Num:
    assert x != threshold
    return _1 if x > threshold else _0


# --- squared_relu: max(0, x)^2 ----------------------------------------------------------------------------------


def _sq(x: Num) -> Num:
    return x * x if x > 0 else _0


def _sq_grad(x: Num) -> Num:
    return 2 * x if x > 0 else _0


def _sq_grad2(x: Num) -> Num:
    assert x != 0
    return mpmath.mpf(2) if x > 0 else _0


REFERENCES: dict[str, Ref] = {
    "hard_sigmoid": Ref(
        f=_hsig,
        grad=_hsig_grad,
        grad2=_zero,
        kinks=(
            RefKink(lambda: -3, lambda: 0, lambda: _1 / 6, torch="left", jax="left"),
            RefKink(lambda: 3, lambda: _1 / 6, lambda: 0, torch="right", jax="right"),
        ),
        budget=EXACT,
        torch_fn=lambda torch: torch.nn.functional.hardsigmoid,
        jax_fn=lambda jax: jax.nn.hard_sigmoid,
    ),
    "hard_swish": Ref(
        f=_hswish,
        grad=_hswish_grad,
        grad2=_hswish_grad2,
        kinks=(
            RefKink(lambda: -3, lambda: 0, lambda: -_1 / 2, torch="left", jax="left"),
            RefKink(lambda: 3, lambda: mpmath.mpf(3) / 2, lambda: 1, torch="right", jax="right"),
        ),
        budget=SMOOTH,
        torch_fn=lambda torch: torch.nn.functional.hardswish,
        jax_fn=lambda jax: jax.nn.hard_swish,
    ),
    "hard_tanh": Ref(
        f=_htanh,
        grad=_htanh_grad,
        grad2=_zero,
        kinks=(
            RefKink(
                lambda min_val=-1.0, max_val=1.0: min_val,
                lambda min_val=-1.0, max_val=1.0: 0,
                lambda min_val=-1.0, max_val=1.0: 1,
                torch="left",
                jax="right",
            ),
            RefKink(
                lambda min_val=-1.0, max_val=1.0: max_val,
                lambda min_val=-1.0, max_val=1.0: 1,
                lambda min_val=-1.0, max_val=1.0: 0,
                torch="right",
                jax="left",
            ),
        ),
        wrt={"min_val": _htanh_dmin, "max_val": _htanh_dmax},
        param_sets=(
            {},
            {"min_val": -2.0, "max_val": 0.5},
            {"min_val": 0.25, "max_val": 3.0},
            {"min_val": -6.0, "max_val": -1.5},
        ),
        budget=EXACT,
        torch_fn=lambda torch, min_val=-1.0, max_val=1.0: lambda t: torch.nn.functional.hardtanh(t, min_val, max_val),
        jax_fn=_htanh_jax,
    ),
    "hard_shrink": Ref(
        f=_hshrink,
        grad=_shrink_grad,
        grad2=_zero,
        kinks=_SHRINK_KINKS,
        wrt={"lambd": _zero},  # f jumps where |x| = lambd: zero elsewhere
        param_sets=_SHRINK_PARAMS,
        budget=EXACT,
        torch_fn=lambda torch, lambd=0.5: lambda t: torch.nn.functional.hardshrink(t, lambd),
    ),
    "soft_shrink": Ref(
        f=_sshrink,
        grad=_shrink_grad,
        grad2=_zero,
        kinks=_SHRINK_KINKS,
        wrt={"lambd": _sshrink_dlambd},
        param_sets=_SHRINK_PARAMS,
        budget=EXACT,
        torch_fn=lambda torch, lambd=0.5: lambda t: torch.nn.functional.softshrink(t, lambd),
    ),
    "threshold": Ref(
        f=_thr,
        grad=_thr_grad,
        grad2=_zero,
        kinks=(
            RefKink(
                lambda threshold, value: threshold,
                lambda threshold, value: 0,
                lambda threshold, value: 1,
                torch="left",
                jax="left",
            ),
        ),
        wrt={
            "threshold": _zero,  # f jumps at x = threshold: zero elsewhere
            "value": lambda x, threshold, value: _0 if x > threshold else _1,
        },
        param_sets=(
            {"threshold": 1.0, "value": 0.0},
            {"threshold": -0.5, "value": 3.0},
            {"threshold": 0.0, "value": 0.0},
            {"threshold": 2.0, "value": 2.0},
            {"threshold": -4.0, "value": -20.0},
        ),
        budget=EXACT,
        torch_fn=lambda torch, threshold, value: lambda t: torch.nn.functional.threshold(t, threshold, value),
    ),
    "squared_relu": Ref(
        f=_sq,
        grad=_sq_grad,
        grad2=_sq_grad2,
        kinks=(RefKink(lambda: 0, lambda: 0, lambda: 2, torch="left", jax="left", order=2),),
        budget=SMOOTH,
        # neither framework has it: relu(x) ** 2 in each
        torch_fn=lambda torch: lambda t: torch.relu(t) ** 2,
        jax_fn=lambda jax: lambda a: jax.nn.relu(a) ** 2,
    ),
}
