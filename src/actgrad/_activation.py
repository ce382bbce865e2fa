"""The public callable made from a spec: ``f(x)``, ``.grad``, ``.grad2``, ``.backward``, ``.value_and_grad``."""

from __future__ import annotations

import keyword
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
_F32, _F64 = _numpy.F32, _numpy.F64
_PARALLEL_MIN_SIZE = _kernels.PARALLEL_MIN_SIZE


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
        self._names = tuple(p.name for p in spec.params)
        #: (serial build, kernel, its constants) per call (method, order, convention, dtype, parameters): see
        #: :meth:`_short`.
        self._plans: dict[tuple[Any, ...], tuple[Any, _kernels.Kernel, np.ndarray]] = {}

    def __repr__(self) -> str:
        params = ", ".join(p.describe() for p in self.spec.params)
        return f"<activation {self.spec.name}({params})>"

    @property
    def name(self) -> str:
        return self.spec.name

    # The methods below are the general path, with the parameters as keywords. Each activation's class has its
    # own methods in front of them (_fast_methods: the same signatures with its parameters spelled out), which try
    # the short path first and come here when it does not apply.

    def __call__(self, x: Any, *, out: Any = None, **params: Any) -> Any:
        """f(x)."""
        return self._unary(0, x, params, "torch", out)

    def grad(self, x: Any, *, kink: str = "torch", wrt: str | None = None, out: Any = None, **params: Any) -> Any:
        """f'(x), or the derivative with respect to parameter ``wrt``; ``kink`` picks the value at kinks."""
        return self._unary(self._order(wrt), x, params, kink, out)

    def grad2(self, x: Any, *, kink: str = "torch", out: Any = None, **params: Any) -> Any:
        """f''(x); ``kink`` picks the value at kinks of f' (where f'' is stated in the docs)."""
        return self._unary(2, x, params, kink, out)

    def backward(
        self, g: Any, x: Any, *, kink: str = "torch", wrt: str | None = None, out: Any = None, **params: Any
    ) -> Any:
        """g * f'(x) in one fused pass (g and x broadcast together); with ``wrt``, g * df/d(param), and for a
        per-channel parameter that summed over everything but the channel axis (the parameter's gradient)."""
        order = self._order(wrt)
        values, variant = self._bind(params, x)
        formula = self.spec.formula(order, variant)
        if wrt is None or wrt not in self._channel_names:
            return _dispatch.backward(self._owner, formula, g, x, values, kink, out)
        if out is not None:
            raise TypeError(f"{self._owner}: out= is not supported for the gradient of a per-channel parameter")
        given = self.spec.values(params)
        axis = next((int(given[p.name]) for p in self.spec.params if p.integer), 0)
        grads = _dispatch.backward(self._owner, formula, g, x, values, kink, None)
        return _per_channel_sum(grads, given[wrt], axis)

    def value_and_grad(self, x: Any, *, kink: str = "torch", out: Any = None, **params: Any) -> tuple[Any, Any]:
        """(f(x), f'(x)) in one pass; ``out`` is a pair of arrays."""
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
        self,
        method: str,
        order: int | str,
        kink: str,
        values: tuple[Any, ...],
        plain: bool,
        inputs: tuple[Any, ...],
        out: Any,
    ) -> Any:
        """The short path, for native float32/float64 C-ordered arrays of one shape and dtype (and an ``out=`` of
        the same kind that is one of them or shares no memory with them): the memoized kernel, no conversion, no
        dispatch. ``values`` are the parameters as given, in the spec's order, ``plain`` whether each is of its
        parameter's own type (see _METHODS). ``_SLOW`` when it does not apply, and the general path decides (and
        reports errors)."""
        # Every step here costs a 10-element call a share of its ~2 us: checks are inlined, not calls
        x = inputs[-1]
        if type(x) is not np.ndarray:
            return _SLOW
        dt = x.dtype
        if (dt is not _F32 and dt is not _F64) or not x.ndim or not x.flags.c_contiguous:
            return _SLOW
        if len(inputs) == 2:
            g = inputs[0]
            if type(g) is not np.ndarray or g.dtype is not dt or g.shape != x.shape or not g.flags.c_contiguous:
                return _SLOW
        if out is not None and not (_numpy.like(out, x) and out.flags.writeable and _numpy.apart(out, inputs)):
            return _SLOW
        if type(kink) is not str:
            return _SLOW  # the general path reports the error
        # The memo's key: plain values are keys as they are; others need their types beside them (1 == 1.0 ==
        # True, -0.0 == 0.0), see _exact_key
        key: tuple[Any, ...] | None = (method, order, kink, dt is _F32, values)
        if not plain and (key := _exact_key(key, values)) is None:
            return _SLOW
        plan = self._plans.get(key) or self._plan(key)
        serial, kernel, constants = plan
        res = np.empty(x.shape, dt) if out is None else out
        # The kernels take flat arrays: C-ordered ones flatten to views (1-d ones are taken as they are: the
        # reshapes cost a fifth of a 10-element call).
        flat = x.ndim == 1
        ins = inputs if flat else tuple(a.reshape(-1) for a in inputs)
        res_flat = res if flat else res.reshape(-1)
        # the arguments spelled out: unpacking them costs a 10-element call a twentieth
        small = x.size < _PARALLEL_MIN_SIZE
        if method == "pair":
            grad = np.empty_like(res_flat)
            if small:
                serial(ins[0], res_flat, grad, constants)
            else:
                kernel.run(x.size, ins[0], res_flat, grad, constants)
            return res, grad if flat else grad.reshape(x.shape)
        if not small:
            kernel.run(x.size, *ins, res_flat, constants)
        elif len(ins) == 1:
            serial(ins[0], res_flat, constants)
        else:
            serial(ins[0], ins[1], res_flat, constants)
        return res

    def _plan(self, key: tuple[Any, ...]) -> tuple[Any, _kernels.Kernel, np.ndarray]:
        """(serial build, kernel, its constants) for the key ``(method, order, kink, lean, values, ...)`` of
        :meth:`_short` (``lean``: float32 results), memoized once the parameters and ``kink`` validated (so a hit
        never skips a check)."""
        method, order, kink, lean, given = key[:5]
        values, variant = self.spec.bind(dict(zip(self._names, given, strict=True)))
        if method == "pair":
            formulas = (self.spec.formula(0, variant), self.spec.formula(1, variant))
            kernel = _kernels.pair(*formulas, len(values))
        else:
            formulas = (self.spec.formula(order, variant),)
            kernel = (_kernels.unary if method == "unary" else _kernels.backward)(formulas[0], len(values))
        (constants,) = _dispatch.kernel_args(formulas, values, kink)
        plan = kernel.serial(lean), kernel, constants
        if len(self._plans) < _MAX_PLANS:
            self._plans[key] = plan
        return plan

    def _unary(self, order: int | str, x: Any, params: dict[str, Any], kink: str, out: Any) -> Any:
        values, variant = self._bind(params, x)
        return _dispatch.unary(self._owner, self.spec.formula(order, variant), x, values, kink, out)

    def _bind(self, params: dict[str, Any], x: Any) -> tuple[tuple[Any, ...], str | None]:
        return self.spec.bind(params, np.ndim(x) if self._per_channel else None)


