"""The deploy gate's first tier: the behaviour corpus on the native QuickJS harness.

The runs happen in a child process (infra/check/harness_process.py): an engine crash or
a hang in native code fails its case instead of the whole check.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from infra.check.corpus import Case, CaseResult, Outcome, judge
from infra.check.harness import RunLimits, check_engine_version, prelude_path
from infra.check.harness_process import HarnessProcess
from infra.errors import HarnessError
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig


def run_on_native(
    config: StackConfig, paths: ProjectPaths, cases: Sequence[Case], prelude: Path | None = None
) -> tuple[CaseResult, ...]:
    """Every case's runs with the stack's limits on the harness, judged; `prelude` replaces
    the checkout's guest prelude (tests break it on purpose)."""
    check_engine_version()
    prelude_file = prelude or prelude_path(paths)
    try:
        prelude_source = prelude_file.read_text(encoding="utf-8")
    except OSError as error:
        raise HarnessError(f"cannot read the guest prelude {prelude_file}: {error.strerror}") from None
    limits = RunLimits.of_stack(config.limits)
    with HarnessProcess(prelude_source) as process:
        return tuple(run_case(case, limits, process) for case in cases)


def run_case(case: Case, limits: RunLimits, process: HarnessProcess) -> CaseResult:
    """Every run of a case, each on a fresh context, judged against its expectation."""
    outcomes: list[Outcome] = []
    problems: list[str] = []
    for index, run in enumerate(case.runs):
        outcome = process.run(run.code, run.input_json, limits.overridden(run.limits))
        outcomes.append(outcome)
        prefix = "" if index == 0 else f"then #{index}: "
        problems.extend(prefix + problem for problem in judge(run.expect, outcome))
    return CaseResult(case=case, outcomes=tuple(outcomes), problems=tuple(problems))
