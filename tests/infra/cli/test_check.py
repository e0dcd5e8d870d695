"""`codeexec check`: the gate's table, its exit code, and a broken prelude named by its case."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.check import gate, native_tier
from infra.check.corpus import CASES_DIR, load_family
from infra.cli.main import main
from infra.paths import ProjectPaths
from tests.infra.check.test_native_tier import BREAKAGES, broken_prelude


def test_the_check_passes_on_both_tiers_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """`codeexec check`: the whole corpus on the native harness and on the built bundle."""
    assert main(["check", "--stack", "staging"]) == 0
    output = capsys.readouterr().out
    (header,) = [line for line in output.splitlines() if line.startswith("case ")]
    assert header.split() == ["case", "expected", "native", "Worker", "(built", "bundle)", "verdict"]
    assert "build/staging/ (workerd)" in output
    assert "limits/tight-loop" in output
    assert "FAIL" not in output
    assert output.rstrip().endswith("native ok, Worker ok, agreement ok; passed")


def test_codeexec_check_exits_1_and_names_the_case_when_the_prelude_is_broken(
    paths: ProjectPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, catching_case = BREAKAGES[0].values[0]
    broken = broken_prelude(paths, tmp_path, old, new)
    monkeypatch.setattr(native_tier, "prelude_path", lambda _paths: broken)
    family = catching_case.split("/", maxsplit=1)[0]
    monkeypatch.setattr(gate, "gate_corpus", lambda: load_family(CASES_DIR / f"{family}.yaml"))
    assert main(["check", "--stack", "staging"]) == 1
    output = capsys.readouterr().out
    assert f"FAIL {catching_case} (native): " in output
    # The Worker runs its own built prelude, which is not broken.
    assert f"FAIL {catching_case} (Worker)" not in output
    assert "Worker ok" in output
    assert output.rstrip().endswith("failed")


def test_codeexec_check_of_an_unknown_stack_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--stack", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
