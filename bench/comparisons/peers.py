"""Peers: other ways to run a snippet in a fresh isolate per request, on the trivial
snippet and fib(25), each peer's requests taking turns with this service's on raw
workerd. One comparison per peer, the same measurement."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

from bench import load, servers
from bench.comparison import Comparison, Goal, Section
from bench.comparisons import restore
from bench.comparisons.latency import SPLIT, request_path
from bench.context import Context, Settings
from bench.markdown import TIMES, ms, not_measured_row, rate, row, times
from bench.measures import BLOCK, post_json, unanswered, warm_up
from bench.result import Figures, Measured, NotMeasured, Result, Results, figure
from bench.servers import Server
from bench.stats import ratio, summary
from bench.workloads import FIB, HEALTH, TRIVIAL, execute_call, peer_call

Start = Callable[[Context], AbstractContextManager[Server | NotMeasured]]
COLUMNS = 5


def peer_against_service(peer: Server, service: Server, api_key: str, settings: Settings) -> Result:
    """A peer and this service on the trivial snippet and fib(25), requests taking turns
    between the two servers (so noise hits both alike: trivial ones in blocks, fib(25) one
    by one, as each is long enough to absorb the other's deferred work); throughput one
    after the other. Any failure of either side is the result: not measured, and why."""
    about = load.send_once(peer.url, HEALTH)
    if isinstance(about, NotMeasured):
        return about
    for workload in (TRIVIAL, FIB):
        answer = post_json(peer.url, peer_call(workload))
        if isinstance(answer, NotMeasured):
            return answer
        if answer.get("result") != workload.expect:
            return NotMeasured(f"{peer.name} answered {answer!r:.200} to {workload.name}")
    latency: dict[str, dict[str, Figures]] = {}
    for workload, rounds, warmup, block in (
        (TRIVIAL, settings.peer_rounds, 50, BLOCK),
        (FIB, settings.peer_compute_repeats, 1, 1),
    ):
        service_call = dataclasses.replace(execute_call(workload, api_key), name="service")
        peer_request = dataclasses.replace(peer_call(workload), name="peer")
        samples = load.latencies_across(
            [(service.url, service_call), (peer.url, peer_request)], rounds, warmup=warmup, block=block
        )
        if isinstance(samples, NotMeasured):
            return samples.within(f"{workload.name} latency")
        latency[workload.name] = {side: summary(values) for side, values in samples.items()}
    service_rate = load.throughput(
        service.url, execute_call(TRIVIAL, api_key), settings.connections, settings.throughput_seconds
    )
    peer_rate = load.throughput(
        peer.url, peer_call(TRIVIAL), settings.connections, settings.throughput_seconds
    )
    failed = unanswered(service_rate, "service throughput") or unanswered(peer_rate, "peer throughput")
    if failed:
        return failed

    def side(name: str, measured: load.Throughput) -> Figures:
        return {
            "trivial": latency[TRIVIAL.name][name],
            "fib25": latency[FIB.name][name],
            "trivialPerSecond": round(measured.per_second, 1),
            "trivialFailures": measured.failures,
            "trivialFailureReasons": list(measured.reasons),
        }

    return Measured(
        {
            "about": json.loads(about.body) if about.status == 200 else {"status": about.status},
            "peer": side("peer", peer_rate),
            "service": side("service", service_rate),
            "versusService": {
                "trivialP50": ratio(
                    latency[TRIVIAL.name]["peer"]["p50"], latency[TRIVIAL.name]["service"]["p50"]
                ),
                "fib25P50": ratio(latency[FIB.name]["peer"]["p50"], latency[FIB.name]["service"]["p50"]),
                "trivialThroughput": ratio(peer_rate.per_second, service_rate.per_second),
            },
        }
    )


def against_the_service(context: Context, start: Start, method: str) -> Result:
    """The peer taking turns with one raw workerd serving the service."""
    with context.raw_workerd() as service:
        if isinstance(service, NotMeasured):
            return service.within("the service")
        failed = warm_up(service, context.api_key)
        if failed:
            return failed.within("the service")
        with start(context) as peer:
            if isinstance(peer, NotMeasured):
                return peer
            measured = peer_against_service(peer, service, context.api_key, context.settings)
    if isinstance(measured, NotMeasured):
        return measured
    return Measured({**measured.figures, "method": method})


def _rate_with_failures(side: Figures) -> str:
    """Requests per second, and the failed ones with their first reason if any failed."""
    shown = rate(side["trivialPerSecond"])
    if side.get("trivialFailures"):
        reasons = side.get("trivialFailureReasons") or ["no reason kept"]
        shown += f" ({side['trivialFailures']:,} failed: {reasons[0]})"
    return shown


def _why(peer_figures: Figures, results: Results) -> str | None:
    peer = figure(peer_figures, "peer", "trivial", "p50")
    service = figure(peer_figures, "service", "trivial", "p50")
    engine = restore.engine_p50(results, TRIVIAL.name)
    if peer is None or service is None or engine is None:
        return None
    return (
        f"3{TIMES} faster than this peer ({ms(peer)}) means a service p50 of at most "
        f"{ms(peer / 3)}; it measured {ms(service)} in the same turns, of which the engine is "
        f"{ms(engine)}: {SPLIT}."
    )


def _comparison(key: str, label: str, start: Start, method: str) -> Comparison:
    def rows(result: Result) -> list[str]:
        if isinstance(result, NotMeasured):
            return [not_measured_row(label, result, cells=COLUMNS)]
        peer, service, versus = (result.figures[part] for part in ("peer", "service", "versusService"))
        return [
            row(
                label, "peer", ms(peer["trivial"]["p50"]), ms(peer["fib25"]["p50"]), _rate_with_failures(peer)
            ),
            row(
                "",
                "this service, same turns",
                ms(service["trivial"]["p50"]),
                ms(service["fib25"]["p50"]),
                _rate_with_failures(service),
            ),
            row(
                "",
                "**peer / service**",
                times(versus["trivialP50"]),
                times(versus["fib25P50"]),
                times(versus["trivialThroughput"]),
            ),
        ]

    return Comparison(
        key=key,
        title=f"peer {label}, taking turns with raw workerd",
        section=Section.PEERS,
        measure=lambda context: against_the_service(context, start, method),
        rows=rows,
        goals=(
            Goal(
                f"{label} trivial p50 / service trivial p50 (taking turns)",
                3.0,
                at_most=False,
                read=lambda figures: figure(figures, "versusService", "trivialP50"),
                why=_why,
                note=request_path,
            ),
        ),
    )


def start_worker_loader(context: Context) -> AbstractContextManager[Server | NotMeasured]:
    return servers.worker_loader(context.paths, context.config.compatibility_date, context.work)


def start_isolated_vm(context: Context) -> AbstractContextManager[Server | NotMeasured]:
    """isolated-vm, built by `make bench` into bench/.work/node_modules, if it built."""
    modules = context.paths.root / "bench" / ".work"
    if not (modules / "node_modules" / "isolated-vm" / "out" / "isolated_vm.node").is_file():
        return nullcontext(
            NotMeasured("isolated-vm did not build here (no native module in bench/.work/node_modules)")
        )
    return servers.isolated_vm(context.paths, modules, context.work)


WORKER_LOADER = _comparison(
    "workerLoader",
    "Worker Loader",
    start_worker_loader,
    "workerd's `workerLoader` binding (workerd serve --experimental): each request "
    "loads the snippet as a new Worker with LOADER.load() (or get() with a new id), no outbound",
)
ISOLATED_VM = _comparison(
    "isolatedVm",
    "isolated-vm",
    start_isolated_vm,
    "fresh ivm.Isolate (64 MiB) + context per request, disposed after; Node http server",
)
