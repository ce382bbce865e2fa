"""Per-round timing samples, shared by run.py, backends.py and gpu.py."""

from __future__ import annotations

import statistics


class RoundSamples:
    """Mixin for a measurement holding ``samples``: per-round seconds per call, by contender role, where round i of
    every role was timed moments apart (so per-round ratios cancel most of a shared machine's drift)."""

    samples: dict[str, list[float]]

    def time(self, role: str) -> float | None:
        """Median seconds per call of ``role`` (None when it was not timed)."""
        s = self.samples.get(role)
        return statistics.median(s) if s else None

    def ratio(self, num: str, den: str) -> float | None:
        """Median over rounds of time(num) / time(den) (None when either was not timed)."""
        a, b = self.samples.get(num), self.samples.get(den)
        if not a or not b:
            return None
        return statistics.median(x / y for x, y in zip(a, b, strict=True))
