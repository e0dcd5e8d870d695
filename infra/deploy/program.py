"""The Pulumi program's body: config -> build -> sandbox check (both tiers) -> Cloudflare resources.

`infra/__main__.py` calls `run()`; tests call `declare_stack` under Pulumi's mocks with a
gate of their choosing.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi

from infra.build.stack_build import build_stack
from infra.deploy.components.endpoints import PublicEndpoints
from infra.deploy.components.kv import KvNamespaces
from infra.deploy.components.schedule import UsageRollupSchedule
from infra.deploy.components.worker_service import WorkerService
from infra.errors import ConfigError, InfraError
from infra.paths import ProjectPaths
from infra.stack.config import (
    DEPLOY_OBJECT_KEYS,
    DEPLOY_TEXT_KEYS,
    StackConfig,
    key_name,
    parse_stack_config,
    require_account_id,
    set_command,
)

API_KEY_CONFIG = "apiKey"
TEXT_KEYS = ("workerName", "compatibilityDate", *DEPLOY_TEXT_KEYS)
OBJECT_KEYS = ("limits", "rateLimit", "logUserCode", "usage", *DEPLOY_OBJECT_KEYS)


class GateVerdict(Protocol):
    """What the pre-deploy sandbox check answers (infra/check/gate.py)."""

    @property
    def passed(self) -> bool: ...

    @property
    def failures(self) -> Sequence[Any]: ...


Gate = Callable[[StackConfig, ProjectPaths], GateVerdict]


class SandboxCheckFailedError(InfraError):
    """The behaviour corpus failed (or the tiers disagreed) on this stack's build; nothing may deploy."""


@dataclass(frozen=True)
class StackResources:
    """What one stack declares, for exports and tests."""

    config: StackConfig
    kv: KvNamespaces
    service: WorkerService
    schedule: UsageRollupSchedule
    endpoints: PublicEndpoints
    content_sha256: dict[str, str]


def default_gate(config: StackConfig, paths: ProjectPaths) -> GateVerdict:
    """The deploy gate of infra/check/gate.py (both tiers on the fresh build), imported only when
    the program runs it."""
    # Imported when the program runs, so the rest of the program (and its tests) never
    # depends on the harness and the local server being importable.
    module = importlib.import_module("infra.check.gate")
    report: GateVerdict = module.run_gate(config, paths)
    return report


def read_stack_config(pulumi_config: pulumi.Config, stack: str) -> StackConfig:
    """The stack's settings from `pulumi.Config()`, through the same rules as the CLI's."""
    values: dict[str, Any] = {}
    for key in TEXT_KEYS:
        text = pulumi_config.get(key)
        if text is not None:
            values[key] = text
    for key in OBJECT_KEYS:
        raw = pulumi_config.get(key)
        if raw is None:
            continue
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            raise ConfigError(key_name(key), f"must be structured YAML/JSON, got {raw!r}") from None
    return parse_stack_config(stack, values)


def read_api_key(pulumi_config: pulumi.Config, stack: str) -> pulumi.Output[str]:
    try:
        return pulumi_config.require_secret(API_KEY_CONFIG)
    except pulumi.ConfigMissingError:
        raise ConfigError(
            key_name(API_KEY_CONFIG),
            f"is missing; set it with `{set_command(stack, API_KEY_CONFIG, '<key>', secret=True)}`",
        ) from None


def failure_names(report: GateVerdict) -> list[str]:
    return [str(getattr(failure, "name", failure)) for failure in report.failures]


def declare_stack(
    config: StackConfig,
    paths: ProjectPaths,
    api_key: pulumi.Input[str],
    gate: Gate | None = None,
) -> StackResources:
    """Builds the stack, runs the sandbox check, and only then declares its resources."""
    account_id = require_account_id(config)
    manifest = build_stack(config, paths, report=pulumi.log.info)
    report = (gate or default_gate)(config, paths)
    if not report.passed:
        names = failure_names(report)
        raise SandboxCheckFailedError(
            f"sandbox check failed for stack {config.stack} ({len(names)} case(s): {', '.join(names)}); "
            "nothing was deployed. Run the check locally, fix the cases, then preview again"
        )
    kv = KvNamespaces(
        "kv", account_id=account_id, worker_name=config.worker_name, bindings=manifest.kv_namespaces
    )
    service = WorkerService(
        "service",
        account_id=account_id,
        config=config,
        manifest=manifest,
        build_dir=paths.build_dir(config.stack),
        kv_namespace_ids={binding: namespace.id for binding, namespace in kv.namespaces.items()},
        api_key=api_key,
    )
    after_deploy = pulumi.ResourceOptions(depends_on=[service.deployment])
    schedule = UsageRollupSchedule(
        "usage-rollup",
        account_id=account_id,
        script_name=service.script_name,
        cron=config.cloudflare.usage_rollup_cron,
        opts=after_deploy,
    )
    endpoints = PublicEndpoints(
        "endpoints",
        account_id=account_id,
        script_name=service.script_name,
        zone_id=config.cloudflare.zone_id,
        routes=config.cloudflare.routes,
        custom_domain=config.cloudflare.custom_domain,
        opts=after_deploy,
    )
    return StackResources(
        config=config,
        kv=kv,
        service=service,
        schedule=schedule,
        endpoints=endpoints,
        content_sha256={part.name: part.sha256 for part in manifest.modules},
    )


def export(resources: StackResources) -> None:
    pulumi.export("workerName", resources.service.script_name)
    pulumi.export("versionId", resources.service.version_id)
    pulumi.export("kvNamespaceIds", resources.kv.ids)
    pulumi.export("usageRollupSchedules", resources.schedule.schedules)
    pulumi.export("hostnames", resources.endpoints.hostnames)
    pulumi.export("contentSha256", resources.content_sha256)


def run(gate: Gate | None = None) -> StackResources:
    """The whole program for the current stack; config and check errors become RunError."""
    stack = pulumi.get_stack()
    pulumi_config = pulumi.Config()
    try:
        config = read_stack_config(pulumi_config, stack)
        resources = declare_stack(
            config, ProjectPaths.of_checkout(), read_api_key(pulumi_config, stack), gate
        )
    except InfraError as error:
        raise pulumi.RunError(str(error)) from None
    export(resources)
    return resources
