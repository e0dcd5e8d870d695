"""Helpers for the usage tests: a stack with known prices, running as a client, the roll-up
trigger, waiting."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import time
import urllib.parse
from dataclasses import replace
from typing import Any

from infra.stack.config import StackConfig
from infra.stack.usage import Caps, UsageConfig
from tests.worker.client import Reply, WorkerClient

# Odd prices so rounding shows: 3.333333 micro-units per fuel unit.
PRICES = UsageConfig(
    record=True,
    currency="EUR",
    price_per_execution_micros=250,
    price_per_million_fuel_micros=3_333_333,
    free_allowance_micros=1_000,
    client_caps={
        "capped": Caps(requests_per_month=3),
        "spender": Caps(spend_per_month_micros=200),
    },
)
GRACE_MS = 5 * 60 * 1000
WAIT_SECONDS = 30
LOOP = "let s = 0; for (let i = 0; i < 200000; i++) s += i; return s;"


def usage_stack(staging: StackConfig, stack: str) -> StackConfig:
    return replace(staging, stack=stack, usage=PRICES)


def expected_cost(fuel: int) -> dict[str, Any]:
    fuel_micros = (fuel * PRICES.price_per_million_fuel_micros + 500_000) // 1_000_000
    execution = PRICES.price_per_execution_micros
    return {
        "currency": "EUR",
        "executionMicros": execution,
        "fuelMicros": fuel_micros,
        "micros": execution + fuel_micros,
    }


def now_ms() -> int:
    return int(time.time() * 1000)


def next_period_start_ms(ms: int) -> int:
    day = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0)) * 1000


def current_period() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m")


def roll_up(worker: WorkerClient, at_ms: int | None = None) -> None:
    """Runs the Worker's scheduled handler (the roll-up) as the cron would, at a given time."""
    query = {"cron": "*/5 * * * *", "time": str(at_ms if at_ms is not None else now_ms())}
    status, _, body = worker.get_text("/cdn-cgi/handler/scheduled?" + urllib.parse.urlencode(query))
    assert (status, body) == (200, "ok")


def usage_of(worker: WorkerClient, client_id: str) -> dict[str, Any]:
    reply = worker.get(f"/v1/usage?period={current_period()}&clientId={client_id}")
    assert reply.status == 200, reply.body
    body: dict[str, Any] = reply.body
    return body


def wait_for_events(worker: WorkerClient, client_id: str, count: int) -> dict[str, Any]:
    """Usage once at least `count` events are visible (they are written after the answer)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        usage = usage_of(worker, client_id)
        if usage["totals"]["requests"] >= count or time.monotonic() > deadline:
            return usage
        time.sleep(0.2)


def run(worker: WorkerClient, client_id: str, code: str = LOOP, key: str | None = None) -> Reply:
    payload = {"code": code, "language": "javascript", "clientId": client_id}
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {worker.api_key}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return worker.request("POST", "/v1/execute", json.dumps(payload).encode(), headers)
