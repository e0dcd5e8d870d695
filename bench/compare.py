"""The comparisons: each is a small function over running servers that measures the
service and its baseline in the same breath and returns one results section, or
`NotMeasured` with the reason when a server or the load failed.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from bench import load
from bench.load import Call
from bench.native import run_native, run_plain
from bench.outcome import NotMeasured, first_line
from bench.servers import Server, rss_bytes
from bench.stats import ratio, summary
from bench.workloads import COMPUTE, FIB, HEALTH, TRIVIAL, execute_call, peer_call
from infra.paths import ProjectPaths
from infra.stack.config import Limits


@dataclass(frozen=True)
class Settings:
    """How much to measure; `quick` is for checking that the bench works at all."""

    latency_rounds: int = 1000
    throughput_seconds: float = 5.0
    connections: int = 8
    compute_repeats: int = 15
    peer_rounds: int = 300
    peer_compute_repeats: int = 10
    cold_starts: int = 3
    restore_repeats: int = 400

    @classmethod
    def quick(cls) -> Settings:
        return cls(100, 1.5, 4, 3, 30, 3, 1, 40)


# Requests that bring a fresh workerd to its steady state: V8 first runs the engine's wasm
# from its baseline compiler and tiers it up after enough calls.
WARM_UP_REQUESTS = 300


def warm_up(server: Server, api_key: str, requests: int = WARM_UP_REQUESTS) -> NotMeasured | None:
    """Executes the trivial snippet `requests` times, measuring nothing; why it failed, if it did."""
    done = load.latencies(server.url, [execute_call(TRIVIAL, api_key)], rounds=0, warmup=requests)
    return done if isinstance(done, NotMeasured) else None


def latency_vs_noop(
    server: Server, api_key: str, settings: Settings
) -> tuple[dict[str, Any] | NotMeasured, dict[str, list[float]]]:
    """Warm p50/p99 of the README example against GET /health, taking turns on one connection."""
    execute = execute_call(TRIVIAL, api_key)
    failed = warm_up(server, api_key)
    if failed:
        return failed, {}
    samples = load.latencies(server.url, [execute, HEALTH], settings.latency_rounds, warmup=20)
    if isinstance(samples, NotMeasured):
        return samples, {}
    exec_summary, noop_summary = summary(samples[execute.name]), summary(samples[HEALTH.name])
    section = {
        "server": server.name,
        "exec": exec_summary,
        "noop": noop_summary,
        "ratioP50": ratio(exec_summary["p50"], noop_summary["p50"]),
        "ratioP99": ratio(exec_summary["p99"], noop_summary["p99"]),
    }
    return section, {"exec": samples[execute.name], "noop": samples[HEALTH.name]}


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


def side_by_side(
    servers_by_label: dict[str, Server], api_key: str, settings: Settings
) -> dict[str, Any] | NotMeasured:
    """The README example and GET /health on several servers running at once (two builds,
    the same build twice, or two ways of serving it), requests taking turns in blocks so
    work one server defers past its answers stays in its own block."""
    for label, server in servers_by_label.items():
        failed = warm_up(server, api_key)
        if failed:
            return NotMeasured(f"{label}: {failed.reason}")
    targets = []
    for label, server in servers_by_label.items():
        targets.append(
            (server.url, dataclasses.replace(execute_call(TRIVIAL, api_key), name=f"{label} exec"))
        )
        targets.append((server.url, dataclasses.replace(HEALTH, name=f"{label} noop")))
    samples = load.latencies_across(targets, settings.latency_rounds, warmup=20, block=PEER_BLOCK)
    if isinstance(samples, NotMeasured):
        return samples
    return {
        label: {"exec": summary(samples[f"{label} exec"]), "noop": summary(samples[f"{label} noop"])}
        for label in servers_by_label
    }


def side_ratio(
    measured: dict[str, Any] | NotMeasured,
    side: str,
    baseline: str,
    route: str = "exec",
    percentile: str = "p50",
) -> float | None:
    """One side of a `side_by_side` measurement against another: route's percentile, side / baseline."""
    if isinstance(measured, NotMeasured):
        return None
    return ratio(measured[side][route][percentile], measured[baseline][route][percentile])


