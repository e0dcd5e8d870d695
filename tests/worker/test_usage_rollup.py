"""worker_src/usage/rollup.js on workerd with a real KV binding: events add up per client,
and a month closes after its grace window and never changes after."""

from __future__ import annotations

import pytest

from tests.worker.client import WorkerClient
from tests.worker.usage_units import call, event

pytestmark = pytest.mark.e2e


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
