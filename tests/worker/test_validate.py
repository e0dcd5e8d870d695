"""worker_src/validate.js: every problem of an execute request is a 4xx naming its field
(on workerd), and the Worker's one client-id rule is the stack config's."""

from __future__ import annotations

import json
import re

import pytest

from infra.paths import ProjectPaths
from infra.stack.usage import CLIENT_ID_PATTERN
from tests.worker.client import SEED, Reply, WorkerClient

pytestmark = pytest.mark.e2e


def test_the_client_id_rule_is_rendered_from_the_stack_config(paths: ProjectPaths) -> None:
    """The Worker's rule is the one infra/stack/usage.py checks quota clients with: the build
    writes it into stack-config.js, and no Worker module spells its own."""
    rendered = (paths.build_dir("staging") / "stack-config.js").read_text(encoding="utf-8")
    (literal,) = re.findall(r"^export const CLIENT_ID_PATTERN = new RegExp\((.+)\);$", rendered, re.MULTILINE)
    assert json.loads(literal) == CLIENT_ID_PATTERN.pattern
    writers = [
        path.relative_to(paths.worker_src).as_posix()
        for path in paths.worker_src.rglob("*.js")
        if "A-Za-z0-9._:-" in path.read_text(encoding="utf-8")
    ]
    assert writers == []


@pytest.mark.parametrize("client_id", ["a", "client-1", "A.b_c:d-9", "x" * 128])
def test_a_good_client_id_is_accepted(worker: WorkerClient, client_id: str) -> None:
    reply = worker.post_json("/", {**SEED, "clientId": client_id})
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("client_id", ["", "-lead", "has space", "x" * 129, "tail\n", "é"])
def test_a_bad_client_id_is_refused_naming_the_field(worker: WorkerClient, client_id: str) -> None:
    reply = worker.post_json("/", {**SEED, "clientId": client_id})
    assert (reply.status, reply.error_code) == (422, "invalid_field")
    assert reply.body["error"]["field"] == "clientId"


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
