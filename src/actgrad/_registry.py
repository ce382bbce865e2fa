"""The registry: each activation is defined once, as a :class:`Spec`.

A spec carries the formulas (as factories over a math namespace, see ``design.md``), the parameters, the kinks
with the derivative there under every convention, and the LaTeX that documents it. Everything else -- the public
callables, the NumPy kernels, the array-API path, the CLI, the tests and the benchmarks -- is made from specs.
"""

from __future__ import annotations

import difflib
import functools
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ._activation import Activation

#: A value that may depend on the parameters: a constant, or a callable taking the parameters positionally.
ParamValue = float | Callable[..., float]

#: The kink conventions, in the order the docs list them.
CONVENTIONS: tuple[str, ...] = ("torch", "jax", "left", "right", "mean")


def _resolve(value: ParamValue, params: tuple[Any, ...]) -> Any:
    """A constant, or a callable of the parameters: a float, or an array where a parameter is per-channel."""
    v = value(*params) if callable(value) else value
    return v if hasattr(v, "shape") else float(v)


_REQUIRED = None


@dataclass(frozen=True)
class Param:
    """A parameter: its keyword name (as PyTorch/JAX spell it), default and validity rule.

    A numeric parameter is a finite real number (``check`` may narrow it further). A parameter with ``choices`` is
    a string option that selects one of the spec's formula variants (``gelu(approximate="tanh")``). A default of
    ``None`` makes the parameter required (PyTorch's ``threshold(x, threshold, value)`` has no defaults).
    """

    name: str
    default: float | str | None
    doc: str = ""
    #: Extra rule beyond "a finite real number": returns an error message, or None when the value is valid.
    check: Callable[[float], str | None] | None = None
    choices: tuple[str, ...] = ()
    #: A value for docs, tables and plots when the parameter is required (``default`` None).
    example: float | None = None
    #: A per-channel parameter (PReLU's weight): a number, or a 1-d array broadcast along the spec's axis.
    per_channel: bool = False
    #: An integer (the channel axis): not passed to formulas.
    integer: bool = False

    @property
    def numeric(self) -> bool:
        """Passed to the formulas (numbers and per-channel arrays; not options or axes)."""
        return not (self.choices or self.integer)

    @property
    def shown(self) -> float | str:
        """The default, or for a required parameter its example (what docs, the CLI and plots use)."""
        value = self.default if self.default is not None else self.example
        assert value is not None, f"required parameter {self.name!r} needs an example"
        return value

    def describe(self) -> str:
        """``name=default`` as a signature shows it; ``name (required)`` without a default."""
        if self.default is None:
            return f"{self.name} (required)"
        options = f" (or {', '.join(repr(c) for c in self.choices if c != self.default)})" if self.choices else ""
        return f"{self.name}={self.default!r}{options}"

    def validate(self, owner: str, value: object) -> float | str:
        if value is _REQUIRED:
            raise TypeError(f"{owner}: missing required parameter {self.name!r}")
        if self.choices:
            if not isinstance(value, str) or value not in self.choices:
                valid = ", ".join(map(repr, self.choices))
                raise ValueError(f"{owner}: parameter {self.name!r} must be one of {valid}, got {value!r}")
            return value
        if self.integer:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"{owner}: parameter {self.name!r} must be an integer, got {value!r}")
            return int(value)  # type: ignore[return-value]
        if self.per_channel and hasattr(value, "shape"):
            return _per_channel(owner, self.name, value)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{owner}: parameter {self.name!r} must be a real number, got {type(value).__name__} {value!r}"
            )
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{owner}: parameter {self.name!r} must be finite, got {v!r}")
        if self.check is not None and (msg := self.check(v)) is not None:
            raise ValueError(f"{owner}: parameter {self.name!r} {msg}, got {v!r}")
        return v


def _per_channel(owner: str, name: str, value: Any) -> Any:
    """A per-channel array parameter, checked: real, at most 1-d, and (when its values can be read) finite."""
    import array_api_compat

    xp = array_api_compat.array_namespace(value)
    if not xp.isdtype(value.dtype, ("real floating", "integral")):
        raise TypeError(f"{owner}: parameter {name!r} must be real numbers, got dtype {value.dtype}")
    if value.ndim > 1:
        raise ValueError(f"{owner}: parameter {name!r} must be a number or a 1-d array, got shape {value.shape}")
    if array_api_compat.is_numpy_array(value) and not np.all(np.isfinite(value)):
        raise ValueError(f"{owner}: parameter {name!r} must be finite")
    return value


