"""The shared measurements against a local stdlib server: numbers and plot series when it
answers, `NotMeasured` saying which server when one is gone."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest

from bench.context import Settings
from bench.measures import latency_vs_noop, side_by_side, side_ratio
from bench.result import Measured, NotMeasured
from bench.servers import Server
from tests.conftest import free_port

SETTINGS = Settings(latency_rounds=3)


class _Service(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._send({"status": "ok"})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self._send({"status": "ok", "result": 30})

    def _send(self, answer: dict[str, Any]) -> None:
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def service() -> Iterator[Server]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Server("service", f"http://127.0.0.1:{server.server_address[1]}", cast(Any, None))
    finally:
        server.shutdown()
        server.server_close()


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
