"""The naive baseline of benchmarks/run.py: each activation and its derivative as a textbook NumPy/SciPy expression.

``NAIVE[name] = (f, f')``: what one writes without thinking about speed or accuracy -- no stable forms (softplus
is ``log1p(exp(x))``, GELU is ``1 + erf``), every temporary allocated. Parameters arrive as keywords, as NumPy
scalars of the input's dtype, so that float32 stays float32 (NumPy 2 promotion rules); expressions are written so
that they never promote either (``(x > 0).astype(x.dtype)``, not ``np.where(x > 0, 1.0, 0.0)``). Call them under
``np.errstate(all="ignore")``: the overflow of ``exp`` is part of being naive.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import special

__all__ = ["NAIVE"]

Expr = Callable[..., np.ndarray]

SQRT2 = math.sqrt(2.0)
SQRT_2PI = math.sqrt(2.0 * math.pi)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _step(x: np.ndarray) -> np.ndarray:
    """1 where x > 0, else 0, in x's dtype."""
    return (x > 0).astype(x.dtype)


def _inside(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """1 where lo < x < hi, else 0, in x's dtype."""
    return ((x > lo) & (x < hi)).astype(x.dtype)


def _elu(x: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


def _elu_grad(x: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x > 0, 1, alpha * np.exp(x))


def _leaky(x: np.ndarray, slope: float) -> np.ndarray:
    return np.where(x >= 0, x, slope * x)


def _leaky_grad(x: np.ndarray, slope: float) -> np.ndarray:
    return np.where(x > 0, 1, slope)


def _shrink_grad(x: np.ndarray, lambd: float) -> np.ndarray:
    return (np.abs(x) > lambd).astype(x.dtype)


NAIVE: dict[str, tuple[Expr, Expr]] = {
    "relu": (lambda x: np.maximum(x, 0), _step),
    "leaky_relu": (
        lambda x, negative_slope: _leaky(x, negative_slope),
        lambda x, negative_slope: _leaky_grad(x, negative_slope),
    ),
    "relu6": (lambda x: np.minimum(np.maximum(x, 0), 6), lambda x: _inside(x, 0, 6)),
    "prelu": (lambda x, weight: _leaky(x, weight), lambda x, weight: _leaky_grad(x, weight)),
    "sigmoid": (_sigmoid, lambda x: (s := _sigmoid(x)) * (1 - s)),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "softplus": (lambda x, beta: np.log1p(np.exp(beta * x)) / beta, lambda x, beta: _sigmoid(beta * x)),
    "log_sigmoid": (lambda x: -np.log1p(np.exp(-x)), lambda x: 1 - _sigmoid(x)),
    "silu": (lambda x: x * _sigmoid(x), lambda x: (s := _sigmoid(x)) * (1 + x * (1 - s))),
    "softsign": (lambda x: x / (1 + np.abs(x)), lambda x: 1 / (1 + np.abs(x)) ** 2),
    "tanhshrink": (lambda x: x - np.tanh(x), lambda x: np.tanh(x) ** 2),
    "mish": (
        lambda x: x * np.tanh(np.log1p(np.exp(x))),
        lambda x: (t := np.tanh(np.log1p(np.exp(x)))) + x * _sigmoid(x) * (1 - t * t),
    ),
    "telu": (
        lambda x: x * np.tanh(np.exp(x)),
        lambda x: (t := np.tanh(e := np.exp(x))) + x * e * (1 - t * t),
    ),
    "elu": (_elu, _elu_grad),
    "selu": (lambda x: SELU_SCALE * _elu(x, SELU_ALPHA), lambda x: SELU_SCALE * _elu_grad(x, SELU_ALPHA)),
    "celu": (
        lambda x, alpha: np.maximum(0, x) + np.minimum(0, alpha * (np.exp(x / alpha) - 1)),
        lambda x, alpha: np.where(x > 0, 1, np.exp(x / alpha)),
    ),
    "gelu": (
        lambda x: 0.5 * x * (1 + special.erf(x / SQRT2)),
        lambda x: 0.5 * (1 + special.erf(x / SQRT2)) + x * np.exp(-0.5 * x * x) / SQRT_2PI,
    ),
    "hard_sigmoid": (lambda x: np.clip(x + 3, 0, 6) / 6, lambda x: _inside(x, -3, 3) / 6),
    "hard_swish": (
        lambda x: x * np.clip(x + 3, 0, 6) / 6,
        lambda x: np.where(x <= -3, 0, np.where(x >= 3, 1, (2 * x + 3) / 6)),
    ),
    "hard_tanh": (
        lambda x, min_val, max_val: np.clip(x, min_val, max_val),
        lambda x, min_val, max_val: _inside(x, min_val, max_val),
    ),
    "hard_shrink": (lambda x, lambd: np.where(np.abs(x) > lambd, x, 0), _shrink_grad),
    "soft_shrink": (lambda x, lambd: np.sign(x) * np.maximum(np.abs(x) - lambd, 0), _shrink_grad),
    "threshold": (
        lambda x, threshold, value: np.where(x > threshold, x, value),
        lambda x, threshold, value: (x > threshold).astype(x.dtype),
    ),
    "squared_relu": (lambda x: np.maximum(x, 0) ** 2, lambda x: 2 * np.maximum(x, 0)),
    "squareplus": (lambda x, b: (x + np.sqrt(x * x + b)) / 2, lambda x, b: (1 + x / np.sqrt(x * x + b)) / 2),
    "sparse_plus": (
        lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
        lambda x: np.where(x <= -1, 0, np.where(x >= 1, 1, (x + 1) / 2)),
    ),
    "sparse_sigmoid": (lambda x: np.clip((x + 1) / 2, 0, 1), lambda x: _inside(x, -1, 1) / 2),
}