@dataclass(frozen=True)
class Kink:
    """A point where a derivative jumps: its location and the value there under each convention.

    ``left``/``right`` are the one-sided limits; ``torch``/``jax`` name the side each framework's autograd takes
    (``"left"``, ``"right"``) or give the value itself. ``"mean"`` is the average of the two limits.
    """

    at: ParamValue
    left: ParamValue
    right: ParamValue
    torch: str | ParamValue
    jax: str | ParamValue

    def location(self, params: tuple[float, ...]) -> float:
        return _resolve(self.at, params)

    def value(self, convention: str, params: tuple[float, ...]) -> float:
        left, right = _resolve(self.left, params), _resolve(self.right, params)
        choice: str | ParamValue = convention
        if convention in ("torch", "jax"):
            choice = getattr(self, convention)
        if choice == "left":
            return left
        if choice == "right":
            return right
        if choice == "mean":
            return 0.5 * (left + right)
        assert not isinstance(choice, str), choice
        return _resolve(choice, params)


#: A formula is a factory over a math namespace ``m`` (``actgrad._math`` or an array-API adapter) returning
#: ``lambda x, *params: ...`` written branch-free with ``m.where`` and ``m``'s elementary functions.
Factory = Callable[[Any], Callable[..., Any]]


@dataclass(frozen=True, eq=False)
class Formula:
    """One expression (f, a derivative, or a parameter derivative) with the kinks where its value is chosen."""

    expr: Factory | None  # None: not defined (a user activation without f'')
    tex: str
    kinks: tuple[Kink, ...] = ()


#: A formula, or one formula per option of the spec's choice parameter.
Variants = Formula | Mapping[str, Formula]

#: The zero function, of any parameters: f'' of the piecewise-linear activations.
ZERO = Formula(lambda m: lambda x, *params: 0.0, r"0")


@dataclass(frozen=True, eq=False)
class Spec:
    """The one definition of an activation."""

    name: str
    summary: str
    f: Variants
    grad: Variants
    grad2: Variants
    params: tuple[Param, ...] = ()
    #: Derivatives with respect to each numeric parameter, by parameter name.
    wrt: Mapping[str, Variants] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    #: A rule across parameters (``min_val < max_val``): an error message, or None; gets the numeric parameters.
    check: Callable[..., str | None] | None = None
    #: Where the definition comes from, for the docs.
    reference: str = ""

    def kinks_at(self, params: tuple[float, ...], variant: str | None = None) -> list[tuple[int, Kink]]:
        """(order, kink) for each kink of f' (order 1) and f'' (order 2) that exists under these numeric parameters:
        a kink placed at NaN exists only for other values (squareplus has one at 0 when b = 0)."""
        return [
            (order, k)
            for order in (1, 2)
            for k in self.formula(order, variant).kinks
            if not math.isnan(k.location(params))
        ]

    def formula(self, order: int | str, variant: str | None = None) -> Formula:
        """The formula for a derivative order (0, 1, 2) or a parameter name, in the chosen variant."""
        if isinstance(order, str):
            try:
                chosen = self.wrt[order]
            except KeyError:
                have = ", ".join(repr(k) for k in self.wrt) or "none"
                raise ValueError(
                    f"{self.name}: no derivative with respect to {order!r}; parameters with one: {have}"
                ) from None
        else:
            chosen = (self.f, self.grad, self.grad2)[order]
        return chosen if isinstance(chosen, Formula) else chosen[variant or self.default_variant]

    @property
    def default_variant(self) -> str | None:
        return next((str(p.default) for p in self.params if p.choices), None)

    def values(self, kwargs: Mapping[str, object]) -> dict[str, float | str]:
        """Every parameter's validated value, by name, from keyword arguments (defaults filled in)."""
        if kwargs:
            unknown = [k for k in kwargs if k not in {p.name for p in self.params}]
            if unknown:
                have = ", ".join(p.name for p in self.params) or "none"
                raise TypeError(f"{self.name}: unexpected keyword argument {unknown[0]!r}; parameters: {have}")
        values = {p.name: p.validate(self.name, kwargs.get(p.name, p.default)) for p in self.params}
        if self.check is not None:
            msg = self.check(*(values[p.name] for p in self.params if p.numeric))
            if msg is not None:
                raise ValueError(f"{self.name}: {msg}")
        return values

    def bind(self, kwargs: Mapping[str, object], ndim: int | None = None) -> tuple[tuple[Any, ...], str | None]:
        """(the formulas' parameter values in spec order, the chosen variant) from keyword arguments, validated.

        With ``ndim`` (the input's), a per-channel array is reshaped to broadcast along the channel axis."""
        values = self.values(kwargs)
        params = tuple(values[p.name] for p in self.params if p.numeric)
        if ndim is not None and any(hasattr(v, "shape") for v in params):
            axis = next(int(v) for p, v in zip(self.params, values.values(), strict=True) if p.integer)
            params = tuple(_along(v, axis, ndim, self.name) if hasattr(v, "shape") else v for v in params)
        return params, next((str(values[p.name]) for p in self.params if p.choices), None)

    @property
    def defaults(self) -> tuple[float, ...]:
        """The numeric parameters' defaults in spec order (a required one's example), for docs and tables."""
        return tuple(p.shown for p in self.params if p.numeric)  # type: ignore[misc]

    def shown(self, kwargs: Mapping[str, object]) -> dict[str, float | str]:
        """:meth:`values` with every required parameter not in ``kwargs`` set to its example (docs, CLI, plots)."""
        filled = {p.name: p.shown for p in self.params if p.default is None and p.name not in kwargs}
        return self.values({**kwargs, **filled})


