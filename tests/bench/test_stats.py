"""Percentiles and ratios."""

from __future__ import annotations

from bench.stats import percentile, ratio, summary


def test_percentile_is_nearest_rank() -> None:
    samples = [float(value) for value in range(1, 101)]
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_summary_and_ratio() -> None:
    assert summary([1.0, 2.0, 3.0, 4.0])["p50"] == 2.0
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) is None
