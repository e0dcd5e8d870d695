"""Runs every comparison once and writes the results, the table and the plot.

python -m bench [--stack staging] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import compare, servers
from bench.machine import describe
from bench.outcome import NotMeasured, first_line, section
from bench.plot import latency_plot
from bench.report import write_json, write_markdown
from bench.restore import restore_cost
from bench.sizes import (
    FREE_PLAN_GZIP_BYTES,
    LIMITS_SOURCE,
    PAID_PLAN_GZIP_BYTES,
    TARGET_GZIP_BYTES,
    upload_sizes,
)
from bench.stacks import BENCH_RATE_LIMIT_REQUESTS, build_variant, for_bench, metering_variants
from bench.stats import ratio
from bench.targets import evaluate
from infra.errors import InfraError
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig, load_stack_config

Starter = Callable[[], AbstractContextManager[tuple[str, Callable[[], bool]]]]


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
    settings = compare.Settings.quick() if args.quick else compare.Settings()
    started = time.monotonic()
    config = for_bench(load_stack_config(args.stack, paths.stack_file(args.stack)))
    results = run_all(paths, config, settings, work, args.quick)
    results["benchSeconds"] = round(time.monotonic() - started, 1)
    say(f"wrote {write_json(results, out / 'results.json').relative_to(paths.root)}")
    say(f"wrote {write_markdown(results, out / 'results.md').relative_to(paths.root)}")
    say(f"done in {results['benchSeconds']:.0f} s")
    return 0


def run_all(
    paths: ProjectPaths, config: StackConfig, settings: compare.Settings, work: Path, quick: bool
) -> dict[str, Any]:
    api_key = secrets.token_urlsafe(24)
    results: dict[str, Any] = {
        "generatedAt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "stack": config.stack,
        "settings": {**asdict(settings), "quick": quick},
        "machine": describe(paths, servers.workerd_binary(paths)),
        "loadClient": (
            "bench/load.py: asyncio HTTP/1.1 keep-alive client, one Python process on the same CPUs"
        ),
    }
    say("building the Worker from the stack config")
    build_dir = build_variant(paths, config, "service")
    results["bundle"] = bundle_section(build_dir)

    results["rawWorkerd"] = {
        "config": "generated capnp: the build's modules, compatibility date and API_KEY",
        "kvNamespacesBoundToStub": servers.stubbed_namespaces(build_dir),
        "kvStub": "plain workerd has no KV: writes are accepted and dropped, reads find nothing",
        "rateLimit": "not bound: plain workerd has no rate-limiting binding, and the Worker skips the "
        "check without one (Miniflare and wrangler dev do bind it)",
    }
    results["configChanges"] = [
        f"rateLimit.requests raised to {BENCH_RATE_LIMIT_REQUESTS:,} per period, above what the bench "
        "sends from its one client id, so no request is answered 429"
    ]
    say("raw workerd: latency, throughput, memory, compute")
    raw_samples: dict[str, list[float]] = {}
    with servers.raw_workerd(paths, build_dir, api_key, work) as raw:
        if isinstance(raw, NotMeasured):
            results["latency"] = results["throughput"] = results["compute"] = raw.to_json()
        else:
            latency, raw_samples = compare.latency_vs_noop(raw, api_key, settings)
            results["latency"] = section(latency)
            results["throughput"] = section(compare.throughput_vs_noop(raw, api_key, settings))
            results["compute"] = section(
                compare.compute_vs_native(raw, api_key, paths, config.limits, settings)
            )

    say("restore cost against the previous run's allocation (Node, the engine's own module)")
    results["restore"] = section(
        restore_cost(
            paths,
            build_dir,
            config.limits,
            work,
            repeats=settings.restore_repeats,
            compute_repeats=settings.compute_repeats,
        )
    )

    say("Miniflare (the `make dev` path): latency and throughput, then side by side with raw workerd")
    results["devPath"], dev_samples = dev_path_section(
        paths,
        build_dir=build_dir,
        api_key=api_key,
        settings=settings,
        work=work,
        raw_throughput=results["throughput"],
    )

    say("cold starts")
    results["coldStart"] = {
        "rawWorkerd": section(
            compare.cold_start(raw_starter(paths, build_dir, api_key, work), api_key, settings.cold_starts)
        ),
        "miniflare": section(
            compare.cold_start(
                miniflare_starter(paths, build_dir, api_key, work), api_key, settings.cold_starts
            )
        ),
    }

    say("metering on / off")
    results["metering"] = metering_section(paths, config, api_key, settings, work, service_build=build_dir)

    say("peers: Worker Loader, isolated-vm, each taking turns with raw workerd")
    results["peers"] = peers_section(
        paths, config=config, build_dir=build_dir, api_key=api_key, settings=settings, work=work
    )
    results["targets"] = [target.to_json() for target in evaluate(results)]
    plot = latency_plot(
        {
            "execution, raw workerd": raw_samples.get("exec", []),
            "GET /health, raw workerd": raw_samples.get("noop", []),
            "execution, Miniflare (make dev)": dev_samples.get("exec", []),
            "GET /health, Miniflare (make dev)": dev_samples.get("noop", []),
        },
        paths.root / "bench" / "latency.png",
        "README example vs no-op route, warm, one connection taking turns",
    )
    say(f"wrote {plot.relative_to(paths.root)}")
    return results


def dev_path_section(
    paths: ProjectPaths,
    *,
    build_dir: Path,
    api_key: str,
    settings: compare.Settings,
    work: Path,
    raw_throughput: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """Miniflare alone, then side by side with raw workerd; `wrangler dev` the same way."""
    with servers.miniflare(paths, build_dir, api_key, work) as dev:
        if isinstance(dev, NotMeasured):
            return {
                **dev.to_json(),
                "wranglerDev": wrangler_section(paths, build_dir, api_key, settings, work),
            }, {}
        dev_latency, dev_samples = compare.latency_vs_noop(dev, api_key, settings)
        dev_throughput = compare.throughput_vs_noop(dev, api_key, settings)
        with servers.raw_workerd(paths, build_dir, api_key, work) as raw:
            versus_raw = (
                raw
                if isinstance(raw, NotMeasured)
                else compare.side_by_side({"rawWorkerd": raw, "miniflare": dev}, api_key, settings)
            )
    throughput_ratio = None
    if raw_throughput.get("measured") and not isinstance(dev_throughput, NotMeasured):
        throughput_ratio = ratio(dev_throughput["execPerSecond"], raw_throughput["execPerSecond"])
    return {
        "measured": True,
        "miniflare": section(dev_latency),
        "miniflareThroughput": section(dev_throughput),
        "sideBySide": section(versus_raw),
        "execRatioP50": compare.side_ratio(versus_raw, "miniflare", "rawWorkerd"),
        "noopRatioP50": compare.side_ratio(versus_raw, "miniflare", "rawWorkerd", route="noop"),
        "throughputRatio": throughput_ratio,
        "wranglerDev": wrangler_section(paths, build_dir, api_key, settings, work),
    }, dev_samples


def wrangler_section(
    paths: ProjectPaths, build_dir: Path, api_key: str, settings: compare.Settings, work: Path
) -> dict[str, Any]:
    """`wrangler dev` on the same build, side by side with raw workerd: latency only."""
    with (
        servers.wrangler_dev(paths, build_dir, api_key, work) as wrangler,
        servers.raw_workerd(paths, build_dir, api_key, work) as raw,
    ):
        if isinstance(wrangler, NotMeasured):
            return wrangler.to_json()
        if isinstance(raw, NotMeasured):
            return raw.to_json()
        measured = compare.side_by_side({"rawWorkerd": raw, "wranglerDev": wrangler}, api_key, settings)
    if isinstance(measured, NotMeasured):
        return measured.to_json()
    return {
        "measured": True,
        "sideBySide": measured,
        "execRatioP50ToRawWorkerd": compare.side_ratio(measured, "wranglerDev", "rawWorkerd"),
        "noopRatioP50ToRawWorkerd": compare.side_ratio(measured, "wranglerDev", "rawWorkerd", route="noop"),
    }


def bundle_section(build_dir: Path) -> dict[str, Any]:
    parts = upload_sizes(build_dir)
    total_gzip = sum(part.gzip for part in parts)
    return {
        "parts": [asdict(part) for part in parts],
        "totalRawBytes": sum(part.raw for part in parts),
        "totalGzipBytes": total_gzip,
        "targetGzipBytes": TARGET_GZIP_BYTES,
        "freePlanShare": round(total_gzip / FREE_PLAN_GZIP_BYTES, 4),
        "limits": {
            "freeGzipBytes": FREE_PLAN_GZIP_BYTES,
            "paidGzipBytes": PAID_PLAN_GZIP_BYTES,
            "source": LIMITS_SOURCE,
            "note": (
                "A pending docs change (cloudflare-docs PR 31002) replaces these "
                "with one 64 MiB uncompressed limit."
            ),
        },
    }


def raw_starter(paths: ProjectPaths, build_dir: Path, api_key: str, work: Path) -> Starter:
    def start() -> AbstractContextManager[tuple[str, Callable[[], bool]]]:
        port = servers.free_port()
        command = servers.raw_workerd_command(paths, build_dir, api_key, port, work)
        return servers.spawned("raw-workerd", command, port, work, paths.root)

    return start


def miniflare_starter(paths: ProjectPaths, build_dir: Path, api_key: str, work: Path) -> Starter:
    @contextmanager
    def start() -> Iterator[tuple[str, Callable[[], bool]]]:
        port = servers.free_port()
        state = work / f"miniflare-cold-{port}"
        command = servers.miniflare_command(build_dir, state, api_key, port)
        environment = {**os.environ, "API_KEY": api_key}
        with servers.spawned("miniflare", command, port, work, paths.root, env=environment) as running:
            yield running
        shutil.rmtree(state, ignore_errors=True)

    return start


def metering_section(
    paths: ProjectPaths,
    config: StackConfig,
    api_key: str,
    settings: compare.Settings,
    work: Path,
    *,
    service_build: Path,
) -> dict[str, Any]:
    """Two builds that differ only in `usage.record`, served side by side, requests taking
    turns; and the same build twice (A/A), which shows how small a difference can be seen."""
    noise = ab_on_raw_workerd(paths, {"a": service_build, "b": service_build}, api_key, settings, work)
    common: dict[str, Any] = {
        "server": "raw workerd, two at once (KV namespaces the code uses are bound to a stub that "
        "accepts writes: this measures the Worker's side of recording, not a real KV write)",
        "noiseFloorRatioP50": compare.side_ratio(noise, "a", "b"),
    }
    variants, reason = metering_variants(config.stack, paths.stack_file(config.stack))
    if not variants:
        return {**common, "measured": False, "reason": reason}
    try:
        builds = {
            label: build_variant(paths, variants[record], f"metering-{label}")
            for label, record in (("on", True), ("off", False))
        }
    except InfraError as error:
        return {**common, **NotMeasured(f"build: {first_line(str(error))}").to_json()}
    measured = ab_on_raw_workerd(paths, builds, api_key, settings, work)
    if isinstance(measured, NotMeasured):
        return {**common, **measured.to_json()}
    return {
        **common,
        "measured": True,
        "on": measured["on"]["exec"],
        "off": measured["off"]["exec"],
        "ratioP50": compare.side_ratio(measured, "on", "off"),
        "ratioP99": compare.side_ratio(measured, "on", "off", percentile="p99"),
    }


def ab_on_raw_workerd(
    paths: ProjectPaths, builds: dict[str, Path], api_key: str, settings: compare.Settings, work: Path
) -> dict[str, Any] | NotMeasured:
    with ExitStack() as stack:
        running: dict[str, servers.Server] = {}
        for label, build in builds.items():
            server = stack.enter_context(servers.raw_workerd(paths, build, api_key, work))
            if isinstance(server, NotMeasured):
                return NotMeasured(f"{label}: {server.reason}")
            running[label] = server
        return compare.side_by_side(running, api_key, settings)


def peers_section(
    paths: ProjectPaths,
    *,
    config: StackConfig,
    build_dir: Path,
    api_key: str,
    settings: compare.Settings,
    work: Path,
) -> dict[str, Any]:
    """Each peer taking turns with one raw workerd serving the service."""
    with servers.raw_workerd(paths, build_dir, api_key, work) as raw:
        if isinstance(raw, NotMeasured):
            return service_failed(raw)
        failed = compare.warm_up(raw, api_key)
        if failed:
            return service_failed(failed)
        return {
            "workerLoader": {
                **peer_section(
                    lambda: servers.worker_loader(paths, config.compatibility_date, work),
                    raw,
                    api_key,
                    settings,
                ),
                "method": "workerd's `workerLoader` binding (workerd serve --experimental): each request "
                "loads the snippet as a new Worker with LOADER.load() (or get() with a new id), no outbound",
            },
            "isolatedVm": {
                **isolated_vm_section(paths, work, raw, api_key, settings),
                "method": "fresh ivm.Isolate (64 MiB) + context per request, disposed after; "
                "Node http server",
            },
        }


def service_failed(failed: NotMeasured) -> dict[str, Any]:
    """Every peer's row when the service they take turns with failed."""
    return {
        name: NotMeasured(f"the service: {failed.reason}").to_json()
        for name in ("workerLoader", "isolatedVm")
    }


def peer_section(
    start: Callable[[], AbstractContextManager[servers.Server | NotMeasured]],
    service: servers.Server,
    api_key: str,
    settings: compare.Settings,
) -> dict[str, Any]:
    with start() as peer:
        if isinstance(peer, NotMeasured):
            return peer.to_json()
        return section(compare.peer_against_service(peer, service, api_key, settings))


def isolated_vm_section(
    paths: ProjectPaths, work: Path, service: servers.Server, api_key: str, settings: compare.Settings
) -> dict[str, Any]:
    modules = paths.root / "bench" / ".work"
    if not (modules / "node_modules" / "isolated-vm" / "out" / "isolated_vm.node").is_file():
        return NotMeasured(
            "isolated-vm did not build here (no native module in bench/.work/node_modules)"
        ).to_json()
    return peer_section(lambda: servers.isolated_vm(paths, modules, work), service, api_key, settings)
