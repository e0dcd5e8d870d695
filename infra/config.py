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
from infra.usage_config import UsageConfig, parse_usage

# The engine's wasm module cannot start with less than 16 MiB; the heap needs room above.
MIN_MEMORY_MIB = 24
# Paid Workers allow up to five minutes of CPU per request.
MAX_CPU_MS = 300_000
WORKER_NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
TOP_LEVEL_KEYS = ("workerName", "compatibilityDate", "limits", "usage")


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
class StackConfig:
    """Everything that varies between stacks, validated."""

    stack: str
    worker_name: str
    compatibility_date: str
    limits: Limits
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
    return StackConfig(
        stack=stack,
        worker_name=worker_name,
        compatibility_date=compatibility_date,
        limits=_limits(limits_value),
        usage=parse_usage(values.get("usage"), key_name),
    )


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
