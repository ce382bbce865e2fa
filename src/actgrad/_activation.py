"""The public callable made from a spec: ``f(x)``, ``.grad``, ``.grad2``, ``.backward``, ``.value_and_grad``."""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np

from . import _cache, _dispatch, _kernels
from ._registry import CONVENTIONS, Spec, kink_args, register

_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Activation:
    """An activation function with its exact derivatives (see the instance's docstring for the math).

    Methods accept NumPy arrays (and anything ``np.asarray`` takes), PyTorch, JAX, CuPy and array_api_strict arrays;
    parameters are keywords; ``out=`` (NumPy only) follows ufunc rules; ``kink=`` picks the derivative's value at
    kinks: one of ``"torch"`` (default), ``"jax"``, ``"left"``, ``"right"``, ``"mean"``.
    """

    spec: Spec

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.__name__ = self.__qualname__ = spec.name
        self._owner = f"actgrad.{spec.name}"
        f = spec.formula(0)
        self._plain = (_kernels.unary(f), kink_args(f, (), "torch")) if not spec.params else None
        self._per_channel = any(p.per_channel for p in spec.params)

    def __repr__(self) -> str:
        params = ", ".join(p.describe() for p in self.spec.params)
        return f"<activation {self.spec.name}({params})>"

    @property
    def name(self) -> str:
        return self.spec.name

    def __call__(self, x: Any, *, out: Any = None, **params: Any) -> Any:
        """f(x)."""
        plain = self._plain
        if (
            plain is not None
            and out is None
            and not params
            and type(x) is np.ndarray
            and x.dtype in _FAST_DTYPES
            and x.flags.c_contiguous
            and x.ndim
        ):
            res = np.empty_like(x)
            kpos, kval = plain[1]
            plain[0].run(x.size, x.reshape(-1), res.reshape(-1), (), kpos, kval)
            return res
        return self._unary(0, x, params, "torch", out)

    def grad(self, x: Any, *, kink: str = "torch", wrt: str | None = None, out: Any = None, **params: Any) -> Any:
        """f'(x), or the derivative with respect to parameter ``wrt``; ``kink`` picks the value at kinks."""
        return self._unary(1 if wrt is None else wrt, x, params, kink, out)

    def grad2(self, x: Any, *, kink: str = "torch", out: Any = None, **params: Any) -> Any:
        """f''(x); ``kink`` picks the value at kinks of f' (where f'' is stated in the docs)."""
        return self._unary(2, x, params, kink, out)

    def backward(
        self, g: Any, x: Any, *, kink: str = "torch", wrt: str | None = None, out: Any = None, **params: Any
    ) -> Any:
        """g * f'(x) in one fused pass (g and x broadcast together); with ``wrt``, g * df/d(param), and for a
        per-channel parameter that summed over everything but the channel axis (the parameter's gradient)."""
        values, variant = self._bind(params, x)
        formula = self.spec.formula(1 if wrt is None else wrt, variant)
        channel = next((p for p in self.spec.params if p.name == wrt and p.per_channel), None)
        if channel is None:
            return _dispatch.backward(self._owner, formula, g, x, values, kink, out)
        if out is not None:
            raise TypeError(f"{self._owner}: out= is not supported for the gradient of a per-channel parameter")
        given = self.spec.values(params)
        axis = next((int(given[p.name]) for p in self.spec.params if p.integer), 0)
        grads = _dispatch.backward(self._owner, formula, g, x, values, kink, None)
        return _per_channel_sum(grads, given[channel.name], axis)

    def value_and_grad(self, x: Any, *, kink: str = "torch", out: Any = None, **params: Any) -> tuple[Any, Any]:
        """(f(x), f'(x)) in one pass; ``out`` is a pair of arrays."""
        values, variant = self._bind(params, x)
        f, grad = self.spec.formula(0, variant), self.spec.formula(1, variant)
        return _dispatch.pair(self._owner, f, grad, x, values, kink, out)

    def _unary(self, order: int | str, x: Any, params: dict[str, Any], kink: str, out: Any) -> Any:
        values, variant = self._bind(params, x)
        return _dispatch.unary(self._owner, self.spec.formula(order, variant), x, values, kink, out)

    def _bind(self, params: dict[str, Any], x: Any) -> tuple[tuple[Any, ...], str | None]:
        return self.spec.bind(params, np.ndim(x) if self._per_channel else None)


def _per_channel_sum(grads: Any, weight: Any, axis: int) -> Any:
    """Elementwise parameter gradients summed to the parameter's shape: over every axis but the channel ``axis``,
    or over everything for a number or a single weight."""
    grads = np.asarray(grads) if isinstance(grads, np.generic) else grads
    xp = array_api_compat.array_namespace(grads)
    if not hasattr(weight, "shape") or weight.ndim == 0 or weight.shape[0] == 1:
        total = xp.sum(grads)
        return total if not hasattr(weight, "shape") else xp.reshape(total, weight.shape)
    keep = axis % grads.ndim
    return xp.sum(grads, axis=tuple(i for i in range(grads.ndim) if i != keep))


def _docstring(spec: Spec) -> str:
    lines = [f"{spec.summary}", "", ".. math::", ""]
    for label, order in (("f(x)", 0), ("f'(x)", 1), ("f''(x)", 2)):
        lines += [f"    {label} = {spec.formula(order).tex}", ""]
    if spec.params:
        lines += ["Parameters (keywords):", ""]
        lines += [f"- ``{p.describe()}``: {p.doc}" for p in spec.params]
        lines.append("")
    for pname in spec.wrt:
        tex = spec.formula(pname).tex
        lines += [f"Derivative with respect to ``{pname}`` (``wrt={pname!r}``): :math:`{tex}`", ""]
    defaults = spec.defaults
    for label, order in (("f'", 1), ("f''", 2)):
        for k in spec.formula(order).kinks_at(defaults):
            at = k.location(defaults)
            vals = ", ".join(f"{c}={k.value(c, defaults):g}" for c in CONVENTIONS)
            lines.append(f"Kink of {label} at x = {at:g} (default parameters): {vals}.")
    if spec.aliases:
        lines += ["", "Aliases: " + ", ".join(spec.aliases) + "."]
    if spec.reference:
        lines += ["", f"Reference: {spec.reference}"]
    lines += ["", "Methods: ``f(x)``, ``.grad(x)``, ``.grad2(x)``, ``.backward(g, x)``, ``.value_and_grad(x)``."]
    return "\n".join(lines)


def activation(spec: Spec, *, cached: bool = True) -> Activation:
    """Make the public callable for ``spec`` (a class of its own, so ``help()`` shows its math) and register it;
    ``cached``: its compiled kernels are kept on disk (built-ins; not user formulas, which have no stable name)."""
    if cached:
        _cache.name_formulas(spec)
    cls = type(spec.name, (Activation,), {"__doc__": _docstring(spec), "__module__": "actgrad"})
    return register(cls(spec))
