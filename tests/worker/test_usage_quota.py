"""worker_src/usage/quota.js on workerd: a client's monthly request and spend caps."""

from __future__ import annotations

import time

import pytest

from tests.worker.client import Reply, WorkerClient
from tests.worker.usage_support import (
    current_period,
    next_period_start_ms,
    now_ms,
    roll_up,
    run,
    wait_for_events,
)

pytestmark = pytest.mark.e2e

MEMO_SECONDS = 10  # worker_src/usage/quota.js MEMO_MS


def until_refused(worker: WorkerClient, client_id: str) -> Reply:
    """Runs until the cap answers 429: an isolate reuses a client's totals for MEMO_MS."""
    deadline = time.monotonic() + MEMO_SECONDS + 20
    while True:
        reply = run(worker, client_id, "return 1;")
        if reply.status != 200 or time.monotonic() > deadline:
            return reply
        time.sleep(0.5)


def test_request_cap_answers_429_with_cap_and_reset(usage_worker: WorkerClient) -> None:
    for _ in range(3):
        assert run(usage_worker, "capped", "return 1;").status == 200
    assert wait_for_events(usage_worker, "capped", 3)["totals"]["requests"] == 3
    # Until the roll-up has counted them, the cap cannot see them (documented staleness).
    roll_up(usage_worker)
    reply = until_refused(usage_worker, "capped")
    assert reply.status == 429
    assert reply.error_code == "quota_exceeded"
    details = reply.body["error"]["details"]
    reset = next_period_start_ms(now_ms())
    assert details == {
        "cap": "requestsPerMonth",
        "limit": 3,
        "used": 3,
        "period": current_period(),
        "resetsAt": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(reset / 1000)),
    }
    headers = {name.lower(): value for name, value in reply.headers.items()}
    assert 0 < int(headers["retry-after"]) <= (reset - now_ms()) // 1000 + 1
    # Another client is not affected.
    assert run(usage_worker, "uncapped", "return 1;").status == 200


def test_spend_cap_counts_what_is_due_after_the_allowance(usage_worker: WorkerClient) -> None:
    replies = [run(usage_worker, "spender", "return 1;") for _ in range(5)]
    gross = sum(reply.body["usage"]["cost"]["micros"] for reply in replies)
    assert gross - 1_000 >= 200  # past the allowance by at least the cap
    wait_for_events(usage_worker, "spender", 5)
    roll_up(usage_worker)
    reply = until_refused(usage_worker, "spender")
    assert reply.status == 429
    assert reply.body["error"]["details"]["cap"] == "spendPerMonthMicros"
    assert reply.body["error"]["details"]["used"] == gross - 1_000
