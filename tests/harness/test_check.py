"""The native tier and `codeexec check`: the table, the exit code, and a broken prelude
caught with the failing case named."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.check import gate, harness, native_tier
from infra.check.corpus import load_family
from infra.check.harness import RunLimits, prelude_path, run_program
from infra.check.native_tier import run_on_native
from infra.cli.main import main
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig


def broken_prelude(paths: ProjectPaths, tmp_path: Path, old: str, new: str) -> Path:
    source = prelude_path(paths).read_text(encoding="utf-8")
    assert old in source, "the prelude changed; update this test's way of breaking it"
    broken = tmp_path / "prelude.guest.js"
    broken.write_text(source.replace(old, new, 1), encoding="utf-8")
    return broken


# Each way of breaking the prelude: (text replaced, replacement, a case that must catch it).
BREAKAGES = [
    pytest.param(
        (
            "const logs = sandbox_plain([]);",
            "const logs = globalThis.sandboxLogs = sandbox_plain([]);",
            "isolation/exactly-the-standard-globals",
        ),
        id="prelude-state-leaks-into-a-global",
    ),
    pytest.param(
        ("    delete globalThis.performance;\n", "", "isolation/no-host-capabilities"),
        id="host-clock-left-in-place",
    ),
    pytest.param(
        (
            'return apply(arrayJoin, parts, [""]);',
            "return stringify(value);",
            "hostile/array-index-setter-pollution",
        ),
        id="envelope-encoded-by-json-stringify",
    ),
    pytest.param(
        ('if (item !== item) { sandbox_charge(5); return "NaN"; }', "", "serialization/non-finite-numbers"),
        id="nan-left-to-json",
    ),
]


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_broken_prelude_fails_the_check_naming_the_case(
    paths: ProjectPaths, staging_config: StackConfig, tmp_path: Path, breakage: tuple[str, str, str]
) -> None:
    old, new, catching_case = breakage
    broken = broken_prelude(paths, tmp_path, old, new)
    family = catching_case.split("/", maxsplit=1)[0]
    cases = load_family(harness.cases_dir(paths) / f"{family}.yaml")
    results = run_on_native(staging_config, paths, cases, prelude=broken)
    failed = [result.case.case_id for result in results if not result.passed]
    assert catching_case in failed


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
    monkeypatch.setattr(gate, "gate_corpus", lambda: load_family(harness.cases_dir(paths) / f"{family}.yaml"))
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


def test_limits_follow_the_stack_and_the_request(staging_config: StackConfig) -> None:
    limits = RunLimits.of_stack(staging_config.limits)
    assert limits.fuel == staging_config.limits.fuel_per_run
    assert limits.heap_bytes == staging_config.limits.heap_mib * 1024 * 1024
    narrowed = limits.overridden({"fuel": 5, "memoryBytes": 4 << 20})
    assert (narrowed.fuel, narrowed.heap_bytes, narrowed.stack_bytes) == (5, 4 << 20, limits.stack_bytes)
    assert narrowed.cpu_seconds < limits.cpu_seconds


def test_the_result_and_log_caps_come_from_the_stack(
    paths: ProjectPaths, staging_config: StackConfig
) -> None:
    limits = RunLimits.of_stack(staging_config.limits)
    prelude = prelude_path(paths).read_text(encoding="utf-8")
    flood = run_program(prelude, "for (let i = 0; i < 1000; i++) console.log(i); return 1;", None, limits)
    assert len(flood.logs) == limits.max_log_lines
    assert flood.logs_dropped == 1000 - limits.max_log_lines
    exact = run_program(prelude, f"return 'x'.repeat({limits.max_result_bytes - 2});", None, limits)
    over = run_program(prelude, f"return 'x'.repeat({limits.max_result_bytes - 1});", None, limits)
    assert (exact.status, over.status) == ("ok", "output_limit")
