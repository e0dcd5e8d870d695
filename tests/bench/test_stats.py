"""Percentiles, ratios and the targets' verdicts."""

from __future__ import annotations

from bench.stats import percentile, ratio, summary
from bench.targets import Target


def test_percentile_is_nearest_rank() -> None:
    samples = [float(value) for value in range(1, 101)]
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_summary_and_ratio() -> None:
    assert summary([1.0, 2.0, 3.0, 4.0])["p50"] == 2.0
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(1.0, 0.0) is None


def test_target_says_by_how_much_it_was_missed() -> None:
    over = Target("p50 ratio", measured=5.0, limit=2.5, at_most=True)
    under = Target("throughput ratio", measured=0.15, limit=0.30, at_most=False)
    met = Target("size", measured=270.0, limit=300.0, at_most=True, unit="KB")
    unknown = Target("metering", measured=None, limit=1.1, at_most=True)
    assert (over.met, over.missed_by) == (False, "100% over the target")
    assert (under.met, under.missed_by) == (False, "100% under the target")
    assert (met.met, met.missed_by) == (True, "")
    assert unknown.met is None
    assert unknown.to_json()["comparison"] == "<="
