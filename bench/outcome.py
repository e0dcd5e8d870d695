"""A step of the bench that could not measure: its reason is its result, never a crash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NotMeasured:
    """Why a step has no numbers (a server that did not start, a peer that failed...)."""

    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"measured": False, "reason": self.reason}


def first_line(text: str, limit: int = 300) -> str:
    """The first line of an error's text, shortened: enough to say why, in one results cell."""
    lines = text.strip().splitlines()
    return (lines[0] if lines else "no detail")[:limit]


def section(result: dict[str, Any] | NotMeasured) -> dict[str, Any]:
    """A step's results section: its numbers marked measured, or why it has none."""
    if isinstance(result, NotMeasured):
        return result.to_json()
    return {"measured": True, **result}
