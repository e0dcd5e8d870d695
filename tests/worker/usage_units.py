"""The usage-units test Worker (usage_units_worker.js): the pure usage modules and kv.js
served as they are on workerd with a real KV binding (plain ES modules need no bundle),
and what the tests of those modules share."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra.paths import ProjectPaths
from tests.conftest import running_worker, write_test_manifest
from tests.worker.client import WorkerClient

STACK = "usage-units"
MODULES = (
    "usage/pricing.js",
    "usage/store.js",
    "usage/rollup.js",
    "usage/daily.js",
    "usage/events.js",
    "usage/period.js",
    "kv.js",
    "log.js",
)


@contextmanager
def serving_units(paths: ProjectPaths, state_dir: Path) -> Iterator[WorkerClient]:
    build = paths.build_dir(STACK)
    shutil.rmtree(build, ignore_errors=True)
    (build / "usage").mkdir(parents=True)
    shutil.copy(paths.root / "tests" / "worker" / "usage_units_worker.js", build / "worker.js")
    for module in MODULES:
        shutil.copy(paths.worker_src / module, build / module)
    write_test_manifest(build, STACK, [("ESModule", path) for path in ("worker.js", *MODULES)], ["KV"])
    with running_worker(paths, STACK, state_dir) as client:
        yield client


def call(units: WorkerClient, path: str, payload: dict[str, Any]) -> Any:
    reply = units.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    assert reply.status == 200, reply.body
    return reply.body


def event(
    period: str, client: str, event_id: str, *, status: str = "ok", fuel: int = 10, at: int = 0
) -> dict[str, Any]:
    metadata = {
        "v": 1,
        "at": at,
        "st": status,
        "f": fuel,
        "m": 1000 + fuel,
        "w": 2,
        "cb": 30,
        "ob": 4,
        "ce": 100,
        "cf": fuel,
    }
    return {"key": f"usage/ev/{period}/{client}/{event_id}", "metadata": metadata}
