"""The HTTP contract on workerd: the seed example, health, auth, and every 4xx."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from infra.build.engine import ENGINE_VERSION
from infra.paths import ProjectPaths
from tests.worker.client import Reply, WorkerClient

pytestmark = pytest.mark.e2e

SEED = {
    "code": "const x = 10; const y = 20; return x + y;",
    "language": "javascript",
    "clientId": "test-client",
}


def test_seed_example_on_the_historical_path_answers_30(worker: WorkerClient) -> None:
    reply = worker.post_json("/", SEED)
    assert reply.status == 200
    assert reply.body["status"] == "ok"
    assert reply.body["result"] == 30
    assert reply.body["requestId"] == reply.headers["x-request-id"]


def test_v1_execute_answers_like_the_historical_path(worker: WorkerClient) -> None:
    reply = worker.post_json("/v1/execute", SEED)
    assert reply.status == 200
    assert reply.body["result"] == 30
    assert set(reply.body) == {"requestId", "status", "result", "error", "logs", "logsDropped", "usage"}
    assert set(reply.body["usage"]) == {
        "fuel",
        "memoryBytes",
        "outputBytes",
        "wallMs",
        "codeBytes",
        "status",
        "cost",
    }
    assert reply.body["usage"]["memoryBytes"] > 0


def committed_spec_version(paths: ProjectPaths) -> str:
    version: str = json.loads((paths.worker_src / "openapi.json").read_text())["info"]["version"]
    return version


def test_health_needs_no_key_and_names_stack_and_engine(worker: WorkerClient, paths: ProjectPaths) -> None:
    reply = worker.request("GET", "/health")
    assert reply.status == 200
    assert reply.body["stack"] == "staging"
    assert reply.body["engine"].startswith(f"quickjs-ng {ENGINE_VERSION} ")
    assert reply.body["version"] == committed_spec_version(paths)


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


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_api_key"),
        ({"Authorization": "Bearer wrong-key"}, "invalid_api_key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_api_key"),
        ({"Authorization": "Bearer"}, "invalid_api_key"),
    ],
)
def test_bad_credentials_get_401(worker: WorkerClient, headers: dict[str, str], code: str) -> None:
    reply = worker.request(
        "POST", "/", json.dumps(SEED).encode(), {"Content-Type": "application/json", **headers}
    )
    assert reply.status == 401
    assert reply.error_code == code
    assert "www-authenticate" in {name.lower() for name in reply.headers}
    assert worker.api_key not in json.dumps(reply.body)


def test_unknown_path_is_404_and_wrong_method_405(worker: WorkerClient) -> None:
    missing = worker.request("GET", "/nope")
    assert (missing.status, missing.error_code) == (404, "not_found")
    wrong = worker.request("GET", "/v1/execute")
    assert (wrong.status, wrong.error_code) == (405, "method_not_allowed")
    assert wrong.headers.get("Allow") == "POST"
    delete = worker.request("DELETE", "/")
    assert (delete.status, delete.error_code) == (405, "method_not_allowed")


def test_wrong_content_type_is_415(worker: WorkerClient) -> None:
    reply = worker.request(
        "POST",
        "/",
        json.dumps(SEED).encode(),
        {"Content-Type": "text/plain", "Authorization": f"Bearer {worker.api_key}"},
    )
    assert (reply.status, reply.error_code) == (415, "unsupported_media_type")


def test_content_type_with_charset_is_accepted(worker: WorkerClient) -> None:
    reply = worker.request(
        "POST",
        "/",
        json.dumps(SEED).encode(),
        {"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {worker.api_key}"},
    )
    assert reply.status == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_body"),
        (b"\xff\xfe{}", 400, "invalid_encoding"),
    ],
)
def test_malformed_bodies(worker: WorkerClient, body: bytes, status: int, code: str) -> None:
    reply = worker.request(
        "POST", "/", body, {"Content-Type": "application/json", "Authorization": f"Bearer {worker.api_key}"}
    )
    assert (reply.status, reply.error_code) == (status, code)
    assert reply.body["error"]["requestId"]


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"code": None}, 422, "missing_field", "code"),
        ({"code": 42}, 422, "invalid_field", "code"),
        ({"language": None}, 422, "missing_field", "language"),
        ({"language": "python"}, 422, "unsupported_language", "language"),
        ({"language": ["javascript"]}, 422, "invalid_field", "language"),
        ({"clientId": None}, 422, "missing_field", "clientId"),
        ({"clientId": ""}, 422, "invalid_field", "clientId"),
        ({"clientId": "has space"}, 422, "invalid_field", "clientId"),
        ({"clientId": 7}, 422, "invalid_field", "clientId"),
        ({"limits": "fast"}, 422, "invalid_field", "limits"),
        ({"limits": {"fuel": 0}}, 422, "invalid_field", "limits.fuel"),
        ({"limits": {"fuel": 10**12}}, 422, "invalid_field", "limits.fuel"),
        ({"limits": {"fuel": 1.5}}, 422, "invalid_field", "limits.fuel"),
        ({"limits": {"cpu": 5}}, 422, "invalid_field", "limits.cpu"),
    ],
)
def test_each_field_problem_names_the_field(
    worker: WorkerClient, change: dict[str, object], status: int, code: str, field: str
) -> None:
    payload = {**SEED, **change}
    payload = {key: value for key, value in payload.items() if value is not None}
    reply = worker.post_json("/", payload)
    assert (reply.status, reply.error_code) == (status, code)
    assert reply.body["error"]["field"] == field


def test_code_over_the_limit_is_413_code_too_large(
    worker: WorkerClient, staging_config_limits: dict[str, int]
) -> None:
    code = "//" + "x" * staging_config_limits["maxCodeBytes"]
    reply = worker.execute(code)
    assert (reply.status, reply.error_code) == (413, "code_too_large")
    assert reply.body["error"]["field"] == "code"


def test_body_over_the_limit_is_413_body_too_large(
    worker: WorkerClient, staging_config_limits: dict[str, int]
) -> None:
    padding = "x" * (staging_config_limits["maxRequestBytes"] + 1)
    reply = worker.execute("return 1", input=padding)
    assert (reply.status, reply.error_code) == (413, "body_too_large")


def test_a_lower_fuel_limit_from_the_client_is_honoured(worker: WorkerClient) -> None:
    reply = worker.execute("for (;;) {}", limits={"fuel": 5})
    assert reply.body["status"] == "timeout"
    assert reply.body["usage"]["fuel"] == 5


def spec_schema(paths: ProjectPaths, *keys: str) -> dict[str, object]:
    node: object = json.loads((paths.worker_src / "openapi.json").read_text(encoding="utf-8"))
    for key in keys:
        assert isinstance(node, dict)
        node = node[key]
    assert isinstance(node, dict)
    return node


def test_a_heap_cap_below_the_documented_minimum_is_refused(
    worker: WorkerClient, paths: ProjectPaths
) -> None:
    request = ("components", "schemas", "ExecuteRequest", "properties")
    minimum = spec_schema(paths, *request, "limits", "properties", "memoryBytes")["minimum"]
    assert isinstance(minimum, int)
    for too_small in (1, 1000, minimum - 1):
        reply = worker.execute("return 1;", limits={"memoryBytes": too_small})
        assert reply.status == 422, reply.body
        assert reply.body["error"]["code"] == "invalid_field"
        assert reply.body["error"]["field"] == "limits.memoryBytes"
    at_minimum = worker.execute("const a = []; for (;;) a.push({});", limits={"memoryBytes": minimum})
    assert at_minimum.status == 200
    assert at_minimum.body["status"] == "memory_limit", at_minimum.body


def test_input_nested_past_the_depth_limit_is_refused_before_anything_runs(worker: WorkerClient) -> None:
    def execute_with_nested_input(code: str, depth: int) -> Reply:
        nested = "[" * (depth - 1) + "0" + "]" * (depth - 1)
        fields = f'"code": {json.dumps(code)}, "language": "javascript", "clientId": "test-client"'
        body = f'{{{fields}, "input": {nested}}}'
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {worker.api_key}"}
        return worker.request("POST", "/v1/execute", body.encode(), headers)

    deep = execute_with_nested_input("return 'ran';", 10_000)
    assert deep.status == 422, deep.body
    assert deep.body["error"]["code"] == "invalid_field"
    assert "1000 levels" in deep.body["error"]["message"]
    at_limit = execute_with_nested_input(
        "let d = 0; for (let v = input; Array.isArray(v); v = v[0]) d++; return d;", 1000
    )
    assert at_limit.body["status"] == "ok", at_limit.body
    assert at_limit.body["result"] == 999
