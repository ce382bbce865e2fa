"""Independent references for the tests (never shipped).

Each activation is written again here, in mpmath and plain Python control flow, without looking at the library's
formulas: f, f', f'' away from kinks, the parameter derivatives, the kinks with their one-sided limits, and the
side that PyTorch's and JAX's autograd take (read off their source and checked against them in test_parity.py).
Where PyTorch and JAX have the function, ``torch_fn``/``jax_fn`` build it for the parity tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mpmath

mp = mpmath.mp
mp.prec = 200

Num = Any  # mpmath.mpf


@dataclass(frozen=True)
class RefKink:
    at: Callable[..., Num]
    left: Callable[..., Num]
    right: Callable[..., Num]
    torch: str  # which one-sided limit PyTorch's autograd returns
    jax: str


@dataclass(frozen=True)
class Ref:
    f: Callable[..., Num]
    grad: Callable[..., Num]
    grad2: Callable[..., Num]
    kinks: tuple[RefKink, ...] = ()
    wrt: dict[str, Callable[..., Num]] = field(default_factory=dict)
    #: parameter values to test besides the defaults
    param_sets: tuple[dict[str, float], ...] = ({},)
    torch_fn: Callable[..., Any] | None = None  # (torch, **params) -> callable
    jax_fn: Callable[..., Any] | None = None  # (jax, **params) -> callable


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
        torch_fn=lambda torch: torch.nn.functional.relu6,
        jax_fn=lambda jax: jax.nn.relu6,
    ),
}


def kink_value(kink: RefKink, convention: str, params: dict[str, float]) -> Num:
    """The derivative at a kink under a convention, from the one-sided limits."""
    side = {"torch": kink.torch, "jax": kink.jax}.get(convention, convention)
    left, right = mpmath.mpf(kink.left(**params)), mpmath.mpf(kink.right(**params))
    return {"left": left, "right": right, "mean": (left + right) / 2}[side]


def one_sided_slopes(f: Callable[..., Num], at: Num, params: dict[str, float]) -> tuple[Num, Num]:
    """Left and right difference quotients of ``f`` at ``at`` over a tiny step (exact for piecewise-linear f)."""
    h = mpmath.mpf(2) ** -100
    at = mpmath.mpf(at)
    return (f(at, **params) - f(at - h, **params)) / h, (f(at + h, **params) - f(at, **params)) / h
