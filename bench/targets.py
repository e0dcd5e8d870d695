"""The comparisons' goals judged against one run: met, missed (by how much, and why), or
not measured."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.comparison import Comparison, Goal
from bench.result import Measured, Results

NO_FIGURES = "no figures in this run to say why"


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None
    limit: float | None  # None: a figure to report, with no limit to meet
    at_most: bool  # True: measured must be <= limit; False: >= limit
    unit: str = "x"
    why: str = ""  # for a missed target: why, in the run's figures
    note: str = ""  # for a missed target: the explanation it shares with others

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return None
        if self.limit is None:
            return True
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    @property
    def comparison(self) -> str:
        return "reported" if self.limit is None else ("<=" if self.at_most else ">=")

    @property
    def missed_by(self) -> str:
        if self.measured is None or self.limit is None or self.met:
            return ""
        factor = self.measured / self.limit if self.at_most else self.limit / self.measured
        return f"{(factor - 1) * 100:.0f}% {'over' if self.at_most else 'under'} the target"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "measured": self.measured,
            "limit": self.limit,
            "unit": self.unit,
            "comparison": self.comparison,
            "met": self.met,
            "missedBy": self.missed_by,
            "why": self.why,
        }


def judge(goal: Goal, result: Measured | None, results: Results) -> Target:
    target = Target(
        goal.name,
        None if result is None else goal.read(result.figures),
        goal.limit,
        goal.at_most,
        goal.unit,
    )
    if result is None or target.met is not False:
        return target
    why = goal.why(result.figures, results) or NO_FIGURES
    note = (goal.note(results) if goal.note else None) or ""
    return Target(target.name, target.measured, target.limit, target.at_most, target.unit, why, note)


def evaluate(comparisons: Sequence[Comparison], results: Results) -> list[Target]:
    """Every goal of every comparison, in the registry's order."""
    targets = []
    for comparison in comparisons:
        result = results.get(comparison.key)
        measured = result if isinstance(result, Measured) else None
        targets += [judge(goal, measured, results) for goal in comparison.goals]
    return targets
