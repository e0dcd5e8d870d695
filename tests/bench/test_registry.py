"""The registry: one entry per comparison in results.json, one name per target, and every
comparison renders a failed step as a row that says why."""

from __future__ import annotations

import pytest

from bench.comparison import Comparison
from bench.registry import COMPARISONS
from bench.result import NotMeasured


def test_keys_and_target_names_are_unique() -> None:
    keys = [comparison.key for comparison in COMPARISONS]
    names = [goal.name for comparison in COMPARISONS for goal in comparison.goals]
    assert len(set(keys)) == len(keys)
    assert len(set(names)) == len(names)
    assert not {"generatedAt", "machine", "settings", "targets"} & set(keys)


@pytest.mark.parametrize("comparison", COMPARISONS, ids=lambda comparison: comparison.key)
def test_a_comparison_that_failed_renders_its_reason(comparison: Comparison) -> None:
    lines = comparison.rows(NotMeasured("peer exited with 3"))
    assert lines
    assert all("peer exited with 3" in line for line in lines)
