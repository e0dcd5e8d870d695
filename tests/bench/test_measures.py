"""The shared measurements against a local stdlib server: numbers and plot series when it
answers, `NotMeasured` saying which server when one is gone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from bench.context import Settings
from bench.measures import latency_vs_noop, side_by_side, side_ratio
from bench.result import Measured, NotMeasured
from bench.servers import Server
from tests.bench.stand_in import JsonHandler, serving
from tests.conftest import free_port

SETTINGS = Settings(latency_rounds=3)


class _Service(JsonHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server names its handlers
        self.read_json()
        self.send_json({"status": "ok", "result": 30})


@pytest.fixture(scope="module")
def service() -> Iterator[Server]:
    with serving(_Service) as url:
        yield Server("service", url, cast(Any, None))


def _gone() -> Server:
    return Server("gone", f"http://127.0.0.1:{free_port()}", cast(Any, None))


def test_latency_gives_figures_and_the_plot_s_series(service: Server) -> None:
    measured = latency_vs_noop(service, "key", SETTINGS, "stdlib")
    assert isinstance(measured, Measured)
    assert measured.figures["exec"]["n"] == 3
    assert measured.figures["ratioP50"] is not None
    assert sorted(measured.series) == ["GET /health, stdlib", "execution, stdlib"]


def test_side_by_side_names_the_server_that_failed(service: Server) -> None:
    both = side_by_side({"a": service, "b": service}, "key", SETTINGS)
    assert isinstance(both, Measured)
    assert side_ratio(both, "a", "b") is not None
    failed = side_by_side({"a": service, "b": _gone()}, "key", SETTINGS)
    assert isinstance(failed, NotMeasured)
    assert failed.reason.startswith("b: connection lost: cannot connect")
    assert side_ratio(failed, "a", "b") is None
