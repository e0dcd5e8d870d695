"""worker_src/usage/store.js on workerd with a real KV binding: a failed write is retried,
and one that keeps failing is logged with everything needed to replay it."""

from __future__ import annotations

import pytest

from tests.worker.client import WorkerClient
from tests.worker.usage_units import call

pytestmark = pytest.mark.e2e


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
