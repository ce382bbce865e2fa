"""References for the plus family: squareplus, sparse_plus, sparse_sigmoid (JAX's functions; PyTorch has none).

Written from the definitions with plain control flow. Squareplus is evaluated in forms without cancellation at
200 bits: for x < 0, (x + r) / 2 = b / (2 (r - x)) and (1 + x / r) / 2 = b / (2 r (r - x)), r = sqrt(x^2 + b).
Kink sides were read off ``jax.grad`` at the kinks (first and second derivatives, float32 and float64).
"""

from __future__ import annotations

import math

import mpmath

from . import EXACT, SMOOTH, Num, Ref, RefKink

_0, _1 = mpmath.mpf(0), mpmath.mpf(1)


def _zero(x: Num, **params: float) -> Num:
    return _0


# --- squareplus: (x + sqrt(x^2 + b)) / 2 ------------------------------------------------------------------------


def _root(x: Num, b: float) -> Num:
    return mpmath.sqrt(x * x + mpmath.mpf(b))


def _sqp(x: Num, b: float = 4.0) -> Num:
    if mpmath.isinf(x):
        return x if x > 0 else _0
    r = _root(x, b)
    if x >= 0:
        return (x + r) / 2
    return mpmath.mpf(b) / (2 * (r - x))


def _sqp_grad(x: Num, b: float = 4.0) -> Num:
    if mpmath.isinf(x):
        return _1 if x > 0 else _0
    if b == 0:
        assert x != 0
        return _1 if x > 0 else _0
    r = _root(x, b)
    if x >= 0:
        return (1 + x / r) / 2
    return mpmath.mpf(b) / (2 * r * (r - x))


def _sqp_grad2(x: Num, b: float = 4.0) -> Num:
    if mpmath.isinf(x) or b == 0:
        return _0
    return mpmath.mpf(b) / (2 * _root(x, b) ** 3)  # d/dx x / (2r) = (r^2 - x^2) / (2 r^3)


def _sqp_db(x: Num, b: float = 4.0) -> Num:
    if mpmath.isinf(x):
        return _0
    r = _root(x, b)
    return mpmath.inf if r == 0 else 1 / (4 * r)


# --- sparse_plus / sparse_sigmoid ------------------------------------------------------------------------------


def _splus(x: Num) -> Num:
    if x <= -1:
        return _0
    if x >= 1:
        return x
    return (x + 1) ** 2 / 4


def _splus_grad(x: Num) -> Num:  # continuous
    if x <= -1:
        return _0
    if x >= 1:
        return _1
    return (x + 1) / 2


def _splus_grad2(x: Num) -> Num:
    assert x not in (-1, 1)
    return _1 / 2 if -1 < x < 1 else _0


def _ssig_grad(x: Num) -> Num:
    assert x not in (-1, 1)
    return _1 / 2 if -1 < x < 1 else _0


def _squareplus_jax(jax, b: float = 4.0):  # type: ignore[no-untyped-def]
    return lambda a: jax.nn.squareplus(a, b)


REFERENCES: dict[str, Ref] = {
    "squareplus": Ref(
        f=_sqp,
        grad=_sqp_grad,
        grad2=_sqp_grad2,
        # a kink only with b = 0 (squareplus is relu then); at NaN, matching no input, otherwise
        kinks=(
            RefKink(
                lambda b=4.0: 0 if b == 0 else math.nan,
                lambda b=4.0: 0,
                lambda b=4.0: 1,
                torch="left",
                jax="left",
            ),
        ),
        wrt={"b": _sqp_db},
        # b values where the finite-difference test (h = 1e-6) resolves f and df/db; tiny and huge b (down to the
        # smallest subnormal, up to the largest float) are not in reach of it
        param_sets=({}, {"b": 1.0}, {"b": 0.25}, {"b": 100.0}, {"b": 0.01}, {"b": 1e6}),
        budget=SMOOTH,
        jax_fn=_squareplus_jax,
    ),
    "sparse_plus": Ref(
        f=_splus,
        grad=_splus_grad,
        grad2=_splus_grad2,
        kinks=(
            RefKink(lambda: -1, lambda: 0, lambda: _1 / 2, torch="left", jax="left", order=2),
            RefKink(lambda: 1, lambda: _1 / 2, lambda: 0, torch="right", jax="right", order=2),
        ),
        budget=SMOOTH,
        jax_fn=lambda jax: jax.nn.sparse_plus,
    ),
    "sparse_sigmoid": Ref(
        f=_splus_grad,  # sparse_sigmoid is sparse_plus' (written once above, from its definition)
        grad=_ssig_grad,
        grad2=_zero,
        kinks=(
            RefKink(lambda: -1, lambda: 0, lambda: _1 / 2, torch="mean", jax="mean"),
            RefKink(lambda: 1, lambda: _1 / 2, lambda: 0, torch="mean", jax="mean"),
        ),
        budget=EXACT,
        jax_fn=lambda jax: jax.nn.sparse_sigmoid,
    ),
}