def _along(value: Any, axis: int, ndim: int, owner: str) -> Any:
    """A per-channel array shaped to broadcast along ``axis`` of an ``ndim``-d input (size 1: any input)."""
    size = value.shape[0] if value.ndim else 1
    if size == 1:
        return value.reshape(())
    if not -ndim <= axis < ndim:
        raise ValueError(f"{owner}: {size} channel weights need an input with axis {axis}; it has {ndim} dims")
    shape = [1] * ndim
    shape[axis] = size
    return value.reshape(tuple(shape))


#: Kink arguments for a formula without kinks (its kernels do not look at them).
_NO_KINKS: tuple[tuple[float, ...], tuple[float, ...]] = ((), ())


def check_convention(convention: object) -> str:
    if not isinstance(convention, str) or convention not in CONVENTIONS:
        raise ValueError(f"unknown kink convention {convention!r}; valid: {', '.join(map(repr, CONVENTIONS))}")
    return convention


def kink_args(
    formula: Formula, params: tuple[float, ...], convention: str
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The kink positions and the values there under ``convention``, as the kernels take them (cached)."""
    return _kink_args(formula, params, check_convention(convention))


def kink_points(formula: Formula, params: tuple[Any, ...], convention: str) -> list[tuple[Any, Any]]:
    """(position, value) of each kink under ``convention``; parameters may be arrays (not cached)."""
    check_convention(convention)
    return [(k.location(params), k.value(convention, params)) for k in formula.kinks]


@functools.lru_cache(maxsize=1024)
def _kink_args(
    formula: Formula, params: tuple[float, ...], convention: str
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    if not formula.kinks:
        return _NO_KINKS
    return (
        tuple(k.location(params) for k in formula.kinks),
        tuple(k.value(convention, params) for k in formula.kinks),
    )


_REGISTRY: dict[str, Activation] = {}
_LOOKUP: dict[str, str] = {}


def _normalize(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def register(activation: Activation) -> Activation:
    """Add an activation to the registry (its name and aliases resolve through :func:`get`)."""
    spec = activation.spec
    if spec.name in _REGISTRY:
        raise ValueError(f"an activation named {spec.name!r} is already registered")
    _REGISTRY[spec.name] = activation
    for key in (spec.name, *spec.aliases):
        _LOOKUP[_normalize(key)] = spec.name
    return activation


def get(name: str) -> Activation:
    """The activation called ``name``.

    Names are matched ignoring case, underscores and hyphens, so PyTorch's spellings (``"LeakyReLU"``,
    ``"hardswish"``) resolve too. An unknown name raises :class:`KeyError` suggesting the closest match.
    """
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a str, got {type(name).__name__}")
    key = _LOOKUP.get(_normalize(name))
    if key is None:
        close = difflib.get_close_matches(_normalize(name), list(_LOOKUP), n=1, cutoff=0.5)
        hint = f"; did you mean {_LOOKUP[close[0]]!r}?" if close else ""
        raise KeyError(f"unknown activation {name!r}{hint} (see actgrad.names())")
    return _REGISTRY[key]


def names() -> tuple[str, ...]:
    """The canonical names of all registered activations, in definition order."""
    return tuple(_REGISTRY)
