"""The pre-deploy sandbox harness: the behaviour corpus on a local QuickJS, in Python.

It runs the guest prelude (`worker_src/sandbox/guest/prelude.guest.js`) unchanged on PyPI
`quickjs-ng` (`import quickjs`), the same quickjs-ng version as the Worker's wasm variant,
with the same protocol as `worker_src/sandbox/run.js`: evaluate the prelude, call its
completion value `prepare(settingsJson)` to get `step`, then `step("run", code,
inputJson)`, drain the pending jobs with the budget armed, and `step("finish")` for the
JSON envelope. Only what the prelude cannot do itself lives here, and it mirrors run.js:
the CPU budget, and the status of a failure that escaped the prelude. The gate runs it
through `native_tier.py`, in a child process (`harness_process.py`).

Native work: the Worker's wasm is metered (every loop step inside built-ins counts); native
quickjs-ng is not, so the harness also evaluates `worker_src/sandbox/guest/native-guards.guest.js`,
which charges built-in calls on huge inputs before they run and reports `timeout` once the
run's fuel is spent.

Fuel and time: the Worker counts interrupt polls (fuel); the Python binding offers only a
CPU-time limit (`set_time_limit`, via `clock()`, restarted on every call into the
engine). The harness gives a run `fuel * SECONDS_PER_FUEL` seconds of CPU in total across
its calls, measured with `time.process_time()`. The two budgets buy about the same work,
not exactly the same, so the corpus asserts the status, never the number (see
`infra/check/cases/README.md`).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import quickjs

from infra.build.engine_facts import ENGINE_VERSION
from infra.check.answer_bytes import sent_bytes
from infra.check.corpus import Outcome
from infra.errors import HarnessError
from infra.paths import ProjectPaths
from infra.stack.config import Limits

HARNESS_DISTRIBUTION = "quickjs-ng"
# Native CPU seconds per unit of fuel: this binding's `time.process_time()` for a loop
# (x86-64) over the Worker's fuel for the same loop (its interrupt polls). Measured on
# quickjs-ng 0.12.1: 0.18-0.23 ms per fuel unit for counting loops and Math calls. Measured
# again on 0.17.0 against the same poll counts (the poll cadence, 10,000 operations, did not
# change): the same CPU per loop within 4% (counting loops 12% less), so the figure stands.
# With the stacks' 2000 fuel a run gets 0.5 s of CPU.
SECONDS_PER_FUEL = 0.00025
# Native stack bytes per byte of the Worker's stack limit. QuickJS measures its stack limit
# on the C stack, and a JS call takes about five times as much of it natively (x86-64) as
# in the project's wasm build: with a 256 KiB limit, plain recursion (a counter in each
# frame) reaches 154 frames natively on quickjs-ng 0.17.0 and 775 on workerd (the 0.17.0
# wasm at -Os). Scaling keeps "deep but legal" and "runaway" on the same side.
STACK_SCALE = 5
# CPU for checking that a body does not close itself (a throwaway context runs what escapes).
BODY_CHECK_SECONDS = 0.05
# CPU allowed past an exhausted budget, only to collect the logs (run.js: FINISH_GRACE_FUEL).
FINISH_GRACE_SECONDS = 0.02
# The errors of a failure that escaped the prelude, as run.js's LIMIT_ERRORS shapes them.
LIMIT_ERRORS: Mapping[str, Mapping[str, str]] = {
    "timeout": {
        "name": "TimeoutError",
        "message": "the program used up its fuel budget",
        "stack": "",
        "phase": "runtime",
    },
    "memory_limit": {
        "name": "MemoryLimitError",
        "message": "the program ran out of memory",
        "stack": "",
        "phase": "runtime",
    },
    "stack_overflow": {
        "name": "RangeError",
        "message": "Maximum call stack size exceeded",
        "stack": "",
        "phase": "runtime",
    },
    "error": {
        "name": "InternalError",
        "message": "the sandbox failed while running the program and was reset",
        "stack": "",
        "phase": "runtime",
    },
}
# Widest a column of the check's table gets (case ids are never cut).
ENVELOPE_KEYS = frozenset({"status", "result", "error", "logs", "logStats"})
# What quickjs-ng's interrupt throws (uncatchable by the guest).
INTERRUPTED = ("InternalError", "interrupted")


def prelude_path(paths: ProjectPaths) -> Path:
    return paths.guest_prelude


@dataclass(frozen=True)
class RunLimits:
    """The limits of one run, in the units of the Worker's `LIMITS` module."""

    fuel: int
    heap_bytes: int
    stack_bytes: int
    max_log_lines: int
    max_log_bytes: int
    max_result_bytes: int

    @classmethod
    def of_stack(cls, limits: Limits) -> RunLimits:
        worker = limits.for_worker()
        return cls(
            fuel=worker["fuel"],
            heap_bytes=worker["heapBytes"],
            stack_bytes=worker["stackBytes"],
            max_log_lines=worker["maxLogLines"],
            max_log_bytes=worker["maxLogBytes"],
            max_result_bytes=worker["maxResultBytes"],
        )

    def overridden(self, overrides: Mapping[str, int]) -> RunLimits:
        """A request's `limits` as worker_src/execute.js applies them (memoryBytes is the heap)."""
        return replace(
            self,
            fuel=overrides.get("fuel", self.fuel),
            heap_bytes=overrides.get("memoryBytes", self.heap_bytes),
        )

    @property
    def cpu_seconds(self) -> float:
        return self.fuel * SECONDS_PER_FUEL

    def settings_json(self) -> str:
        return json.dumps(
            {
                "maxLogLines": self.max_log_lines,
                "maxLogBytes": self.max_log_bytes,
                "maxResultBytes": self.max_result_bytes,
            }
        )


