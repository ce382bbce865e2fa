"""The README's promises: its first commands, its generated sections, and CI running the same test command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL_AND_RUN = 'pip install ".[plot]" && actgrad plot relu leaky_relu --order 0 1 -o relu.png'
INSTALL_AND_TEST = 'pip install ".[test]" && python -m pytest'


def test_readme_starts_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert lines[2:6] == ["```bash", INSTALL_AND_RUN, INSTALL_AND_TEST, "```"]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert INSTALL_AND_TEST in ci


def test_generated_readme_sections_are_current() -> None:
    script = ROOT / "scripts" / "readme.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
