"""Runs one behaviour case through PyPI quickjs-ng (native) with the guest prelude
unchanged: the harness tier, until infra/harness.py lands. Same protocol as
worker_src/sandbox/run.js: prepare(settings) -> step("run") -> drain jobs -> step("finish").

Fuel maps to CPU time here (`set_time_limit`, checked in the same interrupt handler),
and worker_src/guest/native-guards.guest.js bounds the built-in calls that the
interrupt handler cannot see (the Worker meters its wasm instead).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import quickjs

GUEST = Path(__file__).resolve().parents[2] / "worker_src" / "guest"
PRELUDE = GUEST / "prelude.guest.js"
NATIVE_GUARDS = GUEST / "native-guards.guest.js"
SECONDS_PER_FUEL = 0.002
HEAP_BYTES = 48 << 20
STACK_BYTES = 256 << 10
MAX_JOBS = 100_000


def run_case(code: str, fuel: int, input_value: Any = None) -> dict[str, Any]:
    """The prelude's envelope, or a timeout envelope when the interrupt stopped the run."""
    context = quickjs.Context()
    context.set_memory_limit(HEAP_BYTES)
    context.set_max_stack_size(STACK_BYTES)
    settings = {"maxLogLines": 200, "maxLogBytes": 65536, "maxResultBytes": 262144}
    step = context.eval(PRELUDE.read_text(encoding="utf-8"))(json.dumps(settings))
    guards_report = context.eval(NATIVE_GUARDS.read_text(encoding="utf-8"))(fuel)
    context.set_time_limit(fuel * SECONDS_PER_FUEL)
    try:
        step("run", code, None if input_value is None else json.dumps(input_value))
        for _ in range(MAX_JOBS):
            if not context.execute_pending_job():
                break
    except quickjs.JSException as error:
        if "interrupted" not in str(error):
            raise
        return {"status": "timeout", "error": {"name": "TimeoutError", "message": str(error)}}
    context.set_time_limit(-1)
    envelope: dict[str, Any] = json.loads(step("finish"))
    guards = json.loads(guards_report())
    envelope["nativeFuel"] = guards["fuel"]
    if guards["exhausted"]:
        envelope["status"] = "timeout"
        envelope["error"] = {"name": "TimeoutError", "message": "the program used up its fuel budget"}
    return envelope


if __name__ == "__main__":
    # One case per process, so a caller can bound a run that native code would hang.
    request = json.load(sys.stdin)
    json.dump(run_case(request["code"], request["fuel"], request.get("input")), sys.stdout)
