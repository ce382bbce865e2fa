"""Dying-ReLU diagnostics and a gradient checker.

A unit *dies* when its activation's derivative is 0 for every input it sees: no gradient flows through it and it
stops learning. :func:`dead_units` finds such units from a batch of pre-activations; :func:`check_grad` compares an
activation's analytic derivatives with finite differences.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._activation import Activation
from ._registry import get

__all__ = ["GradCheck", "check_grad", "dead_fraction", "dead_units", "has_flat_regions"]

#: Where flat regions are looked for: a grid fine enough for every built-in (hard_* saturate at |x| = 3, shrinks
#: are flat on [-lambd, lambd]) and narrow enough that no smooth derivative underflows to 0 on it.
_PROBE = np.arange(-20.0, 20.0 + 1 / 16, 1 / 16)


def _activation(activation: str | Activation) -> Activation:
    return activation if isinstance(activation, Activation) else get(activation)


def has_flat_regions(activation: str | Activation, **params: Any) -> bool:
    """Whether f' is exactly 0 on some interval (relu for x < 0, hard_tanh beyond its limits, the shrinks near 0),
    i.e. whether a unit can die. Smooth activations (sigmoid, gelu, ...) have none: their derivatives only tend to
    0."""
    act = _activation(activation)
    return _flat(act, tuple(sorted(params.items())))


@functools.lru_cache(maxsize=256)
def _flat(act: Activation, frozen: tuple[tuple[str, Any], ...]) -> bool:
    grad = np.asarray(act.grad(_PROBE, **dict(frozen)))
    zero = grad == 0
    return bool(np.any(zero[1:] & zero[:-1]))  # two neighbouring grid points: an interval, not an isolated zero


def dead_units(z: Any, activation: str | Activation = "relu", axis: int = 0, **params: Any) -> np.ndarray:
    r"""The units whose derivative is 0 for every sample along ``axis``.

    ``z`` holds pre-activations (e.g. shape (batch, units) with ``axis=0``). A unit is dead when
    :math:`f'(z_{i,j}) = 0` for every sample :math:`i` -- then :math:`\partial L / \partial z_{i,j} = 0` and its
    incoming weights get no gradient. Activations without flat regions (see :func:`has_flat_regions`) never have
    dead units: the result is all False. Returns a boolean array of the shape of ``z`` without ``axis``.
    """
    act = _activation(activation)
    z = np.asarray(z)
    if z.ndim == 0:
        raise ValueError("dead_units: z must have a sample axis (got a 0-d value)")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"dead_units: axis {axis} is out of range for z with {z.ndim} dims")
    shape = z.shape[: axis % z.ndim] + z.shape[axis % z.ndim + 1 :]
    if not has_flat_regions(act, **{k: v for k, v in params.items() if not hasattr(v, "shape")}):
        act.spec.bind(params)  # bad parameters still raise
        return np.zeros(shape, bool)
    return np.all(np.asarray(act.grad(z, **params)) == 0, axis=axis)


def dead_fraction(z: Any, activation: str | Activation = "relu", axis: int = 0, **params: Any) -> float:
    """The fraction of units that are dead (see :func:`dead_units`); 0.0 when there are no units."""
    dead = dead_units(z, activation, axis, **params)
    return float(dead.mean()) if dead.size else 0.0


@dataclass(frozen=True)
class GradCheck:
    """The result of :func:`check_grad`."""

    name: str
    ok: bool
    max_abs_error: float
    max_rel_error: float
    worst_x: float
    worst_order: int
    checked: int
    skipped: int
    rtol: float

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        return (
            f"<check_grad {self.name}: {verdict}; {self.checked} points checked ({self.skipped} near kinks skipped); "
            f"max abs error {self.max_abs_error:.3g}, max rel error {self.max_rel_error:.3g} "
            f"(f{chr(39) * self.worst_order} at x = {self.worst_x!r}); rtol {self.rtol:g}>"
        )


def _richardson(fn: Any, x: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Central differences of ``fn`` at steps h and h/2, combined to cancel the O(h^2) error (error O(h^4))."""
    d1 = (fn(x + h) - fn(x - h)) / (2 * h)
    d2 = (fn(x + h / 2) - fn(x - h / 2)) / h
    return (4 * d2 - d1) / 3


def check_grad(
    activation: str | Activation, x: Any, *, rtol: float = 1e-6, kink: str = "torch", **params: Any
) -> GradCheck:
    r"""Check f' against finite differences of f, and f'' against finite differences of f'.

    Central differences with Richardson extrapolation, in float64, with a step chosen per point
    (:math:`h = \epsilon^{1/5} \max(1, |x|)`, which balances the O(h^4) truncation and the rounding error); points
    within two steps of a kink are skipped, and so are non-finite ones. A point passes when
    :math:`|analytic - numeric| \le rtol \cdot \max(1, |numeric|)`. Returns a :class:`GradCheck`.
    """
    act = _activation(activation)
    x = np.asarray(x, dtype=np.float64).ravel()
    values, variant = act.spec.bind(params)
    h = np.finfo(np.float64).eps ** 0.2 * np.maximum(1.0, np.abs(x))
    near = ~np.isfinite(x)
    for order in (1, 2):
        for k in act.spec.formula(order, variant).kinks:
            near |= np.abs(x - k.location(values)) <= 2 * h
    xs, hs = x[~near], h[~near]
    worst = (0.0, 0.0, math.nan, 1)
    ok = True
    for order, lower, upper in ((1, act, act.grad), (2, act.grad, act.grad2)):
        numeric = _richardson(lambda t, lower=lower: np.asarray(lower(t, **params), np.float64), xs, hs)
        analytic = np.asarray(upper(xs, kink=kink, **params), np.float64)
        abs_err = np.abs(analytic - numeric)
        scale = np.maximum(1.0, np.abs(numeric))
        ok &= bool(np.all(abs_err <= rtol * scale))
        if abs_err.size and (rel := float(np.max(abs_err / scale))) > worst[1]:
            i = int(np.argmax(abs_err / scale))
            worst = (float(np.max(abs_err)), rel, float(xs[i]), order)
    return GradCheck(act.name, ok, worst[0], worst[1], worst[2], worst[3], int(xs.size), int(near.sum()), rtol)
