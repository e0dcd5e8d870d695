"""worker_src/usage/recorder.js on workerd: every execution answers with its usage and exact
cost and is recorded once, so concurrent runs roll up to exact totals; with recording
off nothing is stored."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from infra.check.answer_bytes import sent_bytes
from tests.worker.client import WorkerClient
from tests.worker.usage_support import (
    GRACE_MS,
    LOOP,
    current_period,
    expected_cost,
    next_period_start_ms,
    now_ms,
    roll_up,
    run,
    usage_of,
    wait_for_events,
)

pytestmark = pytest.mark.e2e


def test_response_carries_usage_and_its_exact_cost(usage_worker: WorkerClient) -> None:
    reply = run(usage_worker, "cost-check")
    assert reply.status == 200
    usage = reply.body["usage"]
    assert usage["fuel"] > 0
    assert usage["codeBytes"] == len(LOOP.encode())
    assert usage["status"] == "ok"
    assert usage["outputBytes"] == sent_bytes(reply.body["result"], reply.body["error"], reply.body["logs"])
    assert usage["cost"] == expected_cost(usage["fuel"])


def test_200_concurrent_executions_roll_up_to_exact_totals_and_a_closed_period_never_changes(
    closing_worker: WorkerClient,
) -> None:
    with ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(lambda _: run(closing_worker, "busy"), range(200)))
    assert [reply.status for reply in replies] == [200] * 200
    assert len({reply.body["requestId"] for reply in replies}) == 200
    wait_for_events(closing_worker, "busy", 200)
    time.sleep(1)
    assert usage_of(closing_worker, "busy")["totals"]["requests"] == 200

    # Within the grace window after the month ends the period stays open ...
    period_end = next_period_start_ms(now_ms())
    roll_up(closing_worker, period_end + GRACE_MS - 1_000)
    assert usage_of(closing_worker, "busy")["state"] == "open"
    # ... after it, the roll-up closes it and its totals are frozen.
    roll_up(closing_worker, period_end + GRACE_MS + 1_000)
    closed = usage_of(closing_worker, "busy")
    assert (closed["state"], closed["source"]) == ("closed", "rollup")
    totals = closed["totals"]
    figures = [reply.body["usage"] for reply in replies]
    assert totals["requests"] == 200
    assert totals["byStatus"] == {"ok": 200}
    assert totals["fuel"] == sum(u["fuel"] for u in figures)
    assert totals["wallMs"] == sum(u["wallMs"] for u in figures)
    assert totals["codeBytes"] == 200 * len(LOOP.encode())
    assert totals["outputBytes"] == sum(u["outputBytes"] for u in figures)
    assert totals["peakMemoryBytes"] == max(u["memoryBytes"] for u in figures)
    assert totals["executionMicros"] == 200 * 250
    assert totals["fuelMicros"] == sum(u["cost"]["fuelMicros"] for u in figures)
    gross = sum(u["cost"]["micros"] for u in figures)
    assert closed["cost"]["grossMicros"] == gross
    assert closed["cost"]["dueMicros"] == gross - 1_000

    # A late event in the closed month (here: one more run) changes nothing any more.
    assert run(closing_worker, "busy").status == 200
    time.sleep(1)
    roll_up(closing_worker, period_end + GRACE_MS + 2_000)
    assert usage_of(closing_worker, "busy") == closed
    statement = closing_worker.get(f"/v1/usage/statement?period={current_period()}")
    assert statement.body["state"] == "closed"
    assert statement.body["clients"][0]["totals"] == totals


def test_with_recording_off_nothing_is_stored_but_the_cost_is_shown(unrecorded_worker: WorkerClient) -> None:
    replies = [run(unrecorded_worker, "capped", "return 1;", key="same") for _ in range(5)]
    assert [reply.status for reply in replies] == [200] * 5  # no cap without records
    assert all("idempotent-replayed" not in reply.headers for reply in replies)
    assert replies[0].body["usage"]["cost"] == expected_cost(replies[0].body["usage"]["fuel"])
    time.sleep(1)
    roll_up(unrecorded_worker)
    assert usage_of(unrecorded_worker, "capped")["totals"]["requests"] == 0
