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
import numpy as np

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


# --- how actgrad's GELU constants were made (not used by the tests; run ``constants()`` to reproduce them) --------


def _dd(v: Num) -> tuple[float, float]:
    hi = float(v)
    return hi, float(v - mpmath.mpf(hi))


def _chebyshev(fn, n: int) -> list[Num]:  # type: ignore[no-untyped-def]
    """Coefficients of the Chebyshev interpolant of fn on [-1, 1] at n Chebyshev nodes."""
    theta = [mpmath.pi * (j + mpmath.mpf(1) / 2) / n for j in range(n)]
    vals = [fn(mpmath.cos(t)) for t in theta]
    c = [2 * mpmath.fsum(v * mpmath.cos(k * t) for v, t in zip(vals, theta, strict=True)) / n for k in range(n)]
    c[0] /= 2
    return c


def _monomial_fit(fn, a: Num, b: Num, n: int) -> tuple[list[Num], Num]:  # type: ignore[no-untyped-def]
    """Monomial coefficients (lowest degree first) of the degree n-1 Chebyshev interpolant of fn on [a, b], and its
    maximum error on a grid."""
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    c = _chebyshev(lambda y: fn((b - a) / 2 * y + (a + b) / 2), n)
    alpha, beta = 2 / (b - a), -(a + b) / (b - a)  # y = alpha t + beta
    polys: list[list[Num]] = [[mpmath.mpf(1)], [beta, alpha]]
    for _ in range(2, n):  # T_k = 2 y T_(k-1) - T_(k-2), as polynomials in t
        prev, prev2 = polys[-1], polys[-2]
        nxt = [mpmath.mpf(0)] * (len(prev) + 1)
        for i, v in enumerate(prev):
            nxt[i] += 2 * beta * v
            nxt[i + 1] += 2 * alpha * v
        for i, v in enumerate(prev2):
            nxt[i] -= v
        polys.append(nxt)
    mono = [mpmath.fsum(c[k] * polys[k][i] for k in range(n) if i < len(polys[k])) for i in range(n)]
    err = max(abs(mpmath.polyval(mono[::-1], a + (b - a) * j / 400) - fn(a + (b - a) * j / 400)) for j in range(401))
    return mono, err


def mills_pair(dtype: str) -> dict[str, object]:
    """The pair kernels' Mills ratio (``_V_PAIR`` in actgrad/functions/gelu.py): V(t) = R(u) (2 + u) / sqrt(2 pi) for
    t = 2 / (2 + u), 0 <= u <= cap, as the monomial form in s = t - 1/2 (lowest degree first) of its Chebyshev
    interpolant with the fewest nodes that is within 2^-58 (float64) or 2^-30 (float32) of V / V(0) on a grid; the
    first two coefficients as pairs of the precision, the rest rounded to it."""
    with mpmath.workprec(200):
        cap, bound = (40.0, mpmath.mpf(2) ** -58) if dtype == "float64" else (15.0, mpmath.mpf(2) ** -30)
        k = 1 / mpmath.sqrt(2 * mpmath.pi)

        def v(s: Num) -> Num:
            t = s + mpmath.mpf(1) / 2
            u = 2 / t - 2
            return mpmath.sqrt(mpmath.pi / 2) * mpmath.exp(u * u / 2) * mpmath.erfc(u / mpmath.sqrt(2)) * (2 + u) * k

        for n in range(6, 44):
            mono, err = _monomial_fit(v, mpmath.mpf(2) / (2 + cap) - mpmath.mpf(1) / 2, mpmath.mpf(1) / 2, n)
            if err < bound * k:
                break
        rounded = float if dtype == "float64" else (lambda x: float(np.float32(float(x))))
        pair = lambda x: (rounded(x), rounded(x - mpmath.mpf(rounded(x))))  # noqa: E731
        return {"cap": cap, "v0": pair(mono[0]), "v1": pair(mono[1]), "rest": tuple(rounded(x) for x in mono[2:])}


