"""The same programs in native QuickJS (PyPI `quickjs-ng`, the same quickjs-ng version
as the Worker's wasm build), run through the same guest prelude protocol the Worker
uses: fresh context, evaluate the prelude, `prepare(settings)`, `step("run", code)`,
drain jobs, `step("finish")`. Only the wasm and the Worker's host code differ.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import quickjs

from bench.result import NotMeasured, first_line
from infra.paths import ProjectPaths
from infra.stack.config import Limits


@dataclass(frozen=True)
class NativeRun:
    millis: list[float]
    envelope: dict[str, Any]


def run_native(paths: ProjectPaths, limits: Limits, code: str, repeats: int) -> NativeRun | NotMeasured:
    prelude = paths.guest_prelude.read_text(encoding="utf-8")
    worker_limits = limits.for_worker()
    settings = json.dumps(
        {key: worker_limits[key] for key in ("maxLogLines", "maxLogBytes", "maxResultBytes")}
    )
    millis: list[float] = []
    envelope: dict[str, Any] = {}
    for _ in range(repeats):
        started = time.perf_counter()
        context = quickjs.Context()
        context.set_memory_limit(worker_limits["heapBytes"])
        context.set_max_stack_size(worker_limits["stackBytes"])
        try:
            step = context.eval(prelude)(settings)
            step("run", code, None)
            while context.execute_pending_job():
                pass
            envelope = json.loads(step("finish"))
        except quickjs.JSException as error:
            return NotMeasured(f"native QuickJS: {first_line(str(error))}")
        millis.append((time.perf_counter() - started) * 1000.0)
    return NativeRun(millis, envelope)


def run_plain(code: str, repeats: int) -> list[float] | NotMeasured:
    """The same code with no prelude at all: a fresh context, the async function, its jobs."""
    millis: list[float] = []
    for _ in range(repeats):
        started = time.perf_counter()
        context = quickjs.Context()
        try:
            context.eval(f"(async function (input) {{\n{code}\n}})(null)")
            while context.execute_pending_job():
                pass
        except quickjs.JSException as error:
            return NotMeasured(f"native QuickJS: {first_line(str(error))}")
        millis.append((time.perf_counter() - started) * 1000.0)
    return millis