def throughput_vs_noop(server: Server, api_key: str, settings: Settings) -> dict[str, Any] | NotMeasured:
    """Requests per second of the README example against GET /health, same connections;
    and the workerd process's memory idle and at its peak under the execution load."""
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
    return {
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


def unanswered(measured: load.Throughput, what: str) -> NotMeasured | None:
    """A throughput run in which no request was answered is no measure: why, if so."""
    if measured.requests > 0:
        return None
    reasons = "; ".join(measured.reasons) or "no request completed"
    return NotMeasured(f"{what}: none of {measured.failures} requests answered 200 ({reasons})")


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


def compute_vs_native(
    server: Server, api_key: str, paths: ProjectPaths, limits: Limits, settings: Settings
) -> dict[str, Any] | NotMeasured:
    """fib(25) and the string/array workload in the Worker's sandbox against native QuickJS.

    Sandbox time is the Worker's own `usage.wallMs` (the run on the engine's pristine image,
    then its restore; whole milliseconds); native time is the guest prelude protocol in
    PyPI quickjs-ng (a fresh context each run, as the harness tier runs it).
    """
    section: dict[str, Any] = {
        "nativeMethod": "PyPI quickjs-ng, the guest prelude protocol "
        "(fresh context, prepare, run, drain jobs, finish)",
        "sandboxMethod": "the Worker's usage.wallMs (Date.now(), whole ms): run on the pristine image "
        "and restore, in wasm",
    }
    for workload in COMPUTE:
        call = execute_call(workload, api_key)
        walls, https, answers, natives, envelopes = [], [], [], [], []
        # Native and sandbox runs take turns, so the machine's noise hits both alike.
        for _ in range(settings.compute_repeats + 1):
            native = run_native(paths, limits, workload.code, 1)
            if isinstance(native, NotMeasured):
                return NotMeasured(f"{workload.name}: {native.reason}")
            natives += native.millis
            envelopes.append(native.envelope)
            started = time.perf_counter()
            answer = post_json(server.url, call)
            https.append((time.perf_counter() - started) * 1000.0)
            if isinstance(answer, NotMeasured):
                return answer
            if "usage" not in answer:
                return NotMeasured(f"{workload.name}: answered {answer!r:.200}")
            walls.append(float(answer["usage"]["wallMs"]))
            answers.append(answer)
        # The first round warms up both sides.
        walls, https, natives = walls[1:], https[1:], natives[1:]
        expected = workload.expect if workload.expect is not None else envelopes[0].get("result")
        same = all(a["status"] == "ok" and a["result"] == expected for a in answers) and all(
            envelope.get("result") == expected for envelope in envelopes
        )
        sandbox_ms = statistics.median(walls)
        native_ms = statistics.median(natives)
        section[workload.name] = {
            "sandboxWallMsP50": round(sandbox_ms, 3),
            "sandboxHttpMsP50": round(statistics.median(https), 3),
            "nativeMsP50": round(native_ms, 3),
            "ratio": ratio(sandbox_ms, native_ms),
            "sameResult": same,
            "fuel": answers[-1]["usage"]["fuel"],
        }
    fixed = fixed_cost(paths, limits, settings)
    if isinstance(fixed, NotMeasured):
        return fixed
    section["perRunFixedCost"] = fixed
    return section


def fixed_cost(paths: ProjectPaths, limits: Limits, settings: Settings) -> dict[str, Any] | NotMeasured:
    """What one native run costs before any user code: the README example in native QuickJS
    with the prelude protocol and without it (the Worker evaluates the prelude once, into
    the engine's image, and pays only the run and the restore)."""
    repeats = max(20, settings.compute_repeats * 10)
    protocol = run_native(paths, limits, TRIVIAL.code, repeats)
    plain_runs = run_plain(TRIVIAL.code, repeats)
    if isinstance(protocol, NotMeasured):
        return protocol
    if isinstance(plain_runs, NotMeasured):
        return plain_runs
    with_prelude = statistics.median(protocol.millis)
    plain = statistics.median(plain_runs)
    return {
        "workload": TRIVIAL.name,
        "nativePreludeProtocolMsP50": round(with_prelude, 3),
        "nativePlainEvalMsP50": round(plain, 3),
        "preludeShare": ratio(with_prelude - plain, with_prelude),
    }


def wait_for_execution(url: str, call: Call, process_alive: Callable[[], bool], seconds: float = 60.0) -> str:
    """Polls until an execution answers ok: "" then, else why it did not."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if not process_alive():
            return "server exited before answering"
        answer = post_json(url, call)
        if not isinstance(answer, NotMeasured) and answer.get("status") == "ok":
            return ""
        time.sleep(0.005)
    return f"no execution answered within {seconds:.0f} s"


def wait_for_health(url: str, process_alive: Callable[[], bool], seconds: float = 60.0) -> str:
    """Polls until /health answers 200: "" then, else why it did not."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if not process_alive():
            return "server exited before answering"
        try:
            with urllib.request.urlopen(url + HEALTH.path, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return ""
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.005)
    return f"/health did not answer within {seconds:.0f} s"


def cold_start(
    start: Callable[[], AbstractContextManager[tuple[str, Callable[[], bool]]]], api_key: str, repeats: int
) -> dict[str, Any] | NotMeasured:
    """Process start -> first execution answered, against process start -> first /health."""
    firsts: dict[str, list[float]] = {"exec": [], "noop": []}
    for _ in range(repeats):
        for kind, call in (("exec", execute_call(TRIVIAL, api_key)), ("noop", HEALTH)):
            started = time.perf_counter()
            with start() as (url, alive):
                failed = (
                    wait_for_execution(url, call, alive) if kind == "exec" else wait_for_health(url, alive)
                )
                if failed:
                    return NotMeasured(f"{kind}: {failed}")
                firsts[kind].append((time.perf_counter() - started) * 1000.0)
    exec_ms, noop_ms = statistics.median(firsts["exec"]), statistics.median(firsts["noop"])
    return {
        "repeats": repeats,
        "firstExecutionMsP50": round(exec_ms, 1),
        "firstHealthMsP50": round(noop_ms, 1),
        "ratio": ratio(exec_ms, noop_ms),
        "samples": {kind: [round(value, 1) for value in values] for kind, values in firsts.items()},
    }


# Trivial requests to a peer and to the service alternate in blocks of this many.
PEER_BLOCK = 25


def peer_against_service(
    peer: Server, service: Server, api_key: str, settings: Settings
) -> dict[str, Any] | NotMeasured:
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
    latency: dict[str, dict[str, Any]] = {}
    for workload, rounds, warmup, block in (
        (TRIVIAL, settings.peer_rounds, 50, PEER_BLOCK),
        (FIB, settings.peer_compute_repeats, 1, 1),
    ):
        service_call = dataclasses.replace(execute_call(workload, api_key), name="service")
        peer_request = dataclasses.replace(peer_call(workload), name="peer")
        samples = load.latencies_across(
            [(service.url, service_call), (peer.url, peer_request)], rounds, warmup=warmup, block=block
        )
        if isinstance(samples, NotMeasured):
            return NotMeasured(f"{workload.name} latency: {samples.reason}")
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
    return {
        "about": json.loads(about.body) if about.status == 200 else {"status": about.status},
        "peer": {
            "trivial": latency[TRIVIAL.name]["peer"],
            "fib25": latency[FIB.name]["peer"],
            "trivialPerSecond": round(peer_rate.per_second, 1),
            "trivialFailures": peer_rate.failures,
            "trivialFailureReasons": list(peer_rate.reasons),
        },
        "service": {
            "trivial": latency[TRIVIAL.name]["service"],
            "fib25": latency[FIB.name]["service"],
            "trivialPerSecond": round(service_rate.per_second, 1),
            "trivialFailures": service_rate.failures,
            "trivialFailureReasons": list(service_rate.reasons),
        },
        "versusService": {
            "trivialP50": ratio(
                latency[TRIVIAL.name]["peer"]["p50"], latency[TRIVIAL.name]["service"]["p50"]
            ),
            "fib25P50": ratio(latency[FIB.name]["peer"]["p50"], latency[FIB.name]["service"]["p50"]),
            "trivialThroughput": ratio(peer_rate.per_second, service_rate.per_second),
        },
    }
