"""Usage metering on workerd: costs in responses, idempotent retries, quotas, reading it.

A stack derived from staging with known prices (tests/worker/usage_support.py) is built
and served with its own fresh KV; the period-closing tests get a server of their own.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from infra.build.manifest import Manifest
from infra.build.stack_build import build_stack
from infra.check.answer_bytes import sent_bytes
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig
from tests.conftest import running_worker
from tests.worker.client import Reply, WorkerClient
from tests.worker.usage_support import (
    GRACE_MS,
    current_period,
    expected_cost,
    next_period_start_ms,
    now_ms,
    roll_up,
    usage_of,
    wait_for_events,
)
from tests.worker.usage_support import usage_stack as derive_stack

pytestmark = pytest.mark.e2e

MEMO_SECONDS = 10  # worker_src/usage/quota.js MEMO_MS
LOOP = "let s = 0; for (let i = 0; i < 200000; i++) s += i; return s;"


@pytest.fixture(scope="module")
def usage_build(paths: ProjectPaths, staging_config: StackConfig) -> Manifest:
    return build_stack(derive_stack(staging_config, "usage-e2e"), paths)


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def unrecorded_worker(
    paths: ProjectPaths, staging_config: StackConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerClient]:
    """The same prices with `usage.record: false`."""
    config = derive_stack(staging_config, "usage-off")
    build = build_stack(replace(config, usage=replace(config.usage, record=False)), paths)
    with running_worker(paths, build.stack, tmp_path_factory.mktemp("usage-off-state")) as client:
        yield client


def run(worker: WorkerClient, client_id: str, code: str = LOOP, key: str | None = None) -> Reply:
    payload = {"code": code, "language": "javascript", "clientId": client_id}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {worker.api_key}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return worker.request("POST", "/v1/execute", json.dumps(payload).encode(), headers)


def until_refused(worker: WorkerClient, client_id: str) -> Reply:
    """Runs until the cap answers 429: an isolate reuses a client's totals for MEMO_MS."""
    deadline = time.monotonic() + MEMO_SECONDS + 20
    while True:
        reply = run(worker, client_id, "return 1;")
        if reply.status != 200 or time.monotonic() > deadline:
            return reply
        time.sleep(0.5)


def test_response_carries_usage_and_its_exact_cost(usage_worker: WorkerClient) -> None:
    reply = run(usage_worker, "cost-check")
    assert reply.status == 200
    usage = reply.body["usage"]
    assert usage["fuel"] > 0
    assert usage["codeBytes"] == len(LOOP.encode())
    assert usage["status"] == "ok"
    assert usage["outputBytes"] == sent_bytes(reply.body["result"], reply.body["error"], reply.body["logs"])
    assert usage["cost"] == expected_cost(usage["fuel"])


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


def test_admin_reads_any_client_with_line_items(usage_worker: WorkerClient) -> None:
    replies = [run(usage_worker, "reader") for _ in range(3)]
    usage = wait_for_events(usage_worker, "reader", 3)
    fuel = sum(reply.body["usage"]["fuel"] for reply in replies)
    gross = sum(reply.body["usage"]["cost"]["micros"] for reply in replies)
    fuel_micros = sum(reply.body["usage"]["cost"]["fuelMicros"] for reply in replies)
    assert usage["clientId"] == "reader"
    assert usage["state"] == "open"
    assert usage["totals"]["requests"] == 3
    assert usage["totals"]["fuel"] == fuel
    assert usage["lineItems"] == [
        {"item": "executions", "description": "executions", "quantity": 3, "amountMicros": 750},
        {"item": "fuel", "description": "fuel units", "quantity": fuel, "amountMicros": fuel_micros},
        {
            "item": "free_allowance",
            "description": "monthly free allowance",
            "quantity": 1,
            "amountMicros": -min(gross, 1_000),
        },
    ]
    assert usage["cost"] == {
        "currency": "EUR",
        "grossMicros": gross,
        "freeAllowanceMicros": min(gross, 1_000),
        "dueMicros": max(0, gross - 1_000),
    }


