"""Hostile programs on workerd beyond the corpus (infra/check/cases/hostile.yaml runs with the
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


BUFFER_SCAN = """
const marker = Array.from(input.marker, (c) => c.charCodeAt(0));
function holdsMarker(bytes) {
  for (let at = bytes.indexOf(marker[0]); at !== -1; at = bytes.indexOf(marker[0], at + 1)) {
    let i = 1;
    while (i < marker.length && bytes[at + i] === marker[i]) i++;
    if (i === marker.length) return true;
  }
  return false;
}
const size = 1 << 22;
const resized = new ArrayBuffer(0, { maxByteLength: size });
resized.resize(size);
return [resized, new ArrayBuffer(16).transfer(size), new ArrayBuffer(size), new Float64Array(size / 8).buffer]
  .filter((buffer) => holdsMarker(new Uint8Array(buffer))).length;
"""


def test_a_large_input_of_one_client_is_nowhere_for_the_next(worker: WorkerClient) -> None:
    """One client sends ~700 KB of input holding a secret and echoes it; another client, the
    very next request on the same engine, makes every buffer it can and scans them."""
    secret = "CARD-4111111111111111-" + "9f3c" * 4
    victim = worker.execute(
        "return input.rows.length + input.rows[0].length;",
        clientId="victim",
        input={"rows": [secret * 4] * 4000},
    )
    assert victim.body["status"] == "ok", victim.body
    # The marker is sent reversed and put back together inside the program, so the
    # probe's own input does not hold the text it looks for.
    probe = worker.execute(
        "input = { marker: input.reversed.split('').reverse().join('') };\n" + BUFFER_SCAN,
        clientId="attacker",
        input={"reversed": secret[::-1]},
    )
    assert probe.body["status"] == "ok", probe.body
    assert probe.body["result"] == 0
