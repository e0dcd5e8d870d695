"""Goals judged against a run: met, missed by how much and why, or not measured."""

from __future__ import annotations

from bench.comparison import Comparison, Goal, Section
from bench.result import Measured, NotMeasured, Result, figure
from bench.targets import NO_FIGURES, Target, evaluate


def test_target_says_by_how_much_it_was_missed() -> None:
    over = Target("p50 ratio", measured=5.0, limit=2.5, at_most=True)
    under = Target("throughput ratio", measured=0.15, limit=0.30, at_most=False)
    met = Target("size", measured=270.0, limit=300.0, at_most=True, unit="KB")
    unknown = Target("metering", measured=None, limit=1.1, at_most=True)
    reported = Target("cold start", measured=90.0, limit=None, at_most=True, unit="ms")
    assert (over.met, over.missed_by) == (False, "100% over the target")
    assert (under.met, under.missed_by) == (False, "100% under the target")
    assert (met.met, met.missed_by) == (True, "")
    assert unknown.met is None
    assert unknown.to_json()["comparison"] == "<="
    assert (reported.met, reported.comparison) == (True, "reported")


def _comparison(why: str | None) -> Comparison:
    def no_rows(_result: Result) -> list[str]:
        return []

    goal = Goal(
        "ratio",
        2.0,
        at_most=True,
        read=lambda figures: figure(figures, "ratio"),
        why=lambda figures, _results: why and f"{why} at {figures['ratio']}",
        note=lambda _results: "shared note",
    )
    return Comparison("thing", "thing", Section.BASELINES, lambda _c: NotMeasured("unused"), no_rows, (goal,))


def test_a_missed_goal_says_why_and_a_met_or_unmeasured_one_does_not() -> None:
    comparison = _comparison("too slow")
    (missed,) = evaluate([comparison], {"thing": Measured({"ratio": 3.0})})
    (met,) = evaluate([comparison], {"thing": Measured({"ratio": 1.0})})
    (unmeasured,) = evaluate([comparison], {"thing": NotMeasured("no server")})
    assert (missed.met, missed.why, missed.note) == (False, "too slow at 3.0", "shared note")
    assert (met.met, met.why, met.note) == (True, "", "")
    assert (unmeasured.measured, unmeasured.met, unmeasured.why) == (None, None, "")
    assert missed.to_json()["why"] == "too slow at 3.0"


def test_a_miss_without_figures_to_explain_it_says_so() -> None:
    (missed,) = evaluate([_comparison(None)], {"thing": Measured({"ratio": 3.0})})
    assert missed.why == NO_FIGURES
