"""Warm latency of the README example against the no-op route (`GET /health`) on raw
workerd, the two requests taking turns on one keep-alive connection."""

from __future__ import annotations

from bench.comparison import Comparison, Goal, Section
from bench.comparisons import metering, restore
from bench.context import Context
from bench.markdown import ms, not_measured_row, row, times
from bench.measures import latency_vs_noop
from bench.result import Figures, NotMeasured, Result, Results, figure
from bench.workloads import TRIVIAL

KEY = "latency"
# What the reasons of the targets that come down to the trivial execution's cost say.
SPLIT = "see the split of the trivial execution above"


def measure(context: Context) -> Result:
    with context.raw_workerd() as server:
        if isinstance(server, NotMeasured):
            return server
        return latency_vs_noop(server, context.api_key, context.settings, "raw workerd")


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [not_measured_row("warm latency, README example vs `GET /health`", result)]
    latency = result.figures
    return [
        row(
            "warm p50, README example vs `GET /health` (raw workerd)",
            ms(latency["exec"]["p50"]),
            ms(latency["noop"]["p50"]),
            times(latency["ratioP50"]),
        ),
        row(
            "warm p99, same",
            ms(latency["exec"]["p99"]),
            ms(latency["noop"]["p99"]),
            times(latency["ratioP99"]),
        ),
    ]


def request_path(results: Results) -> str | None:
    """The service's trivial p50 split into the no-op route, the engine and the rest."""
    execution = figure(results.get(KEY), "exec", "p50")
    noop = figure(results.get(KEY), "noop", "p50")
    engine = restore.engine_p50(results, TRIVIAL.name)
    if execution is None or noop is None or engine is None:
        return None
    rest = execution - noop - engine
    text = (
        f"Of the trivial execution's p50 on raw workerd ({ms(execution)}), the no-op route accounts for "
        f"{ms(noop)} and the engine itself (run + restore of the README example on the same wasm, warm, "
        f"in Node's V8: the restore table's method) for {ms(engine)}; the remaining {ms(rest)} "
        f"({rest / execution * 100:.0f}%) is what an execution request does around the sandbox that "
        "`GET /health` does not (the POST body, authentication, validation, admission, usage recording, "
        "the answer's JSON), not the sandbox."
    )
    recording = metering.recording_ms(results)
    if recording is not None:
        text += f" Usage recording alone (metering on vs off, side by side) is {ms(recording)} of it."
    return text


def _why(latency: Figures, _results: Results) -> str | None:
    execution, noop = figure(latency, "exec", "p50"), figure(latency, "noop", "p50")
    if execution is None or noop is None:
        return None
    return f"{ms(execution)} against the no-op route's {ms(noop)}: {SPLIT}."


COMPARISON = Comparison(
    key=KEY,
    title="raw workerd: warm latency, README example vs GET /health",
    section=Section.BASELINES,
    measure=measure,
    rows=rows,
    goals=(
        Goal(
            "trivial execution p50 / no-op p50",
            2.0,
            at_most=True,
            read=lambda latency: figure(latency, "ratioP50"),
            why=_why,
            note=request_path,
        ),
    ),
)
