"""One run on the native harness: its limits come from the stack and the request."""

from __future__ import annotations

from infra.check.harness import RunLimits, prelude_path, run_program
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig


def test_limits_follow_the_stack_and_the_request(staging_config: StackConfig) -> None:
    limits = RunLimits.of_stack(staging_config.limits)
    assert limits.fuel == staging_config.limits.fuel_per_run
    assert limits.heap_bytes == staging_config.limits.heap_mib * 1024 * 1024
    narrowed = limits.overridden({"fuel": 5, "memoryBytes": 4 << 20})
    assert (narrowed.fuel, narrowed.heap_bytes, narrowed.stack_bytes) == (5, 4 << 20, limits.stack_bytes)
    assert narrowed.cpu_seconds < limits.cpu_seconds


def test_the_result_and_log_caps_come_from_the_stack(
    paths: ProjectPaths, staging_config: StackConfig
) -> None:
    limits = RunLimits.of_stack(staging_config.limits)
    prelude = prelude_path(paths).read_text(encoding="utf-8")
    flood = run_program(prelude, "for (let i = 0; i < 1000; i++) console.log(i); return 1;", None, limits)
    assert len(flood.logs) == limits.max_log_lines
    assert flood.logs_dropped == 1000 - limits.max_log_lines
    exact = run_program(prelude, f"return 'x'.repeat({limits.max_result_bytes - 2});", None, limits)
    over = run_program(prelude, f"return 'x'.repeat({limits.max_result_bytes - 1});", None, limits)
    assert (exact.status, over.status) == ("ok", "output_limit")
