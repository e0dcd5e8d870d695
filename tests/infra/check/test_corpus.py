"""The case format: what loads, and the one-line error naming file and case otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.check.corpus import Expectation, Outcome, judge, load_corpus, load_family
from infra.errors import CorpusError
from tests.infra.check.corpus_cases import CASES

VALID = """\
family: sample
description: a family written the way other engineers write theirs
cases:
  - name: adds
    code: "return input.a + 1;"
    input: {"a": 1}
    limits: {fuel: 100, memoryBytes: 4194304}
    expect:
      status: ok
      result: 2
      errorName: TypeError
      errorMessage: "..."
      errorStack: ""
      logs: [{level: log, message: hi}]
      logsDropped: 0
  - name: sequence
    code: "globalThis.x = 1;"
    expect: {status: ok}
    then:
      - code: "return typeof x;"
        expect: {status: ok, result: undefined}
"""


def write(tmp_path: Path, text: str, name: str = "sample.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_checked_in_corpus_is_large_and_covers_every_family() -> None:
    families = {case.family for case in CASES}
    assert {
        "language",
        "async",
        "console",
        "serialization",
        "errors",
        "limits",
        "isolation",
        "determinism",
    } <= families
    assert len(CASES) >= 60
    for family in families:
        assert sum(case.family == family for case in CASES) >= 5, family


def test_a_family_in_the_shared_format_loads(tmp_path: Path) -> None:
    adds, sequence = load_family(write(tmp_path, VALID))
    assert adds.case_id == "sample/adds"
    assert adds.runs[0].input_json == '{"a": 1}'
    assert adds.runs[0].limits == {"fuel": 100, "memoryBytes": 4194304}
    assert adds.runs[0].expect.logs == (("log", "hi"),)
    assert [run.code for run in sequence.runs] == ["globalThis.x = 1;", "return typeof x;"]
    assert sequence.runs[0].input_json is None


def test_the_loader_reads_every_yaml_file_of_a_folder(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    write(tmp_path, VALID.replace("family: sample", "family: other"), "other.yaml")
    assert [case.case_id for case in load_corpus(tmp_path)][::2] == ["other/adds", "sample/adds"]


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            VALID.replace("status: ok\n      result: 2", "status: fine\n      result: 2"),
            "case 'adds': `expect.status`",
        ),
        (VALID.replace("name: sequence", "name: adds"), "case 'adds': the name is used twice"),
        (VALID.replace("name: sequence", "name: Not_Kebab"), "case #2: `name` must be kebab-case"),
        (
            VALID.replace("limits: {fuel: 100", "limits: {cpu: 100"),
            "case 'adds': `limits.cpu` is not a limit",
        ),
        (VALID.replace("logsDropped: 0", "logsDroped: 0"), "case 'adds': expect: unknown key `logsDroped`"),
        (
            VALID.replace("logsDropped: 0", "logsDropped: 0\n      outputBytes: -1"),
            "case 'adds': `expect.outputBytes` must be a whole number",
        ),
        (VALID.replace('    code: "return input.a + 1;"\n', ""), "case 'adds': `code` must be a string"),
        (
            VALID.replace('      - code: "return typeof x;"\n', "      - code: 1\n"),
            "case 'sequence', then #1: `code`",
        ),
        (VALID.replace("family: sample", "family: elsewhere"), "`family` must be 'sample'"),
        (
            VALID.replace("{level: log, message: hi}", "{level: shout, message: hi}"),
            "case 'adds': each of `expect.logs`",
        ),
        ("cases: [", "not valid YAML"),
    ],
)
def test_a_malformed_family_names_the_file_and_the_case(tmp_path: Path, broken: str, message: str) -> None:
    with pytest.raises(CorpusError) as raised:
        load_family(write(tmp_path, broken))
    assert str(raised.value).startswith("sample.yaml: ")
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_judge_names_each_difference() -> None:
    expect = Expectation(status="ok", has_result=True, result=[1], logs=(("log", "a"),), logs_dropped=0)
    outcome = Outcome(status="error", result=None, error={"name": "E"}, logs=(), logs_dropped=2)
    problems = judge(expect, outcome)
    assert [problem.split(" ", 1)[0] for problem in problems] == ["status", "result", "logs", "logsDropped"]
    assert judge(expect, Outcome("ok", [1], None, (("log", "a"),), 0)) == []


def test_judge_compares_output_bytes_when_stated() -> None:
    outcome = Outcome("ok", 1, None, (), 0, output_bytes=7)
    assert judge(Expectation(status="ok", output_bytes=7), outcome) == []
    assert judge(Expectation(status="ok", output_bytes=8), outcome) == ["outputBytes 7, expected 8"]
    assert judge(Expectation(status="ok"), outcome) == []


def test_an_unstated_result_is_not_compared() -> None:
    assert judge(Expectation(status="ok"), Outcome("ok", {"anything": 1}, None, (), 0)) == []
    assert judge(Expectation(status="ok", has_result=True, result=None), Outcome("ok", 0, None, (), 0))


def test_a_list_result_names_what_is_extra_and_missing() -> None:
    (problem,) = judge(
        Expectation(status="ok", has_result=True, result=["a", "b"]), Outcome("ok", ["a", "c"], None, (), 0)
    )
    assert problem.endswith("""(extra: ['"c"'], missing: ['"b"'])""")
