"""The Worker's structured logs: one JSON line per request and per execution, readable
in `wrangler tail`, never carrying the API key, user code or input."""

from __future__ import annotations

import json
import time
from typing import Any

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
