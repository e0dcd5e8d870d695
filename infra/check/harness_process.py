"""Harness runs in a child process, so that a native crash or hang fails one case, not the check.

The engine is native code: it can crash (quickjs-ng 0.12.1 did on deeply nested source,
see infra/check/cases/README.md), and it has built-ins that no limit interrupts. The parent
sends one JSON line per run to a child (`python -m infra.check.harness_process`), which answers
with the outcome as one JSON line. If the child dies, or does not answer within the run's
deadline, the parent kills it, reports the run as `harness_crashed` / `harness_stuck`
(statuses no case can expect), and starts a fresh child for the next run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import asdict
from types import TracebackType
from typing import Any

from infra.check.corpus import Outcome
from infra.check.harness import RunLimits, run_program
from infra.errors import HarnessError, InfraError

# Wall-clock seconds a run may take beyond its CPU budget before the child counts as stuck:
# generous, because the machine may be shared and the budget is CPU time, not wall time.
STUCK_AFTER_SECONDS = 15.0
STUCK_FACTOR = 10


class HarnessProcess:
    """A child process that runs programs on the harness, restarted after a crash or a hang."""

    def __init__(
        self, prelude: str, stuck_after: float = STUCK_AFTER_SECONDS, stuck_factor: float = STUCK_FACTOR
    ) -> None:
        """A run is stuck after `stuck_after + stuck_factor * its CPU budget` seconds of wall time."""
        self._prelude = prelude
        self._stuck_after = stuck_after
        self._stuck_factor = stuck_factor
        self._child: subprocess.Popen[str] | None = None

    def __enter__(self) -> HarnessProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._child is not None:
            child, self._child = self._child, None
            if child.stdin is not None:
                child.stdin.close()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            if child.stdout is not None:
                child.stdout.close()

    def run(self, code: str, input_json: str | None, limits: RunLimits) -> Outcome:
        child = self._started()
        assert child.stdin is not None
        request = {"code": code, "input": input_json, "limits": asdict(limits)}
        try:
            child.stdin.write(json.dumps(request) + "\n")
            child.stdin.flush()
        except BrokenPipeError:
            return self._lost("harness_crashed", "the harness process exited before the run")
        line = self._read_line(child, self._stuck_after + self._stuck_factor * limits.cpu_seconds)
        if line is None:
            return self._lost("harness_stuck", "the engine did not return (native work no limit interrupts)")
        if not line:
            code_or_signal = child.wait()
            return self._lost("harness_crashed", f"the engine crashed (exit status {code_or_signal})")
        answer = json.loads(line)
        if "harnessError" in answer:
            raise HarnessError(answer["harnessError"])
        return _outcome_of(answer)

    def _started(self) -> subprocess.Popen[str]:
        if self._child is None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "infra.check.harness_process"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                # The Worker's engine has no time zone: local time is UTC there.
                env={**os.environ, "TZ": "UTC"},
            )
            assert self._child.stdin is not None
            self._child.stdin.write(json.dumps({"prelude": self._prelude}) + "\n")
            self._child.stdin.flush()
        return self._child

    @staticmethod
    def _read_line(child: subprocess.Popen[str], seconds: float) -> str | None:
        """The child's next line ("" at EOF), or None when it did not come in time."""
        assert child.stdout is not None
        stdout = child.stdout
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(seconds)
        return lines[0] if lines else None

    def _lost(self, status: str, message: str) -> Outcome:
        if self._child is not None:
            self._child.kill()
            self.close()
        return Outcome(
            status=status,
            result=None,
            error={"name": "HarnessError", "message": message, "stack": ""},
            logs=(),
            logs_dropped=0,
        )


def _outcome_of(data: dict[str, Any]) -> Outcome:
    return Outcome(
        status=data["status"],
        result=data["result"],
        error=data["error"],
        logs=tuple((level, message) for level, message in data["logs"]),
        logs_dropped=data["logs_dropped"],
        output_bytes=data["output_bytes"],
    )


def _serve() -> None:
    """The child: a prelude first, then one run per line, each answered with one line."""
    prelude = json.loads(sys.stdin.readline())["prelude"]
    for line in sys.stdin:
        request = json.loads(line)
        try:
            outcome = run_program(prelude, request["code"], request["input"], RunLimits(**request["limits"]))
            answer = asdict(outcome)
        except InfraError as error:
            answer = {"harnessError": str(error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