def constants() -> dict[str, object]:
    """Recompute the constants of ``actgrad/functions/gelu.py`` (a few seconds): the Mills ratio R(u) =
    Phi(-u)/phi(u) on [0, 4] in four pieces R(c + t) = r0 + r1 t + t^2 P(t), h = u (1/R - u) as a polynomial in
    y = 8/u - 1 for u >= 4 (from its Chebyshev interpolant; the sum of its coefficients' magnitudes is 1.05), the
    lean kernels' R on [0, 15] as one polynomial in y = (u - 3)/(u + 3), and the polynomials about the zeros of
    G'(u) = f'(-u) (both variants) and of the tanh variant's G''(u) = f''(-u): G = c1 d + c2 d^2 + d^3 P(d),
    d = u - u0."""
    with mpmath.workprec(240):

        def mills(u: Num) -> Num:
            return mpmath.sqrt(mpmath.pi / 2) * mpmath.exp(u * u / 2) * mpmath.erfc(u / mpmath.sqrt(2))

        out: dict[str, object] = {}
        r0s, r1s, rps = [], [], []
        for c in map(mpmath.mpf, (0.5, 1.5, 2.5, 3.5)):
            r0 = mills(c)
            r1, r2 = c * r0 - 1, ((1 + c * c) * r0 - c) / 2  # R' = u R - 1, R'' = R + u R'

            def tail(t: Num, c: Num = c, r0: Num = r0, r1: Num = r1, r2: Num = r2) -> Num:
                return r2 if t == 0 else (mills(c + t) - r0 - r1 * t) / t**2

            for n in range(10, 30):
                mono, err = _monomial_fit(tail, -0.5, 0.5, n)
                if err / 4 < mpmath.mpf(2) ** -64 * mills(c + 0.5):
                    break
            r0s.append(_dd(r0))
            r1s.append(_dd(r1))
            rps.append(tuple(float(v) for v in reversed(mono)))
        out.update(_R0=tuple(r0s), _R1=tuple(r1s), _RP=tuple(rps))

        def h(y: Num) -> Num:
            v = (y + 1) / 2
            if v == 0:
                return mpmath.mpf(1)
            u = 4 / v
            return u / mills(u) - u * u

        for n in range(16, 60, 2):
            cheb = _chebyshev(h, n + 10)
            if sum(abs(x) for x in cheb[n:]) < mpmath.mpf(2) ** -58:
                break
        mono, _ = _monomial_fit(h, -1, 1, n)  # evaluated by Estrin's scheme: monomial, highest degree first
        out["_H_MONO"] = tuple(float(v) for v in reversed(mono))

        def lean(y: Num) -> Num:  # R(u) at u = 3 (1 + y) / (1 - y), for 0 <= u <= 15 (y <= 2/3)
            return mills(3 * (1 + y) / (1 - y))

        mono, _ = _monomial_fit(lean, -1, mpmath.mpf(2) / 3, 15)
        out["_MILLS_LEAN"] = tuple(float(v) for v in reversed(mono))
        out["_V_PAIR"] = {dtype: mills_pair(dtype) for dtype in ("float64", "float32")}

        def root(g, guess: float, lo: float, hi: float) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
            u0 = mpmath.findroot(g, guess)
            c1, c2, c3 = (mpmath.diff(g, u0, k) / mpmath.factorial(k) for k in (1, 2, 3))

            def tail(d: Num) -> Num:
                return c3 if d == 0 else (g(u0 + d) - c1 * d - c2 * d * d) / d**3

            a, b = mpmath.mpf(lo) - u0, mpmath.mpf(hi) - u0
            for n in range(8, 40):
                mono, err = _monomial_fit(tail, a, b, n)
                if err * max(abs(a), abs(b)) ** 3 < mpmath.mpf(2) ** -68:
                    break
            return _dd(u0), _dd(c1), _dd(c2), tuple(float(v) for v in reversed(mono))

        out["_G1E_ROOT"] = root(lambda u: _grad(-u), 0.75, 0.3, 1.25)
        out["_G1T_ROOT"] = root(lambda u: _grad(-u, "tanh"), 0.75, 0.3, 1.25)
        out["_G2T_ROOT"] = root(lambda u: _grad2(-u, "tanh"), 1.4, 1.0, 1.9)
        kappa = mpmath.sqrt(2 / mpmath.pi)
        out.update(
            _SHIFT=_dd(64 * mpmath.log(2)),
            _INV_SQRT_2PI=_dd(1 / mpmath.sqrt(2 * mpmath.pi)),
            _KAPPA=_dd(kappa),
            _TWO_KAPPA=_dd(2 * kappa),
            _A=_dd(_A),
            _A3=_dd(3 * _A),
            _A6=_dd(6 * _A),
        )
        return out