def _exact_key(key: tuple[Any, ...], values: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """``key`` with the values' types after it, and each float's sign (-0.0 == 0.0); None when a value is of
    another type than float, int or str (bools, NumPy scalars, arrays: the general path checks and converts them)."""
    types = tuple(type(v) for v in values)
    if any(t is not float and t is not int and t is not str for t in types):
        return None
    return (*key, types, tuple(copysign(1.0, v) if t is float else 0.0 for v, t in zip(values, types, strict=True)))


#: Each activation's own methods: its parameters spelled out as keywords (``help()`` and ``inspect.signature``
#: show them, and the short path takes them without a dict), the general path behind them. {sig}: the parameters
#: with their defaults; {values}: the tuple of them; {plain}: whether each is of its parameter's own type (float,
#: but -0.0; int for an axis; str for an option); {kw}: them passed on.
_METHODS = """
def __call__(self, x, *, out=None{sig}, **unknown):
    if not unknown and (res := self._short("unary", 0, "torch", {values}, {plain}, (x,), out)) is not _SLOW:
        return res
    return Activation.__call__(self, x, out=out{kw}, **unknown)

def grad(self, x, *, kink="torch", wrt=None, out=None{sig}, **unknown):
    if not unknown and (
        res := self._short("unary", 1 if wrt is None else self._order(wrt), kink, {values}, {plain}, (x,), out)
    ) is not _SLOW:
        return res
    return Activation.grad(self, x, kink=kink, wrt=wrt, out=out{kw}, **unknown)

def grad2(self, x, *, kink="torch", out=None{sig}, **unknown):
    if not unknown and (res := self._short("unary", 2, kink, {values}, {plain}, (x,), out)) is not _SLOW:
        return res
    return Activation.grad2(self, x, kink=kink, out=out{kw}, **unknown)

def backward(self, g, x, *, kink="torch", wrt=None, out=None{sig}, **unknown):
    if not unknown:
        order = 1 if wrt is None else self._order(wrt)
        if order not in self._channel_names and (
            res := self._short("backward", order, kink, {values}, {plain}, (g, x), out)
        ) is not _SLOW:
            return res
    return Activation.backward(self, g, x, kink=kink, wrt=wrt, out=out{kw}, **unknown)

def value_and_grad(self, x, *, kink="torch", out=None{sig}, **unknown):
    if not unknown and out is None and (
        res := self._short("pair", 1, kink, {values}, {plain}, (x,), None)
    ) is not _SLOW:
        return res
    return Activation.value_and_grad(self, x, kink=kink, out=out{kw}, **unknown)
"""

#: A float parameter's value is a memo key as it is (see Activation._short) when it is a float and not -0.0.
_PLAIN_FLOAT = "type({0}) is float and ({0} or _copysign(1.0, {0}) > 0.0)"

#: Names the methods' own arguments take, which a parameter cannot.
_RESERVED = frozenset({"self", "x", "g", "out", "kink", "wrt", "unknown", "res", "order"})


def _fast_methods(spec: Spec) -> dict[str, Any]:
    """The methods of ``spec``'s class (see _METHODS), with the docstrings of :class:`Activation`'s."""
    names = [p.name for p in spec.params]
    bad = [n for n in names if not n.isidentifier() or keyword.iskeyword(n) or n in _RESERVED]
    if bad:
        raise ValueError(f"{spec.name}: parameter name {bad[0]!r} cannot be a keyword of its methods")
    scope: dict[str, Any] = {"Activation": Activation, "_SLOW": _SLOW, "_copysign": copysign}
    scope.update({f"_default_{n}": p.default for n, p in zip(names, spec.params, strict=True)})
    plain = [
        f"type({n}) is str" if p.choices else f"type({n}) is int" if p.integer else _PLAIN_FLOAT.format(n)
        for n, p in zip(names, spec.params, strict=True)
    ]
    code = _METHODS.format(
        sig="".join(f", {n}=_default_{n}" for n in names),
        values="(" + "".join(f"{n}, " for n in names) + ")",
        plain=" and ".join(f"({c})" for c in plain) or "True",
        kw="".join(f", {n}={n}" for n in names),
    )
    exec(compile(code, f"<actgrad.{spec.name} methods>", "exec"), scope)
    methods = {}
    for method in ("__call__", "grad", "grad2", "backward", "value_and_grad"):
        fn = scope[method]
        fn.__doc__ = getattr(Activation, method).__doc__
        fn.__qualname__, fn.__module__ = f"{spec.name}.{method}", "actgrad"
        methods[method] = fn
    return methods


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
    namespace = {"__doc__": _docstring(spec), "__module__": "actgrad", **_fast_methods(spec)}
    cls = type(spec.name, (Activation,), namespace)
    return register(cls(spec))
