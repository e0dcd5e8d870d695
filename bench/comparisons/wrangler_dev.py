"""`wrangler dev` on the same build, side by side with raw workerd: latency only."""

from __future__ import annotations

from bench import servers
from bench.comparison import Comparison, Section
from bench.context import Context
from bench.markdown import ms, not_measured_row, row, times
from bench.measures import side_by_side, side_ratio
from bench.result import Measured, NotMeasured, Result

KEY = "wranglerDev"
ROUTES = (("exec", "execution"), ("noop", "`/health`"))


def measure(context: Context) -> Result:
    wrangler_server = servers.wrangler_dev(context.paths, context.build_dir, context.api_key, context.work)
    with wrangler_server as wrangler, context.raw_workerd() as raw:
        if isinstance(wrangler, NotMeasured):
            return wrangler
        if isinstance(raw, NotMeasured):
            return raw
        measured = side_by_side(
            {"rawWorkerd": raw, "wranglerDev": wrangler}, context.api_key, context.settings
        )
    if isinstance(measured, NotMeasured):
        return measured
    return Measured(
        {
            "sideBySide": measured.figures,
            "execRatioP50ToRawWorkerd": side_ratio(measured, "wranglerDev", "rawWorkerd"),
            "noopRatioP50ToRawWorkerd": side_ratio(measured, "wranglerDev", "rawWorkerd", route="noop"),
        }
    )


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [not_measured_row("dev path: `wrangler dev`", result)]
    wrangler = result.figures
    side = wrangler["sideBySide"]
    return [
        row(
            f"dev path, side by side: `wrangler dev` vs raw workerd, {label} p50",
            ms(side["wranglerDev"][route]["p50"]),
            ms(side["rawWorkerd"][route]["p50"]),
            times(wrangler[f"{route}RatioP50ToRawWorkerd"]),
        )
        for route, label in ROUTES
    ]


COMPARISON = Comparison(
    key=KEY,
    title="`wrangler dev`, side by side with raw workerd",
    section=Section.BASELINES,
    measure=measure,
    rows=rows,
)
