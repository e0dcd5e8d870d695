"""Pricing and the retried KV write, run on workerd with a real KV binding.

The modules are plain ES modules, so a small test Worker (usage_units_worker.js) serves
them as they are; Python's exact integers are the reference for the arithmetic.
"""

from __future__ import annotations

import calendar
import json
import random
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

from infra.paths import ProjectPaths
from tests.conftest import running_worker, write_test_manifest
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e

STACK = "usage-units"
MODULES = (
    "usage/pricing.js",
    "usage/store.js",
    "usage/rollup.js",
    "usage/daily.js",
    "usage/events.js",
    "usage/period.js",
    "kv.js",
    "log.js",
)
PRICES = {
    "currency": "USD",
    "pricePerExecutionMicros": 100,
    "pricePerMillionFuelMicros": 1_000_000,
    "freeAllowanceMicros": 1_000_000,
}


@pytest.fixture(scope="module")
def units(paths: ProjectPaths, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerClient]:
    build = paths.build_dir(STACK)
    shutil.rmtree(build, ignore_errors=True)
    (build / "usage").mkdir(parents=True)
    shutil.copy(paths.root / "tests" / "worker" / "usage_units_worker.js", build / "worker.js")
    for module in MODULES:
        shutil.copy(paths.root / "worker_src" / module, build / module)
    write_test_manifest(build, STACK, [("ESModule", path) for path in ("worker.js", *MODULES)], ["KV"])
    with running_worker(paths, STACK, tmp_path_factory.mktemp("units-state")) as client:
        yield client


def call(units: WorkerClient, path: str, payload: dict[str, Any]) -> Any:
    reply = units.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    assert reply.status == 200, reply.body
    return reply.body


def reference_fuel_micros(fuel: int, per_million: int) -> int:
    """Round half up, in exact integers."""
    return (fuel * per_million + 500_000) // 1_000_000


@pytest.mark.parametrize(
    ("fuel", "per_million"),
    [
        (0, 1_000_000),
        (1, 1_000_000),
        (1, 499_999),  # 0.499999 rounds down
        (1, 500_000),  # 0.5 rounds up
        (3, 3_333_333),  # 9.999999 -> 10
        (2000, 1_000_000),
        (10_000_000, 10**12),  # the product passes 2^53: must stay exact
        (9_999_999, 999_999_999_999),
    ],
)
def test_execution_cost_is_exact(units: WorkerClient, fuel: int, per_million: int) -> None:
    prices = {**PRICES, "pricePerMillionFuelMicros": per_million}
    cost = call(units, "/price", {"fuel": fuel, "prices": prices})
    fuel_micros = reference_fuel_micros(fuel, per_million)
    assert cost == {
        "currency": "USD",
        "executionMicros": 100,
        "fuelMicros": fuel_micros,
        "micros": 100 + fuel_micros,
    }


@pytest.mark.parametrize(
    ("execution_micros", "fuel_micros", "allowance_used", "due"),
    [
        (300, 500, 800, 0),  # all of it inside the allowance
        (600_000, 400_000, 1_000_000, 0),  # exactly the allowance
        (600_000, 400_001, 1_000_000, 1),  # one micro-unit over
        (5_000_000, 2_500_000, 1_000_000, 6_500_000),
    ],
)
def test_monthly_bill_takes_the_allowance_off(
    units: WorkerClient, execution_micros: int, fuel_micros: int, allowance_used: int, due: int
) -> None:
    totals = {"requests": 7, "fuel": 11, "executionMicros": execution_micros, "fuelMicros": fuel_micros}
    bill = call(units, "/bill", {"totals": totals, "prices": PRICES})
    assert bill["grossMicros"] == execution_micros + fuel_micros
    assert bill["freeAllowanceMicros"] == allowance_used
    assert bill["dueMicros"] == due
    assert sum(item["amountMicros"] for item in bill["lineItems"]) == due


def test_a_failed_write_is_retried_until_it_lands(units: WorkerClient) -> None:
    outcome = call(units, "/put", {"mode": "flaky", "failures": 2, "key": "flaky-1"})
    assert outcome["landed"] is True
    assert outcome["calls"] == 3
    assert outcome["stored"] == "v"
    assert [line["event"] for line in outcome["logged"]] == ["usage_write_retried"]


