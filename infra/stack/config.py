"""The typed settings of one stack, read once from `Pulumi.<stack>.yaml`.

The Pulumi program reads the same keys through `pulumi.Config()`; both paths hand a
plain mapping to `parse_stack_config`, so the rules (and the error messages) are one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.errors import ConfigError
from infra.paths import PROJECT_NAME
from infra.stack.usage import UsageConfig, parse_usage

# The engine's wasm module cannot start with less than 16 MiB; the heap needs room above.
MIN_MEMORY_MIB = 24
# Paid Workers allow up to five minutes of CPU per request.
MAX_CPU_MS = 300_000
WORKER_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# The Workers rate-limiting binding counts over 10 or 60 seconds, nothing else.
RATE_LIMIT_PERIODS = (10, 60)
# Where and how the stack deploys on Cloudflare (all optional for `codeexec build`/`dev`).
# Text keys arrive from `pulumi.Config()` as strings; the others as JSON (infra/deploy/program.py).
DEPLOY_TEXT_KEYS = ("accountId", "zoneId", "customDomain", "plan", "usageRollupCron")
DEPLOY_OBJECT_KEYS = ("workersDev", "routes", "rollout")
HEX_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
VERSION_ID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HOSTNAME_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CRON_FIELD_PATTERN = re.compile(r"^[0-9A-Za-z*/,\-#LW?]+$")
PLANS = ("paid", "free")
DEFAULT_USAGE_ROLLUP_CRON = "*/15 * * * *"


@dataclass(frozen=True)
class LimitRule:
    """One setting under `limits`: its key, the field it fills, and its allowed range."""

    key: str
    field: str
    minimum: int
    maximum: int


LIMIT_RULES = (
    LimitRule("fuelPerRun", "fuel_per_run", 1, 10_000_000),
    LimitRule("memoryMiB", "memory_mib", MIN_MEMORY_MIB, 2048),
    LimitRule("heapMiB", "heap_mib", 1, 2048),
    LimitRule("stackKiB", "stack_kib", 16, 1024),
    LimitRule("maxCodeBytes", "max_code_bytes", 1, 10 * 1024 * 1024),
    LimitRule("maxRequestBytes", "max_request_bytes", 1, 100 * 1024 * 1024),
    LimitRule("maxLogBytes", "max_log_bytes", 0, 10 * 1024 * 1024),
    LimitRule("maxLogLines", "max_log_lines", 0, 100_000),
    LimitRule("maxResultBytes", "max_result_bytes", 2, 10 * 1024 * 1024),
    LimitRule("cpuMs", "cpu_ms", 10, MAX_CPU_MS),
)


@dataclass(frozen=True)
class Limits:
    """What one execution may use. Fuel counts interrupt polls (~10,000 operations each)."""

    fuel_per_run: int
    memory_mib: int
    heap_mib: int
    stack_kib: int
    max_code_bytes: int
    max_request_bytes: int
    max_log_bytes: int
    max_log_lines: int
    max_result_bytes: int
    cpu_ms: int

    def for_worker(self) -> dict[str, int]:
        """The limits as the Worker's generated config module carries them (bytes)."""
        return {
            "fuel": self.fuel_per_run,
            "memoryBytes": self.memory_mib * 1024 * 1024,
            "heapBytes": self.heap_mib * 1024 * 1024,
            "stackBytes": self.stack_kib * 1024,
            "maxCodeBytes": self.max_code_bytes,
            "maxRequestBytes": self.max_request_bytes,
            "maxLogLines": self.max_log_lines,
            "maxLogBytes": self.max_log_bytes,
            "maxResultBytes": self.max_result_bytes,
        }


@dataclass(frozen=True)
class RateLimit:
    """Requests one client may send per period (per Cloudflare location)."""

    requests: int
    period_seconds: int


@dataclass(frozen=True)
class Rollout:
    """How `pulumi up` shifts traffic to the version it uploads (docs/deploy.md, rollout and rollback)."""

    # Share of requests the new version gets; the rest stays on `stable_version_id`.
    percentage: int = 100
    stable_version_id: str | None = None
    # When set, every request goes to this earlier version instead of the new one.
    rollback_to: str | None = None
    # Deploys even where Cloudflare refuses by default: a rollback to a version whose
    # secrets have changed since (WorkersDeployment.force).
    force: bool = False


@dataclass(frozen=True)
class Cloudflare:
    """Where the stack deploys: account, plan, public addresses, schedule, rollout."""

    account_id: str | None = None
    plan: str = "paid"
    workers_dev: bool = True
    zone_id: str | None = None
    routes: tuple[str, ...] = ()
    custom_domain: str | None = None
    usage_rollup_cron: str = DEFAULT_USAGE_ROLLUP_CRON
    rollout: Rollout = field(default_factory=Rollout)


