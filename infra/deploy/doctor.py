"""`codeexec doctor --stack S`: the deploy troubleshooting list, made executable.

Each check looks at what is on disk (stack file, `.dev.vars`, `build/<stack>/`) and
answers one line: ok, or what is wrong and the command that fixes it.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.build.manifest import MANIFEST_NAME, read_manifest
from infra.deploy.kv_ids import read_kv_ids
from infra.errors import InfraError
from infra.local.devvars import read_dev_vars
from infra.paths import ProjectPaths
from infra.stack.bindings import ALL_BINDINGS, API_KEY, KV_NAMESPACES, namespace_title, placeholder_id
from infra.stack.config import StackConfig, key_name, set_command
from infra.stack.platform import MAX_UNCOMPRESSED_BYTES, PLAN_COMPRESSED_BYTES, PLAN_CPU_MS

# One QuickJS run of real code needs far more than the free plan's 10 ms; below this the
# Worker's backstop would cut runs off before the fuel budget does.
MIN_USEFUL_CPU_MS = 1_000
API_KEY_CONFIG = "apiKey"
ENV_READ = re.compile(r"\benv\.([A-Z][A-Z0-9_]*)\b")
# `scheduled` as a method or shorthand property of the entry's default export.
SCHEDULED_HANDLER = re.compile(r"\bscheduled\s*(\(|,|\}|:)")
ENTRY = "index.js"
# The Pulumi CLI runs the program with the pinned SDK; an older CLI may not speak its protocol.
PULUMI_SDK = "pulumi"
PULUMI_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
PULUMI_INSTALL = "curl -fsSL https://get.pulumi.com | sh -s -- --version {version}"


@dataclass(frozen=True)
class Finding:
    """One check's answer: `fix` is empty when it passed."""

    check: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = "ok  " if self.ok else "FAIL"
        text = f"{mark} {self.check:<16} {self.detail}"
        return f"{text}\n     {'':<16} fix: {self.fix}" if self.fix else text


Check = Callable[[StackConfig, ProjectPaths], Finding]


def _stack_values(paths: ProjectPaths, stack: str) -> dict[str, Any]:
    document = yaml.safe_load(paths.stack_file(stack).read_text(encoding="utf-8")) or {}
    config = document.get("config") or {}
    return dict(config) if isinstance(config, dict) else {}


def check_account(config: StackConfig, _paths: ProjectPaths) -> Finding:
    if config.cloudflare.account_id:
        return Finding("account", True, f"accountId {config.cloudflare.account_id}")
    return Finding(
        "account",
        False,
        f"{key_name('accountId')} is not set; pulumi cannot deploy",
        set_command(config.stack, "accountId", "<32-hex account id>"),
    )


def check_api_key_stack(config: StackConfig, paths: ProjectPaths) -> Finding:
    value = _stack_values(paths, config.stack).get(key_name(API_KEY_CONFIG))
    command = set_command(config.stack, API_KEY_CONFIG, "<key>", secret=True)
    if isinstance(value, dict) and "secure" in value:
        return Finding("api key (stack)", True, f"{key_name(API_KEY_CONFIG)} is a secure value")
    if value is None:
        return Finding("api key (stack)", False, f"{key_name(API_KEY_CONFIG)} is not set", command)
    return Finding(
        "api key (stack)",
        False,
        f"{key_name(API_KEY_CONFIG)} is stored in plain text in {paths.stack_file(config.stack).name}",
        f"{command} (it replaces the plain value; rotate the key, it was exposed)",
    )


def check_api_key_local(_config: StackConfig, paths: ProjectPaths) -> Finding:
    name = paths.dev_vars.name
    fix = f"run `make dev` once (it creates {name}), or add a line {API_KEY}=<key> to {name}"
    if not paths.dev_vars.is_file():
        return Finding(
            "api key (local)", False, f"{name} is missing: `make dev` and `wrangler dev` need it", fix
        )
    if not read_dev_vars(paths.dev_vars).get(API_KEY):
        return Finding("api key (local)", False, f"{name} has no {API_KEY}", fix)
    return Finding("api key (local)", True, f"{name} has {API_KEY}")


