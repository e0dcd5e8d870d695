"""The corpus on the Worker: each case's runs, sent once per session and kept for every test;
and the usage-units Worker, started once for the tests of the modules it serves."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from infra.corpus import Case, Outcome
from infra.paths import ProjectPaths
from tests.worker.client import WorkerClient
from tests.worker.usage_units import serving_units

# Names from the host side that must never appear in an answer, whatever the program did.
HOST_MARKERS = ("workerd", "miniflare", "node_modules", "worker.js", "sandbox/run.js", "QuickJSContext")


@pytest.fixture(scope="session")
def worker_outcomes(
    worker: WorkerClient, staging_config_limits: dict[str, int]
) -> Callable[[Case], tuple[Outcome, ...]]:
    """The answers of the staging Worker on workerd to a case's runs, in order. Every
    answer is also checked to stay inside its fuel budget and to carry no host value."""
    seen: dict[str, tuple[Outcome, ...]] = {}

    def outcomes(case: Case) -> tuple[Outcome, ...]:
        if case.case_id not in seen:
            answers: list[Outcome] = []
            for run in case.runs:
                extra: dict[str, object] = {}
                if run.input_json is not None:
                    extra["input"] = json.loads(run.input_json)
                if run.limits:
                    extra["limits"] = dict(run.limits)
                reply = worker.execute(run.code, **extra)
                assert reply.status == 200, f"{case.case_id}: HTTP {reply.status} {reply.body}"
                budget = int(run.limits.get("fuel", staging_config_limits["fuel"]))
                assert reply.body["usage"]["fuel"] <= budget, f"{case.case_id}: fuel over budget"
                leaked = [marker for marker in HOST_MARKERS if marker in json.dumps(reply.body)]
                assert not leaked, f"{case.case_id}: host names in the answer: {leaked}"
                answers.append(Outcome.from_response(reply.body))
            seen[case.case_id] = tuple(answers)
        return seen[case.case_id]

    return outcomes


@pytest.fixture(scope="package")
def units(paths: ProjectPaths, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerClient]:
    with serving_units(paths, tmp_path_factory.mktemp("units-state")) as client:
        yield client
