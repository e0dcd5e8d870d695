"""What a comparison is: one object that measures, states its targets and renders its rows.

Each lives in its own module under bench/comparisons/ and is listed in bench/registry.py;
nothing else names it. Where one comparison's figures explain another's, the module
that measures them offers a small reader (e.g. `restore.engine_p50`), never a shared key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bench.context import Context
from bench.result import Figures, Result, Results


class Section(Enum):
    """Where in bench/results.md a comparison's rows go (bench/report.py lays them out)."""

    BASELINES = "baselines"  # the table: measure | this service | baseline | ratio
    RESTORE = "restore"  # its own text and table
    UPLOAD = "upload"  # its own text and table
    PEERS = "peers"  # the table: peer | side | trivial p50 | fib(25) p50 | trivial throughput


def no_reason(_figures: Figures, _results: Results) -> str | None:
    return None


@dataclass(frozen=True)
class Goal:
    """A target a comparison states: one of its figures against a limit."""

    name: str
    limit: float | None  # None: a figure to report, with no limit to meet
    at_most: bool  # True: measured must be <= limit; False: >= limit
    read: Callable[[Figures], float | None]  # the figure, from the comparison's own figures
    unit: str = "x"
    # Why it was missed, in this run's figures (its own, and any other comparison's).
    why: Callable[[Figures, Results], str | None] = no_reason
    # A longer explanation several missed targets share, shown once above the reasons.
    note: Callable[[Results], str | None] | None = None


@dataclass(frozen=True)
class Comparison:
    key: str  # its entry in results.json
    title: str  # what the run says it is measuring
    section: Section
    measure: Callable[[Context], Result]
    # Its Markdown lines (table rows for a table section), for a measured result or not.
    rows: Callable[[Result], list[str]]
    goals: tuple[Goal, ...] = ()
