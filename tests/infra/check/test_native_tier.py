"""The native tier: a broken guest prelude fails the cases that catch it, by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.check.corpus import CASES_DIR, load_family
from infra.check.harness import prelude_path
from infra.check.native_tier import run_on_native
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
    cases = load_family(CASES_DIR / f"{family}.yaml")
    results = run_on_native(staging_config, paths, cases, prelude=broken)
    failed = [result.case.case_id for result in results if not result.passed]
    assert catching_case in failed
