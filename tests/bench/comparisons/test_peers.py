"""A peer that fails mid-bench is a "not measured" result with its reason, never a crash;
a peer's failed requests show in its row."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import pytest

from bench.comparisons import peers
from bench.context import Settings
from bench.result import Measured, NotMeasured
from bench.servers import Server
from tests.bench.stand_in import JsonHandler, serving

SETTINGS = Settings(
    latency_rounds=1,
    throughput_seconds=0.2,
    connections=2,
    compute_repeats=1,
    peer_rounds=2,
    peer_compute_repeats=1,
    cold_starts=1,
    restore_repeats=1,
)
# The POSTs a peer answers before its throughput step: the two checks, the trivial
# snippet's 50 warm-up and 2 measured turns, fib(25)'s 1 warm-up and 1 measured turn.
POSTS_BEFORE_THROUGHPUT = 2 + 50 + 2 + 1 + 1


class _Answers(JsonHandler):
    """Answers like the service (or a peer): the snippet's result, by what the code computes.
    With `answer_posts` set, POSTs past that many get no reply: the connection just closes."""

    answer_posts: int | None = None
    posts = 0
    lock = threading.Lock()

    def do_POST(self) -> None:  # noqa: N802 - http.server names its handlers
        code = self.read_json()["code"]
        with self.lock:
            type(self).posts += 1
            dropped = self.answer_posts is not None and self.posts > self.answer_posts
        if dropped:
            self.close_connection = True
            return
        self.send_json({"status": "ok", "result": 75025 if "fib" in code else 30, "usage": {"wallMs": 1}})


@contextmanager
def _serving(name: str, answer_posts: int | None = None) -> Iterator[Server]:
    handler = type(name, (_Answers,), {"answer_posts": answer_posts, "posts": 0})
    with serving(handler) as url:
        yield Server(name, url, cast(Any, None))


@pytest.fixture
def service() -> Iterator[Server]:
    with _serving("service") as server:
        yield server


def test_a_peer_that_answers_is_measured(service: Server) -> None:
    with _serving("peer") as peer:
        measured = peers.peer_against_service(peer, service, "key", SETTINGS)
    assert isinstance(measured, Measured)
    assert measured.figures["peer"]["trivial"]["n"] == 2
    assert measured.figures["versusService"]["trivialP50"] is not None


def test_a_peer_that_drops_connections_in_its_throughput_step_is_not_measured(service: Server) -> None:
    with _serving("peer", answer_posts=POSTS_BEFORE_THROUGHPUT) as peer:
        measured = peers.peer_against_service(peer, service, "key", SETTINGS)
    assert isinstance(measured, NotMeasured)
    assert measured.reason.startswith("peer throughput: none of")
    assert "connection lost" in measured.reason
    assert measured.to_json() == {"measured": False, "reason": measured.reason}


def test_a_peer_that_never_answers_a_program_is_not_measured(service: Server) -> None:
    with _serving("peer", answer_posts=0) as peer:
        measured = peers.peer_against_service(peer, service, "key", SETTINGS)
    assert isinstance(measured, NotMeasured)
    assert measured.reason.startswith("trivial:")


def test_a_peer_s_failed_requests_show_in_its_throughput_cell() -> None:
    side = {
        "trivial": {"p50": 2.0},
        "fib25": {"p50": 5.0},
        "trivialPerSecond": 500.0,
        "trivialFailures": 3,
        "trivialFailureReasons": ["connection lost: closed before the reply"],
    }
    measured = Measured(
        {
            "peer": side,
            "service": {**side, "trivialFailures": 0, "trivialFailureReasons": []},
            "versusService": {"trivialP50": 1.0, "fib25P50": 1.0, "trivialThroughput": 1.0},
        }
    )
    lines = peers.WORKER_LOADER.rows(measured)
    assert lines[0].endswith("| 500 req/s (3 failed: connection lost: closed before the reply) |")
    assert lines[1] == "|  | this service, same turns | 2.00 ms | 5.00 ms | 500 req/s |"


def test_a_peer_that_did_not_start_is_a_row_with_its_reason() -> None:
    lines = peers.ISOLATED_VM.rows(NotMeasured("isolated-vm did not build here"))
    assert lines == ["| isolated-vm | not measured: isolated-vm did not build here |  |  |  |"]
