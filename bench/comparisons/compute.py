"""fib(25) and the string/array workload in the Worker's sandbox against native QuickJS.

Sandbox time is the Worker's own `usage.wallMs` (the run on the engine's pristine image,
then its restore; whole milliseconds); native time is the guest prelude protocol in
PyPI quickjs-ng (a fresh context each run, as the harness tier runs it).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bench.comparison import Comparison, Goal, Section
from bench.comparisons import restore
from bench.context import Context
from bench.markdown import TIMES, ms, not_measured_row, row, times
from bench.measures import post_json, warm_up
from bench.native import run_native, run_plain
from bench.result import Figures, Measured, NotMeasured, Result, Results, figure
from bench.servers import Server
from bench.stats import ratio
from bench.workloads import COMPUTE, FIB, STRINGS, TRIVIAL, Workload, execute_call
from infra.build.engine_build import OPTIMIZATION

KEY = "compute"
LABELS = {FIB.name: "`fib(25)`", STRINGS.name: "string/array workload"}


def measure(context: Context) -> Result:
    with context.raw_workerd() as server:
        if isinstance(server, NotMeasured):
            return server
        failed = warm_up(server, context.api_key)
        if failed:
            return failed
        figures: Figures = {
            "nativeMethod": "PyPI quickjs-ng, the guest prelude protocol "
            "(fresh context, prepare, run, drain jobs, finish)",
            "sandboxMethod": "the Worker's usage.wallMs (Date.now(), whole ms): run on the pristine image "
            "and restore, in wasm",
        }
        for workload in COMPUTE:
            measured = sandbox_vs_native(context, server, workload)
            if isinstance(measured, NotMeasured):
                return measured
            figures[workload.name] = measured
    fixed = fixed_cost(context)
    if isinstance(fixed, NotMeasured):
        return fixed
    figures["perRunFixedCost"] = fixed
    return Measured(figures)


def sandbox_vs_native(context: Context, server: Server, workload: Workload) -> Figures | NotMeasured:
    call = execute_call(workload, context.api_key)
    walls, https, answers, natives, envelopes = [], [], [], [], []
    # Native and sandbox runs take turns, so the machine's noise hits both alike.
    for _ in range(context.settings.compute_repeats + 1):
        native = run_native(context.paths, context.config.limits, workload.code, 1)
        if isinstance(native, NotMeasured):
            return native.within(workload.name)
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
    return {
        "sandboxWallMsP50": round(sandbox_ms, 3),
        "sandboxHttpMsP50": round(statistics.median(https), 3),
        "nativeMsP50": round(native_ms, 3),
        "ratio": ratio(sandbox_ms, native_ms),
        "sameResult": same,
        "fuel": answers[-1]["usage"]["fuel"],
    }


def fixed_cost(context: Context) -> Figures | NotMeasured:
    """What one native run costs before any user code: the README example in native QuickJS
    with the prelude protocol and without it (the Worker evaluates the prelude once, into
    the engine's image, and pays only the run and the restore)."""
    repeats = max(20, context.settings.compute_repeats * 10)
    protocol = run_native(context.paths, context.config.limits, TRIVIAL.code, repeats)
    if isinstance(protocol, NotMeasured):
        return protocol
    plain_runs = run_plain(TRIVIAL.code, repeats)
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


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [not_measured_row("compute: sandbox vs native QuickJS", result)]
    compute = result.figures
    lines = [
        row(
            f"{LABELS[workload.name]}: sandbox (Worker `wallMs`) vs native QuickJS",
            ms(compute[workload.name]["sandboxWallMsP50"]),
            ms(compute[workload.name]["nativeMsP50"]),
            times(compute[workload.name]["ratio"]),
        )
        for workload in COMPUTE
    ]
    fixed = compute["perRunFixedCost"]
    protocol, plain = fixed["nativePreludeProtocolMsP50"], fixed["nativePlainEvalMsP50"]
    lines.append(
        row(
            "per-run fixed cost, README example in native QuickJS: prelude protocol vs plain eval",
            ms(protocol),
            ms(plain),
            times(protocol / plain if plain > 0 else None),
        )
    )
    return lines


def _why(name: str) -> Callable[[Figures, Results], str | None]:
    def why(compute: Figures, results: Results) -> str | None:
        sandbox = figure(compute, name, "sandboxWallMsP50")
        native = figure(compute, name, "nativeMsP50")
        node = restore.engine_p50(results, name)
        if sandbox is None or native is None or node is None:
            return None
        return (
            f"The same wasm engine in Node's V8 takes {ms(node)} ({node / native:.2f}{TIMES} native "
            f"{ms(native)}); in the Worker, {ms(sandbox)} (`wallMs`, whole milliseconds: "
            f"{sandbox - node:+.2f} ms from Node's). So the gap to native is the engine's build itself "
            f"(wasm32 at {OPTIMIZATION}, fuel-metered), measured in Node with no Worker around it."
        )

    return why


def _goal(workload: Workload, label: str) -> Goal:
    return Goal(
        f"sandbox {label} / native QuickJS",
        1.2,
        at_most=True,
        read=lambda compute: figure(compute, workload.name, "ratio"),
        why=_why(workload.name),
    )


COMPARISON = Comparison(
    key=KEY,
    title="raw workerd: compute in the sandbox vs native QuickJS",
    section=Section.BASELINES,
    measure=measure,
    rows=rows,
    goals=(_goal(FIB, "fib(25)"), _goal(STRINGS, "string/array")),
)
