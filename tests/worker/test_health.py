"""worker_src/health.js on workerd: GET /health needs no key and names the stack, the
engine and the API version."""

from __future__ import annotations

import json

import pytest

from infra.build.engine_facts import ENGINE_VERSION
from infra.paths import ProjectPaths
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e


def committed_spec_version(paths: ProjectPaths) -> str:
    version: str = json.loads((paths.worker_src / "openapi.json").read_text())["info"]["version"]
    return version


def test_health_needs_no_key_and_names_stack_and_engine(worker: WorkerClient, paths: ProjectPaths) -> None:
    reply = worker.request("GET", "/health")
    assert reply.status == 200
    assert reply.body["stack"] == "staging"
    assert reply.body["engine"].startswith(f"quickjs-ng {ENGINE_VERSION} ")
    assert reply.body["version"] == committed_spec_version(paths)
