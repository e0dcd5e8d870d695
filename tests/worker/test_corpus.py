"""The behaviour corpus on the Worker (workerd), and the two tiers agreeing case by case."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.corpus import Case, Outcome, judge
from tests.corpus_cases import CASE_IDS, CASES, harness_outcomes
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
    """Status always; result, error and logs wherever the case states them."""
    for index, (run, on_worker, on_harness) in enumerate(
        zip(case.runs, worker_outcomes(case), harness_outcomes(case), strict=True)
    ):
        where = f"{case.case_id}" + ("" if index == 0 else f" then #{index}")
        expect = run.expect
        assert on_harness.status == on_worker.status, (
            f"{where}: harness {on_harness.describe()}, Worker {on_worker.describe()}"
        )
        if expect.has_result:
            assert on_harness.result == on_worker.result, f"{where}: results differ"
        for key, stated in (
            ("name", expect.error_name),
            ("message", expect.error_message),
            ("stack", expect.error_stack),
        ):
            if stated is not None:
                assert (on_harness.error or {}).get(key) == (on_worker.error or {}).get(key), (
                    f"{where}: error {key} differs"
                )
        if expect.logs is not None:
            assert on_harness.logs == on_worker.logs, f"{where}: logs differ"
        if expect.logs_dropped is not None:
            assert on_harness.logs_dropped == on_worker.logs_dropped, f"{where}: logsDropped differs"
        if expect.output_bytes is not None:
            assert on_harness.output_bytes == on_worker.output_bytes, f"{where}: outputBytes differs"


def test_the_worker_still_serves_after_the_corpus(worker: WorkerClient) -> None:
    reply = worker.execute("return [1, 2, 3].map((n) => n * 2);")
    assert (reply.status, reply.body["status"], reply.body["result"]) == (200, "ok", [2, 4, 6])
