"""worker_src/sandbox/engine-host.js, the pristine image, on workerd: after every kind of
run in the corpus the engine's memory is byte for byte the image taken after setup, and a
program's fuel and peak heap do not depend on what ran before it (issue: "Every run starts
from a pristine engine")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.build.bundle import bundle_worker
from infra.build.engine_facts import engine_wasm
from infra.check.corpus import CASES_DIR, load_corpus
from infra.paths import ProjectPaths
from tests.conftest import running_worker, write_test_manifest
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e

STACK = "engine-probe"
PROBE = Path(__file__).with_name("engine_probe_worker.js")
# Programs of every shape: plain, allocating, throwing, async, clock-reading, a memory
# bomb under a small cap, a stack overflow, a meter trap. Alternated 100 rounds (1,000 runs).
DETERMINISM_PROGRAMS: tuple[dict[str, Any], ...] = (
    {"code": "return 1 + 1;"},
    {"code": "function f(n) { return n < 2 ? n : f(n - 1) + f(n - 2); } return f(15);"},
    {"code": "const m = new Map(); for (let i = 0; i < 2000; i++) m.set('k' + i, [i]); return m.size;"},
    {"code": "return input.items.map((x) => x * 2).join(',');", "input": {"items": [1, 2, 3, 4, 5]}},
    {"code": "try { null.x; } catch (e) { return e.message; }"},
    {"code": "throw new TypeError('plain');"},
    {"code": "let t = 0; for (let i = 0; i < 200; i++) t += new Date(2020, 1, i).getDate(); return t;"},
    {
        "code": "await null; const a = []; for (let i = 0; i < 1e5; i++) a.push('x' + i); return a.length;",
        "limits": {"memoryBytes": 2 * 1024 * 1024},
    },
    {"code": "function d() { d(); } d();"},
    # Native work: the wasm meter traps inside the built-in.
    {"code": "const s = 'a'.repeat(1 << 16); for (;;) s.indexOf('b');", "limits": {"fuel": 20}},
)


@pytest.fixture(scope="module")
def probe(paths: ProjectPaths, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerClient]:
    build = paths.build_dir(STACK)
    build.mkdir(parents=True, exist_ok=True)
    bundle_worker(paths, build, engine_wasm(paths), entry=PROBE)
    write_test_manifest(build, STACK, [("ESModule", "worker.js"), ("CompiledWasm", "quickjs.wasm")])
    with running_worker(paths, STACK, tmp_path_factory.mktemp("probe-state")) as client:
        yield client


def call(probe: WorkerClient, path: str, payload: dict[str, Any]) -> Any:
    reply = probe.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    assert reply.status == 200, reply.body
    return reply.body


def test_memory_is_the_image_after_every_run_of_the_corpus(
    probe: WorkerClient, paths: ProjectPaths, staging_config_limits: dict[str, int]
) -> None:
    statuses = set()
    for case in load_corpus(CASES_DIR):
        for index, run in enumerate(case.runs):
            program: dict[str, Any] = {"code": run.code, "limits": dict(run.limits)}
            if run.input_json is not None:
                program["input"] = json.loads(run.input_json)
            answer = call(probe, "/run", {"limits": staging_config_limits, "program": program})
            statuses.add(answer["status"])
            assert answer["pristine"], f"{case.case_id} #{index} ({answer['status']}) changed the memory"
    # Every way a run can end was among them, traps included.
    assert statuses >= {"ok", "error", "timeout", "memory_limit", "stack_overflow", "output_limit"}


def test_fuel_and_heap_do_not_depend_on_what_ran_before(
    probe: WorkerClient, staging_config_limits: dict[str, int]
) -> None:
    answer = call(
        probe,
        "/determinism",
        {"limits": staging_config_limits, "programs": list(DETERMINISM_PROGRAMS), "rounds": 100},
    )
    assert answer["runs"] == 1000
    assert {reading["ended"] for reading in answer["fresh"]} >= {"returned", "trapped"}
    assert answer["differences"] == []
