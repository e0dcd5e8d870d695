"""The corpus on the Worker: each case's runs, sent once per session and kept for every test;
the usage Workers (a stack with known prices, tests/worker/usage_support.py, with its own
fresh KV; the period-closing test gets a server of its own) and the usage-units Worker,
each started once for every test file that uses it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from infra.build.manifest import Manifest
from infra.build.stack_build import build_stack
from infra.check.corpus import Case, Outcome
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig
from tests.conftest import running_worker
from tests.worker.client import WorkerClient
from tests.worker.usage_support import usage_stack as derive_stack
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


@pytest.fixture(scope="package")
def usage_build(paths: ProjectPaths, staging_config: StackConfig) -> Manifest:
    return build_stack(derive_stack(staging_config, "usage-e2e"), paths)


@pytest.fixture(scope="package")
def usage_worker(
    paths: ProjectPaths, usage_build: Manifest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerClient]:
    with running_worker(paths, usage_build.stack, tmp_path_factory.mktemp("usage-state")) as client:
        yield client


@pytest.fixture
def closing_worker(
    paths: ProjectPaths, usage_build: Manifest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerClient]:
    """A server of its own: closing the current period must not touch the other tests."""
    with running_worker(paths, usage_build.stack, tmp_path_factory.mktemp("closing-state")) as client:
        yield client


@pytest.fixture(scope="package")
def unrecorded_worker(
    paths: ProjectPaths, staging_config: StackConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerClient]:
    """The same prices with `usage.record: false`."""
    config = derive_stack(staging_config, "usage-off")
    build = build_stack(replace(config, usage=replace(config.usage, record=False)), paths)
    with running_worker(paths, build.stack, tmp_path_factory.mktemp("usage-off-state")) as client:
        yield client