def check_kv_bindings(config: StackConfig, paths: ProjectPaths) -> Finding:
    """Every `env.X` the Worker reads is bound; every KV binding has a namespace id."""
    read = {
        name for path in sorted(paths.worker_src.rglob("*.js")) for name in ENV_READ.findall(path.read_text())
    }
    unbound = sorted(read - set(ALL_BINDINGS))
    if unbound:
        return Finding(
            "kv namespaces",
            False,
            f"the Worker reads env.{', env.'.join(unbound)} but no binding declares it",
            "add it to infra/stack/bindings.py (Pulumi, wrangler.toml and the Env typedef follow it)",
        )
    recorded = read_kv_ids(paths, config.stack)
    local = [binding for binding in KV_NAMESPACES if binding not in recorded]
    titles = ", ".join(namespace_title(config.worker_name, binding) for binding in KV_NAMESPACES)
    if local:
        return Finding(
            "kv namespaces",
            True,
            f"{titles}; wrangler.toml uses local ids ({', '.join(map(placeholder_id, local))}) until "
            f"`codeexec kv-ids --stack {config.stack}` records the deployed ones",
        )
    return Finding("kv namespaces", True, f"{titles}, deployed ids recorded")


def check_scheduled_handler(config: StackConfig, paths: ProjectPaths) -> Finding:
    """The cron trigger Pulumi declares needs a `scheduled` handler, or every run fails."""
    entry = paths.worker_src / ENTRY
    cron = config.cloudflare.usage_rollup_cron
    if SCHEDULED_HANDLER.search(entry.read_text(encoding="utf-8")):
        return Finding("cron handler", True, f"{ENTRY} exports scheduled() for {cron!r}")
    return Finding(
        "cron handler",
        False,
        f"the stack declares the cron {cron!r} but worker_src/{ENTRY} exports no scheduled(): "
        "every scheduled run would fail",
        f"export the usage roll-up as `scheduled` from worker_src/{ENTRY} "
        "(export default { fetch, scheduled }) before deploying",
    )


def check_cpu_limit(config: StackConfig, _paths: ProjectPaths) -> Finding:
    plan, cpu_ms = config.cloudflare.plan, config.limits.cpu_ms
    if plan == "free":
        return Finding(
            "cpu limit",
            False,
            f"the Workers Free plan allows {PLAN_CPU_MS['free']} ms CPU per request, "
            f"far below one QuickJS run (limits.cpuMs is {cpu_ms})",
            f"move the account to Workers Paid, then `{set_command(config.stack, 'plan', 'paid')}`",
        )
    if cpu_ms > PLAN_CPU_MS[plan]:
        return Finding(
            "cpu limit",
            False,
            f"limits.cpuMs {cpu_ms} exceeds the {plan} plan's {PLAN_CPU_MS[plan]} ms",
            f"`{set_command(config.stack, '--path limits.cpuMs', str(PLAN_CPU_MS[plan]))}`",
        )
    if cpu_ms < MIN_USEFUL_CPU_MS:
        return Finding(
            "cpu limit",
            False,
            f"limits.cpuMs {cpu_ms} would stop runs before their fuel budget "
            f"({config.limits.fuel_per_run}) does",
            f"`{set_command(config.stack, '--path limits.cpuMs', '5000')}`",
        )
    return Finding(
        "cpu limit", True, f"limits.cpuMs {cpu_ms} within the {plan} plan's {PLAN_CPU_MS[plan]:,} ms"
    )


def check_bundle_size(config: StackConfig, paths: ProjectPaths) -> Finding:
    build_dir = paths.build_dir(config.stack)
    build = f"codeexec build --stack {config.stack}"
    if not (build_dir / MANIFEST_NAME).is_file():
        return Finding("bundle size", False, f"no build in {build_dir.relative_to(paths.root)}", build)
    manifest = read_manifest(build_dir)
    contents = [(build_dir / part.path).read_bytes() for part in manifest.modules]
    raw = sum(map(len, contents))
    compressed = sum(len(gzip.compress(content, compresslevel=9)) for content in contents)
    limit = PLAN_COMPRESSED_BYTES[config.cloudflare.plan]
    plan = config.cloudflare.plan
    detail = f"{raw:,} bytes, {compressed:,} gzipped (limit {limit:,} gzipped on the {plan} plan)"
    if compressed > limit or raw > MAX_UNCOMPRESSED_BYTES:
        return Finding(
            "bundle size",
            False,
            detail,
            "shrink the bundle (drop dependencies) or move the account to Workers Paid",
        )
    return Finding("bundle size", True, detail)


