"""Reading figures out of results: a step, or a part of one, that was not measured reads as None."""

from __future__ import annotations

from bench.result import Measured, NotMeasured, figure, first_line


def test_figure_reads_nested_numbers_and_none_where_not_measured() -> None:
    measured = Measured({"exec": {"p50": 1.5}, "part": NotMeasured("down").to_json(), "flag": True})
    assert figure(measured, "exec", "p50") == 1.5
    assert figure(measured, "part", "p50") is None
    assert figure(measured, "exec", "p99") is None
    assert figure(measured, "flag") is None  # a bool is not a figure
    assert figure(NotMeasured("down"), "exec") is None
    assert figure(None, "exec") is None


def test_json_says_measured_or_why_not() -> None:
    assert Measured({"a": 1}, {"plot": [1.0]}).to_json() == {"measured": True, "a": 1}
    assert NotMeasured("exited").within("miniflare").to_json() == {
        "measured": False,
        "reason": "miniflare: exited",
    }
    assert first_line("boom\n  at line 2") == "boom"
    assert first_line("") == "no detail"