@dataclass(frozen=True)
class StackConfig:
    """Everything that varies between stacks, validated."""

    stack: str
    worker_name: str
    compatibility_date: str
    limits: Limits
    rate_limit: RateLimit
    # Debug only: log each request's code and input (never on by default).
    log_user_code: bool = False
    cloudflare: Cloudflare = field(default_factory=Cloudflare)
    usage: UsageConfig = field(default_factory=UsageConfig)


def key_name(key: str) -> str:
    """The key as it is written in `Pulumi.<stack>.yaml`."""
    return f"{PROJECT_NAME}:{key}"


def load_stack_config(stack: str, stack_file: Path) -> StackConfig:
    """Reads `Pulumi.<stack>.yaml` (the file `pulumi config set` writes)."""
    if not stack_file.is_file():
        raise ConfigError(
            stack_file.name, f"no such file; stacks are defined by Pulumi.<stack>.yaml ({stack!r} asked)"
        )
    try:
        document = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ConfigError(stack_file.name, f"is not valid YAML: {error}".replace("\n", " ")) from None
    raw = document.get("config") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{stack_file.name}: config", "must be a mapping of keys to values")
    prefix = f"{PROJECT_NAME}:"
    values = {key[len(prefix) :]: value for key, value in raw.items() if str(key).startswith(prefix)}
    return parse_stack_config(stack, values)


def parse_stack_config(stack: str, values: Mapping[str, Any]) -> StackConfig:
    """Validates the project's keys (without the `code-execution:` prefix)."""
    worker_name = _require(values, "workerName")
    if not isinstance(worker_name, str) or not WORKER_NAME_PATTERN.match(worker_name):
        raise ConfigError(key_name("workerName"), "must be 1-63 lowercase letters, digits or '-'")
    compatibility_date = _compatibility_date(_require(values, "compatibilityDate"))
    limits_value = _require(values, "limits")
    if not isinstance(limits_value, Mapping):
        raise ConfigError(key_name("limits"), "must be a mapping of limit names to numbers")
    log_user_code = values.get("logUserCode", False)
    if not isinstance(log_user_code, bool):
        raise ConfigError(key_name("logUserCode"), f"must be true or false, got {log_user_code!r}")
    return StackConfig(
        stack=stack,
        worker_name=worker_name,
        compatibility_date=compatibility_date,
        limits=_limits(limits_value),
        rate_limit=_rate_limit(_require(values, "rateLimit")),
        log_user_code=log_user_code,
        cloudflare=_cloudflare(values),
        usage=parse_usage(values.get("usage"), key_name),
    )


def set_command(stack: str, key: str, example: str, *, secret: bool = False) -> str:
    """The command that sets `key` on `stack`, for error messages and `codeexec doctor`."""
    flag = "--secret " if secret else ""
    return f"pulumi config set {flag}{key} {example} --stack {stack}"


def require_account_id(config: StackConfig) -> str:
    """The account id, which only deploying needs; names the command when it is missing."""
    if config.cloudflare.account_id is None:
        raise ConfigError(
            key_name("accountId"),
            f"is missing; set it with `{set_command(config.stack, 'accountId', '<32-hex account id>')}`",
        )
    return config.cloudflare.account_id


def _require(values: Mapping[str, Any], key: str) -> Any:
    value = values.get(key)
    if value is None:
        raise ConfigError(key_name(key), "is missing")
    return value


def _compatibility_date(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            key_name("compatibilityDate"), f"must be a date like 2026-04-20, got {text!r}"
        ) from None
    return text


