"""Regenerate the README's generated sections from the registry and the benchmark results.

    python scripts/readme.py            # rewrite README.md in place
    python scripts/readme.py --check    # exit 1 if README.md is stale (the tests run this)

Sections sit between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers: ``activations`` and ``kinks`` are
made from the registry; ``bench`` is copied from ``benchmarks/SUMMARY.md`` (written by ``benchmarks/run.py``) and
``accuracy`` is the summary of ``docs/ACCURACY.md`` (written by ``benchmarks/accuracy.py``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import actgrad as ag
from actgrad._registry import CONVENTIONS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SUMMARY = ROOT / "benchmarks" / "SUMMARY.md"
ACCURACY = ROOT / "docs" / "ACCURACY.md"


def _g(v: float) -> str:
    return f"{v:g}"


def activations_table() -> str:
    rows = ["| name | f(x) | parameters | kinks | aliases |", "|---|---|---|---|---|"]
    for name in ag.names():
        spec = ag.get(name).spec
        params = ", ".join(f"`{p.describe()}`" for p in spec.params) or "-"
        at = spec.defaults
        kinks = ", ".join(_g(k.location(at)) + ("" if order == 1 else " (f'')") for order, k in spec.kinks_at(at))
        aliases = ", ".join(spec.aliases) or "-"
        tex = spec.formula(0).tex.replace(r"\\", r"\\\\").replace("|", r"\|")  # markdown eats \ and splits on |
        rows.append(f"| `{name}` | ${tex}$ | {params} | {kinks or '-'} | {aliases} |")
    return "\n".join(rows)


def kinks_table() -> str:
    """f' (and f'' where f'' jumps) at every kink, default parameters, under every convention."""
    head = "| activation | derivative | kink at | " + " | ".join(f'`"{c}"`' for c in CONVENTIONS) + " |"
    rows = [head, "|---|---|---:|" + "---:|" * len(CONVENTIONS)]
    for name in ag.names():
        spec = ag.get(name).spec
        for order, k in spec.kinks_at(spec.defaults):
            values = " | ".join(_g(k.value(c, spec.defaults)) for c in CONVENTIONS)
            derivative = "f'" if order == 1 else "f''"
            rows.append(f"| `{name}` | {derivative} | {_g(k.location(spec.defaults))} | {values} |")
    return "\n".join(rows)


def bench_section() -> str:
    if not SUMMARY.exists():
        return "_Run `python benchmarks/run.py` to produce the table._"
    return SUMMARY.read_text().strip()


def accuracy_section() -> str:
    """The generation line and the bold summary of docs/ACCURACY.md."""
    if not ACCURACY.exists():
        return "_Run `python benchmarks/accuracy.py` to produce the report._"
    lines = ACCURACY.read_text().splitlines()
    keep = [line for line in lines if line.startswith(("Generated ", "**actgrad passes"))]
    return "\n\n".join(keep)


def render(text: str, sections: dict[str, str]) -> str:
    for name, body in sections.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no {name} markers")
        text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the registry sections are stale")
    args = parser.parse_args(argv)
    text = README.read_text()
    registry_sections = {"activations": activations_table(), "kinks": kinks_table()}
    if args.check:
        stale = render(text, registry_sections) != text
        if stale:
            print("README.md is stale: run python scripts/readme.py", file=sys.stderr)
        return int(stale)
    README.write_text(render(text, {**registry_sections, "bench": bench_section(), "accuracy": accuracy_section()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
