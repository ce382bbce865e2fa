"""References for the rectifiers: relu, leaky_relu, relu6, prelu."""

from __future__ import annotations

import mpmath

from . import EXACT, Num, Ref, RefKink


def _relu(x: Num) -> Num:
    return x if x > 0 else mpmath.mpf(0)


def _relu_grad(x: Num) -> Num:
    assert x != 0
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(0)


def _leaky(x: Num, negative_slope: float = 0.01) -> Num:
    if x >= 0:
        return x
    return mpmath.mpf(0) if negative_slope == 0 else mpmath.mpf(negative_slope) * x  # the limit at -inf too


def _leaky_grad(x: Num, negative_slope: float = 0.01) -> Num:
    assert x != 0
    return mpmath.mpf(1) if x > 0 else mpmath.mpf(negative_slope)


def _relu6(x: Num) -> Num:
    return min(max(x, mpmath.mpf(0)), mpmath.mpf(6))


def _relu6_grad(x: Num) -> Num:
    assert x not in (0, 6)
    return mpmath.mpf(1) if 0 < x < 6 else mpmath.mpf(0)


def _zero(x: Num, **params: float) -> Num:
    return mpmath.mpf(0)


REFERENCES: dict[str, Ref] = {
    "relu": Ref(
        f=_relu,
        grad=_relu_grad,
        grad2=_zero,
        kinks=(RefKink(lambda: 0, lambda: 0, lambda: 1, torch="left", jax="left"),),
        budget=EXACT,
        torch_fn=lambda torch: torch.relu,
        jax_fn=lambda jax: jax.nn.relu,
    ),
    "leaky_relu": Ref(
        f=_leaky,
        grad=_leaky_grad,
        grad2=_zero,
        kinks=(
            RefKink(
                lambda negative_slope=0.01: 0,
                lambda negative_slope=0.01: mpmath.mpf(negative_slope),
                lambda negative_slope=0.01: 1,
                torch="left",
                jax="right",
            ),
        ),
        wrt={"negative_slope": lambda x, negative_slope=0.01: x if x < 0 else mpmath.mpf(0)},
        param_sets=(
            {},
            {"negative_slope": 0.2},
            {"negative_slope": -1.5},
            {"negative_slope": 3.0},
            {"negative_slope": 0.0},
        ),
        torch_fn=lambda torch, negative_slope=0.01: lambda t: torch.nn.functional.leaky_relu(t, negative_slope),
        jax_fn=lambda jax, negative_slope=0.01: lambda a: jax.nn.leaky_relu(a, negative_slope),
    ),
    "relu6": Ref(
        f=_relu6,
        grad=_relu6_grad,
        grad2=_zero,
        kinks=(
            RefKink(lambda: 0, lambda: 0, lambda: 1, torch="left", jax="left"),
            RefKink(lambda: 6, lambda: 1, lambda: 0, torch="right", jax="right"),
        ),
        budget=EXACT,
        torch_fn=lambda torch: torch.nn.functional.relu6,
        jax_fn=lambda jax: jax.nn.relu6,
    ),
    "prelu": Ref(
        f=lambda x, weight=0.25: _leaky(x, weight),
        grad=lambda x, weight=0.25: _leaky_grad(x, weight),
        grad2=_zero,
        kinks=(
            RefKink(
                lambda weight=0.25: 0,
                lambda weight=0.25: mpmath.mpf(weight),
                lambda weight=0.25: 1,
                torch="left",
                jax="right",  # flax.linen.PReLU: where(x >= 0, x, w * x)
            ),
        ),
        wrt={"weight": lambda x, weight=0.25: x if x < 0 else mpmath.mpf(0)},
        budget=EXACT,
        param_sets=({}, {"weight": -0.5}, {"weight": 2.0}, {"weight": 0.0}),
        torch_fn=lambda torch, weight=0.25: (
            lambda t: torch.nn.functional.prelu(t, torch.tensor([weight], dtype=t.dtype))
        ),
        jax_fn=lambda jax, weight=0.25: lambda a: jax.numpy.where(a >= 0, a, weight * a),
    ),
}