def check_names(config: StackConfig, paths: ProjectPaths) -> Finding:
    """The rendered wrangler.toml addresses the Worker that Pulumi declares."""
    path = paths.build_dir(config.stack) / "wrangler.toml"
    build = f"codeexec build --stack {config.stack}"
    if not path.is_file():
        return Finding("names", False, f"no {path.relative_to(paths.root)}", build)
    wrangler = tomllib.loads(path.read_text(encoding="utf-8"))
    environment = wrangler.get("env", {}).get(config.stack, {})
    expected: dict[str, object] = {
        "name": config.worker_name,
        f"env.{config.stack}.name": config.worker_name,
        "compatibility_date": config.compatibility_date,
        "limits.cpu_ms": config.limits.cpu_ms,
        "kv bindings": sorted(KV_NAMESPACES),
        f"env.{config.stack} kv bindings": sorted(KV_NAMESPACES),
        "crons": [config.cloudflare.usage_rollup_cron],
        "workers_dev": config.cloudflare.workers_dev,
    }
    actual: dict[str, object] = {
        "name": wrangler.get("name"),
        f"env.{config.stack}.name": environment.get("name"),
        "compatibility_date": wrangler.get("compatibility_date"),
        "limits.cpu_ms": wrangler.get("limits", {}).get("cpu_ms"),
        "kv bindings": sorted(kv["binding"] for kv in wrangler.get("kv_namespaces", [])),
        f"env.{config.stack} kv bindings": sorted(
            kv["binding"] for kv in environment.get("kv_namespaces", [])
        ),
        "crons": wrangler.get("triggers", {}).get("crons"),
        "workers_dev": wrangler.get("workers_dev"),
    }
    differ = [
        f"{key}: wrangler {actual[key]!r}, Pulumi {expected[key]!r}"
        for key in expected
        if actual[key] != expected[key]
    ]
    if differ:
        return Finding("names", False, "wrangler.toml differs from the stack: " + "; ".join(differ), build)
    return Finding("names", True, f"wrangler.toml and Pulumi both address {config.worker_name}")


def check_pulumi_cli(_config: StackConfig, _paths: ProjectPaths) -> Finding:
    """`pulumi` is on PATH and at least the version of the pinned Python SDK."""
    wanted = importlib.metadata.version(PULUMI_SDK)
    fix = f"install it: {PULUMI_INSTALL.format(version=wanted)} (docs/deploy.md)"
    cli = shutil.which("pulumi")
    if cli is None:
        return Finding("pulumi cli", False, "pulumi is not on PATH; every deploy step needs it", fix)
    answer = subprocess.run([cli, "version"], capture_output=True, text=True, timeout=60, check=False)
    found = PULUMI_VERSION.search(answer.stdout)
    if answer.returncode != 0 or found is None:
        return Finding("pulumi cli", False, f"`{cli} version` answered {answer.stdout.strip()!r}", fix)
    have = tuple(map(int, found.groups()))
    if have < tuple(map(int, wanted.split(".")[:3])):
        return Finding("pulumi cli", False, f"pulumi {found[0]} is older than the SDK's {wanted}", fix)
    return Finding("pulumi cli", True, f"pulumi {found[0]} at {cli} (SDK {wanted})")


CHECKS: tuple[Check, ...] = (
    check_pulumi_cli,
    check_account,
    check_api_key_stack,
    check_api_key_local,
    check_kv_bindings,
    check_scheduled_handler,
    check_cpu_limit,
    check_bundle_size,
    check_names,
)


def diagnose(config: StackConfig, paths: ProjectPaths) -> Iterator[Finding]:
    for check in CHECKS:
        try:
            yield check(config, paths)
        except (InfraError, OSError, ValueError, KeyError) as error:
            yield Finding(
                check.__name__.removeprefix("check_"), False, f"could not check: {error}", "see above"
            )


def config_finding(error: InfraError, stack_file: Path) -> Finding:
    return Finding("config", False, str(error), f"correct {stack_file.name} (see docs/limits.md)")
