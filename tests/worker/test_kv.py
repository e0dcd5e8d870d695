"""worker_src/kv.js on workerd with a real KV binding: listing follows the cursor."""

from __future__ import annotations

import pytest

from tests.worker.client import WorkerClient
from tests.worker.usage_units import call, event

pytestmark = pytest.mark.e2e


def test_listing_follows_the_cursor_through_every_page(units: WorkerClient) -> None:
    events = [event("2019-03", "pager", f"e{index:03d}") for index in range(23)]
    call(units, "/seed", {"events": events})
    names = call(units, "/list", {"prefix": "usage/ev/2019-03/", "pageSize": 5})
    assert names == sorted(item["key"] for item in events)
