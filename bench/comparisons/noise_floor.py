"""The noise floor: the same build on two raw workerd servers side by side (A/A),
requests taking turns. A difference between two builds smaller than this is not real."""

from __future__ import annotations

from bench.comparison import Comparison, Section
from bench.context import Context
from bench.markdown import not_measured_row, row, times
from bench.measures import side_by_side_builds, side_ratio
from bench.result import Measured, NotMeasured, Result, Results, figure

KEY = "noiseFloor"
LABEL = "noise floor: the same build on two servers side by side (A/A), execution p50"


def measure(context: Context) -> Result:
    measured = side_by_side_builds(context, {"a": context.build_dir, "b": context.build_dir})
    if isinstance(measured, NotMeasured):
        return measured
    return Measured({**measured.figures, "ratioP50": side_ratio(measured, "a", "b")})


def ratio_p50(results: Results) -> float | None:
    """A / A at p50 in this run (1.00 would be no noise at all)."""
    return figure(results.get(KEY), "ratioP50")


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [not_measured_row(LABEL, result)]
    return [row(LABEL, "", "", times(result.figures["ratioP50"]))]


COMPARISON = Comparison(
    key=KEY,
    title="noise floor: the same build twice, side by side",
    section=Section.BASELINES,
    measure=measure,
    rows=rows,
)
