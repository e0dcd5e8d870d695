"""worker_src/usage/daily.js on workerd with a real KV binding: a month's days add up to
the month, open and closed."""

from __future__ import annotations

import calendar
import random
import time
from typing import Any

import pytest

from tests.worker.client import WorkerClient
from tests.worker.usage_units import call, event

pytestmark = pytest.mark.e2e


ADDITIVE = ("requests", "fuel", "wallMs", "codeBytes", "outputBytes", "executionMicros", "fuelMicros")


def month_of_events(period: str, clients: tuple[str, ...], count: int, seed: int) -> list[dict[str, Any]]:
    """Events spread over every day of a month, its first and last millisecond included."""
    year, month = map(int, period.split("-"))
    start = calendar.timegm((year, month, 1, 0, 0, 0)) * 1000
    end = calendar.timegm((year + month // 12, month % 12 + 1, 1, 0, 0, 0)) * 1000
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    moments = [start, end - 1, *(rng.randrange(start, end) for _ in range(count - 2))]
    return [
        event(
            period,
            rng.choice(clients),
            f"e{index:04d}",
            status=rng.choice(("ok", "ok", "ok", "error", "timeout")),
            fuel=rng.randrange(0, 2001),
            at=at,
        )
        for index, at in enumerate(moments)
    ]


def assert_days_add_up(days: list[dict[str, Any]], totals: dict[str, Any]) -> None:
    for field in ADDITIVE:
        assert sum(day[field] for day in days) == totals[field], field
    assert max(day["peakMemoryBytes"] for day in days) == totals["peakMemoryBytes"]
    by_status: dict[str, int] = {}
    for day in days:
        for status, count in day["byStatus"].items():
            by_status[status] = by_status.get(status, 0) + count
    assert by_status == totals["byStatus"]
    assert all(day["grossMicros"] == day["executionMicros"] + day["fuelMicros"] for day in days)


def test_daily_figures_add_up_to_the_month_open_and_closed(units: WorkerClient) -> None:
    period, clients = "2021-03", ("acme", "beta", "gamma")
    events = month_of_events(period, clients, 240, seed=15)
    call(units, "/seed", {"events": events})
    reference: dict[tuple[str, str], int] = {}
    for item in events:
        day = time.strftime("%Y-%m-%d", time.gmtime(item["metadata"]["at"] / 1000))
        client = item["key"].split("/")[3]
        reference[(client, day)] = reference.get((client, day), 0) + 1
    month = call(units, "/aggregate", {"period": period})

    for client in clients:
        daily = call(units, "/daily", {"period": period, "clientId": client, "closed": False})
        assert [day["date"] for day in daily["days"]] == [f"2021-03-{d:02d}" for d in range(1, 32)]
        assert daily["totals"] == month[client]
        assert_days_add_up(daily["days"], month[client])
        assert {day["date"]: day["requests"] for day in daily["days"] if day["requests"]} == {
            day: count for (owner, day), count in reference.items() if owner == client
        }

    end = calendar.timegm((2021, 4, 1, 0, 0, 0)) * 1000
    assert call(units, "/rollup", {"now": end + 5 * 60 * 1000})[period]["state"] == "closed"
    call(units, "/seed", {"events": [event(period, "acme", "late", at=end - 10)]})
    frozen = call(units, "/totals", {"period": period})["totals"]
    for client in clients:
        daily = call(units, "/daily", {"period": period, "clientId": client, "closed": True})
        assert daily["totals"] == frozen[client] == month[client]
        assert_days_add_up(daily["days"], frozen[client])
    # A month closed before daily roll-ups existed has totals only: its days come from
    # its events (here the same, as no event came late for gamma).
    call(units, "/delete", {"key": f"usage/daily/{period}/gamma"})
    legacy = call(units, "/daily", {"period": period, "clientId": "gamma", "closed": True})
    assert legacy["totals"] == frozen["gamma"]
    assert_days_add_up(legacy["days"], frozen["gamma"])
    nobody = call(units, "/daily", {"period": period, "clientId": "nobody", "closed": True})
    assert nobody["totals"]["requests"] == 0
    assert len(nobody["days"]) == 31
