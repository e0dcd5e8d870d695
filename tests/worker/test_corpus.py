"""The behaviour corpus on the Worker (workerd), and the two tiers agreeing case by case."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.check.corpus import Case, Outcome, disagreements, judge
from tests.infra.check.corpus_cases import CASE_IDS, CASES, harness_outcomes
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e

Outcomes = Callable[[Case], tuple[Outcome, ...]]


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_case_on_the_worker(case: Case, worker_outcomes: Outcomes) -> None:
    problems: list[str] = []
    for index, (run, outcome) in enumerate(zip(case.runs, worker_outcomes(case), strict=True)):
        prefix = "" if index == 0 else f"then #{index}: "
        problems.extend(prefix + problem for problem in judge(run.expect, outcome))
    assert not problems, f"{case.case_id} on the Worker: " + "; ".join(problems)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_harness_and_worker_agree(case: Case, worker_outcomes: Outcomes) -> None:
    """The deploy gate's own rule (infra/check/corpus.py `disagreements`)."""
    problems: list[str] = []
    for index, (run, on_worker, on_harness) in enumerate(
        zip(case.runs, worker_outcomes(case), harness_outcomes(case), strict=True)
    ):
        prefix = "" if index == 0 else f"then #{index}: "
        problems.extend(prefix + problem for problem in disagreements(run.expect, on_harness, on_worker))
    assert not problems, f"{case.case_id}: " + "; ".join(problems)


def test_the_worker_still_serves_after_the_corpus(worker: WorkerClient) -> None:
    reply = worker.execute("return [1, 2, 3].map((n) => n * 2);")
    assert (reply.status, reply.body["status"], reply.body["result"]) == (200, "ok", [2, 4, 6])
