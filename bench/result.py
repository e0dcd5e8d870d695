"""What measuring gives: the figures, or why there are none. A failure is this value,
never an exception the bench catches: a server that did not start, a peer that dropped
its connections, a step whose tool is missing all end as `NotMeasured(reason)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Figures = dict[str, Any]


@dataclass(frozen=True)
class Measured:
    """A step's numbers, as written to results.json; `series` are latency samples (ms)
    by plot label for bench/latency.png, not written anywhere else."""

    figures: Figures
    series: Mapping[str, list[float]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"measured": True, **self.figures}


@dataclass(frozen=True)
class NotMeasured:
    """Why a step has no numbers."""

    reason: str

    def within(self, what: str) -> NotMeasured:
        """The same failure, saying which part of a larger step it was."""
        return NotMeasured(f"{what}: {self.reason}")

    def to_json(self) -> dict[str, Any]:
        return {"measured": False, "reason": self.reason}


Result = Measured | NotMeasured
# Each comparison's result by its key (its entry in results.json).
Results = Mapping[str, Result]


def figure(source: Result | Figures | None, *keys: str) -> float | None:
    """source[k1][k2]...: a number, or None where a step (or a part of it, written as
    its `to_json()`) was not measured or the figure is missing."""
    value: Any = source.figures if isinstance(source, Measured) else source
    for key in keys:
        if not isinstance(value, dict) or value.get("measured") is False or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def first_line(text: str, limit: int = 300) -> str:
    """The first line of an error's text, shortened: enough to say why, in one results cell."""
    lines = text.strip().splitlines()
    return (lines[0] if lines else "no detail")[:limit]
