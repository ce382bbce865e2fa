"""The public callable made from a spec: ``f(x)``, ``.grad``, ``.grad2``, ``.backward``, ``.value_and_grad``."""

from __future__ import annotations

from math import copysign
from typing import Any

import array_api_compat
import numpy as np

from . import _cache, _dispatch, _kernels, _numpy
from ._registry import CONVENTIONS, Spec, register

#: Memoized plans per activation (distinct parameter values and conventions seen); beyond, plans are not kept.
_MAX_PLANS = 256
#: "The short path does not apply."
_SLOW = object()


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
        self._per_channel = any(p.per_channel for p in spec.params)
        self._channel_names = frozenset(p.name for p in spec.params if p.per_channel)
        #: (kernel, its trailing arguments) per (method, order, convention, parameters): see :meth:`_plan`.
        self._plans: dict[tuple[Any, ...], tuple[_kernels.Kernel, tuple[Any, ...]]] = {}

    def __repr__(self) -> str:
        params = ", ".join(p.describe() for p in self.spec.params)
        return f"<activation {self.spec.name}({params})>"

    @property
    def name(self) -> str:
        return self.spec.name

    def __call__(self, x: Any, *, out: Any = None, **params: Any) -> Any:
        """f(x)."""
        if (res := self._short("unary", 0, "torch", params, (x,), out)) is not _SLOW:
            return res
        return self._unary(0, x, params, "torch", out)

    def grad(self, x: Any, *, kink: str = "torch", wrt: str | None = None, out: Any = None, **params: Any) -> Any:
        """f'(x), or the derivative with respect to parameter ``wrt``; ``kink`` picks the value at kinks."""
        order = 1 if wrt is None else self._order(wrt)
        if (res := self._short("unary", order, kink, params, (x,), out)) is not _SLOW:
            return res
        return self._unary(order, x, params, kink, out)

    def grad2(self, x: Any, *, kink: str = "torch", out: Any = None, **params: Any) -> Any:
        """f''(x); ``kink`` picks the value at kinks of f' (where f'' is stated in the docs)."""
        if (res := self._short("unary", 2, kink, params, (x,), out)) is not _SLOW:
            return res
        return self._unary(2, x, params, kink, out)

    def backward(
        self, g: Any, x: Any, *, kink: str = "torch", wrt: str | None = None, out: Any = None, **params: Any
    ) -> Any:
        """g * f'(x) in one fused pass (g and x broadcast together); with ``wrt``, g * df/d(param), and for a
        per-channel parameter that summed over everything but the channel axis (the parameter's gradient)."""
        order = 1 if wrt is None else self._order(wrt)
        channel = wrt is not None and wrt in self._channel_names
        if not channel and (res := self._short("backward", order, kink, params, (g, x), out)) is not _SLOW:
            return res
        values, variant = self._bind(params, x)
        formula = self.spec.formula(order, variant)
        if not channel:
            return _dispatch.backward(self._owner, formula, g, x, values, kink, out)
        if out is not None:
            raise TypeError(f"{self._owner}: out= is not supported for the gradient of a per-channel parameter")
        given = self.spec.values(params)
        axis = next((int(given[p.name]) for p in self.spec.params if p.integer), 0)
        grads = _dispatch.backward(self._owner, formula, g, x, values, kink, None)
        return _per_channel_sum(grads, given[wrt], axis)

    def value_and_grad(self, x: Any, *, kink: str = "torch", out: Any = None, **params: Any) -> tuple[Any, Any]:
        """(f(x), f'(x)) in one pass; ``out`` is a pair of arrays."""
        if out is None and (res := self._short("pair", 1, kink, params, (x,), None)) is not _SLOW:
            return res  # type: ignore[no-any-return]
        values, variant = self._bind(params, x)
        f, grad = self.spec.formula(0, variant), self.spec.formula(1, variant)
        return _dispatch.pair(self._owner, f, grad, x, values, kink, out)

    def _order(self, wrt: object) -> int | str:
        """The formula a derivative call evaluates: 1 (f'), or the parameter named by ``wrt``."""
        if wrt is None:
            return 1
        if not isinstance(wrt, str):
            raise TypeError(f"{self._owner}: wrt must be a parameter name or None, got {wrt!r}")
        return wrt

    def _short(
        self, method: str, order: int | str, kink: str, params: dict[str, Any], inputs: tuple[Any, ...], out: Any
    ) -> Any:
        """The short path, for native float32/float64 C-ordered arrays of one shape and dtype (and an ``out=`` of
        the same kind that is one of them or shares no memory with them): the memoized kernel, no conversion, no
        dispatch. ``_SLOW`` when it does not apply, and the general path decides (and reports errors)."""
        # Every step here costs a 10-element call a share of its ~2 us: checks are inlined, not calls
        x = inputs[-1]
        if type(x) is not np.ndarray:
            return _SLOW
        dt = x.dtype
        if (dt is not _numpy.F32 and dt is not _numpy.F64) or not x.ndim or not x.flags.c_contiguous:
            return _SLOW
        if len(inputs) == 2:
            g = inputs[0]
            if type(g) is not np.ndarray or g.dtype is not dt or g.shape != x.shape or not g.flags.c_contiguous:
                return _SLOW
        if out is not None and not (_numpy.like(out, x) and out.flags.writeable and _numpy.apart(out, inputs)):
            return _SLOW
        # without parameters the memo's key is (method, order, kink) (see _plan; a str kink is hashable)
        plan = self._plans.get((method, order, kink)) if not params and type(kink) is str else None
        if plan is None and (plan := self._plan(method, order, kink, params)) is None:
            return _SLOW
        kernel, args = plan
        res = np.empty(x.shape, dt) if out is None else out
        # The kernels take flat arrays: C-ordered ones flatten to views (1-d ones are taken as they are: the
        # reshapes cost a fifth of a 10-element call).
        flat = x.ndim == 1
        ins = inputs if flat else tuple(a.reshape(-1) for a in inputs)
        res_flat = res if flat else res.reshape(-1)
        if method == "pair":
            grad = np.empty_like(res_flat)
            kernel.run(x.size, *ins, res_flat, grad, *args)
            return res, grad if flat else grad.reshape(x.shape)
        if x.size < _kernels.PARALLEL_MIN_SIZE:
            kernel.serial(dt is _numpy.F32)(*ins, res_flat, *args)
        else:
            kernel.run(x.size, *ins, res_flat, *args)
        return res

    def _plan(
        self, method: str, order: int | str, kink: str, params: dict[str, Any]
    ) -> tuple[_kernels.Kernel, tuple[Any, ...]] | None:
        """(kernel, trailing arguments) for a method, memoized by its arguments; None for array parameters.

        The key holds parameters of exact type float, int or str (bools and others take the general path, which
        checks them), and the name of each -0.0 after them (-0.0 == 0.0), and is stored only once the parameters
        and ``kink`` validated, so a hit never skips a check."""
        if type(kink) is not str or type(order) not in (int, str):
            return None  # the general path reports the error
        items = params.items()
        key: tuple[Any, ...] = (method, order, kink, *items)
        for name, v in items:
            t = type(v)
            if t is float:
                if not v and copysign(1.0, v) < 0.0:
                    key += (name,)
            elif t is not int and t is not str:
                return None
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        values, variant = self.spec.bind(params)
        if method == "pair":
            formulas = (self.spec.formula(0, variant), self.spec.formula(1, variant))
            kernel = _kernels.pair(*formulas, len(values))
        else:
            formulas = (self.spec.formula(order, variant),)
            kernel = (_kernels.unary if method == "unary" else _kernels.backward)(formulas[0], len(values))
        plan = kernel, _dispatch.kernel_args(formulas, values, kink)
        if len(self._plans) < _MAX_PLANS:
            self._plans[key] = plan
        return plan

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
    for order, k in spec.kinks_at(defaults):
        at = k.location(defaults)
        vals = ", ".join(f"{c}={k.value(c, defaults):g}" for c in CONVENTIONS)
        prime = "'" * order
        lines.append(f"Kink of f{prime} at x = {at:g} (default parameters): {vals}.")
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
