"""The deploy gate: the corpus on the native harness and on the built bundle served by
workerd; it passes only when both tiers pass and agree."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from infra.build.manifest import Manifest
from infra.check.corpus import Case, CaseResult, Expectation, Outcome, Run, disagreements
from infra.check.gate import GateReport, Tier, format_gate_report, gate_corpus, run_gate
from infra.check.worker_tier import run_on_worker
from infra.errors import BuildError
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig

# The platforms' libm differ (infra/check/cases/README.md): natively Math.cbrt(27) is
# 3.0000000000000004, on the Worker 3. A case expecting one of them fails on exactly one
# tier, for real, with nothing stubbed.
NATIVE_CBRT = 3.0000000000000004
WORKER_CBRT = 3


def cbrt_case(expected: float) -> Case:
    run = Run("return Math.cbrt(27);", None, {}, Expectation("ok", has_result=True, result=expected))
    return Case("probe", "libm-cbrt", (run,), Path("probe.yaml"))


def outcome(status: str = "ok", result: object = 1) -> Outcome:
    return Outcome(status=status, result=result, error=None, logs=(), logs_dropped=0)


@pytest.mark.parametrize(("expected", "failing"), [(WORKER_CBRT, "native"), (NATIVE_CBRT, "Worker")])
def test_the_gate_refuses_when_either_tier_fails(
    paths: ProjectPaths, staging_config: StackConfig, staging_build: Manifest, expected: float, failing: str
) -> None:
    report = run_gate(staging_config, paths, cases=[cbrt_case(expected)])
    assert not report.passed
    assert [failure.tier for failure in report.failures] == [failing, "agreement"]
    assert report.failures[0].name == f"probe/libm-cbrt ({failing})"
    assert {result.outcomes[0].result for result in (*report.native, *report.worker)} == {
        NATIVE_CBRT,
        WORKER_CBRT,
    }
    table = format_gate_report(report)
    assert f"FAIL probe/libm-cbrt ({failing}): " in table
    assert table.endswith("2 failed")


def test_the_gate_passes_cases_both_tiers_meet(
    paths: ProjectPaths, staging_config: StackConfig, staging_build: Manifest
) -> None:
    cases = [case for case in gate_corpus() if case.family == "language"][:5]
    report = run_gate(staging_config, paths, cases=cases)
    assert report.passed, [str(failure) for failure in report.failures]
    assert [result.case for result in report.worker] == cases
    assert format_gate_report(report).endswith("native ok, Worker ok, agreement ok; passed")


def test_the_worker_tier_serves_only_the_bytes_the_build_recorded(
    paths: ProjectPaths, staging_config: StackConfig, staging_build: Manifest, tmp_path: Path
) -> None:
    project = ProjectPaths(tmp_path)
    shutil.copytree(paths.build_dir("staging"), project.build_dir("staging"))
    (project.build_dir("staging") / "worker.js").write_text("export default {};\n")
    with pytest.raises(BuildError, match=r"worker\.js changed after the build"):
        run_on_worker(staging_config, project, [cbrt_case(WORKER_CBRT)])


def result(case: Case, *outcomes: Outcome, problems: tuple[str, ...] = ()) -> CaseResult:
    return CaseResult(case=case, outcomes=outcomes, problems=problems)


def test_tiers_that_each_pass_but_answer_differently_are_refused() -> None:
    case = cbrt_case(WORKER_CBRT)
    report = GateReport(
        "staging", native=(result(case, outcome(result=1)),), worker=(result(case, outcome(result=2)),)
    )
    assert not report.passed
    assert [(failure.tier, failure.problems) for failure in report.failures] == [
        ("agreement", ("result: native 1, Worker 2",))
    ]


def test_tiers_that_ran_different_cases_are_refused() -> None:
    first, other = cbrt_case(1), Case("probe", "other", cbrt_case(1).runs, Path("probe.yaml"))
    report = GateReport("staging", native=(result(first, outcome()),), worker=(result(other, outcome()),))
    assert [failure.tier for failure in report.failures] == ["agreement"]
    assert not GateReport("staging", native=(), worker=()).passed


def test_the_agreement_rule_compares_what_the_case_states() -> None:
    stated = Expectation("ok", has_result=True, result=1, logs=(("log", "hi"),))
    unstated = Expectation("ok")
    assert disagreements(unstated, outcome(result=1), outcome(result=2)) == []
    logged = Outcome(status="ok", result=1, error=None, logs=(("log", "hi"),), logs_dropped=0)
    assert disagreements(stated, logged, outcome(result=2)) == ["result: native 1, Worker 2", "logs differ"]
    assert disagreements(unstated, logged, outcome(result=2)) == []
    assert disagreements(unstated, outcome("ok"), outcome("timeout"))[0].startswith("status: native ok")


def test_tiers_run_side_by_side_on_the_same_cases(paths: ProjectPaths, staging_config: StackConfig) -> None:
    seen: list[tuple[str, Sequence[Case]]] = []

    def tier(name: str) -> Tier:
        def run(_config: StackConfig, _paths: ProjectPaths, cases: Sequence[Case]) -> list[CaseResult]:
            seen.append((name, cases))
            return [result(case, outcome(result=WORKER_CBRT)) for case in cases]

        return run

    cases = [cbrt_case(WORKER_CBRT)]
    report = run_gate(staging_config, paths, cases=cases, native=tier("native"), worker=tier("worker"))
    assert report.passed
    assert sorted(seen, key=lambda item: item[0]) == [("native", cases), ("worker", cases)]