def test_a_write_that_keeps_failing_is_logged_loudly_with_the_event(units: WorkerClient) -> None:
    outcome = call(units, "/put", {"mode": "failing", "key": "failing-1"})
    assert outcome["landed"] is False
    assert outcome["calls"] == 4
    assert outcome["stored"] is None
    [line] = outcome["logged"]
    assert line["level"] == "error"
    assert line["event"] == "usage_write_failed"
    assert line["key"] == "failing-1"
    assert line["attempts"] == 4
    assert line["metadata"] == {"f": 1}  # enough to replay the event by hand
    assert "503" in line["error"]


def test_real_kv_refusing_oversized_metadata_is_retried_then_logged(units: WorkerClient) -> None:
    outcome = call(units, "/put", {"mode": "oversized", "key": "oversized-1"})
    assert outcome["landed"] is False
    assert outcome["calls"] == 4
    assert outcome["stored"] is None
    [line] = outcome["logged"]
    assert line["event"] == "usage_write_failed"
    assert "exceeds limit of 1024" in line["error"]


def test_a_missing_binding_is_logged_not_ignored(units: WorkerClient) -> None:
    outcome = call(units, "/put", {"mode": "unbound", "key": "unbound-1"})
    assert outcome["landed"] is False
    [line] = outcome["logged"]
    assert line["event"] == "usage_write_failed"
    assert "binding" in line["error"]


def event(
    period: str, client: str, event_id: str, *, status: str = "ok", fuel: int = 10, at: int = 0
) -> dict[str, Any]:
    metadata = {
        "v": 1,
        "at": at,
        "st": status,
        "f": fuel,
        "m": 1000 + fuel,
        "w": 2,
        "cb": 30,
        "ob": 4,
        "ce": 100,
        "cf": fuel,
    }
    return {"key": f"usage/ev/{period}/{client}/{event_id}", "metadata": metadata}


def test_listing_follows_the_cursor_through_every_page(units: WorkerClient) -> None:
    events = [event("2019-03", "pager", f"e{index:03d}") for index in range(23)]
    call(units, "/seed", {"events": events})
    names = call(units, "/list", {"prefix": "usage/ev/2019-03/", "pageSize": 5})
    assert names == sorted(item["key"] for item in events)


def test_aggregation_sums_each_client_apart(units: WorkerClient) -> None:
    events = [event("2019-04", "a", f"e{index}", fuel=index) for index in range(10)]
    events += [event("2019-04", "a", "t", status="timeout", fuel=2000)]
    events += [event("2019-04", "ab", f"e{index}") for index in range(3)]  # a prefix of another id
    call(units, "/seed", {"events": events})
    totals = call(units, "/aggregate", {"period": "2019-04"})
    assert set(totals) == {"a", "ab"}
    assert totals["a"] == {
        "requests": 11,
        "fuel": sum(range(10)) + 2000,
        "wallMs": 22,
        "codeBytes": 330,
        "outputBytes": 44,
        "peakMemoryBytes": 3000,
        "byStatus": {"ok": 10, "timeout": 1},
        "executionMicros": 1100,
        "fuelMicros": sum(range(10)) + 2000,
    }
    assert totals["ab"]["requests"] == 3
    assert call(units, "/aggregate", {"period": "2019-04", "clientId": "a"}).keys() == {"a"}


def test_a_month_closes_after_its_grace_window_and_then_never_changes(units: WorkerClient) -> None:
    call(units, "/seed", {"events": [event("2020-01", "c", f"e{index}") for index in range(4)]})
    end = 1580515200000  # 2020-02-01T00:00:00Z
    grace = 5 * 60 * 1000
    report = call(units, "/rollup", {"now": end + grace - 1})
    assert report["2020-01"]["state"] == "open"
    assert call(units, "/totals", {"period": "2020-01"})["totals"]["c"]["requests"] == 4
    report = call(units, "/rollup", {"now": end + grace})
    assert report["2020-01"] == {"state": "closed", "rolledUpAt": end + grace, "clients": 1, "events": 4}
    # A straggler after the close is kept in KV but the closed month stays as it was.
    call(units, "/seed", {"events": [event("2020-01", "c", "late"), event("2020-01", "d", "late")]})
    assert call(units, "/rollup", {"now": end + grace + 60_000})["2020-01"] == "already_closed"
    after = call(units, "/totals", {"period": "2020-01"})
    assert set(after["totals"]) == {"c"}
    assert after["totals"]["c"]["requests"] == 4
    assert after["state"]["state"] == "closed"


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
