"""The native-work guards the harness installs (the Worker meters its wasm instead):
ordinary results stay as they are, and user code cannot take the guards off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.check.harness import RunLimits, prelude_path, run_program
from infra.check.harness_process import HarnessProcess
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig


@pytest.fixture(scope="module")
def limits(staging_config: StackConfig) -> RunLimits:
    return RunLimits.of_stack(staging_config.limits)


@pytest.fixture(scope="module")
def process(paths: ProjectPaths) -> Iterator[HarnessProcess]:
    with HarnessProcess(prelude_path(paths).read_text(encoding="utf-8")) as child:
        yield child


def test_guards_leave_ordinary_results_alone(paths: ProjectPaths, limits: RunLimits) -> None:
    code = """
      const words = "the quick brown fox jumps over the lazy dog".split(" ");
      const big = 2n ** 300n;
      return [
        words.indexOf("fox"), words.includes("cat"), words.slice().sort().join(","),
        "a-b-c".replaceAll("-", "+"), "abcabc".lastIndexOf("b"), parseFloat("2.5"),
        JSON.parse('{"a": [1]}').a[0], String(big).length, big.toString(16).length, BigInt("12345") * 2n,
        new Uint8Array([3, 1, 2]).sort().join(""), typeof BigInt.asUintN,
        BigInt.prototype.constructor === BigInt,
      ];
    """
    outcome = run_program(prelude_path(paths).read_text(encoding="utf-8"), code, None, limits)
    assert outcome.status == "ok", outcome
    assert outcome.result == [
        3,
        False,
        "brown,dog,fox,jumps,lazy,over,quick,the,the",
        "a+b+c",
        4,
        2.5,
        1,
        91,
        76,
        "24690",
        "123",
        "function",
        True,
    ]


def test_guards_cannot_be_undone_by_user_code(process: HarnessProcess, limits: RunLimits) -> None:
    # Deleting the guard exposes nothing: the originals live only in the guards' closure.
    code = """
      delete String.prototype.indexOf;
      const s = "a".repeat(1 << 22);
      let n = 0;
      for (;;) n += String.prototype.includes.call(s, "b") ? 1 : 0;
    """
    outcome = process.run(code, None, limits.overridden({"fuel": 100}))
    assert outcome.status == "timeout", outcome


def test_a_caught_guard_error_is_still_a_timeout(process: HarnessProcess, limits: RunLimits) -> None:
    code = """
      const s = "a".repeat(1 << 22);
      for (;;) { try { s.indexOf("b"); } catch (e) {} }
    """
    outcome = process.run(code, None, limits.overridden({"fuel": 100}))
    assert outcome.status == "timeout", outcome
