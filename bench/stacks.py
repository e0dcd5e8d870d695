"""Builds the Workers the bench serves, from the stack's own config, into build/bench-*/.

Each variant is the stack's config with one thing changed, so a comparison between two
variants measures that one thing. Variants never overwrite build/<stack>/.
"""

from __future__ import annotations

import copy
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import yaml

from infra.build.stack_build import build_stack
from infra.errors import ConfigError
from infra.paths import PROJECT_NAME, ProjectPaths
from infra.stack.config import StackConfig, load_stack_config

# Per-client requests per period in the bench's builds: above what one run sends from its
# single client id, so the rate limit never answers 429 while the binding is still there.
BENCH_RATE_LIMIT_REQUESTS = 1_000_000


def for_bench(config: StackConfig) -> StackConfig:
    """The stack's config as the bench builds it: the same, except the per-client rate
    limit, raised above what one bench run sends (the binding stays, so its cost counts)."""
    requests = max(config.rate_limit.requests, BENCH_RATE_LIMIT_REQUESTS)
    return dataclasses.replace(config, rate_limit=dataclasses.replace(config.rate_limit, requests=requests))


def build_variant(paths: ProjectPaths, config: StackConfig, label: str) -> Path:
    """Builds `config` as stack `bench-<label>`; returns its build folder."""
    variant = dataclasses.replace(config, stack=f"bench-{label}")
    build_stack(variant, paths)
    return paths.build_dir(variant.stack)


def _with_usage_record(document: dict[str, Any], record: bool, nested: bool) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    values = changed.setdefault("config", {})
    if nested:
        usage = dict(values.get(f"{PROJECT_NAME}:usage") or {})
        usage["record"] = record
        values[f"{PROJECT_NAME}:usage"] = usage
    else:
        values[f"{PROJECT_NAME}:usage.record"] = record
    return changed


def _recorded(config: StackConfig) -> object:
    return getattr(getattr(config, "usage", None), "record", None)


def metering_variants(stack: str, stack_file: Path) -> tuple[dict[bool, StackConfig], str]:
    """The stack's config with usage recording on and off, or why that cannot be built.

    Works from a temporary copy of `Pulumi.<stack>.yaml` that differs only in the
    `usage.record` switch, and only when infra/config.py reads that switch (the typed
    config then carries `usage.record` as set).
    """
    document = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
    reasons = []
    for nested in (True, False):
        variants: dict[bool, StackConfig] = {}
        for record in (True, False):
            with tempfile.TemporaryDirectory() as folder:
                copy_file = Path(folder) / stack_file.name
                copy_file.write_text(
                    yaml.safe_dump(_with_usage_record(document, record, nested)), encoding="utf-8"
                )
                try:
                    config = load_stack_config(stack, copy_file)
                except ConfigError as error:
                    reasons.append(str(error))
                    break
            if _recorded(config) is not record:
                reasons.append("infra/config.py reads no usage.record switch")
                break
            variants[record] = for_bench(config)
        if len(variants) == 2:
            return variants, ""
    return {}, "; ".join(dict.fromkeys(reasons))
