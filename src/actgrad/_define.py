"""User-defined activations: :func:`define` turns formulas written with :mod:`actgrad.math` into a full activation."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numba.core.errors import NumbaError

from . import _kernels
from ._activation import Activation, activation
from ._registry import Formula, Kink, Spec


def _kink(point: float | Kink, grad: Callable[[float], float]) -> Kink:
    """A Kink as given, or one at ``point`` whose one-sided limits are ``grad`` just beside it and whose value
    under "torch" and "jax" is the formula's own value there (what autograd of the same formula would give)."""
    if isinstance(point, Kink):
        return point
    at = float(point)
    left, right = float(grad(np.nextafter(at, -np.inf))), float(grad(np.nextafter(at, np.inf)))
    own = float(grad(at))
    return Kink(at=at, left=left, right=right, torch=own, jax=own)


def _compiles(name: str, which: str, formula: Formula) -> None:
    """Compile the formula's scalar kernel now, so a formula numba cannot compile fails here, clearly."""
    try:
        scalar = _kernels.scalar(formula)
        for dtype in (np.float64, np.float32):
            scalar(dtype(0.5), (), (np.nan,), (0.0,))
    except NumbaError as exc:
        lines = [re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in str(exc).splitlines()]
        reason = next((line for line in lines if line and not line.startswith("Failed in")), "")
        raise ValueError(
            f"actgrad.define({name!r}): the formula for {which} does not compile: {reason[:200]} -- write it with "
            "actgrad.math functions (where, exp, log1p, tanh, erf, ...) and arithmetic only"
        ) from None


def define(
    name: str,
    f: Callable[[Any], Any],
    grad: Callable[[Any], Any],
    grad2: Callable[[Any], Any] | None = None,
    kinks: Sequence[float | Kink] = (),
    *,
    summary: str = "",
    tex: tuple[str, str, str] = ("", "", ""),
) -> Activation:
    r"""Register an activation from formulas for f, f' and (optionally) f''.

    Write each formula as a function of one argument with :mod:`actgrad.math` functions and arithmetic, e.g.
    ``ag.define("softclip", lambda x: ag.math.tanh(x) * 2, lambda x: 2 * (1 - ag.math.tanh(x) ** 2))``.
    The result has everything a built-in activation has: compiled NumPy kernels, the array-API path (PyTorch,
    JAX, CuPy), Dask and xarray, ``backward``, ``value_and_grad``, ``actgrad.get(name)``, the CLI, plots and
    :func:`actgrad.check_grad`. ``kinks`` are points where f' jumps: a :class:`~actgrad.Kink`, or a number (its
    one-sided limits are taken from ``grad`` beside it). Without ``grad2``, calling ``.grad2`` raises
    :class:`NotImplementedError`. A formula that numba cannot compile raises :class:`ValueError` here.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"actgrad.define: name must be an identifier, got {name!r}")
    for which, fn in (("f", f), ("f'", grad), ("f''", grad2)):
        if fn is not None and not callable(fn):
            raise TypeError(f"actgrad.define({name!r}): {which} must be a function, got {type(fn).__name__}")
    formulas = (
        Formula(lambda m: f, tex[0] or r"\text{user-defined}"),
        Formula(lambda m: grad, tex[1] or r"\text{user-defined}", kinks=tuple(_kink(k, grad) for k in kinks)),
        Formula(None if grad2 is None else lambda m: grad2, tex[2] or r"\text{not defined}"),
    )
    for which, formula in zip(("f", "f'", "f''"), formulas[: 3 if grad2 else 2], strict=False):
        _compiles(name, which, formula)
    spec = Spec(
        name=name,
        summary=summary or f"User-defined activation {name}.",
        f=formulas[0],
        grad=formulas[1],
        grad2=formulas[2],
    )
    return activation(spec, cached=False)