def test_daily_usage_puts_todays_executions_on_today_and_adds_up(usage_worker: WorkerClient) -> None:
    first_day = time.strftime("%Y-%m-%d", time.gmtime())
    replies = [run(usage_worker, "daily-reader") for _ in range(3)]
    wait_for_events(usage_worker, "daily-reader", 3)
    period = current_period()
    reply = usage_worker.get(f"/v1/usage?period={period}&clientId=daily-reader&granularity=day")
    assert reply.status == 200, reply.body
    body = reply.body
    last_day = time.strftime("%Y-%m-%d", time.gmtime())
    assert body["granularity"] == "day"
    assert [day["date"][:7] for day in body["days"]] == [period] * len(body["days"])
    busy = [day for day in body["days"] if day["requests"]]
    assert {day["date"] for day in busy} <= {first_day, last_day}  # the runs may straddle midnight
    assert sum(day["requests"] for day in busy) == body["totals"]["requests"] == 3
    gross = sum(reply.body["usage"]["cost"]["micros"] for reply in replies)
    assert sum(day["grossMicros"] for day in busy) == gross == body["cost"]["grossMicros"]
    assert body["totals"] == usage_of(usage_worker, "daily-reader")["totals"]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?period=2026-13&clientId=a", 422, "invalid_field"),
        ("?clientId=a/b", 422, "invalid_field"),
        ("?clientId=a&granularity=week", 422, "invalid_field"),
        ("", 422, "missing_field"),
    ],
)
def test_bad_usage_queries_are_refused(
    usage_worker: WorkerClient, query: str, status: int, code: str
) -> None:
    reply = usage_worker.get("/v1/usage" + query)
    assert (reply.status, reply.error_code) == (status, code)


def test_usage_needs_a_key(usage_worker: WorkerClient) -> None:
    reply = usage_worker.request("GET", "/v1/usage?clientId=a")
    assert reply.status == 401
    assert usage_worker.request("GET", "/v1/usage/statement").status == 401


def test_statement_as_json_and_csv_agree(usage_worker: WorkerClient) -> None:
    run(usage_worker, "statement-a")
    run(usage_worker, "statement-b")
    wait_for_events(usage_worker, "statement-a", 1)
    wait_for_events(usage_worker, "statement-b", 1)
    period = current_period()
    statement = usage_worker.get(f"/v1/usage/statement?period={period}")
    assert statement.status == 200
    clients = {client["clientId"]: client for client in statement.body["clients"]}
    assert {"statement-a", "statement-b"} <= set(clients)
    assert statement.body["total"]["requests"] == sum(c["totals"]["requests"] for c in clients.values())
    assert statement.body["total"]["dueMicros"] == sum(c["cost"]["dueMicros"] for c in clients.values())

    status, headers, text = usage_worker.get_text(
        f"/v1/usage/statement?period={period}&format=csv",
        {"Authorization": f"Bearer {usage_worker.api_key}"},
    )
    assert status == 200
    assert {name.lower(): value for name, value in headers.items()}["content-type"].startswith("text/csv")
    rows = {row["clientId"]: row for row in csv.DictReader(io.StringIO(text))}
    for client_id in ("statement-a", "statement-b"):
        assert int(rows[client_id]["requests"]) == clients[client_id]["totals"]["requests"]
        assert int(rows[client_id]["dueMicros"]) == clients[client_id]["cost"]["dueMicros"]
        assert int(rows[client_id]["grossMicros"]) == clients[client_id]["cost"]["grossMicros"]


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


def test_a_client_key_reads_only_its_own_usage_and_no_statement(usage_worker: WorkerClient) -> None:
    created = usage_worker.post_json("/v1/admin/clients", {"clientId": "keyed"})
    assert created.status == 201, created.body
    key = created.body["key"]["key"]
    ran = usage_worker.post_json("/v1/execute", {"code": "return 1;", "language": "javascript"}, api_key=key)
    assert ran.status == 200
    wait_for_events(usage_worker, "keyed", 1)
    own = usage_worker.get(f"/v1/usage?period={current_period()}", api_key=key)
    assert own.status == 200
    assert (own.body["clientId"], own.body["totals"]["requests"]) == ("keyed", 1)
    named = usage_worker.get("/v1/usage?clientId=keyed", api_key=key)
    assert (named.status, named.body["clientId"]) == (200, "keyed")
    other = usage_worker.get("/v1/usage?clientId=reader", api_key=key)
    assert (other.status, other.error_code) == (403, "client_mismatch")
    statement = usage_worker.get("/v1/usage/statement", api_key=key)
    assert (statement.status, statement.error_code) == (403, "admin_only")
