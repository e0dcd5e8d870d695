"""Usage recording's cost: two builds that differ only in `usage.record`, served side by
side on raw workerd, requests taking turns. KV namespaces the code uses are bound to a
stub that accepts writes: this measures the Worker's side of recording, not a KV write."""

from __future__ import annotations

from bench.comparison import Comparison, Goal, Section
from bench.comparisons import noise_floor
from bench.context import Context
from bench.markdown import TIMES, ms, not_measured_row, row, times
from bench.measures import side_by_side_builds, side_ratio
from bench.result import Figures, Measured, NotMeasured, Result, Results, figure
from bench.stacks import build_variant, metering_variants

KEY = "metering"
SERVER = (
    "raw workerd, two at once (KV namespaces the code uses are bound to a stub that "
    "accepts writes: this measures the Worker's side of recording, not a real KV write)"
)


def measure(context: Context) -> Result:
    variants = metering_variants(context.config)
    builds = {}
    for label, record in (("on", True), ("off", False)):
        build = build_variant(context.paths, variants[record], f"metering-{label}")
        if isinstance(build, NotMeasured):
            return build
        builds[label] = build
    measured = side_by_side_builds(context, builds)
    if isinstance(measured, NotMeasured):
        return measured
    return Measured(
        {
            "server": SERVER,
            "on": measured.figures["on"]["exec"],
            "off": measured.figures["off"]["exec"],
            "ratioP50": side_ratio(measured, "on", "off"),
            "ratioP99": side_ratio(measured, "on", "off", percentile="p99"),
        }
    )


def recording_ms(results: Results) -> float | None:
    """What usage recording adds to an execution at p50 in this run (on - off), ms."""
    on, off = figure(results.get(KEY), "on", "p50"), figure(results.get(KEY), "off", "p50")
    return None if on is None or off is None else on - off


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [not_measured_row("metering: recording on vs off", result)]
    metering = result.figures
    return [
        row(
            "metering: execution p50 with usage recording on vs off",
            ms(metering["on"]["p50"]),
            ms(metering["off"]["p50"]),
            times(metering["ratioP50"]),
        )
    ]


def _why(metering: Figures, results: Results) -> str | None:
    on, off = figure(metering, "on", "p50"), figure(metering, "off", "p50")
    noise = noise_floor.ratio_p50(results)
    if on is None or off is None or noise is None:
        return None
    return (
        f"Recording adds {ms(on - off)} per execution at p50 (KV writes go to raw workerd's stub); the "
        f"same build against itself differs by {noise:.2f}{TIMES} in this run, so differences below "
        "that are noise."
    )


COMPARISON = Comparison(
    key=KEY,
    title="metering on / off, side by side",
    section=Section.BASELINES,
    measure=measure,
    rows=rows,
    goals=(
        Goal(
            "metering on p50 / off p50",
            1.10,
            at_most=True,
            read=lambda metering: figure(metering, "ratioP50"),
            why=_why,
        ),
    ),
)
