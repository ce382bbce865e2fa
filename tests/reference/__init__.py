"""Independent references for the tests (never shipped).

Each activation is written again here, in mpmath and plain Python control flow, without looking at the library's
formulas: f, f', f'' away from kinks, the parameter derivatives, the kinks with their one-sided limits, and the
side that PyTorch's and JAX's autograd take (read off their source and checked against them in test_parity.py).
Where PyTorch and JAX have the function, ``torch_fn``/``jax_fn`` build it for the parity tests.

One module per family (``rectifiers.py``, ...), each with a ``REFERENCES`` dict; this package merges them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mpmath

mpmath.mp.prec = 200

Num = Any  # mpmath.mpf

#: ULP budgets (f, f', f''): the family's accuracy bar.
SMOOTH = (2.0, 2.0, 4.0)
#: Piecewise-linear functions are correctly rounded; 0.501 leaves room for the double rounding of s*x computed in
#: float64 and rounded to float32 (at most 2**-29 ulp) and of half types computed in float32.
EXACT = (0.501, 0.501, 0.501)


@dataclass(frozen=True)
class RefKink:
    at: Callable[..., Num]
    left: Callable[..., Num]
    right: Callable[..., Num]
    #: which one-sided limit PyTorch's autograd returns ("left", "right", "mean"), or the value it returns when it
    #: is none of them (a function of the parameters)
    torch: str | Callable[..., Num]
    jax: str | Callable[..., Num]
    order: int = 1  # the derivative that jumps here (1: f', 2: f'')


@dataclass(frozen=True)
class Ref:
    f: Callable[..., Num]
    grad: Callable[..., Num]
    grad2: Callable[..., Num]
    kinks: tuple[RefKink, ...] = ()
    wrt: dict[str, Callable[..., Num]] = field(default_factory=dict)
    #: parameter values to test besides the defaults
    param_sets: tuple[dict[str, Any], ...] = ({},)
    budget: tuple[float, float, float] = SMOOTH
    torch_fn: Callable[..., Any] | None = None  # (torch, **params) -> callable
    jax_fn: Callable[..., Any] | None = None  # (jax, **params) -> callable


def kinks_at(ref: Ref, params: dict[str, Any]) -> list[RefKink]:
    """The kinks that exist for these parameters (a kink whose location is NaN exists for other parameters only:
    squareplus has one at 0 when b = 0)."""
    return [k for k in ref.kinks if not mpmath.isnan(mpmath.mpf(k.at(**params)))]


def kink_value(kink: RefKink, convention: str, params: dict[str, Any]) -> Num:
    """The derivative at a kink under a convention, from the one-sided limits."""
    side = {"torch": kink.torch, "jax": kink.jax}.get(convention, convention)
    if callable(side):
        return mpmath.mpf(side(**params))
    left, right = mpmath.mpf(kink.left(**params)), mpmath.mpf(kink.right(**params))
    return {"left": left, "right": right, "mean": (left + right) / 2}[side]


def one_sided_slopes(f: Callable[..., Num], at: Num, params: dict[str, Any]) -> tuple[Num, Num]:
    """The one-sided limits of f' at ``at``: difference quotients of ``f`` just left and just right of it, never
    touching ``at`` itself (so a jump of f there does not matter); exact for piecewise-linear f."""
    h = mpmath.mpf(2) ** -100
    at = mpmath.mpf(at)
    left = (f(at - h, **params) - f(at - 2 * h, **params)) / h
    right = (f(at + 2 * h, **params) - f(at + h, **params)) / h
    return left, right


REFERENCES: dict[str, Ref] = {}
for _info in pkgutil.iter_modules(__path__):
    REFERENCES.update(importlib.import_module(f"{__name__}.{_info.name}").REFERENCES)
