"""The native side of the compute comparison: an engine that throws is a result, not a crash."""

from __future__ import annotations

from bench.native import run_native, run_plain
from bench.result import NotMeasured
from bench.workloads import FIB
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig


def test_native_runs_the_prelude_protocol(paths: ProjectPaths, staging_config: StackConfig) -> None:
    run = run_native(paths, staging_config.limits, FIB.code, 1)
    assert not isinstance(run, NotMeasured)
    assert run.envelope["result"] == FIB.expect
    assert len(run.millis) == 1


def test_native_that_throws_is_not_measured() -> None:
    failed = run_plain("return (", 1)
    assert isinstance(failed, NotMeasured)
    assert failed.reason.startswith("native QuickJS: SyntaxError")
