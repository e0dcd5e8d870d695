"""Builds the Workers the bench serves, from the stack's own config, into build/bench-*/.

Each variant is the stack's config with one thing changed, so a comparison between two
variants measures that one thing. Variants never overwrite build/<stack>/.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bench.result import NotMeasured, first_line
from infra.build.stack_build import build_stack
from infra.errors import InfraError
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig

# Per-client requests per period in the bench's builds: above what one run sends from its
# single client id, so the rate limit never answers 429 while the binding is still there.
BENCH_RATE_LIMIT_REQUESTS = 1_000_000


def for_bench(config: StackConfig) -> StackConfig:
    """The stack's config as the bench builds it: the same, except the per-client rate
    limit, raised above what one bench run sends (the binding stays, so its cost counts)."""
    requests = max(config.rate_limit.requests, BENCH_RATE_LIMIT_REQUESTS)
    return dataclasses.replace(config, rate_limit=dataclasses.replace(config.rate_limit, requests=requests))


def build_variant(paths: ProjectPaths, config: StackConfig, label: str) -> Path | NotMeasured:
    """Builds `config` as stack `bench-<label>`: its build folder, or why it did not build."""
    variant = dataclasses.replace(config, stack=f"bench-{label}")
    try:
        build_stack(variant, paths)
    except InfraError as error:
        return NotMeasured(f"build of {variant.stack}: {first_line(str(error))}")
    return paths.build_dir(variant.stack)


def metering_variants(config: StackConfig) -> dict[bool, StackConfig]:
    """The config with usage recording on (True) and off (False), nothing else changed."""
    return {
        record: dataclasses.replace(config, usage=dataclasses.replace(config.usage, record=record))
        for record in (True, False)
    }
