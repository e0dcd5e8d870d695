"""worker_src/usage/pricing.js on workerd: an execution's cost and a month's bill, exact to the
micro-unit; Python's exact integers are the reference."""

from __future__ import annotations

import pytest

from tests.worker.client import WorkerClient
from tests.worker.usage_units import call

pytestmark = pytest.mark.e2e
PRICES = {
    "currency": "USD",
    "pricePerExecutionMicros": 100,
    "pricePerMillionFuelMicros": 1_000_000,
    "freeAllowanceMicros": 1_000_000,
}


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
