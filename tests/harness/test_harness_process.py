"""A crash or a hang of the native engine fails one run, and the next run still works."""

from __future__ import annotations

from dataclasses import replace

import pytest

from infra.config import StackConfig
from infra.errors import HarnessError
from infra.harness import RunLimits, prelude_path
from infra.harness_process import HarnessProcess
from infra.paths import ProjectPaths

# quickjs-ng 0.12.1 (native) crashes on this: a GC while parsing deeply nested source walks
# the half-built mapped `arguments` of the function doing the direct eval.
ENGINE_CRASH = "return eval('('.repeat(100000) + '1' + ')'.repeat(100000));"
STILL_WORKS = "return [1, 2, 3].map((n) => n * 2);"


@pytest.fixture
def limits(staging_config: StackConfig) -> RunLimits:
    return RunLimits.of_stack(staging_config.limits)


@pytest.fixture
def prelude(paths: ProjectPaths) -> str:
    return prelude_path(paths).read_text(encoding="utf-8")


def test_an_engine_crash_fails_the_run_and_the_next_run_works(prelude: str, limits: RunLimits) -> None:
    with HarnessProcess(prelude) as process:
        crashed = process.run(ENGINE_CRASH, None, limits)
        assert crashed.status == "harness_crashed"
        assert crashed.error is not None
        assert "crashed" in crashed.error["message"]
        assert process.run(STILL_WORKS, None, limits).result == [2, 4, 6]


def test_a_run_that_never_returns_is_stopped_and_the_next_run_works(prelude: str, limits: RunLimits) -> None:
    # A budget of hours, and a deadline that ignores it, stand in for native work that no
    # limit interrupts.
    endless = replace(limits, fuel=10_000_000)
    with HarnessProcess(prelude, stuck_after=1.0, stuck_factor=0) as process:
        stuck = process.run("for (;;) {}", None, endless)
        assert stuck.status == "harness_stuck"
        assert process.run(STILL_WORKS, None, limits).result == [2, 4, 6]


def test_a_prelude_that_is_not_one_is_a_harness_error(limits: RunLimits) -> None:
    with HarnessProcess("42;") as process, pytest.raises(HarnessError, match="prepare"):
        process.run(STILL_WORKS, None, limits)
