"""The bench's builds: the metering pair differs only in `usage.record`."""

from __future__ import annotations

import dataclasses

from bench.stacks import BENCH_RATE_LIMIT_REQUESTS, for_bench, metering_variants
from infra.stack.config import StackConfig


def test_metering_variants_differ_only_in_the_switch(staging_config: StackConfig) -> None:
    variants = metering_variants(for_bench(staging_config))
    on, off = variants[True], variants[False]
    assert on.usage.record is True
    assert off.usage.record is False
    assert dataclasses.replace(on, usage=off.usage) == off


def test_the_bench_s_config_raises_only_the_rate_limit(staging_config: StackConfig) -> None:
    bench = for_bench(staging_config)
    assert bench.rate_limit.requests == max(staging_config.rate_limit.requests, BENCH_RATE_LIMIT_REQUESTS)
    assert dataclasses.replace(bench, rate_limit=staging_config.rate_limit) == staging_config
