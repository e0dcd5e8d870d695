"""Every input the program declares is one the Cloudflare provider accepts (its SDK's
input types, minus its read-only attributes), and the checker itself catches what the
provider would refuse."""

from __future__ import annotations

from typing import Any

import pulumi._types as pulumi_types
import pytest

from infra.paths import ProjectPaths
from tests.infra.deploy.provider_schema import (
    NESTED_READ_ONLY,
    read_only_inputs,
    resource_classes,
    schema_problems,
)
from tests.infra.deploy.pulumi_mocks import RecordingMocks, reveal, run_stack

VERSION = "cloudflare:index/workerVersion:WorkerVersion"
WORKER = "cloudflare:index/worker:Worker"
STABLE_ID = "11111111-2222-4333-8444-555555555555"
ZONE_ID = "fedcba9876543210fedcba9876543210"
# Every optional resource and input the program can declare, on top of the committed stacks.
EVERYTHING = {
    "zoneId": ZONE_ID,
    "routes": ["api.example.com/*"],
    "customDomain": "run.example.com",
    "rollout": {"percentage": 10, "stableVersionId": STABLE_ID, "force": True},
}


@pytest.fixture(scope="module")
def declared(paths: ProjectPaths) -> list[RecordingMocks]:
    return [
        run_stack("staging", paths),
        run_stack("production", paths),
        run_stack("production", paths, overrides=EVERYTHING),
    ]


def test_every_declared_input_is_a_provider_input(declared: list[RecordingMocks]) -> None:
    checked = set()
    problems = []
    for mocks in declared:
        for resource in mocks:
            problems.extend(schema_problems(resource.typ, reveal(resource.inputs)))
            checked.add(resource.typ)
    assert not problems
    # The check saw every Cloudflare resource the program declares.
    assert {typ for typ in checked if typ.startswith("cloudflare:")} == {
        WORKER,
        VERSION,
        "cloudflare:index/workersDeployment:WorkersDeployment",
        "cloudflare:index/workersKvNamespace:WorkersKvNamespace",
        "cloudflare:index/workersCronTrigger:WorkersCronTrigger",
        "cloudflare:index/workersRoute:WorkersRoute",
        "cloudflare:index/workersCustomDomain:WorkersCustomDomain",
    }


def version_inputs(**module_extra: Any) -> dict[str, Any]:
    module = {"name": "worker.js", "contentType": "application/javascript+module", "contentBase64": "AA=="}
    return {"accountId": "a" * 32, "workerId": "w", "modules": [{**module, **module_extra}]}


def test_a_module_digest_input_is_refused_as_read_only() -> None:
    """The input the program used to send, which `pulumi preview` refuses."""
    assert schema_problems(VERSION, version_inputs()) == []
    assert schema_problems(VERSION, version_inputs(contentSha256="ab" * 32)) == [
        f"{VERSION}: modules[].contentSha256 is read-only (computed by the provider), not an input"
    ]


def test_output_only_properties_are_refused() -> None:
    assert "createdOn" in read_only_inputs(VERSION)
    assert schema_problems(VERSION, {**version_inputs(), "createdOn": "2026-01-01"}) == [
        f"{VERSION}: createdOn is read-only (computed by the provider), not an input"
    ]


def test_unknown_inputs_are_refused_at_any_depth() -> None:
    inputs = {
        **version_inputs(),
        "bindings": [{"name": "R", "type": "ratelimit", "simple": {"limit": 1, "period": 60, "burst": 2}}],
        "scriptName": "not-here",
    }
    assert schema_problems(VERSION, inputs) == [
        f"{VERSION}: bindings[].simple.burst is not an input of WorkerVersionBindingSimpleArgs",
        f"{VERSION}: scriptName is not an input of WorkerVersionArgs",
    ]


@pytest.mark.parametrize(
    ("typ", "path"), [(typ, path) for typ, paths in NESTED_READ_ONLY.items() for path in sorted(paths)]
)
def test_the_read_only_list_names_inputs_the_sdk_has(typ: str, path: str) -> None:
    """Each hand-listed attribute is one the SDK would let through: the list is needed."""
    _resource, input_type = resource_classes(typ)
    for name in path.replace("[]", "").split("."):
        fields = pulumi_types.input_type_types(input_type)
        assert name in fields, f"{typ}: {path}"
        input_type = _nested_input_type(fields[name])


def _nested_input_type(annotation: Any) -> Any:
    """The first input type named anywhere inside an annotation (or the annotation)."""
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, type) and pulumi_types.is_input_type(item):
            return item
        stack.extend(getattr(item, "__args__", ()))
    return annotation
