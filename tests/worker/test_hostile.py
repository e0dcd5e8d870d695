"""Hostile programs on workerd beyond the corpus (infra/cases/hostile.yaml runs with the
rest of it): other clients keep being served while attacks run, and the largest code
the stack allows runs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e


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
