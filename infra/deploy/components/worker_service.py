"""The Worker itself: the script, an immutable version holding the exact built bytes, and
the deployment that sends traffic to it (all at once, gradually, or back to an old one)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path

import pulumi
import pulumi_cloudflare as cloudflare

from infra.build.manifest import Manifest, ModulePart, read_part
from infra.stack.bindings import API_KEY, RATE_LIMIT_NAMESPACE_ID
from infra.stack.config import Rollout, StackConfig

# Multipart content types of the module parts (Workers upload API).
CONTENT_TYPES = {
    "ESModule": "application/javascript+module",
    "CompiledWasm": "application/wasm",
}


def module_args(build_dir: Path, part: ModulePart) -> cloudflare.WorkerVersionModuleArgs:
    """One module part with its bytes, refusing bytes that are not the ones the build recorded."""
    content = read_part(build_dir, part)
    return cloudflare.WorkerVersionModuleArgs(
        name=part.name,
        content_type=CONTENT_TYPES[part.type],
        # No content_sha256: the provider computes it (a read-only attribute it refuses
        # in config); read_part's digest check is ours.
        content_base64=base64.b64encode(content).decode("ascii"),
    )


def deployment_versions(
    rollout: Rollout, new_version_id: pulumi.Input[str]
) -> list[cloudflare.WorkersDeploymentVersionArgs]:
    """Which versions serve traffic, and how much of it each gets."""
    if rollout.rollback_to is not None:
        return [cloudflare.WorkersDeploymentVersionArgs(version_id=rollout.rollback_to, percentage=100)]
    versions = [
        cloudflare.WorkersDeploymentVersionArgs(version_id=new_version_id, percentage=rollout.percentage)
    ]
    if rollout.percentage < 100:
        assert rollout.stable_version_id is not None  # infra/stack/config.py requires it
        versions.append(
            cloudflare.WorkersDeploymentVersionArgs(
                version_id=rollout.stable_version_id, percentage=100 - rollout.percentage
            )
        )
    return versions


def sorted_bindings(
    *bindings: cloudflare.WorkerVersionBindingArgs,
) -> list[cloudflare.WorkerVersionBindingArgs]:
    """By name: the API answers bindings in its own order, and an input in another order
    would show as a change (and replace the version) on every preview."""
    return sorted(bindings, key=lambda binding: str(binding.name))


class WorkerService(pulumi.ComponentResource):
    """The Worker named per stack, serving the manifest's modules with the stack's bindings."""

    script_name: pulumi.Output[str]
    version_id: pulumi.Output[str]
    deployment_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        account_id: str,
        config: StackConfig,
        manifest: Manifest,
        build_dir: Path,
        kv_namespace_ids: Mapping[str, pulumi.Input[str]],
        api_key: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("codeexec:cloudflare:WorkerService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.worker = cloudflare.Worker(
            f"{name}-worker",
            account_id=account_id,
            name=config.worker_name,
            observability=cloudflare.WorkerObservabilityArgs(
                enabled=True,
                logs=cloudflare.WorkerObservabilityLogsArgs(enabled=True, invocation_logs=True),
            ),
            subdomain=cloudflare.WorkerSubdomainArgs(
                enabled=config.cloudflare.workers_dev, previews_enabled=False
            ),
            opts=child,
        )
        bindings = sorted_bindings(
            *(
                cloudflare.WorkerVersionBindingArgs(
                    name=binding, type="kv_namespace", namespace_id=namespace_id
                )
                for binding, namespace_id in kv_namespace_ids.items()
            ),
            *(
                cloudflare.WorkerVersionBindingArgs(
                    name=limit.name,
                    type="ratelimit",
                    namespace_id=RATE_LIMIT_NAMESPACE_ID,
                    simple=cloudflare.WorkerVersionBindingSimpleArgs(
                        limit=limit.limit, period=limit.period_seconds
                    ),
                )
                for limit in manifest.rate_limits
            ),
            cloudflare.WorkerVersionBindingArgs(name=API_KEY, type="secret_text", text=api_key),
        )
        self.version = cloudflare.WorkerVersion(
            f"{name}-version",
            account_id=account_id,
            worker_id=self.worker.id,
            main_module=manifest.main_module,
            modules=[module_args(build_dir, part) for part in manifest.modules],
            bindings=bindings,
            compatibility_date=config.compatibility_date,
            limits=cloudflare.WorkerVersionLimitsArgs(cpu_ms=config.limits.cpu_ms),
            # A replaced version stays on Cloudflare: rollouts and rollbacks point back at it.
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        self.deployment = cloudflare.WorkersDeployment(
            f"{name}-deployment",
            account_id=account_id,
            script_name=self.worker.name,
            strategy="percentage",
            versions=deployment_versions(config.cloudflare.rollout, self.version.id),
            force=config.cloudflare.rollout.force,
            opts=child,
        )
        self.script_name = self.worker.name
        self.version_id = self.version.id
        self.deployment_id = self.deployment.id
        self.register_outputs(
            {"scriptName": self.script_name, "versionId": self.version_id, "deploymentId": self.deployment_id}
        )
