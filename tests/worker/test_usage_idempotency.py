"""worker_src/usage/idempotency.js on workerd: retries of one Idempotency-Key are billed
once and answered alike; a key reused for another body, or malformed, is refused."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.worker.client import WorkerClient
from tests.worker.usage_support import run, usage_of, wait_for_events

pytestmark = pytest.mark.e2e


def test_retries_with_one_idempotency_key_are_billed_once(usage_worker: WorkerClient) -> None:
    with ThreadPoolExecutor(max_workers=5) as pool:
        racing = list(pool.map(lambda _: run(usage_worker, "retrier", "return 42;", key="order-1"), range(5)))
    assert [reply.status for reply in racing] == [200] * 5
    assert {reply.body["result"] for reply in racing} == {42}
    # Once the first answer is stored, a retry gets that very answer back.
    deadline = time.monotonic() + 30
    while True:
        retry = run(usage_worker, "retrier", "return 42;", key="order-1")
        if retry.headers.get("idempotent-replayed") == "true" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert retry.headers.get("idempotent-replayed") == "true"
    assert retry.body["requestId"] in {reply.body["requestId"] for reply in racing}
    # The replayed answer names one request, in its body and its header alike.
    assert retry.headers["x-request-id"] == retry.body["requestId"]
    other = run(usage_worker, "retrier", "return 42;", key="order-2")
    assert other.status == 200
    assert "idempotent-replayed" not in other.headers

    wait_for_events(usage_worker, "retrier", 2)
    time.sleep(1)
    usage = usage_of(usage_worker, "retrier")
    assert usage["totals"]["requests"] == 2
    assert usage["totals"]["executionMicros"] == 2 * 250


def test_reusing_a_key_for_another_body_is_refused(usage_worker: WorkerClient) -> None:
    assert run(usage_worker, "reuser", "return 1;", key="k1").status == 200
    deadline = time.monotonic() + 30
    while True:
        reply = run(usage_worker, "reuser", "return 2;", key="k1")
        if reply.status != 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert reply.status == 422
    assert reply.error_code == "idempotency_key_reused"


def test_a_bad_idempotency_key_is_refused(usage_worker: WorkerClient) -> None:
    reply = run(usage_worker, "reuser", "return 1;", key="x" * 256)
    assert reply.status == 400
    assert reply.error_code == "invalid_idempotency_key"
