"""References for the sigmoid family: sigmoid, tanh, softplus, log_sigmoid, silu, softsign, tanhshrink, mish, telu.

Derivatives by hand (chain and product rules), written with identities that avoid cancellation at 200 bits:
sigma'(x) = 1 / (4 cosh^2(x/2)), 1 - 2 sigma(x) = -tanh(x/2), 1 - sigma(x) = 1 / (1 + e^x). Where a closed form
still cancels (x - tanh x for tiny x) the Taylor series is used. Infinite inputs return the limits explicitly.
"""

from __future__ import annotations

import mpmath

from . import SMOOTH, Num, Ref, RefKink

_ONE = mpmath.mpf(1)
_ZERO = mpmath.mpf(0)


def _limits(lo: object, hi: object):  # type: ignore[no-untyped-def]
    """Decorate a reference with its limits at -inf and +inf (given as numbers or callables of the params)."""

    def wrap(fn):  # type: ignore[no-untyped-def]
        def ref(x: Num, **params: float) -> Num:
            if mpmath.isinf(x):
                v = hi if x > 0 else lo
                return mpmath.mpf(v(**params) if callable(v) else v)
            return fn(mpmath.mpf(x), **params)

        return ref

    return wrap


def _sig(x: Num) -> Num:
    return 1 / (1 + mpmath.exp(-x))


def _dsig(x: Num) -> Num:
    """sigma'(x) = sigma(x) sigma(-x) = 1 / (2 + 2 cosh x) = 1 / (4 cosh^2(x/2))."""
    return 1 / (4 * mpmath.cosh(x / 2) ** 2)


def _sech2(x: Num) -> Num:
    return mpmath.sech(x) ** 2


# --- sigmoid ----------------------------------------------------------------------------------------------------


@_limits(0, 1)
def _sigmoid(x: Num) -> Num:
    return _sig(x)


@_limits(0, 0)
def _sigmoid_grad(x: Num) -> Num:
    return _dsig(x)


@_limits(0, 0)
def _sigmoid_grad2(x: Num) -> Num:
    # d/dx sigma(1 - sigma) = sigma' (1 - 2 sigma), and 1 - 2 sigma(x) = -tanh(x/2)
    return -_dsig(x) * mpmath.tanh(x / 2)


# --- tanh -------------------------------------------------------------------------------------------------------


@_limits(-1, 1)
def _tanh(x: Num) -> Num:
    return mpmath.tanh(x)


@_limits(0, 0)
def _tanh_grad(x: Num) -> Num:
    return _sech2(x)


@_limits(0, 0)
def _tanh_grad2(x: Num) -> Num:
    # d/dx sech^2 x = 2 sech x * (-sech x tanh x)
    return -2 * mpmath.tanh(x) * _sech2(x)


# --- softplus (beta) --------------------------------------------------------------------------------------------


@_limits(0, mpmath.inf)
def _softplus(x: Num, beta: float = 1.0) -> Num:
    b = mpmath.mpf(beta)
    return mpmath.log1p(mpmath.exp(b * x)) / b


@_limits(0, 1)
def _softplus_grad(x: Num, beta: float = 1.0) -> Num:
    return _sig(mpmath.mpf(beta) * x)


@_limits(0, 0)
def _softplus_grad2(x: Num, beta: float = 1.0) -> Num:
    b = mpmath.mpf(beta)
    return b * _dsig(b * x)


@_limits(0, 0)
def _softplus_dbeta(x: Num, beta: float = 1.0) -> Num:
    # f = L(b x) / b with L(z) = log(1 + e^z): df/db = x sigma(b x) / b - L(b x) / b^2 = (z sigma(z) - L(z)) / b^2.
    # z sigma(z) - L(z) is even in z (L(z) = z + L(-z), z sigma(z) = z - z sigma(-z)), and for a = |z| it is
    # -(a sigma(-a) + L(-a)): a sum of two negative terms, no cancellation.
    b = mpmath.mpf(beta)
    a = abs(b * x)
    return -(a / (1 + mpmath.exp(a)) + mpmath.log1p(mpmath.exp(-a))) / b**2


# --- log_sigmoid ------------------------------------------------------------------------------------------------