def _whole_number(key: str, value: Any, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ConfigError(key, f"must be a whole number from {minimum} to {maximum}, got {value!r}")
    return value


def _rate_limit(values: Any) -> RateLimit:
    if not isinstance(values, Mapping):
        raise ConfigError(key_name("rateLimit"), "must be a mapping with requests and periodSeconds")
    for key in ("requests", "periodSeconds"):
        if values.get(key) is None:
            raise ConfigError(key_name(f"rateLimit.{key}"), "is missing")
    requests = _whole_number(key_name("rateLimit.requests"), values["requests"], 1, 1_000_000)
    period = values["periodSeconds"]
    if period not in RATE_LIMIT_PERIODS or isinstance(period, bool):
        raise ConfigError(
            key_name("rateLimit.periodSeconds"),
            f"must be 10 or 60 (what the binding supports), got {period!r}",
        )
    return RateLimit(requests=requests, period_seconds=period)


def _limits(values: Mapping[str, Any]) -> Limits:
    known = {rule.key for rule in LIMIT_RULES}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(
            key_name(f"limits.{unknown[0]}"), f"is not a limit; known limits: {', '.join(sorted(known))}"
        )
    fields: dict[str, int] = {}
    for rule in LIMIT_RULES:
        key = key_name(f"limits.{rule.key}")
        value = values.get(rule.key)
        if value is None:
            raise ConfigError(key, "is missing")
        if isinstance(value, bool) or not isinstance(value, int) or not rule.minimum <= value <= rule.maximum:
            raise ConfigError(
                key, f"must be a whole number from {rule.minimum} to {rule.maximum}, got {value!r}"
            )
        fields[rule.field] = value
    limits = Limits(**fields)
    if limits.heap_mib > limits.memory_mib - 4:
        raise ConfigError(
            key_name("limits.heapMiB"),
            f"must be at least 4 below limits.memoryMiB ({limits.memory_mib}) so the heap limit trips first",
        )
    if limits.max_code_bytes > limits.max_request_bytes:
        raise ConfigError(key_name("limits.maxCodeBytes"), "must not exceed limits.maxRequestBytes")
    return limits


def _optional_text(
    values: Mapping[str, Any], key: str, pattern: re.Pattern[str], what: str, parent: str = ""
) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise ConfigError(key_name(parent + key), f"must be {what}, got {value!r}")
    return value


def _cloudflare(values: Mapping[str, Any]) -> Cloudflare:
    account_id = _optional_text(values, "accountId", HEX_ID_PATTERN, "a 32-character hex account id")
    zone_id = _optional_text(values, "zoneId", HEX_ID_PATTERN, "a 32-character hex zone id")
    custom_domain = _optional_text(values, "customDomain", HOSTNAME_PATTERN, "a lowercase hostname")
    plan = values.get("plan", "paid")
    if plan not in PLANS:
        raise ConfigError(key_name("plan"), f"must be one of {', '.join(PLANS)}, got {plan!r}")
    # `pulumi config set workersDev false` stores the text "false"; take it as the bool.
    workers_dev = {"true": True, "false": False}.get(str(values.get("workersDev", True)).lower())
    if workers_dev is None:
        raise ConfigError(key_name("workersDev"), f"must be true or false, got {values.get('workersDev')!r}")
    routes_value = values.get("routes") or []
    if not isinstance(routes_value, list) or not all(
        isinstance(route, str) and route and " " not in route and "://" not in route for route in routes_value
    ):
        raise ConfigError(key_name("routes"), "must be a list of route patterns like api.example.com/*")
    routes = tuple(routes_value)
    if routes and zone_id is None:
        raise ConfigError(key_name("zoneId"), "is missing; routes need the zone they belong to")
    if not (workers_dev or routes or custom_domain):
        raise ConfigError(
            key_name("workersDev"),
            "is false and no routes or customDomain are set: the Worker would be unreachable",
        )
    cron = values.get("usageRollupCron", DEFAULT_USAGE_ROLLUP_CRON)
    if (
        not isinstance(cron, str)
        or len(cron.split()) != 5
        or not all(map(CRON_FIELD_PATTERN.match, cron.split()))
    ):
        raise ConfigError(key_name("usageRollupCron"), f"must be a five-field cron expression, got {cron!r}")
    return Cloudflare(
        account_id=account_id,
        plan=plan,
        workers_dev=workers_dev,
        zone_id=zone_id,
        routes=routes,
        custom_domain=custom_domain,
        usage_rollup_cron=cron,
        rollout=_rollout(values.get("rollout") or {}),
    )


def _rollout(values: Any) -> Rollout:
    if not isinstance(values, Mapping):
        raise ConfigError(
            key_name("rollout"), "must be a mapping (percentage, stableVersionId, rollbackTo, force)"
        )
    unknown = sorted(set(values) - {"percentage", "stableVersionId", "rollbackTo", "force"})
    if unknown:
        raise ConfigError(key_name(f"rollout.{unknown[0]}"), "is not a rollout setting")
    percentage = values.get("percentage", 100)
    if isinstance(percentage, str) and percentage.isdigit():
        percentage = int(percentage)  # `pulumi config set --path` may store the text
    if isinstance(percentage, bool) or not isinstance(percentage, int) or not 1 <= percentage <= 100:
        raise ConfigError(
            key_name("rollout.percentage"), f"must be a whole number from 1 to 100, got {percentage!r}"
        )
    version = "a version id like 0123abcd-…, from `wrangler versions list`"
    stable = _optional_text(values, "stableVersionId", VERSION_ID_PATTERN, version, "rollout.")
    rollback = _optional_text(values, "rollbackTo", VERSION_ID_PATTERN, version, "rollout.")
    if percentage < 100 and stable is None:
        raise ConfigError(
            key_name("rollout.stableVersionId"),
            f"is missing; a {percentage}% rollout needs the version that keeps the other {100 - percentage}%",
        )
    # `pulumi config set --path rollout.force true` may store the text; take it as the bool.
    force = {"true": True, "false": False}.get(str(values.get("force", False)).lower())
    if force is None:
        raise ConfigError(key_name("rollout.force"), f"must be true or false, got {values.get('force')!r}")
    return Rollout(percentage=percentage, stable_version_id=stable, rollback_to=rollback, force=force)
