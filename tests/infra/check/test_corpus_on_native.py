"""The behaviour corpus on the harness tier: the guest prelude on PyPI quickjs-ng."""

from __future__ import annotations

import pytest

from infra.check.corpus import Case
from tests.infra.check.corpus_cases import CASE_IDS, CASES, harness_problems


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_case_on_the_harness(case: Case) -> None:
    problems = harness_problems(case)
    assert not problems, f"{case.case_id} on the harness: " + "; ".join(problems)
