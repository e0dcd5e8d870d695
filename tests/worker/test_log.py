"""worker_src/log.js, the Worker's structured logs: one JSON line per request and per execution, readable
in `wrangler tail`, never carrying the API key, user code or input."""

from __future__ import annotations

import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e


def log_lines_for(worker: WorkerClient, request_id: str, count: int) -> list[dict[str, Any]]:
    """The server's JSON log lines naming the request, once `count` of them have arrived."""
    deadline = time.monotonic() + 10
    found: list[dict[str, Any]] = []
    while len(found) < count and time.monotonic() < deadline:
        time.sleep(0.05)
        found = [
            json.loads(line[line.index("{") :])
            for line in worker.server_output
            if request_id in line and "{" in line
        ]
    return found


def test_each_execution_logs_request_and_usage_lines_without_secrets(worker: WorkerClient) -> None:
    private_code = "const marker = 'do-not-log-this-code'; return input.secret.length;"
    reply = worker.execute(private_code, input={"secret": "do-not-log-this-input"}, clientId="log-client")
    assert reply.status == 200
    request_id = reply.body["requestId"]
    lines = log_lines_for(worker, request_id, 2)
    events = {line["event"]: line for line in lines}
    assert events["request"]["status"] == 200
    assert events["request"]["path"] == "/v1/execute"
    assert isinstance(events["request"]["durationMs"], int)
    assert events["execution"]["clientId"] == "log-client"
    assert events["execution"]["status"] == "ok"
    assert events["execution"]["fuel"] == reply.body["usage"]["fuel"]
    everything = "".join(worker.server_output)
    for secret in (worker.api_key, "do-not-log-this-code", "do-not-log-this-input"):
        assert secret not in everything


def test_failed_auth_is_logged_without_the_presented_key(worker: WorkerClient) -> None:
    reply = worker.post_json(
        "/", {"code": "1", "language": "javascript", "clientId": "x"}, api_key="presented-wrong-key"
    )
    assert reply.status == 401
    lines = log_lines_for(worker, reply.body["error"]["requestId"], 1)
    assert lines[0]["status"] == 401
    assert "presented-wrong-key" not in "".join(worker.server_output)


def test_a_client_that_disconnects_mid_upload_is_one_info_line(worker: WorkerClient) -> None:
    """Not a bug of the service: logged once, at info level, as what it is (not a 500)."""
    where = urlsplit(worker.base_url)
    before = len(worker.server_output)
    with socket.create_connection((where.hostname or "", where.port or 80), timeout=30) as connection:
        connection.sendall(
            (
                "POST /v1/execute HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {worker.api_key}\r\nContent-Type: application/json\r\n"
                "Content-Length: 100000\r\n\r\n"
            ).encode()
            + b'{"code": "'
            + b"a" * 1000
        )
        time.sleep(0.3)
    deadline = time.monotonic() + 10
    lines: list[dict[str, Any]] = []
    while not lines and time.monotonic() < deadline:
        time.sleep(0.05)
        lines = [
            json.loads(line[line.index("{") :])
            for line in worker.server_output[before:]
            if '"errorCode":"client_disconnected"' in line
        ]
    assert len(lines) == 1, worker.server_output[before:]
    (line,) = lines
    assert (line["level"], line["event"], line["status"]) == ("info", "request", 400)
    request_lines = [
        text for text in worker.server_output[before:] if line["requestId"] in text and "{" in text
    ]
    assert len(request_lines) == 1, request_lines
    assert "unhandled" not in "".join(worker.server_output[before:])
