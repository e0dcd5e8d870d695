"""The behaviour corpus as pytest sees it: every case, with `family/name` as its test id."""

from __future__ import annotations

import atexit
import functools

from infra.check.corpus import CASES_DIR, Case, Outcome, load_corpus
from infra.check.harness import RunLimits, prelude_path
from infra.check.harness_process import HarnessProcess
from infra.check.native_tier import run_case
from infra.paths import ProjectPaths
from infra.stack.config import load_stack_config

PATHS = ProjectPaths.of_checkout()
CASES = load_corpus(CASES_DIR)
CASE_IDS = [case.case_id for case in CASES]
# The stack whose limits both tiers run with: the worker fixture serves staging.
STACK = "staging"


@functools.cache
def _process() -> HarnessProcess:
    process = HarnessProcess(prelude_path(PATHS).read_text(encoding="utf-8"))
    atexit.register(process.close)
    return process


@functools.cache
def _limits() -> RunLimits:
    return RunLimits.of_stack(load_stack_config(STACK, PATHS.stack_file(STACK)).limits)


@functools.cache
def _harness_result_by_id(case_id: str) -> tuple[tuple[Outcome, ...], tuple[str, ...]]:
    case = next(case for case in CASES if case.case_id == case_id)
    result = run_case(case, _limits(), _process())
    return result.outcomes, result.problems


def harness_outcomes(case: Case) -> tuple[Outcome, ...]:
    """The case's runs on the harness with the staging limits (computed once per session)."""
    return _harness_result_by_id(case.case_id)[0]


def harness_problems(case: Case) -> tuple[str, ...]:
    return _harness_result_by_id(case.case_id)[1]
