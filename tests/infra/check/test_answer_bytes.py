"""The harness counts answer bytes as V8's JSON.stringify writes them (infra/check/answer_bytes.py)."""

from __future__ import annotations

import pytest

from infra.check.answer_bytes import json_text, sent_bytes


@pytest.mark.parametrize(
    ("value", "as_v8_writes_it"),
    [
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (0.1, "0.1"),
        (-2.5e-9, "-2.5e-9"),
        (0.0000012, "0.0000012"),
        (12345678901234567890.0, "12345678901234567000"),
        (2.0**60, "1152921504606847000"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (-0.0, "0"),
        (5, "5"),
    ],
)
def test_numbers_are_written_as_ecmascript_does(value: float, as_v8_writes_it: str) -> None:
    assert json_text(value) == as_v8_writes_it


def test_nested_values_have_no_spaces() -> None:
    assert json_text({"a": [1, None, True, "x"]}) == '{"a":[1,null,true,"x"]}'


def test_escapes_and_utf8_are_counted_as_sent() -> None:
    # "q\"\n\u0001é日🙂" with quotes: 1+2+2+6+2+3+4+2
    assert sent_bytes('q"\n\x01é日🙂') == 22


def test_a_lone_surrogate_is_sent_escaped() -> None:
    assert sent_bytes("\ud800") == len('"\\ud800"')
    assert sent_bytes(None, [], "a") == 4 + 2 + 3
