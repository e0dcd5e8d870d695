"""Cold start: process start to the first execution answered, against process start to
the first `/health` answered; on raw workerd and on Miniflare (`make dev`). One
comparison per server, the same measurement."""

from __future__ import annotations

import os
import shutil
import statistics
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from bench import servers
from bench.comparison import Comparison, Goal, Section
from bench.context import Context
from bench.load import Call
from bench.markdown import ARROW, ms, not_measured_row, row, times
from bench.measures import post_json
from bench.result import Measured, NotMeasured, Result, figure
from bench.stats import ratio
from bench.workloads import HEALTH, TRIVIAL, execute_call
from infra.stack.bindings import API_KEY

# A server started without waiting for it: its URL and an is-alive check.
Started = tuple[str, Callable[[], bool]]
Starter = Callable[[Context], AbstractContextManager[Started]]


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


def cold_start(context: Context, start: Starter) -> Result:
    firsts: dict[str, list[float]] = {"exec": [], "noop": []}
    repeats = context.settings.cold_starts
    for _ in range(repeats):
        for kind, call in (("exec", execute_call(TRIVIAL, context.api_key)), ("noop", HEALTH)):
            started = time.perf_counter()
            with start(context) as (url, alive):
                failed = (
                    wait_for_execution(url, call, alive) if kind == "exec" else wait_for_health(url, alive)
                )
                if failed:
                    return NotMeasured(f"{kind}: {failed}")
                firsts[kind].append((time.perf_counter() - started) * 1000.0)
    exec_ms, noop_ms = statistics.median(firsts["exec"]), statistics.median(firsts["noop"])
    return Measured(
        {
            "repeats": repeats,
            "firstExecutionMsP50": round(exec_ms, 1),
            "firstHealthMsP50": round(noop_ms, 1),
            "ratio": ratio(exec_ms, noop_ms),
            "samples": {kind: [round(value, 1) for value in values] for kind, values in firsts.items()},
        }
    )


def start_raw_workerd(context: Context) -> AbstractContextManager[Started]:
    port = servers.free_port()
    command = servers.raw_workerd_command(
        context.paths, context.build_dir, context.api_key, port, context.work
    )
    return servers.spawned("raw-workerd", command, port, context.work, context.paths.root)


@contextmanager
def start_miniflare(context: Context) -> Iterator[Started]:
    port = servers.free_port()
    state = context.work / f"miniflare-cold-{port}"
    command = servers.miniflare_command(context.build_dir, state, context.api_key, port)
    environment = {**os.environ, API_KEY: context.api_key}
    with servers.spawned("miniflare", command, port, context.work, context.paths.root, env=environment) as up:
        yield up
    shutil.rmtree(state, ignore_errors=True)


def _comparison(key: str, label: str, start: Starter, goals: tuple[Goal, ...] = ()) -> Comparison:
    title = f"cold start, {label}: process start {ARROW} first execution vs {ARROW} first `/health`"

    def rows(result: Result) -> list[str]:
        if isinstance(result, NotMeasured):
            return [not_measured_row(title, result)]
        cold = result.figures
        return [
            row(title, ms(cold["firstExecutionMsP50"]), ms(cold["firstHealthMsP50"]), times(cold["ratio"]))
        ]

    return Comparison(
        key=key,
        title=f"cold start, {label}",
        section=Section.BASELINES,
        measure=lambda context: cold_start(context, start),
        rows=rows,
        goals=goals,
    )


RAW_WORKERD = _comparison(
    "coldStartRawWorkerd",
    "raw workerd",
    start_raw_workerd,
    goals=(
        Goal(
            "cold start, raw workerd: process start to first execution (ms)",
            None,
            at_most=True,
            read=lambda cold: figure(cold, "firstExecutionMsP50"),
            unit="ms",
        ),
    ),
)
MINIFLARE = _comparison("coldStartMiniflare", "Miniflare (`make dev`)", start_miniflare)
