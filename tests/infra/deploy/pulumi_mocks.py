"""Runs the Pulumi program under Pulumi's mocks and records what the provider would receive."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import rpc

from infra.deploy.program import Gate, run
from infra.paths import PROJECT_NAME, ProjectPaths
from infra.stack.config import StackConfig

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"
API_KEY = "test-api-key-that-must-stay-secret"
VERSION_ID = "7c4b2f0e-1d2a-4e5f-9a8b-0c1d2e3f4a5b"


@dataclass(frozen=True)
class PassingReport:
    passed: bool = True
    failures: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Failure:
    name: str
    message: str


def passing_gate(_config: StackConfig, _paths: ProjectPaths) -> PassingReport:
    return PassingReport()


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def reveal(value: Any) -> Any:
    """The value inside a secret wrapper, recursively."""
    if is_secret(value):
        return reveal(value["value"])
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


@dataclass
class Recorded:
    typ: str
    name: str
    inputs: dict[str, Any]


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers every resource with its inputs as outputs, and remembers each registration."""

    def __init__(self) -> None:
        self.resources: list[Recorded] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(Recorded(args.typ, args.name, dict(args.inputs)))
        if args.typ == "cloudflare:index/workerVersion:WorkerVersion":
            return VERSION_ID, reveal(args.inputs)
        return f"{args.name}-id", reveal(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def of_type(self, typ: str) -> list[Recorded]:
        return [resource for resource in self.resources if resource.typ == typ]

    def one(self, typ: str) -> Recorded:
        (found,) = self.of_type(typ)
        return found

    def __iter__(self) -> Iterator[Recorded]:
        return iter(self.resources)


def stack_file_config(stack_file: Path) -> dict[str, str]:
    """`Pulumi.<stack>.yaml` as the CLI hands it to the program: text as is, the rest JSON."""
    document = yaml.safe_load(stack_file.read_text(encoding="utf-8"))
    return {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in document["config"].items()
    }


def run_stack(
    stack: str,
    paths: ProjectPaths,
    gate: Gate = passing_gate,
    overrides: dict[str, Any] | None = None,
    *,
    api_key: str | None = API_KEY,
    account_id: str | None = ACCOUNT_ID,
    mocks: RecordingMocks | None = None,
    entry: Callable[[], object] | None = None,
) -> RecordingMocks:
    """Runs the program for `stack` with its committed config plus `overrides` (None removes).

    Pass `mocks` to inspect what was registered when the program fails, and `entry` to
    run something else than `infra.deploy.program.run(gate)` (e.g. `infra/__main__.py`).
    """
    mocks = mocks or RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project=PROJECT_NAME, stack=stack, preview=False)
    config = stack_file_config(paths.stack_file(stack))
    extra: dict[str, Any] = {"accountId": account_id, "apiKey": api_key, **(overrides or {})}
    for key, value in extra.items():
        full = f"{PROJECT_NAME}:{key}"
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value if isinstance(value, str) else json.dumps(value)
    pulumi.runtime.set_all_config(config, secret_keys=[f"{PROJECT_NAME}:apiKey"])

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> None:
        if entry is None:
            run(gate)
        else:
            entry()

    program()
    return mocks
