"""Marked sections of benchmarks/RESULTS.md, shared by run.py, backends.py and gpu.py.

A section is the text between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` (markers included). ``run.py``
rewrites the whole report and keeps the sections that ``backends.py`` and ``gpu.py`` wrote into it; those two
replace only their own section (or append it when the file has none yet).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

#: Sections written by scripts other than run.py, which run.py keeps when it rewrites the report.
FOREIGN = ("backends", "gpu")


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def _pattern(name: str) -> re.Pattern[str]:
    start, end = markers(name)
    return re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)


def wrap(name: str, body: str) -> str:
    """``body`` between the section's markers."""
    start, end = markers(name)
    return f"{start}\n{body.strip()}\n{end}"


def find(text: str, name: str) -> str | None:
    """The section (markers included) in ``text``, or None."""
    m = _pattern(name).search(text)
    return m.group(0) if m else None


def replace(text: str, name: str, body: str) -> str:
    """``text`` with section ``name`` set to ``body``: replaced where it is, else appended at the end."""
    block = wrap(name, body)
    pattern = _pattern(name)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + block + "\n"


def keep(new_text: str, old_text: str, names: Iterable[str] = FOREIGN) -> str:
    """``new_text`` with the named sections of ``old_text`` appended (those ``new_text`` lacks), in order."""
    for name in names:
        block = find(old_text, name)
        if block is not None and find(new_text, name) is None:
            new_text = new_text.rstrip("\n") + "\n\n" + block + "\n"
    return new_text


def write(path: Path, name: str, body: str) -> None:
    """Set section ``name`` of the file at ``path`` to ``body`` (creating the file if needed)."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace(old, name, body), encoding="utf-8")
