"""The ``actgrad`` command: ``list``, ``show``, ``eval`` and ``plot``, all made from the registry, and ``demo``.

A user mistake (unknown name, bad number, bad ``--param``, unknown kink convention, unwritable output) is reported as
one line ``actgrad: error: ...`` on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from ._registry import CONVENTIONS, get, names
from .plot import FORMATS, evaluate, plot, resolve

_PRIMES = ("", "'", "''")
#: The article's example points.
_EXAMPLE_X = np.arange(-3.0, 5.0)


class _Error(Exception):
    """A user mistake, reported as one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that takes ``-inf``, ``-nan`` and ``-1e-3`` as numbers (plain argparse knows only ``-1``, ``-.5``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\.?\d|inf|nan)", re.IGNORECASE)


def _num(value: Any) -> str:
    """A float as Python's repr writes it: the shortest string that reads back to the same float64."""
    return repr(float(value))


def _text(value: float | str) -> str:
    return value if isinstance(value, str) else _num(value)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _Error(f"invalid number {text!r}") from None


def _params(items: Sequence[str] | None) -> dict[str, float | str]:
    """``NAME=VALUE`` pairs: numbers, or the text of an option (``approximate=tanh``)."""
    options = {p.name for n in names() for p in get(n).spec.params if p.choices}
    out: dict[str, float | str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise _Error(f"invalid --param {item!r}: expected NAME=VALUE, e.g. negative_slope=0.2")
        out[key] = value.strip() if key in options else _float(value)
    return out


def _table(header: Sequence[str] | None, rows: Sequence[Sequence[str]], indent: str = "") -> str:
    """Plain text columns, left-aligned, two spaces apart (``header=None``: no header line)."""
    rows = [header, *rows] if header else list(rows)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _list(args: argparse.Namespace) -> None:
    rows = []
    for name in names():
        spec = get(name).spec
        rows.append(
            [
                name,
                ", ".join(p.describe() for p in spec.params) or "-",
                ", ".join(
                    _num(k.location(spec.defaults)) + ("" if order == 1 else " (f'')")
                    for order, k in spec.kinks_at(spec.defaults)
                )
                or "-",
                ", ".join(spec.aliases) or "-",
            ]
        )
    print(_table(["name", "parameters", "kinks at x", "aliases"], rows))


def _show(args: argparse.Namespace) -> None:
    act, p = resolve([args.name], _params(args.param))[0]
    spec = act.spec
    pt, variant = spec.bind(p)
    out = [f"{spec.name}: {spec.summary}"]
    if spec.aliases:
        out.append(f"aliases: {', '.join(spec.aliases)}")
    if spec.reference:
        out.append(f"reference: {spec.reference}")
    out += ["", "formulas (LaTeX):"]
    formulas = [[f"{lab}(x) =", spec.formula(o, variant).tex] for o, lab in enumerate(("f", "f'", "f''"))]
    out.append(_table(None, formulas, "  "))
    if spec.params:
        rows = [[q.name, _text(p[q.name]), q.describe(), q.doc] for q in spec.params]
        out += ["", "parameters:", _table(["name", "value", "default", "meaning"], rows, "  ")]
    if spec.wrt:
        out += ["", "derivatives with respect to parameters (LaTeX):"]
        out += [f"  d/d{name}: {spec.formula(name, variant).tex}" for name in spec.wrt]
    kink_rows = [
        [f"f{_PRIMES[o]}", _num(k.location(pt)), *(_num(k.value(c, pt)) for c in CONVENTIONS)]
        for o, k in spec.kinks_at(pt, variant)
    ]
    if kink_rows:
        out += ["", "kinks (value there under each convention):", _table(["of", "x", *CONVENTIONS], kink_rows, "  ")]
    else:
        out += ["", "kinks: none"]
    values = [[f"f{_PRIMES[o]}(0)", _num(evaluate(act, o, 0.0, args.kink, p))] for o in (0, 1, 2)]
    out += ["", f"values at x = 0 (kink={args.kink!r}):", _table(None, values, "  ")]
    print("\n".join(out))


def _eval(args: argparse.Namespace) -> None:
    act, p = resolve([args.name], _params(args.param))[0]
    x = np.array([_float(v) for v in args.values], dtype=np.float64)
    y = evaluate(act, args.order, x, args.kink, p)
    print(_table(["x", f"{act.name}{_PRIMES[args.order]}(x)"], [[_num(a), _num(b)] for a, b in zip(x, y, strict=True)]))


def _plot(args: argparse.Namespace) -> None:
    if Path(args.output).suffix.lower() not in FORMATS:
        raise _Error(f"cannot tell the format of {args.output!r}: use one of {', '.join(FORMATS)}")
    params, orders = _params(args.param), sorted(set(args.order))
    acts = resolve(args.names, params)
    header, columns = ["x"], []
    for act, p in acts:
        for order in orders:
            header.append(f"{act.name}{_PRIMES[order]}(x)")
            columns.append(evaluate(act, order, _EXAMPLE_X, args.kink, p))
    print(_table(header, [[_num(x), *(_num(c[i]) for c in columns)] for i, x in enumerate(_EXAMPLE_X)]))
    try:
        plot(args.names, orders, tuple(args.xlim), args.kink, params, args.output)
    except OSError as exc:
        raise _Error(f"cannot write {args.output!r}: {exc.strerror or exc}") from None
    print(f"wrote {args.output}")


def _demo(args: argparse.Namespace) -> None:
    from . import demo  # scikit-learn is imported only here

    if args.output is not None and Path(args.output).suffix.lower() not in FORMATS:
        raise _Error(f"cannot tell the format of {args.output!r}: use one of {', '.join(FORMATS)}")
    if args.output is not None and importlib.util.find_spec("matplotlib") is None:  # say so before training
        raise _Error('writing the figure needs matplotlib: pip install "actgrad[demo]"')
    lr = demo.DEFAULT_LR if args.lr is None else _float(args.lr)
    clip = demo.DEFAULT_CLIP if args.clip is None else _float(args.clip) or None
    result = demo.run(args.names, epochs=args.epochs, lr=lr, seed=args.seed, clip=clip)
    print(demo.table(result))
    if args.output is not None:
        try:
            demo.figure(result, args.output)
        except OSError as exc:
            raise _Error(f"cannot write {args.output!r}: {exc.strerror or exc}") from None
        print(f"wrote {args.output}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="actgrad", description="Activation functions with exact derivatives.")
    parser.add_argument("--version", action="version", version=f"actgrad {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    kink_help = f"convention for the derivative's value at kinks: {', '.join(CONVENTIONS)} (default: torch)"
    param_help = "parameter value, e.g. negative_slope=0.2 (repeatable; applies to every activation that has it)"

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--kink", default="torch", metavar="C", help=kink_help)
        p.add_argument("--param", action="append", metavar="K=V", help=param_help)

    p = sub.add_parser("list", help="table of activations, parameters, kinks and aliases")
    p.set_defaults(func=_list)

    p = sub.add_parser("show", help="formulas, parameters, kinks and values at 0 of one activation")
    p.add_argument("name", metavar="NAME")
    common(p)
    p.set_defaults(func=_show)

    p = sub.add_parser(
        "eval", help="evaluate f, f' or f'' at given points", epilog="example: actgrad eval relu --order 1 -- -1 0 2"
    )
    p.add_argument("name", metavar="NAME")
    p.add_argument("values", nargs="+", metavar="X", help="points (floats; inf, nan, -0.0 accepted)")
    p.add_argument("--order", type=int, choices=(0, 1, 2), default=0, help="0: f, 1: f', 2: f'' (default: 0)")
    common(p)
    p.set_defaults(func=_eval)

    p = sub.add_parser(
        "plot",
        help="print f, f' at x = -3..4 and plot them to a file",
        epilog="example: actgrad plot relu leaky_relu --order 0 1 -o relu.png",
    )
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help=f"output file: {', '.join(FORMATS)}")
    p.add_argument("--order", type=int, nargs="+", choices=(0, 1, 2), default=[0, 1], help="orders (default: 0 1)")
    p.add_argument("--xlim", type=float, nargs=2, default=[-3.0, 4.0], metavar=("A", "B"), help="default: -3 4")
    common(p)
    p.set_defaults(func=_plot)

    p = sub.add_parser(
        "demo",
        help="train a small MLP on the digits with each activation: accuracy and dead units per epoch",
        epilog="example: actgrad demo -o demo.png  (needs scikit-learn and matplotlib: pip install 'actgrad[demo]')",
    )
    p.add_argument("--names", nargs="+", metavar="NAME", help="activations to compare (default: relu leaky_relu gelu)")
    p.add_argument("--epochs", type=int, default=30, metavar="N", help="epochs of SGD (default: 30)")
    p.add_argument("--lr", metavar="LR", help="learning rate (default: 3)")
    p.add_argument("--clip", metavar="C", help="gradient-norm limit, 0 for plain SGD (default: 1)")
    p.add_argument(
        "--seed", type=int, default=0, metavar="S", help="seed of the split, weights and batches (default: 0)"
    )
    p.add_argument(
        "-o", "--output", metavar="FILE", help=f"also plot accuracy and dead units to FILE: {', '.join(FORMATS)}"
    )
    p.set_defaults(func=_demo, kink="torch")  # no --kink: the demo trains with the default convention
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``actgrad`` command with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and argparse's usage errors
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    try:
        if args.command != "list" and args.kink not in CONVENTIONS:
            raise _Error(f"unknown kink convention {args.kink!r}; valid: {', '.join(CONVENTIONS)}")
        args.func(args)
    except KeyError as exc:  # unknown activation: the message suggests the closest name
        message = str(exc.args[0]) if exc.args else str(exc)
    except (_Error, ValueError, ImportError, NotImplementedError) as exc:
        message = str(exc)
    except BrokenPipeError:  # the reader went away (``actgrad list | head``): not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- so that the interpreter's final flush does not fail
        return 0
    else:
        return 0
    print(f"actgrad: error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
