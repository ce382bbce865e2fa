"""References for GELU, exact (x Phi(x)) and its tanh approximation.

Written from the definitions (mpmath at the package's precision): Phi(x) = erfc(-x/sqrt 2)/2, phi(x) =
exp(-x^2/2)/sqrt(2 pi), so f = x Phi, f' = Phi + x phi, f'' = phi (2 - x^2) (phi' = -x phi). The tanh variant is
f = x/2 (1 + tanh y), y = sqrt(2/pi) (x + 0.044715 x^3) (0.044715 exactly, as a decimal), so f' = (1 + tanh y)/2 +
x/2 sech^2(y) y' and f'' = sech^2(y) (y' + x/2 y'' - x tanh(y) y'^2) (sech^2' = -2 sech^2 tanh). 1 + tanh y is
evaluated as 2/(1 + e^{-2y}), which does not cancel when y << 0 (where 1 + tanh y ~ 2 e^{2y} is below 1e-300).
Neither has a kink. Infinite inputs get the limits.
"""

from __future__ import annotations

import mpmath

from . import Num, Ref

_KAPPA = mpmath.sqrt(2 / mpmath.pi)
_A = mpmath.mpf("0.044715")


def _limit(x: Num, at_minus_inf: float, at_plus_inf: float) -> Num | None:
    if mpmath.isinf(x):
        return mpmath.mpf(at_plus_inf if x > 0 else at_minus_inf)
    return None


def _Phi(x: Num) -> Num:
    if abs(x) > 1e6:  # mpmath's erfc overflows for huge arguments: the asymptotic series of the Mills ratio,
        # Phi(-u) = phi(u)/u (1 - 1/u^2 + 3/u^4 - ...), whose truncation error is below 15/u^6 < 1e-35
        u = abs(x)
        tail = _phi(u) / u * (1 - 1 / u**2 + 3 / u**4)
        return tail if x < 0 else 1 - tail
    return mpmath.erfc(-x / mpmath.sqrt(2)) / 2


def _phi(x: Num) -> Num:
    return mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)


def _y(x: Num) -> tuple[Num, Num, Num]:
    """y, y', y''."""
    return _KAPPA * (x + _A * x**3), _KAPPA * (1 + 3 * _A * x**2), _KAPPA * 6 * _A * x


def _one_plus_tanh(y: Num) -> Num:
    return 2 / (1 + mpmath.exp(-2 * y))


def _f(x: Num, approximate: str = "none") -> Num:
    lim = _limit(x, 0, mpmath.inf)
    if lim is not None:
        return lim
    if approximate == "tanh":
        return x / 2 * _one_plus_tanh(_y(x)[0])
    return x * _Phi(x)


def _grad(x: Num, approximate: str = "none") -> Num:
    lim = _limit(x, 0, 1)
    if lim is not None:
        return lim
    if approximate == "tanh":
        y, y1, _ = _y(x)
        return _one_plus_tanh(y) / 2 + x / 2 * mpmath.sech(y) ** 2 * y1
    return _Phi(x) + x * _phi(x)


def _grad2(x: Num, approximate: str = "none") -> Num:
    lim = _limit(x, 0, 0)
    if lim is not None:
        return lim
    if approximate == "tanh":
        y, y1, y2 = _y(x)
        return mpmath.sech(y) ** 2 * (y1 + x / 2 * y2 - x * mpmath.tanh(y) * y1**2)
    return _phi(x) * (2 - x * x)


REFERENCES: dict[str, Ref] = {
    "gelu": Ref(
        f=_f,
        grad=_grad,
        grad2=_grad2,
        param_sets=({}, {"approximate": "tanh"}),
        torch_fn=lambda torch, approximate="none": lambda t: torch.nn.functional.gelu(t, approximate=approximate),
        jax_fn=lambda jax, approximate="none": lambda a: jax.nn.gelu(a, approximate=approximate == "tanh"),
    ),
}
