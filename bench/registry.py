"""Every comparison the bench runs, in the order it runs them and reports them.

Adding a comparison: a module under bench/comparisons/ exporting a `Comparison` (how it
measures, its targets, its rows), and one line here. One that reads another's figures
(through that module's reader) comes after it.
"""

from __future__ import annotations

from bench.comparison import Comparison
from bench.comparisons import (
    bundle,
    cold_start,
    compute,
    dev_path,
    latency,
    metering,
    noise_floor,
    peers,
    restore,
    throughput,
    wrangler_dev,
)

COMPARISONS: tuple[Comparison, ...] = (
    latency.COMPARISON,
    throughput.COMPARISON,
    compute.COMPARISON,
    restore.COMPARISON,
    cold_start.RAW_WORKERD,
    cold_start.MINIFLARE,
    metering.COMPARISON,
    noise_floor.COMPARISON,
    dev_path.COMPARISON,  # reads throughput's figures
    wrangler_dev.COMPARISON,
    peers.WORKER_LOADER,
    peers.ISOLATED_VM,
    bundle.COMPARISON,
)