class _CpuBudget:
    """CPU seconds for one run, across every call into the engine (each restarts its clock)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.process_time()

    def spent(self) -> bool:
        return time.process_time() - self.started >= self.seconds

    def arm(self, context: Any) -> None:
        context.set_time_limit(max(self.seconds - (time.process_time() - self.started), 0.0))


class _GuestEscapeError(Exception):
    """A guest failure that escaped the prelude: (name, message), or None when the thrown
    value was null/undefined or could not even be turned into text."""

    def __init__(self, dumped: tuple[str, str] | None, text: str) -> None:
        super().__init__(dumped)
        self.dumped = dumped
        self.text = text

    @classmethod
    def of(cls, error: quickjs.JSException) -> _GuestEscapeError:
        # The binding's message is `String(thrown) + "\n" + thrown.stack`.
        first_line = str(error).split("\n", 1)[0]
        if first_line in ("null", "undefined") or first_line.startswith("(Failed obtaining"):
            return cls(None, first_line)
        name, _, message = first_line.partition(": ")
        return cls((name, message), first_line)


def judge_escape(dumped: tuple[str, str] | None, out_of_fuel: bool) -> str:
    """run.js `judgeEscape`: the status of a failure the prelude could not catch."""
    if out_of_fuel or dumped == INTERRUPTED:
        return "timeout"
    if dumped is None:
        return "memory_limit"
    name, message = dumped
    if message in ("out of memory", "string too long"):
        return "memory_limit"
    if name in ("RangeError", "InternalError") and "stack" in message:
        return "stack_overflow"
    return "error"


@functools.cache
def native_guards_source() -> str:
    """The guards that bound built-in calls natively (the Worker meters its wasm instead)."""
    return ProjectPaths.of_checkout().native_guards.read_text(encoding="utf-8")


def run_program(prelude: str, code: str, input_json: str | None, limits: RunLimits) -> Outcome:
    """One execution on a fresh QuickJS context, as the Worker runs it."""
    context = quickjs.Context()
    context.set_memory_limit(limits.heap_bytes)
    context.set_max_stack_size(limits.stack_bytes * STACK_SCALE)
    budget = _CpuBudget(limits.cpu_seconds)
    step: Any = None
    guards_report: Any = None
    try:
        step = _prepare(context, prelude, limits, budget)
        install_guards = _call(context, budget, context.eval, native_guards_source())
        guards_report = _call(context, budget, install_guards, limits.fuel)
        if _body_is_whole(prelude, code, limits):
            _call(context, budget, step, "run", code, input_json)
        else:
            _call(context, budget, step, "escapes")
        _drain_jobs(context, budget, step)
        status = "timeout" if budget.spent() or _guards_exhausted(context, guards_report) else None
    except _GuestEscapeError as escape:
        status = (
            "timeout"
            if _guards_exhausted(context, guards_report)
            else judge_escape(escape.dumped, budget.spent())
        )
    if status is not None:
        if step is None:
            return _limit_outcome(status, None)
        try:
            envelope = json.loads(_call(context, _CpuBudget(FINISH_GRACE_SECONDS), step, "finish"))
        except _GuestEscapeError:
            envelope = None
        return _limit_outcome(status, envelope)
    try:
        return _from_envelope(json.loads(_call(context, budget, step, "finish")))
    except _GuestEscapeError as escape:
        return _limit_outcome(judge_escape(escape.dumped, budget.spent()), None)


def _drain_jobs(context: Any, budget: _CpuBudget, step: Any) -> None:
    """Runs the jobs the program queued while the budget lasts. A job that throws (a
    queueMicrotask or FinalizationRegistry callback) is reported to the prelude, which logs
    it, and draining goes on; the interrupt still ends the run (engine/sandbox.c alike)."""
    while not budget.spent():
        try:
            if not _call(context, budget, context.execute_pending_job):
                return
        except _GuestEscapeError as failure:
            if failure.dumped == INTERRUPTED or budget.spent():
                raise
            _call(context, budget, step, "jobFailed", None, failure.text)


def _body_is_whole(prelude: str, code: str, limits: RunLimits) -> bool:
    """Whether the code stays inside its function body, asked of the prelude in a throwaway
    context (the Worker's engine checks the compiled bytecode instead: engine/sandbox.c)."""
    probe = quickjs.Context()
    probe.set_memory_limit(limits.heap_bytes)
    probe.set_max_stack_size(limits.stack_bytes * STACK_SCALE)
    budget = _CpuBudget(BODY_CHECK_SECONDS)
    try:
        step = _prepare(probe, prelude, limits, budget)
        return _call(probe, budget, step, "checkBody", code) is True
    except _GuestEscapeError:
        return False


def _guards_exhausted(context: Any, report: Any) -> bool:
    """Whether the native-work guards found the budget spent (a guest may catch their error)."""
    if report is None:
        return False
    try:
        state = json.loads(_call(context, _CpuBudget(FINISH_GRACE_SECONDS), report))
    except (_GuestEscapeError, ValueError):
        return False
    return isinstance(state, dict) and state.get("exhausted") is True


def _prepare(context: Any, prelude: str, limits: RunLimits, budget: _CpuBudget) -> Any:
    prepare = _call(context, budget, context.eval, prelude)
    if not isinstance(prepare, quickjs.Object):
        raise HarnessError("the guest prelude's completion value must be its prepare(settings) function")
    step = _call(context, budget, prepare, limits.settings_json())
    if not isinstance(step, quickjs.Object):
        raise HarnessError("the guest prelude's completion value must be prepare(settings) -> step")
    return step


def _call(context: Any, budget: _CpuBudget, function: Callable[..., Any], *args: Any) -> Any:
    budget.arm(context)
    try:
        return function(*args)
    except quickjs.JSException as error:
        raise _GuestEscapeError.of(error) from None


def _from_envelope(envelope: Any) -> Outcome:
    """run.js `fromEnvelope`, with the evidence the native engine leaves instead of the
    Worker's allocator and stack counters (`confirmed_limit`)."""
    if not isinstance(envelope, Mapping) or not set(envelope) >= ENVELOPE_KEYS:
        # A broken prelude: no status of the API fits, so no case can pass by accident.
        return Outcome(
            status="malformed_envelope",
            result=None,
            error={
                "name": "HarnessError",
                "message": f"the prelude returned {str(envelope)[:80]!r}",
                "stack": "",
            },
            logs=(),
            logs_dropped=0,
        )
    error = envelope["error"]
    status = confirmed_limit(envelope["status"], error)
    return _outcome(
        status=status,
        result=envelope["result"] if status == "ok" else None,
        error=_public_error(error) if error else None,
        logs=tuple((line["level"], line["message"]) for line in envelope["logs"]),
        logs_dropped=envelope["logStats"]["dropped"],
    )


def confirmed_limit(status: str, error: Mapping[str, Any] | None) -> str:
    """A limit status the prelude read from an error's text, kept only when the error is
    the engine's own. The Worker counts refused allocations and stack-limit hits; native
    quickjs-ng offers no such count, so the harness weighs what the error carries: it must
    be a real Error object (not `{name, message}` made up by the program) that the program
    did not construct itself (sandbox/guest/native-guards.guest.js marks those)."""
    evidence = (error or {}).get("evidence") or {}
    if status in ("memory_limit", "stack_overflow") and (
        not evidence.get("errorObject") or evidence.get("madeByProgram")
    ):
        return "error"
    return status


def _public_error(error: Mapping[str, Any]) -> dict[str, str]:
    public = {key: error[key] for key in ("name", "message", "stack")}
    public["phase"] = "compile" if error.get("phase") == "compile" else "runtime"
    return public


def _limit_outcome(status: str, envelope: Any) -> Outcome:
    """run.js `limitOutcome`: the limit's own error, with the logs written until then."""
    if not isinstance(envelope, Mapping) or not set(envelope) >= ENVELOPE_KEYS:
        envelope = None
    logs = envelope["logs"] if envelope else []
    return _outcome(
        status=status,
        result=None,
        error=dict(LIMIT_ERRORS[status]),
        logs=tuple((line["level"], line["message"]) for line in logs),
        logs_dropped=envelope["logStats"]["dropped"] if envelope else 0,
    )


def _outcome(
    status: str,
    result: Any,
    error: Mapping[str, str] | None,
    logs: tuple[tuple[str, str], ...],
    logs_dropped: int,
) -> Outcome:
    """An outcome with its `outputBytes` counted as run.js `sentBytes` counts them."""
    entries = [{"level": level, "message": message} for level, message in logs]
    return Outcome(status, result, error, logs, logs_dropped, output_bytes=sent_bytes(result, error, entries))


def check_engine_version() -> None:
    """The harness's engine must be the Worker's: quickjs-ng X.Y.Z ships on PyPI as X.Y.Z[.n]."""
    try:
        installed = importlib.metadata.version(HARNESS_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise HarnessError(f"{HARNESS_DISTRIBUTION} is not installed; run `make setup`") from None
    if installed.split(".")[:3] != ENGINE_VERSION.split("."):
        raise HarnessError(
            f"{HARNESS_DISTRIBUTION} {installed} does not embed quickjs-ng {ENGINE_VERSION}, "
            "the Worker's engine; pin them together"
        )
