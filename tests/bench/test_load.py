"""The bench's load client against a local stdlib HTTP/1.1 server (keep-alive), and against
servers that close connections: a failure is a result, never an exception."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest

from bench import load
from bench.load import Call
from bench.result import NotMeasured
from tests.bench.stand_in import JsonHandler, serving
from tests.conftest import free_port


class _Handler(JsonHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server names its handlers
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"hello ", b"world"):
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_body(b'{"ok": true}', 200 if self.path == "/ok" else 404)

    def do_POST(self) -> None:  # noqa: N802 - http.server names its handlers
        self.send_body(self.rfile.read(int(self.headers["Content-Length"])))


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(_Handler) as url:
        yield url


def test_reads_content_length_and_chunked_bodies(base_url: str) -> None:
    assert load.send_once(base_url, Call("ok", "GET", "/ok")) == load.Reply(200, b'{"ok": true}')
    assert load.send_once(base_url, Call("chunked", "GET", "/chunked")) == load.Reply(200, b"hello world")


def test_post_sends_its_body(base_url: str) -> None:
    reply = load.send_once(base_url, Call("echo", "POST", "/echo", b'{"code": "return 1"}'))
    assert reply.body == b'{"code": "return 1"}'


def test_latencies_take_turns_on_one_connection(base_url: str) -> None:
    calls = [Call("ok", "GET", "/ok"), Call("echo", "POST", "/echo", b"x")]
    samples = load.latencies(base_url, calls, rounds=5, warmup=2)
    assert {name: len(values) for name, values in samples.items()} == {"ok": 5, "echo": 5}
    assert all(value > 0 for values in samples.values() for value in values)


def test_latencies_across_servers_in_blocks(base_url: str) -> None:
    targets = [(base_url, Call("a", "GET", "/ok")), (base_url, Call("b", "GET", "/chunked"))]
    samples = load.latencies_across(targets, rounds=7, warmup=1, block=3)
    assert {name: len(values) for name, values in samples.items()} == {"a": 7, "b": 7}


def test_a_failing_route_is_not_measured(base_url: str) -> None:
    measured = load.latencies(base_url, [Call("missing", "GET", "/missing")], rounds=1, warmup=0)
    assert isinstance(measured, NotMeasured)
    assert measured.reason.startswith("missing: HTTP 404")


def test_throughput_counts_failures_apart(base_url: str) -> None:
    measured = load.throughput(base_url, Call("missing", "GET", "/missing"), connections=2, seconds=0.2)
    assert measured.requests == 0
    assert measured.failures > 0
    assert measured.connections == 2


class _Closing(socketserver.BaseRequestHandler):
    """Reads requests by hand. /ok answers and keeps the connection; /once answers, then
    closes it without a `Connection: close` (a keep-alive the server ended); /drop closes
    without a reply; /half sends half a reply's head and closes."""

    def handle(self) -> None:
        stream = self.request.makefile("rb")
        while True:
            line = stream.readline()
            if not line:
                return
            while stream.readline() not in (b"\r\n", b""):
                pass
            path = line.split()[1]
            if path == b"/drop":
                return
            if path == b"/half":
                self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Len")
                return
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            if path == b"/once":
                return


@pytest.fixture(scope="module")
def closing_url() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Closing)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_keep_alive_the_server_ended_is_reopened(closing_url: str) -> None:
    samples = load.latencies(closing_url, [Call("once", "GET", "/once")], rounds=5, warmup=1)
    assert not isinstance(samples, NotMeasured)
    assert len(samples["once"]) == 5
    measured = load.throughput(closing_url, Call("once", "GET", "/once"), connections=2, seconds=0.2)
    assert measured.requests > 0
    assert measured.failures == 0


@pytest.mark.parametrize(
    ("path", "why"), [("/drop", "closed before the reply"), ("/half", "closed mid-reply")]
)
def test_a_connection_closed_without_a_reply_is_a_result(closing_url: str, path: str, why: str) -> None:
    call = Call("lost", "GET", path)
    measured = load.latencies(closing_url, [call], rounds=3, warmup=0)
    assert isinstance(measured, NotMeasured)
    assert why in measured.reason
    rate = load.throughput(closing_url, call, connections=2, seconds=0.2)
    assert rate.requests == 0
    assert rate.failures > 0
    assert any(why in reason for reason in rate.reasons)


def test_a_server_that_is_gone_is_a_result() -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    measured = load.latencies(gone, [Call("ok", "GET", "/ok")], rounds=1, warmup=0)
    assert isinstance(measured, NotMeasured)
    assert "cannot connect" in measured.reason
    rate = load.throughput(gone, Call("ok", "GET", "/ok"), connections=2, seconds=0.2)
    # Each connection tries once and stops: a refused server is not hammered for the duration.
    assert (rate.requests, rate.failures) == (0, 2)
    assert isinstance(load.send_once(gone, Call("ok", "GET", "/ok")), NotMeasured)
