"""The benchmark runner still runs (its numbers are not checked here: speed is shown by benchmarks, not tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_runner_quick_writes_its_report(tmp_path: Path) -> None:
    report = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(report)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    text = report.read_text()
    assert "## Targets" in text and "relu" in text
    assert (tmp_path / "SUMMARY.md").exists() and (tmp_path / "ratios.png").exists()


def test_per_element_script_prints_a_row_per_activation_and_dtype() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "per_element.py"), "relu", "gelu:tanh", "--n", "1024", "--rounds=1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| `")]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| `relu`", "float32"],
        ["| `relu`", "float64"],
        ["| `gelu:tanh`", "float32"],
        ["| `gelu:tanh`", "float64"],
    ]
    assert all(len(row.split(" | ")) == 8 for row in rows)  # name, dtype, f, f', f'', backward, np.copyto, np.add
