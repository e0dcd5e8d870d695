"""Native work inside built-ins spends fuel on workerd (issue 8): every case of
tests/cases/native_work.yaml ends within its budget, and the server keeps serving."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from tests.cases.native_work import Case, load_cases
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e

# A regression (a built-in escaping the meter) must fail the case, not hang the suite;
# the Worker's own CPU limit is not enforced locally.
CASE_TIMEOUT_SECONDS = 20
CASES = load_cases()


def execute_bounded(worker: WorkerClient, case: Case) -> dict[str, Any]:
    payload: dict[str, Any] = {"code": case.code, "language": "javascript", "clientId": "test-client"}
    if case.limits:
        payload["limits"] = case.limits
    if case.input is not None:
        payload["input"] = case.input
    request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
        worker.base_url + "/v1/execute",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {worker.api_key}"},
    )
    with urllib.request.urlopen(request, timeout=CASE_TIMEOUT_SECONDS) as response:  # noqa: S310
        body: dict[str, Any] = json.loads(response.read())
        assert response.status == 200, body
        return body


def test_the_family_has_every_shape_of_the_issue() -> None:
    names = {case.name for case in CASES}
    for shape in ("indexof-miss", "quadratic", "sparse", "array-like", "compare", "parse", "bigint"):
        assert any(shape in name for name in names), shape
    assert all(case.expect["status"] in {"timeout", "error", "memory_limit"} for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_native_work_ends_within_its_budget(worker: WorkerClient, case: Case) -> None:
    body = execute_bounded(worker, case)
    assert body["status"] == case.expect["status"], body
    budget = case.limits.get("fuel")
    if budget is not None:
        assert 0 < body["usage"]["fuel"] <= budget, body["usage"]
    if body["status"] == "timeout":
        assert body["error"]["name"] == "TimeoutError"
    for key, field in (("errorName", "name"), ("errorMessage", "message")):
        if key in case.expect:
            assert body["error"][field] == case.expect[key], body["error"]


# Shapes no prelude guard can see (operators and implicit conversions): only the metered
# engine bounds them, so they are Worker-only and not in the shared corpus.
OPERATOR_SHAPES = {
    "bigint-template": "const b = 3n ** 100000n; let n = 0; for (;;) n += `${b}`.length;",
    "bigint-string-call": "const b = 3n ** 100000n; let n = 0; for (;;) n += String(b).length;",
    "bigint-concat": "const b = 3n ** 100000n; let n = 0; for (;;) n += (b + '').length;",
    "unary-plus-long-string": "const s = ' '.repeat(1 << 22) + '1'; let n = 0; for (;;) n += +s;",
    # SameValueZero inside a built-in: the guards would charge the array's length (1), not
    # the 4 MiB comparison.
    "array-includes-long": "const a = 'x'.repeat(4e6), b = 'x'.repeat(4e6); for (;;) [a].includes(b);",
}


@pytest.mark.parametrize("code", OPERATOR_SHAPES.values(), ids=OPERATOR_SHAPES.keys())
def test_operators_on_huge_values_end_within_their_budget(worker: WorkerClient, code: str) -> None:
    case = Case(name="operator", code=code, limits={"fuel": 100}, expect={"status": "timeout"})
    body = execute_bounded(worker, case)
    assert body["status"] == "timeout", body
    assert 0 < body["usage"]["fuel"] <= 100, body["usage"]


def test_server_keeps_serving_after_native_work(worker: WorkerClient) -> None:
    for case in CASES[:: max(1, len(CASES) // 4)]:
        execute_bounded(worker, case)
        reply = worker.execute("return 'abc'.repeat(3).indexOf('ca') + [3, 1, 2].sort().join('').length;")
        assert reply.status == 200
        assert reply.body["status"] == "ok", reply.body
        assert reply.body["result"] == 2 + 3


def test_native_work_is_billed(worker: WorkerClient) -> None:
    # One call that searches 16 MiB of text: a single operation for the interrupt
    # counter, but far more than one unit of fuel for the wasm meter.
    reply = worker.execute("const s = 'a'.repeat(1 << 24); return s.indexOf('b');", limits={"fuel": 2000})
    assert reply.body["status"] == "ok", reply.body
    assert reply.body["result"] == -1
    assert reply.body["usage"]["fuel"] > 10, reply.body["usage"]


def test_fuel_is_deterministic_for_ordinary_code(worker: WorkerClient) -> None:
    # Fuel is the billing unit: the same program costs the same on every run, including
    # runs on an engine re-instantiated after a trap.
    code = (
        "const words = 'a b c d e'.split(' '); let n = 0;"
        " for (let i = 0; i < 20000; i++) n += words.indexOf('d'); return n;"
    )
    first = worker.execute(code).body
    execute_bounded(worker, CASES[0])
    second = worker.execute(code).body
    assert first["status"] == second["status"] == "ok"
    assert first["result"] == 60000
    assert first["usage"]["fuel"] == second["usage"]["fuel"] >= 1
