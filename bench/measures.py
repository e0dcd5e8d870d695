"""The measurements several comparisons share, over running servers: warm latency and
throughput of the README example against the no-op route, and servers side by side.
Each gives a `Result`: a server or the load that failed is `NotMeasured` with why.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import urllib.error
import urllib.request
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

from bench import load
from bench.context import Context, Settings
from bench.load import Call
from bench.result import Measured, NotMeasured, Result, first_line
from bench.servers import Server, rss_bytes
from bench.stats import ratio, summary
from bench.workloads import HEALTH, TRIVIAL, execute_call

# Requests that bring a fresh workerd to its steady state: V8 first runs the engine's wasm
# from its baseline compiler and tiers it up after enough calls.
WARM_UP_REQUESTS = 300
# Requests to servers taking turns alternate in blocks of this many.
BLOCK = 25


def warm_up(server: Server, api_key: str, requests: int = WARM_UP_REQUESTS) -> NotMeasured | None:
    """Executes the trivial snippet `requests` times, measuring nothing; why it failed, if it did."""
    done = load.latencies(server.url, [execute_call(TRIVIAL, api_key)], rounds=0, warmup=requests)
    return done if isinstance(done, NotMeasured) else None


def latency_vs_noop(server: Server, api_key: str, settings: Settings, label: str) -> Result:
    """Warm p50/p99 of the README example against GET /health, taking turns on one
    connection; the samples are plotted as "execution, <label>" and "GET /health, <label>"."""
    execute = execute_call(TRIVIAL, api_key)
    failed = warm_up(server, api_key)
    if failed:
        return failed
    samples = load.latencies(server.url, [execute, HEALTH], settings.latency_rounds, warmup=20)
    if isinstance(samples, NotMeasured):
        return samples
    exec_summary, noop_summary = summary(samples[execute.name]), summary(samples[HEALTH.name])
    figures = {
        "server": server.name,
        "exec": exec_summary,
        "noop": noop_summary,
        "ratioP50": ratio(exec_summary["p50"], noop_summary["p50"]),
        "ratioP99": ratio(exec_summary["p99"], noop_summary["p99"]),
    }
    series = {f"execution, {label}": samples[execute.name], f"GET /health, {label}": samples[HEALTH.name]}
    return Measured(figures, series)


class RssSampler(AbstractContextManager["RssSampler"]):
    """Samples one process's RSS every 50 ms while the block runs; keeps the peak."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while self.pid is not None and not self._done.wait(0.05):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()


def throughput_vs_noop(server: Server, api_key: str, settings: Settings) -> Result:
    """Requests per second of the README example against GET /health, same connections;
    and the workerd process's memory idle (the server warmed up) and at its peak under the
    execution load."""
    failed = warm_up(server, api_key)
    if failed:
        return failed
    pid = server.workerd_pid()
    idle = rss_bytes(pid) if pid else 0
    with RssSampler(pid) as sampler:
        execute = load.throughput(
            server.url, execute_call(TRIVIAL, api_key), settings.connections, settings.throughput_seconds
        )
    noop = load.throughput(server.url, HEALTH, settings.connections, settings.throughput_seconds)
    failed = unanswered(execute, "execution") or unanswered(noop, "/health")
    if failed:
        return failed
    return Measured(
        {
            "server": server.name,
            "connections": settings.connections,
            "seconds": settings.throughput_seconds,
            "execPerSecond": round(execute.per_second, 1),
            "noopPerSecond": round(noop.per_second, 1),
            "execFailures": execute.failures,
            "noopFailures": noop.failures,
            "failureReasons": [*execute.reasons, *noop.reasons],
            "ratio": ratio(execute.per_second, noop.per_second),
            "memory": {
                "process": "workerd",
                "pid": pid,
                "idleRssBytes": idle,
                "peakRssBytesUnderExecLoad": sampler.peak,
            },
        }
    )


def unanswered(measured: load.Throughput, what: str) -> NotMeasured | None:
    """A throughput run in which no request was answered is no measure: why, if so."""
    if measured.requests > 0:
        return None
    reasons = "; ".join(measured.reasons) or "no request completed"
    return NotMeasured(f"{what}: none of {measured.failures} requests answered 200 ({reasons})")


def side_by_side(servers_by_label: dict[str, Server], api_key: str, settings: Settings) -> Result:
    """The README example and GET /health on several servers running at once (two builds,
    the same build twice, or two ways of serving it), requests taking turns in blocks so
    work one server defers past its answers stays in its own block."""
    for label, server in servers_by_label.items():
        failed = warm_up(server, api_key)
        if failed:
            return failed.within(label)
    targets = []
    for label, server in servers_by_label.items():
        targets.append(
            (server.url, dataclasses.replace(execute_call(TRIVIAL, api_key), name=f"{label} exec"))
        )
        targets.append((server.url, dataclasses.replace(HEALTH, name=f"{label} noop")))
    samples = load.latencies_across(targets, settings.latency_rounds, warmup=20, block=BLOCK)
    if isinstance(samples, NotMeasured):
        return samples
    return Measured(
        {
            label: {"exec": summary(samples[f"{label} exec"]), "noop": summary(samples[f"{label} noop"])}
            for label in servers_by_label
        }
    )


def side_by_side_builds(context: Context, builds: dict[str, Path]) -> Result:
    """`side_by_side` of builds, each on its own raw workerd, by label."""
    with ExitStack() as stack:
        running: dict[str, Server] = {}
        for label, build in builds.items():
            server = stack.enter_context(context.raw_workerd(build))
            if isinstance(server, NotMeasured):
                return server.within(label)
            running[label] = server
        return side_by_side(running, context.api_key, context.settings)


def side_ratio(
    measured: Result, side: str, baseline: str, route: str = "exec", percentile: str = "p50"
) -> float | None:
    """One side of a `side_by_side` measurement against another: route's percentile, side / baseline."""
    if isinstance(measured, NotMeasured):
        return None
    figures = measured.figures
    return ratio(figures[side][route][percentile], figures[baseline][route][percentile])


def post_json(url: str, call: Call) -> dict[str, Any] | NotMeasured:
    """One request's JSON answer, or why there is none."""
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        url + call.path, data=call.body, method=call.method, headers=dict(call.headers)
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - 127.0.0.1 only
            answer = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        return NotMeasured(f"{call.name}: {first_line(str(error))}")
    if not isinstance(answer, dict):
        return NotMeasured(f"{call.name}: answered {answer!r:.200}, not a JSON object")
    return answer
