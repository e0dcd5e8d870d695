"""A crash or a hang of the native engine fails one run, and the next run still works."""

from __future__ import annotations

import resource
from collections.abc import Iterator
from dataclasses import replace

import pytest

from infra.check.harness import RunLimits, prelude_path
from infra.check.harness_process import HarnessProcess
from infra.errors import HarnessError
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig

# A real native crash on any engine version: with no stack limit (`stack_bytes=0` turns
# QuickJS's own guard off), runaway recursion overflows the child's C stack (SIGSEGV).
RUNAWAY_RECURSION = "function down(n) { return down(n + 1) + 1; } return down(0);"
# The C stack the child gets (it inherits the soft limit), so that the overflow comes soon.
CHILD_STACK_BYTES = 8 << 20
STILL_WORKS = "return [1, 2, 3].map((n) => n * 2);"


@pytest.fixture
def limits(staging_config: StackConfig) -> RunLimits:
    return RunLimits.of_stack(staging_config.limits)


@pytest.fixture
def prelude(paths: ProjectPaths) -> str:
    return prelude_path(paths).read_text(encoding="utf-8")


@pytest.fixture
def bounded_child_stack() -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    bounded = CHILD_STACK_BYTES if hard == resource.RLIM_INFINITY else min(CHILD_STACK_BYTES, hard)
    resource.setrlimit(resource.RLIMIT_STACK, (bounded, hard))
    yield
    resource.setrlimit(resource.RLIMIT_STACK, (soft, hard))


@pytest.mark.usefixtures("bounded_child_stack")
def test_an_engine_crash_fails_the_run_and_the_next_run_works(prelude: str, limits: RunLimits) -> None:
    with HarnessProcess(prelude) as process:
        crashed = process.run(RUNAWAY_RECURSION, None, replace(limits, stack_bytes=0))
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
