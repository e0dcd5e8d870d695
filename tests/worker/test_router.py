"""worker_src/router.js on workerd: HEAD wherever GET is, 404 for unknown paths, 405 with Allow."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest

from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e


def head(worker: WorkerClient, path: str) -> tuple[int, dict[str, str], bytes]:
    """A HEAD request: status, headers (lower-case names) and whatever body came back."""
    where = urlsplit(worker.base_url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        connection.request("HEAD", path)
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, headers, response.read()
    finally:
        connection.close()


def test_head_health_answers_as_get_without_a_body(worker: WorkerClient) -> None:
    """Monitors probe with HEAD."""
    status, headers, body = head(worker, "/health")
    assert (status, body) == (200, b"")
    assert headers["content-type"].startswith("application/json")
    assert headers["x-request-id"]


def test_head_is_allowed_wherever_get_is(worker: WorkerClient) -> None:
    wrong = worker.request("PUT", "/health")
    assert (wrong.status, wrong.headers.get("Allow")) == (405, "GET, HEAD")
    status, headers, _ = head(worker, "/v1/execute")
    assert (status, headers["allow"]) == (405, "POST")


def test_unknown_path_is_404_and_wrong_method_405(worker: WorkerClient) -> None:
    missing = worker.request("GET", "/nope")
    assert (missing.status, missing.error_code) == (404, "not_found")
    wrong = worker.request("GET", "/v1/execute")
    assert (wrong.status, wrong.error_code) == (405, "method_not_allowed")
    assert wrong.headers.get("Allow") == "POST"
    delete = worker.request("DELETE", "/")
    assert (delete.status, delete.error_code) == (405, "method_not_allowed")
