"""Runs every comparison once and writes the results, the table and the plot.

python -m bench [--stack staging] [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import secrets
import shutil
import sys
import time
from collections.abc import Sequence

from bench import servers
from bench.context import Context, Settings
from bench.machine import describe
from bench.plot import latency_plot
from bench.registry import COMPARISONS
from bench.report import About, Run, write_json, write_markdown
from bench.result import Measured, NotMeasured, Result
from bench.stacks import BENCH_RATE_LIMIT_REQUESTS, build_variant, for_bench
from bench.targets import evaluate
from infra.errors import InfraError
from infra.paths import ProjectPaths
from infra.stack.config import load_stack_config

PLOT_TITLE = "README example vs no-op route, warm, one connection taking turns"


def say(line: str) -> None:
    print(f"bench: {line}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--stack", default="staging", help="stack whose config the Worker is built from")
    parser.add_argument("--quick", action="store_true", help="few samples: checks that the bench works")
    args = parser.parse_args(argv)
    paths = ProjectPaths.of_checkout()
    out = paths.root / "bench"
    work = out / ".work" / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = Settings.quick() if args.quick else Settings()
    started = time.monotonic()
    try:
        config = for_bench(load_stack_config(args.stack, paths.stack_file(args.stack)))
    except InfraError as error:
        say(f"no stack to measure: {error}")
        return 2
    say("building the Worker from the stack config")
    build_dir = build_variant(paths, config, "service")
    if isinstance(build_dir, NotMeasured):
        # Nothing can be measured without the Worker: the committed results stay as they are.
        say(f"nothing measured, no results written: {build_dir.reason}")
        return 1
    about = About(
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        stack=config.stack,
        settings={**dataclasses.asdict(settings), "quick": args.quick},
        machine=describe(paths, servers.workerd_binary(paths)),
        raw_workerd={
            "config": "generated capnp: the build's modules, compatibility date and API_KEY",
            "kvNamespacesBoundToStub": servers.stubbed_namespaces(build_dir),
            "kvStub": "plain workerd has no KV: writes are accepted and dropped, reads find nothing",
            "rateLimit": "not bound: plain workerd has no rate-limiting binding, and the Worker skips the "
            "check without one (Miniflare and wrangler dev do bind it)",
        },
        config_changes=[
            f"rateLimit.requests raised to {BENCH_RATE_LIMIT_REQUESTS:,} per period, above what the bench "
            "sends from its one client id, so no request is answered 429"
        ],
    )
    results: dict[str, Result] = {}
    context = Context(paths, config, build_dir, secrets.token_urlsafe(24), settings, work, earlier=results)
    for comparison in COMPARISONS:
        say(comparison.title)
        result = comparison.measure(context)
        if isinstance(result, NotMeasured):
            say(f"not measured: {result.reason}")
        results[comparison.key] = result
    about = dataclasses.replace(about, seconds=round(time.monotonic() - started, 1))
    run = Run(about, COMPARISONS, results, evaluate(COMPARISONS, results))
    series = {
        label: samples
        for result in results.values()
        if isinstance(result, Measured)
        for label, samples in result.series.items()
    }
    written = [
        write_json(run, out / "results.json"),
        write_markdown(run, out / "results.md"),
        latency_plot(series, out / "latency.png", PLOT_TITLE),
    ]
    for path in written:
        say(f"wrote {path.relative_to(paths.root)}")
    say(f"done in {about.seconds:.0f} s")
    return 0
