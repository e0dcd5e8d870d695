"""Throughput of the README example against the no-op route on raw workerd (a closed
loop on a fixed number of connections), and the workerd process's memory meanwhile."""

from __future__ import annotations

from bench.comparison import Comparison, Goal, Section
from bench.comparisons.latency import SPLIT, request_path
from bench.context import Context
from bench.markdown import MIB, not_measured_row, rate, row, times
from bench.measures import throughput_vs_noop
from bench.result import Figures, NotMeasured, Result, Results, figure

KEY = "throughput"


def measure(context: Context) -> Result:
    with context.raw_workerd() as server:
        if isinstance(server, NotMeasured):
            return server
        return throughput_vs_noop(server, context.api_key, context.settings)


def exec_per_second(results: Results) -> float | None:
    """Executions per second on raw workerd, if measured."""
    return figure(results.get(KEY), "execPerSecond")


def memory_row(server: str, memory: Figures) -> str:
    """workerd's RSS at its peak under the execution load against idle (warmed up)."""
    peak, idle = memory["peakRssBytesUnderExecLoad"], memory["idleRssBytes"]
    return row(
        f"workerd RSS ({server}): peak under the execution load vs idle after warm-up",
        f"{peak / MIB:.1f} MiB",
        f"{idle / MIB:.1f} MiB",
        times(peak / idle if idle > 0 else None),
    )


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [not_measured_row("throughput, README example vs `/health`", result)]
    throughput = result.figures
    return [
        row(
            f"throughput, {throughput['connections']} connections, README example vs `/health`",
            rate(throughput["execPerSecond"]),
            rate(throughput["noopPerSecond"]),
            times(throughput["ratio"]),
        ),
        memory_row("raw workerd", throughput["memory"]),
    ]


def _why(throughput: Figures, _results: Results) -> str | None:
    execs, noops = figure(throughput, "execPerSecond"), figure(throughput, "noopPerSecond")
    if execs is None or noops is None:
        return None
    return (
        f"{execs:,.0f} executions/s against {noops:,.0f} no-op answers/s: the isolate runs the Worker's "
        "JavaScript and the engine one request at a time, so throughput follows the per-request cost: "
        f"{SPLIT}."
    )


COMPARISON = Comparison(
    key=KEY,
    title="raw workerd: throughput and memory, README example vs GET /health",
    section=Section.BASELINES,
    measure=measure,
    rows=rows,
    goals=(
        Goal(
            "trivial execution throughput / no-op throughput",
            0.35,
            at_most=False,
            read=lambda throughput: figure(throughput, "ratio"),
            why=_why,
            note=request_path,
        ),
    ),
)
