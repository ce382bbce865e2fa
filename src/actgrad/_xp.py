"""The array-API path: the same formulas evaluated with the input's own array library.

PyTorch, JAX (inside ``jax.jit`` too), CuPy and array_api_strict arrays are evaluated with their own namespace
(through array-api-compat), so results keep their type, device and -- for PyTorch -- their autograd graph. The
dtype policy is the NumPy path's: half types are computed in float32 and rounded once; integers and bools are
promoted to float64 (float32 where the library has no float64, as JAX without x64).
"""

from __future__ import annotations

from typing import Any

import array_api_compat

from ._registry import Formula, kink_points


class Namespace:
    """The math namespace formulas see on the array-API path: ``xp`` with scalars lifted to ``like``'s dtype."""

    def __init__(self, xp: Any, like: Any) -> None:
        self._xp = xp
        self._like = like

    def lift(self, value: Any) -> Any:
        """``value`` as an array of ``like``'s dtype and device (arrays pass through)."""
        if isinstance(value, (int, float)):
            like = self._like
            return self._xp.asarray(value, dtype=like.dtype, device=array_api_compat.device(like))
        return value

    def erf(self, x: Any) -> Any:
        return _special(self._xp, "erf")(x)

    def erfc(self, x: Any) -> Any:
        return _special(self._xp, "erfc")(x)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        if isinstance(cond, bool):  # a condition on parameters alone
            return self.lift(a if cond else b)
        return self._xp.where(cond, self.lift(a), self.lift(b))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._xp, name)


def _special(xp: Any, name: str) -> Any:
    """``erf``/``erfc`` for ``xp``'s arrays (the array API standard has neither)."""
    if array_api_compat.is_torch_namespace(xp):
        import torch

        return getattr(torch.special, name)
    if array_api_compat.is_jax_namespace(xp):
        import jax.scipy.special

        return getattr(jax.scipy.special, name)
    if array_api_compat.is_cupy_namespace(xp):
        import cupyx.scipy.special

        return getattr(cupyx.scipy.special, name)
    raise TypeError(f"{name} is not available for arrays of {xp.__name__}; convert them to NumPy, PyTorch or JAX")


def _float64_or_default(xp: Any) -> Any:
    if array_api_compat.is_jax_namespace(xp):
        import jax

        if not jax.config.jax_enable_x64:
            return xp.float32
    return xp.float64


def compute_dtype(owner: str, xp: Any, x: Any, role: str = "x") -> Any:
    """The dtype ``x`` is computed in: float64 where the library has it (results are rounded once to the result
    dtype, as on the NumPy path), else float32. A TypeError for complex and other non-real dtypes."""
    if xp.isdtype(x.dtype, ("real floating", "integral", "bool")):
        return _float64_or_default(xp)
    raise TypeError(f"{owner}: {role} must be real numbers (floating, integer or bool); got dtype {x.dtype}")


def result_dtype(owner: str, xp: Any, *arrays: Any) -> Any:
    """The result dtype: the inputs' common floating type (half types kept), else the wider compute type."""
    compute_dtype(owner, xp, arrays[-1])  # the TypeError for a bad x first
    dts = [a.dtype if xp.isdtype(a.dtype, "real floating") else _float64_or_default(xp) for a in arrays]
    return dts[0] if all(d == dts[0] for d in dts) else xp.result_type(*dts)


def evaluate(owner: str, xp: Any, formula: Formula, x: Any, params: tuple[float, ...], convention: str) -> Any:
    """``formula(x)`` in ``x``'s compute dtype, with kink values and NaN propagation applied."""
    x = xp.astype(x, compute_dtype(owner, xp, x))
    m = Namespace(xp, x)
    r = m.lift(formula.expr(m)(x, *params))
    if r.shape != x.shape:
        r = xp.broadcast_to(r, x.shape)
    for pos, val in kink_points(formula, params, convention):
        r = xp.where(x == pos, m.lift(val), r)
    return xp.where(xp.isnan(x), x, r)
