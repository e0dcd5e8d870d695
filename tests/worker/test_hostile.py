"""Hostile programs (tests/cases/hostile.yaml) on workerd: each ends in a well-formed
answer inside its budget, and other clients keep being served meanwhile."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e

CASES_FILE = Path(__file__).parents[1] / "cases" / "hostile.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text())["cases"]
# Host-only names that must never appear in an answer.
HOST_MARKERS = ("workerd", "miniflare", "node_modules", "worker.js", "sandbox/run.js", "QuickJSContext")


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_hostile_case(
    worker: WorkerClient, case: dict[str, Any], staging_config_limits: dict[str, int]
) -> None:
    reply = worker.execute(case["code"], clientId="hostile")
    assert reply.status == 200, reply.body
    expect = case["expect"]
    assert reply.body["status"] == expect["status"], reply.body
    if "result" in expect:
        assert reply.body["result"] == expect["result"]
    if "errorName" in expect:
        assert reply.body["error"]["name"] == expect["errorName"]
    if "errorMessage" in expect:
        assert reply.body["error"]["message"] == expect["errorMessage"]
    if "logs" in expect:
        assert reply.body["logs"] == expect["logs"]
    assert reply.body["usage"]["fuel"] <= staging_config_limits["fuel"]
    text = json.dumps(reply.body)
    for marker in HOST_MARKERS:
        assert marker not in text


def test_other_clients_are_served_while_hostile_programs_run(worker: WorkerClient) -> None:
    hostile = ["for (;;) {}", "const a = []; for (;;) a.push({ x: a.length });", "function f() { f(); } f();"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        attacks = [pool.submit(worker.execute, code, clientId="attacker") for code in hostile * 2]
        honest = [pool.submit(worker.execute, f"return {n} * 2;", clientId=f"honest-{n}") for n in range(12)]
        honest_replies = [future.result() for future in honest]
        attack_replies = [future.result() for future in attacks]
    assert [reply.body["result"] for reply in honest_replies] == [n * 2 for n in range(12)]
    assert {reply.body["status"] for reply in attack_replies} <= {"timeout", "memory_limit", "stack_overflow"}
    assert all(reply.status == 200 for reply in attack_replies)


def test_the_largest_allowed_code_runs(worker: WorkerClient, staging_config_limits: dict[str, int]) -> None:
    statement = "x += 1;\n"
    prefix, suffix = "let x = 0;\n", "return x;"
    repeats = (staging_config_limits["maxCodeBytes"] - len(prefix) - len(suffix)) // len(statement)
    code = prefix + statement * repeats + suffix
    assert len(code.encode()) <= staging_config_limits["maxCodeBytes"]
    reply = worker.execute(code)
    assert reply.status == 200
    assert (reply.body["status"], reply.body["result"]) == ("ok", repeats)
