"""The harness tier (PyPI quickjs-ng, native, prelude unchanged) ends every case of
tests/cases/native_work.yaml within its budget too (issue 8)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.cases.harness_tier import run_case
from tests.cases.native_work import CASES_FILE, Case, load_cases

# Each case runs in its own process: native code that escaped the budget could not be
# interrupted in this one. The bound is generous for a 2-core shared machine.
CASE_TIMEOUT_SECONDS = 30
DEFAULT_FUEL = 2000
CASES = load_cases()


def run_bounded(case: Case) -> dict[str, Any]:
    request = {"code": case.code, "fuel": case.limits.get("fuel", DEFAULT_FUEL), "input": case.input}
    completed = subprocess.run(
        [sys.executable, "-m", "tests.cases.harness_tier"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=CASE_TIMEOUT_SECONDS,
        check=True,
        cwd=CASES_FILE.parents[2],
    )
    envelope: dict[str, Any] = json.loads(completed.stdout)
    return envelope


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_native_work_ends_within_its_budget_in_the_harness(case: Case) -> None:
    envelope = run_bounded(case)
    assert envelope["status"] == case.expect["status"], envelope
    if envelope["status"] == "timeout":
        assert envelope["error"]["name"] == "TimeoutError"


def test_guards_leave_ordinary_results_alone() -> None:
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
    envelope = run_case(code, DEFAULT_FUEL)
    assert envelope["status"] == "ok", envelope
    assert envelope["result"] == [
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
    assert envelope["nativeFuel"] == 1


def test_guards_cannot_be_undone_by_user_code() -> None:
    # Deleting the guard exposes nothing: the originals live only in the prelude's closure.
    code = """
      delete String.prototype.indexOf;
      const s = "a".repeat(1 << 22);
      let n = 0;
      for (;;) n += String.prototype.includes.call(s, "b") ? 1 : 0;
    """
    envelope = run_bounded(Case(name="tamper", code=code, limits={"fuel": 100}, expect={}))
    assert envelope["status"] == "timeout", envelope
