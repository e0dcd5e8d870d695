"""worker_src/execute.js on workerd: the seed example on both paths, the answer's shape, a
client's own lower fuel limit."""

from __future__ import annotations

import pytest

from tests.worker.client import SEED, WorkerClient

pytestmark = pytest.mark.e2e


def test_seed_example_on_the_historical_path_answers_30(worker: WorkerClient) -> None:
    reply = worker.post_json("/", SEED)
    assert reply.status == 200
    assert reply.body["status"] == "ok"
    assert reply.body["result"] == 30
    assert reply.body["requestId"] == reply.headers["x-request-id"]


def test_v1_execute_answers_like_the_historical_path(worker: WorkerClient) -> None:
    reply = worker.post_json("/v1/execute", SEED)
    assert reply.status == 200
    assert reply.body["result"] == 30
    assert set(reply.body) == {"requestId", "status", "result", "error", "logs", "logsDropped", "usage"}
    assert set(reply.body["usage"]) == {
        "fuel",
        "memoryBytes",
        "outputBytes",
        "wallMs",
        "codeBytes",
        "status",
        "cost",
    }
    assert reply.body["usage"]["memoryBytes"] > 0


def test_a_lower_fuel_limit_from_the_client_is_honoured(worker: WorkerClient) -> None:
    reply = worker.execute("for (;;) {}", limits={"fuel": 5})
    assert reply.body["status"] == "timeout"
    assert reply.body["usage"]["fuel"] == 5
