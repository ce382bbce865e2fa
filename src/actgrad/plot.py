"""Plots of activations and their derivatives, drawn from the registry.

Derivatives that jump at a kink are drawn as separate pieces (no vertical line joins them); at each kink a filled
dot marks the value the chosen convention gives and an open dot each one-sided limit that differs from it.
matplotlib is imported only when :func:`plot` runs (``pip install "actgrad[plot]"``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._activation import Activation
from ._registry import CONVENTIONS, Kink, get

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FORMATS", "evaluate", "plot", "resolve"]

#: File extensions :func:`plot` writes (the format follows the extension).
FORMATS: tuple[str, ...] = (".png", ".svg", ".pdf")

_LABELS = ("f", "f'", "f''")
_DASHES = ("-", "--", "-.", ":")


def resolve(
    names: Sequence[str], params: Mapping[str, float] | None = None
) -> list[tuple[Activation, dict[str, float | str]]]:
    """The activations called ``names``, each with its full, validated parameter values.

    Every activation takes those entries of ``params`` that it has (defaults fill the rest). Raises
    :class:`KeyError` for an unknown name and :class:`ValueError` for a parameter none of them has or a bad value.
    """
    acts = [get(name) for name in names]
    params = dict(params or {})
    known = {p.name for act in acts for p in act.spec.params}
    for key in params:
        if key not in known:
            have = ", ".join(sorted(known)) or "none"
            raise ValueError(f"no activation among {', '.join(names)} has a parameter {key!r} (parameters: {have})")
    out = []
    for act in acts:
        mine = {p.name for p in act.spec.params}
        out.append((act, act.spec.shown({k: v for k, v in params.items() if k in mine})))
    return out


def evaluate(
    act: Activation, order: int, x: Any, kink: str = "torch", params: Mapping[str, float] | None = None
) -> Any:
    """f (``order`` 0), f' (1) or f'' (2) of ``act`` at ``x``; ``kink`` picks the derivatives' value at kinks."""
    p = dict(params or {})
    if order == 0:
        return act(x, **p)
    if order == 1:
        return act.grad(x, kink=kink, **p)
    if order == 2:
        return act.grad2(x, kink=kink, **p)
    raise ValueError(f"order must be 0, 1 or 2, got {order!r}")


def plot(
    names: str | Sequence[str],
    orders: Sequence[int] = (0, 1),
    xlim: tuple[float, float] = (-3.0, 4.0),
    kink: str = "torch",
    params: Mapping[str, float] | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Plot activations and their derivatives: one subplot per order (f, f', f''), one line per activation.

    ``params`` apply to every activation that has them; ``kink`` is the convention whose value gets the filled dot
    at each kink. With ``path``, the figure is also written there, in the format its extension names (``.png``,
    ``.svg`` or ``.pdf``). Returns the :class:`matplotlib.figure.Figure`.
    """
    names = [names] if isinstance(names, str) else list(names)
    orders = sorted(set(orders))
    if not names or not orders or any(o not in (0, 1, 2) for o in orders):
        raise ValueError(f"need at least one name and orders among 0, 1, 2; got {names!r}, {orders!r}")
    if kink not in CONVENTIONS:
        raise ValueError(f"unknown kink convention {kink!r}; valid: {', '.join(map(repr, CONVENTIONS))}")
    lo, hi = float(xlim[0]), float(xlim[1])
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"xlim must be two finite numbers A < B, got {xlim!r}")
    if path is not None and Path(path).suffix.lower() not in FORMATS:
        raise ValueError(f"cannot tell the format of {str(path)!r}: use one of {', '.join(FORMATS)}")
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError('plotting needs matplotlib: pip install "actgrad[plot]"') from None

    acts = resolve(names, params)
    fig = Figure(figsize=(max(6.0, 4.8 * len(orders)), 4.4), layout="constrained")
    axes = fig.subplots(1, len(orders), squeeze=False)[0]
    for ax, order in zip(axes, orders, strict=True):
        ax.axhline(0.0, color="0.75", lw=0.8, zorder=0)
        ax.axvline(0.0, color="0.75", lw=0.8, zorder=0)
        for i, (act, p) in enumerate(acts):
            shown = ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v:g}" for k, v in p.items())
            label = act.name + (f"({shown})" if p else "")
            # later lines thinner, dashed and with smaller dots, so lines that coincide all stay visible
            style = {"color": f"C{i % 10}", "lw": max(1.0, 3.0 - 0.6 * i), "ls": _DASHES[i % len(_DASHES)]}
            _draw(ax, act, order, (lo, hi), kink, p, style=style, ms=max(4.0, 10.0 - 2.0 * i), label=label)
        name = _LABELS[order]
        ax.set(title=f"{name}(x)", xlabel="x", ylabel=f"{name}(x)", xlim=(lo, hi))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    if any(orders):
        fig.suptitle(
            f"kink convention {kink!r}\nfilled dot: value at the kink, open dot: one-sided limit", size="medium"
        )
    if path is not None:
        fig.savefig(path, format=Path(path).suffix.lower()[1:], dpi=120)
    return fig


def _draw(
    ax: Axes,
    act: Activation,
    order: int,
    xlim: tuple[float, float],
    kink: str,
    params: dict[str, float | str],
    *,
    style: dict[str, Any],
    ms: float,
    label: str,
) -> None:
    """One activation's curve on ``ax``: a piece between consecutive kinks, and the dots at each kink."""
    lo, hi = xlim
    pt, variant = act.spec.bind(params)
    kinks: dict[float, Kink] = {}
    for k in act.spec.formula(order, variant).kinks:
        if lo <= (at := k.location(pt)) <= hi:
            kinks.setdefault(at, k)
    convention = kink if order else "torch"  # f itself is always evaluated as "torch" does
    edges = sorted({lo, hi, *kinks})
    for a, b in itertools.pairwise(edges):
        x = np.linspace(a, b, max(2, round(400 * (b - a) / (hi - lo)) + 1))
        y = np.array(evaluate(act, order, x, convention, params), dtype=np.float64)
        # the ends of a piece are the one-sided limits, not the value the convention picks at the kink
        if a in kinks:
            y[0] = kinks[a].value("right", pt)
        if b in kinks:
            y[-1] = kinks[b].value("left", pt)
        ax.plot(x, y, label=label, **style)
        label = "_nolegend_"
    for at, k in kinks.items():
        chosen = k.value(convention, pt)
        ax.plot([at], [chosen], "o", color=style["color"], ms=ms, zorder=4)
        for side in {k.value("left", pt), k.value("right", pt)} - {chosen}:
            ax.plot([at], [side], "o", color=style["color"], mfc="white", ms=ms, zorder=4)