@_limits(-mpmath.inf, 0)
def _log_sigmoid(x: Num) -> Num:
    return -mpmath.log1p(mpmath.exp(-x))


@_limits(1, 0)
def _log_sigmoid_grad(x: Num) -> Num:
    # d/dx -log(1 + e^-x) = e^-x / (1 + e^-x) = sigma(-x)
    return _sig(-x)


@_limits(0, 0)
def _log_sigmoid_grad2(x: Num) -> Num:
    return -_dsig(x)


# --- silu -------------------------------------------------------------------------------------------------------


@_limits(0, mpmath.inf)
def _silu(x: Num) -> Num:
    return x * _sig(x)


@_limits(0, 1)
def _silu_grad(x: Num) -> Num:
    # sigma + x sigma' = sigma (1 + x sigma(-x))
    return _sig(x) * (1 + x * _sig(-x))


@_limits(0, 0)
def _silu_grad2(x: Num) -> Num:
    # 2 sigma' + x sigma'' = sigma' (2 + x (1 - 2 sigma)) = sigma' (2 - x tanh(x/2))
    return _dsig(x) * (2 - x * mpmath.tanh(x / 2))


# --- softsign ---------------------------------------------------------------------------------------------------


@_limits(-1, 1)
def _softsign(x: Num) -> Num:
    return x / (1 + abs(x))


@_limits(0, 0)
def _softsign_grad(x: Num) -> Num:
    # for x > 0: d/dx x/(1+x) = 1/(1+x)^2; for x < 0: d/dx x/(1-x) = 1/(1-x)^2
    return 1 / (1 + abs(x)) ** 2


@_limits(0, 0)
def _softsign_grad2(x: Num) -> Num:
    assert x != 0
    return (-2 if x > 0 else 2) / (1 + abs(x)) ** 3


# --- tanhshrink -------------------------------------------------------------------------------------------------


@_limits(-mpmath.inf, mpmath.inf)
def _tanhshrink(x: Num) -> Num:
    if abs(x) < mpmath.mpf(2) ** -20:
        # tanh x = x - x^3/3 + 2x^5/15 - 17x^7/315 + 62x^9/2835 - ...; the next term is below 2^-180 relative
        x2 = x * x
        return x * x2 * (mpmath.mpf(1) / 3 - x2 * (mpmath.mpf(2) / 15 - x2 * (mpmath.mpf(17) / 315 - x2 * 62 / 2835)))
    return x - mpmath.tanh(x)


@_limits(1, 1)
def _tanhshrink_grad(x: Num) -> Num:
    # 1 - sech^2 = tanh^2
    return mpmath.tanh(x) ** 2


@_limits(0, 0)
def _tanhshrink_grad2(x: Num) -> Num:
    return 2 * mpmath.tanh(x) * _sech2(x)


# --- mish -------------------------------------------------------------------------------------------------------


def _sp(x: Num) -> Num:
    return mpmath.log1p(mpmath.exp(x))


@_limits(0, mpmath.inf)
def _mish(x: Num) -> Num:
    return x * mpmath.tanh(_sp(x))


@_limits(0, 1)
def _mish_grad(x: Num) -> Num:
    # (tanh(sp))' = sech^2(sp) sp' and sp' = sigma
    return mpmath.tanh(_sp(x)) + x * _sig(x) * _sech2(_sp(x))


@_limits(0, 0)
def _mish_grad2(x: Num) -> Num:
    # d/dx [x sigma sech^2(sp)] = sech^2(sp) [sigma + x sigma (1 - sigma) - 2 x sigma^2 tanh(sp)]; plus sigma sech^2(sp)
    s, sp = _sig(x), _sp(x)
    one_minus_s = 1 / (1 + mpmath.exp(x))
    return s * _sech2(sp) * (2 + x * one_minus_s - 2 * x * s * mpmath.tanh(sp))


# --- telu -------------------------------------------------------------------------------------------------------

# e^x beyond this makes 1 - tanh(e^x) and sech^2(e^x) far below any float (and mpmath's exponent range).
_TELU_BIG = 1000


