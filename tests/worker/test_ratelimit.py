"""Per-client rate limits through the rate-limiting binding (Miniflare's, locally)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from infra.paths import ProjectPaths
from infra.stack.config import RateLimit, StackConfig
from tests.conftest import serving
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e

REQUESTS_PER_PERIOD = 3


@pytest.fixture(scope="module")
def tight_worker(
    paths: ProjectPaths, staging_config: StackConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerClient]:
    config = dataclasses.replace(
        staging_config,
        stack="e2e-ratelimit",
        rate_limit=RateLimit(requests=REQUESTS_PER_PERIOD, period_seconds=60),
    )
    with serving(paths, config, tmp_path_factory.mktemp("ratelimit-state")) as client:
        yield client


def test_a_client_past_its_rate_gets_429_with_headers(tight_worker: WorkerClient) -> None:
    replies = [tight_worker.execute("return 1;", clientId="greedy") for _ in range(REQUESTS_PER_PERIOD + 2)]
    statuses = [reply.status for reply in replies]
    assert statuses[:REQUESTS_PER_PERIOD] == [200] * REQUESTS_PER_PERIOD
    limited = replies[-1]
    assert (limited.status, limited.error_code) == (429, "rate_limited")
    headers = {name.lower(): value for name, value in limited.headers.items()}
    assert headers["retry-after"] == "60"
    assert headers["ratelimit-limit"] == str(REQUESTS_PER_PERIOD)
    assert headers["ratelimit-remaining"] == "0"
    assert "ratelimit-reset" in headers


def test_other_clients_are_not_held_back_by_one(tight_worker: WorkerClient) -> None:
    for _ in range(REQUESTS_PER_PERIOD + 1):
        tight_worker.execute("return 1;", clientId="noisy")
    reply = tight_worker.execute("return 2;", clientId="quiet")
    assert (reply.status, reply.body["result"]) == (200, 2)
