"""engine/meter-wasm.mjs seen through the Worker: native work inside built-ins spends fuel
on workerd (issue 8). The cases of infra/check/cases/native_work.yaml run with the rest of the
corpus on both tiers; this module adds what only the Worker shows: operators no guard can
see, billing of native work, deterministic fuel, and a server that keeps serving."""

from __future__ import annotations

import pytest

from infra.check.corpus import Case
from tests.infra.check.corpus_cases import CASES
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e

NATIVE_WORK = [case for case in CASES if case.family == "native_work"]


def test_the_family_has_every_shape_of_the_issue() -> None:
    names = {case.name for case in NATIVE_WORK}
    for shape in ("indexof-miss", "quadratic", "sparse", "array-like", "compare", "parse", "bigint"):
        assert any(shape in name for name in names), shape
    assert all(case.runs[0].expect.status in {"timeout", "error", "memory_limit"} for case in NATIVE_WORK)


# Shapes no guard can see (operators and implicit conversions): only the metered engine
# bounds them, so they are Worker-only and not in the shared corpus.
OPERATOR_SHAPES = {
    "bigint-template": "const b = 3n ** 100000n; let n = 0; for (;;) n += `${b}`.length;",
    "bigint-string-call": "const b = 3n ** 100000n; let n = 0; for (;;) n += String(b).length;",
    "bigint-concat": "const b = 3n ** 100000n; let n = 0; for (;;) n += (b + '').length;",
    "unary-plus-long-string": "const s = ' '.repeat(1 << 22) + '1'; let n = 0; for (;;) n += +s;",
    # SameValueZero inside a built-in: the guards would charge the array's length (1), not
    # the 4 MiB comparison.
    "array-includes-long": "const a = 'x'.repeat(4e6), b = 'x'.repeat(4e6); for (;;) [a].includes(b);",
    # Catching the out-of-memory error and allocating again: each round is mostly native
    # work (fills, garbage collection) that interrupt polls barely see.
    "catch-and-retry-out-of-memory": (
        "for (;;) { try { const keep = []; for (;;) keep.push(new Array(1e5).fill(1)); } catch (e) {} }"
    ),
}


@pytest.mark.parametrize("code", OPERATOR_SHAPES.values(), ids=OPERATOR_SHAPES.keys())
def test_operators_on_huge_values_end_within_their_budget(worker: WorkerClient, code: str) -> None:
    reply = worker.execute(code, limits={"fuel": 100})
    assert reply.status == 200
    assert reply.body["status"] == "timeout", reply.body
    assert 0 < reply.body["usage"]["fuel"] <= 100, reply.body["usage"]


def run_case(worker: WorkerClient, case: Case) -> None:
    run = case.runs[0]
    reply = worker.execute(run.code, limits=dict(run.limits))
    assert reply.status == 200


def test_server_keeps_serving_after_native_work(worker: WorkerClient) -> None:
    for case in NATIVE_WORK[:: max(1, len(NATIVE_WORK) // 4)]:
        run_case(worker, case)
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
    run_case(worker, NATIVE_WORK[0])
    second = worker.execute(code).body
    assert first["status"] == second["status"] == "ok"
    assert first["result"] == 60000
    assert first["usage"]["fuel"] == second["usage"]["fuel"] >= 1
