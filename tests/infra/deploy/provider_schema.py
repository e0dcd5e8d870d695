"""Holds recorded resource inputs to what the Cloudflare provider accepts as input.

Pulumi's mocks accept anything; the provider does not. Its Python SDK is generated from
the provider's schema, so the `*Args` input types name every input the provider takes,
and a resource class's properties that are not in its `*Args` are outputs only. The SDK's
nested input types keep the provider's nested *computed-only* attributes, though (the
provider refuses them in config at check time: "Invalid Configuration for Read-Only
Attribute"), so those are listed here by hand from terraform-provider-cloudflare's
resource schemas (`Computed: true` without `Optional`).
"""

from __future__ import annotations

import collections.abc
import types
import typing
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi._types as pulumi_types
import pulumi_cloudflare

PROVIDER_PACKAGE = "cloudflare"
# Nested read-only attributes per resource type, as input paths (`[]` is any element).
# internal/services/worker_version/schema.go: modules.content_sha256,
# assets.asset_manifest_sha256, annotations.workers_triggered_by.
NESTED_READ_ONLY: Mapping[str, frozenset[str]] = {
    "cloudflare:index/workerVersion:WorkerVersion": frozenset(
        {"modules[].contentSha256", "assets.assetManifestSha256", "annotations.workersTriggeredBy"}
    ),
}


def resource_classes(typ: str) -> tuple[type, type]:
    """The SDK's resource class and its `*Args` class for a type token like
    `cloudflare:index/workerVersion:WorkerVersion`."""
    name = typ.rsplit(":", 1)[-1]
    return getattr(pulumi_cloudflare, name), getattr(pulumi_cloudflare, f"{name}Args")


def read_only_inputs(typ: str) -> frozenset[str]:
    """The resource's output-only properties (in the resource class, not in its Args)."""
    resource, args = resource_classes(typ)
    outputs = set(pulumi_types.resource_py_to_pulumi_names(resource).values())
    return frozenset(outputs - set(pulumi_types.input_type_types(args)))


def schema_problems(typ: str, inputs: Mapping[str, Any]) -> list[str]:
    """What the provider would refuse in these inputs (already revealed: no secret wrappers)."""
    if not typ.startswith(f"{PROVIDER_PACKAGE}:"):
        return []
    _resource, args = resource_classes(typ)
    read_only = read_only_inputs(typ) | NESTED_READ_ONLY.get(typ, frozenset())
    return _object_problems(typ, args, inputs, "", read_only)


def _object_problems(
    typ: str, input_type: type, value: Any, prefix: str, read_only: frozenset[str]
) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"{typ}: {prefix or 'inputs'} must be an object, got {value!r:.60}"]
    fields = pulumi_types.input_type_types(input_type)
    problems = []
    for name, item in value.items():
        path = f"{prefix}{name}"
        if path in read_only:
            problems.append(f"{typ}: {path} is read-only (computed by the provider), not an input")
        elif name not in fields:
            problems.append(f"{typ}: {path} is not an input of {input_type.__name__}")
        else:
            problems.extend(_value_problems(typ, fields[name], item, path, read_only))
    return problems


def _value_problems(typ: str, annotation: Any, value: Any, path: str, read_only: frozenset[str]) -> list[str]:
    expected = _strip(annotation)
    origin = typing.get_origin(expected)
    if origin in (collections.abc.Sequence, list):
        if not isinstance(value, list):
            return [f"{typ}: {path} must be a list"]
        (element,) = typing.get_args(expected)
        return [
            problem
            for item in value
            for problem in _value_problems(typ, element, item, f"{path}[]", read_only)
        ]
    if origin in (collections.abc.Mapping, dict):
        element = typing.get_args(expected)[1]
        return [
            problem
            for key, item in value.items()
            for problem in _value_problems(typ, element, item, f"{path}.{key}", read_only)
        ]
    if isinstance(expected, type) and pulumi_types.is_input_type(expected):
        return _object_problems(typ, expected, value, f"{path}.", read_only)
    return []


def _strip(annotation: Any) -> Any:
    """The type inside `Input[...]`, `Optional[...]`, `Awaitable[...]` and `Output[...]`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        choices = [
            choice
            for choice in typing.get_args(annotation)
            if choice is not type(None)
            and typing.get_origin(choice) not in (collections.abc.Awaitable, pulumi.Output)
            and choice is not pulumi.Output
        ]
        return _strip(choices[0]) if choices else annotation
    return annotation