@_limits(0, mpmath.inf)
def _telu(x: Num) -> Num:
    if x > _TELU_BIG:
        return x
    return x * mpmath.tanh(mpmath.exp(x))


@_limits(0, 1)
def _telu_grad(x: Num) -> Num:
    if x > _TELU_BIG:
        return _ONE
    u = mpmath.exp(x)
    return mpmath.tanh(u) + x * u * _sech2(u)


@_limits(0, 0)
def _telu_grad2(x: Num) -> Num:
    # d/dx [x u sech^2 u] with u = e^x, u' = u: u sech^2 u + x u sech^2 u - 2 x u^2 sech^2 u tanh u; plus u sech^2 u
    if x > _TELU_BIG:
        return _ZERO
    u = mpmath.exp(x)
    return u * _sech2(u) * (2 + x - 2 * x * u * mpmath.tanh(u))


def _softplus_torch(torch, beta=1.0):  # type: ignore[no-untyped-def]
    """PyTorch's softplus returns x where beta x > threshold (20 by default): compared with the threshold moved to
    where the two agree to the last bit and exp(beta x) does not overflow (40 in float32, 700 in float64)."""

    def fn(t):  # type: ignore[no-untyped-def]
        return torch.nn.functional.softplus(t, beta, 700.0 if t.dtype == torch.float64 else 40.0)

    return fn


REFERENCES: dict[str, Ref] = {
    "sigmoid": Ref(
        f=_sigmoid,
        grad=_sigmoid_grad,
        grad2=_sigmoid_grad2,
        budget=SMOOTH,
        torch_fn=lambda torch: torch.sigmoid,
        jax_fn=lambda jax: jax.nn.sigmoid,
    ),
    "tanh": Ref(
        f=_tanh,
        grad=_tanh_grad,
        grad2=_tanh_grad2,
        torch_fn=lambda torch: torch.tanh,
        jax_fn=lambda jax: jax.numpy.tanh,
    ),
    "softplus": Ref(
        f=_softplus,
        grad=_softplus_grad,
        grad2=_softplus_grad2,
        wrt={"beta": _softplus_dbeta},
        param_sets=({}, {"beta": 0.5}, {"beta": 2.0}, {"beta": 0.3}, {"beta": 7.5}, {"beta": 1e20}),
        torch_fn=_softplus_torch,
        jax_fn=lambda jax, beta=1.0: lambda a: jax.nn.softplus(beta * a) / beta,
    ),
    "log_sigmoid": Ref(
        f=_log_sigmoid,
        grad=_log_sigmoid_grad,
        grad2=_log_sigmoid_grad2,
        torch_fn=lambda torch: torch.nn.functional.logsigmoid,
        jax_fn=lambda jax: jax.nn.log_sigmoid,
    ),
    "silu": Ref(
        f=_silu,
        grad=_silu_grad,
        grad2=_silu_grad2,
        torch_fn=lambda torch: torch.nn.functional.silu,
        jax_fn=lambda jax: jax.nn.silu,
    ),
    "softsign": Ref(
        f=_softsign,
        grad=_softsign_grad,
        grad2=_softsign_grad2,
        # f'' jumps from 2 to -2 at 0. PyTorch differentiates |x| as sign(x), 0 at 0: f''(0) = 0, the mean; JAX's |x|'
        # is 1 at 0 (and at -0.0): f''(0) = -2, the right side (both checked against the frameworks)
        kinks=(RefKink(lambda: 0, lambda: 2, lambda: -2, torch="mean", jax="right", order=2),),
        torch_fn=lambda torch: torch.nn.functional.softsign,
        jax_fn=lambda jax: jax.nn.soft_sign,
    ),
    "tanhshrink": Ref(
        f=_tanhshrink,
        grad=_tanhshrink_grad,
        grad2=_tanhshrink_grad2,
        torch_fn=lambda torch: torch.nn.functional.tanhshrink,
    ),
    "mish": Ref(
        f=_mish,
        grad=_mish_grad,
        grad2=_mish_grad2,
        torch_fn=lambda torch: torch.nn.functional.mish,
        jax_fn=lambda jax: jax.nn.mish,
    ),
    "telu": Ref(f=_telu, grad=_telu_grad, grad2=_telu_grad2),
}
