"""References for the exponential linear units: elu, selu, celu.

Written from the definitions (mpmath, plain Python branches): ELU is x for x > 0 and alpha (e^x - 1) below, so f' is
1 | alpha e^x and f'' is 0 | alpha e^x; SELU is lambda times ELU with alpha fixed (the decimals PyTorch uses); CELU is
x | alpha (e^(x/alpha) - 1), so f' = e^(x/alpha), f'' = e^(x/alpha)/alpha, and d/d alpha of alpha (e^(x/alpha) - 1)
= (e^t - 1) - t e^t with t = x/alpha.

Kinks at 0: f' jumps from alpha (left) to 1 for ELU (no jump when alpha = 1: the table still applies), from
lambda alpha to lambda for SELU, and not at all for CELU (e^0 = 1); f'' jumps to 0 from alpha, lambda alpha and
1/alpha. PyTorch's autograd (``x <= 0`` selects the negative branch in elu_backward, whose double backward is masked
the other way) gives f'(0) from the left and f''(0) = 0 (the right); jax.grad differentiates ``where(x > 0, x,
alpha expm1(x))`` through its negative branch at 0, so both from the left -- except for CELU, built from
``maximum(x, 0) + alpha expm1(minimum(x, 0)/alpha)``, where max and min each take half of the tie: f''(0) =
(1/2)(1/2)/alpha = 1/(4 alpha), neither limit. (All checked against torch 2 and jax 0.10 in test_parity.py.)
"""

from __future__ import annotations

import mpmath

from . import Num, Ref, RefKink

_SELU_ALPHA = mpmath.mpf("1.6732632423543772848170429916717")
_SELU_SCALE = mpmath.mpf("1.0507009873554804934193349852946")


def _elu(x: Num, alpha: float = 1.0) -> Num:
    return x if x > 0 else alpha * mpmath.expm1(x)


def _elu_grad(x: Num, alpha: float = 1.0) -> Num:
    assert x != 0
    return mpmath.mpf(1) if x > 0 else alpha * mpmath.exp(x)


def _elu_grad2(x: Num, alpha: float = 1.0) -> Num:
    assert x != 0
    return mpmath.mpf(0) if x > 0 else alpha * mpmath.exp(x)


def _elu_dalpha(x: Num, alpha: float = 1.0) -> Num:
    return mpmath.mpf(0) if x > 0 else mpmath.expm1(x)


def _selu(x: Num) -> Num:
    return _SELU_SCALE * _elu(x, _SELU_ALPHA)


def _selu_grad(x: Num) -> Num:
    return _SELU_SCALE * _elu_grad(x, _SELU_ALPHA)


def _selu_grad2(x: Num) -> Num:
    return _SELU_SCALE * _elu_grad2(x, _SELU_ALPHA)


def _celu(x: Num, alpha: float = 1.0) -> Num:
    return x if x > 0 else alpha * mpmath.expm1(x / alpha)


def _celu_grad(x: Num, alpha: float = 1.0) -> Num:
    return mpmath.mpf(1) if x > 0 else mpmath.exp(x / alpha)


def _celu_grad2(x: Num, alpha: float = 1.0) -> Num:
    assert x != 0
    return mpmath.mpf(0) if x > 0 else mpmath.exp(x / alpha) / alpha


def _celu_dalpha(x: Num, alpha: float = 1.0) -> Num:
    if x > 0:
        return mpmath.mpf(0)
    if mpmath.isinf(x):  # t = x/alpha -> -inf (alpha > 0): e^t - 1 -> -1; t -> +inf: -> -inf
        return mpmath.mpf(-1) if alpha > 0 else -mpmath.inf
    t = x / alpha
    # ~ -t^2/2 for small |t|: the two terms cancel in ~2 log2(1/|t|) bits, so work with that many more
    extra = max(0, int(-2 * mpmath.log(abs(t), 2))) + 20 if t != 0 else 0
    with mpmath.workprec(mpmath.mp.prec + extra):
        return +(mpmath.expm1(t) - t * mpmath.exp(t))


def _origin(**params: float) -> float:
    return 0.0


def _zero(**params: float) -> Num:
    return mpmath.mpf(0)


def _one(**params: float) -> Num:
    return mpmath.mpf(1)


def _alpha(alpha: float = 1.0) -> Num:
    return mpmath.mpf(alpha)


def _selu_left(**params: float) -> Num:
    return _SELU_SCALE * _SELU_ALPHA


REFERENCES: dict[str, Ref] = {
    "elu": Ref(
        f=_elu,
        grad=_elu_grad,
        grad2=_elu_grad2,
        kinks=(
            RefKink(_origin, _alpha, _zero, torch="right", jax="left", order=2),
            RefKink(_origin, _alpha, _one, torch="left", jax="left", order=1),
        ),
        wrt={"alpha": _elu_dalpha},
        param_sets=({}, {"alpha": 0.3}, {"alpha": 2.5}, {"alpha": -1.5}, {"alpha": 0.0}),
        torch_fn=lambda torch, alpha=1.0: lambda t: torch.nn.functional.elu(t, alpha),
        jax_fn=lambda jax, alpha=1.0: lambda a: jax.nn.elu(a, alpha),
    ),
    "selu": Ref(
        f=_selu,
        grad=_selu_grad,
        grad2=_selu_grad2,
        kinks=(
            RefKink(_origin, _selu_left, _zero, torch="right", jax="left", order=2),
            RefKink(_origin, _selu_left, lambda: _SELU_SCALE, torch="left", jax="left", order=1),
        ),
        torch_fn=lambda torch: torch.nn.functional.selu,
        jax_fn=lambda jax: jax.nn.selu,
    ),
    "celu": Ref(
        f=_celu,
        grad=_celu_grad,
        grad2=_celu_grad2,
        kinks=(
            RefKink(
                _origin,
                lambda alpha=1.0: 1 / mpmath.mpf(alpha),
                _zero,
                torch="right",
                jax=lambda alpha=1.0: 1 / (4 * mpmath.mpf(alpha)),  # type: ignore[arg-type]
                order=2,
            ),
        ),
        wrt={"alpha": _celu_dalpha},
        # alphas exact in float32: PyTorch's CELU backward rounds alpha to float32 (derivatives.yaml)
        param_sets=({}, {"alpha": 3.0}, {"alpha": 0.375}, {"alpha": -1.5}),
        torch_fn=lambda torch, alpha=1.0: lambda t: torch.nn.functional.celu(t, alpha),
        jax_fn=lambda jax, alpha=1.0: lambda a: jax.nn.celu(a, alpha),
    ),
}
