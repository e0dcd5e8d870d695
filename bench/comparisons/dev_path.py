"""The dev path: the same build through Miniflare (`make dev`), alone (latency,
throughput, memory), then side by side with raw workerd. Miniflare also has a real local
KV and the rate-limiting binding, which raw workerd lacks, so its figures include them."""

from __future__ import annotations

from bench.comparison import Comparison, Section
from bench.comparisons import throughput
from bench.context import Context
from bench.markdown import ms, not_measured_row, rate, row, times
from bench.measures import latency_vs_noop, side_by_side, side_ratio, throughput_vs_noop
from bench.result import Measured, NotMeasured, Result, figure
from bench.stats import ratio

KEY = "devPath"
ROUTES = (("exec", "execution"), ("noop", "`/health`"))


def measure(context: Context) -> Result:
    with context.miniflare() as dev:
        if isinstance(dev, NotMeasured):
            return dev
        latency = latency_vs_noop(dev, context.api_key, context.settings, "Miniflare (make dev)")
        dev_throughput = throughput_vs_noop(dev, context.api_key, context.settings)
        with context.raw_workerd() as raw:
            versus_raw = (
                raw
                if isinstance(raw, NotMeasured)
                else side_by_side({"rawWorkerd": raw, "miniflare": dev}, context.api_key, context.settings)
            )
    raw_per_second = throughput.exec_per_second(context.earlier)
    dev_per_second = figure(dev_throughput, "execPerSecond")
    series = latency.series if isinstance(latency, Measured) else {}
    return Measured(
        {
            "miniflare": latency.to_json(),
            "miniflareThroughput": dev_throughput.to_json(),
            "sideBySide": versus_raw.to_json(),
            "execRatioP50": side_ratio(versus_raw, "miniflare", "rawWorkerd"),
            "noopRatioP50": side_ratio(versus_raw, "miniflare", "rawWorkerd", route="noop"),
            "rawWorkerdExecPerSecond": raw_per_second,
            "throughputRatio": (
                None
                if raw_per_second is None or dev_per_second is None
                else ratio(dev_per_second, raw_per_second)
            ),
        },
        series,
    )


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [not_measured_row("dev path: Miniflare (`make dev`)", result)]
    dev = result.figures
    side = dev["sideBySide"]
    lines = []
    for route, label in ROUTES:
        title = f"dev path, side by side: Miniflare vs raw workerd, {label} p50"
        if not side["measured"]:
            lines.append(not_measured_row(title, NotMeasured(side["reason"])))
            continue
        lines.append(
            row(
                title,
                ms(side["miniflare"][route]["p50"]),
                ms(side["rawWorkerd"][route]["p50"]),
                times(dev[f"{route}RatioP50"]),
            )
        )
    dev_throughput = dev["miniflareThroughput"]
    if not dev_throughput["measured"]:
        return [
            *lines,
            not_measured_row("dev path: Miniflare throughput", NotMeasured(dev_throughput["reason"])),
        ]
    lines.append(
        row(
            "dev path: Miniflare vs raw workerd, execution throughput",
            rate(dev_throughput["execPerSecond"]),
            rate(dev["rawWorkerdExecPerSecond"]),
            times(dev["throughputRatio"]),
        )
    )
    return [*lines, throughput.memory_row("Miniflare's workerd", dev_throughput["memory"])]


COMPARISON = Comparison(
    key=KEY,
    title="Miniflare (the `make dev` path): latency and throughput, then side by side with raw workerd",
    section=Section.BASELINES,
    measure=measure,
    rows=rows,
)
