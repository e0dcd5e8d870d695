"""worker_src/usage/handlers.js on workerd: GET /v1/usage (month and days) and
GET /v1/usage/statement (JSON and CSV), who may read what, and bad queries."""

from __future__ import annotations

import csv
import io
import time

import pytest

from tests.worker.client import WorkerClient
from tests.worker.usage_support import current_period, run, usage_of, wait_for_events

pytestmark = pytest.mark.e2e


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
