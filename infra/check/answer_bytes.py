"""The bytes a JSON value takes in the Worker's answer, as V8's `JSON.stringify` writes it.

`usage.outputBytes` is the bytes of the answer's `result`, `error` and `logs` as sent
(`worker_src/sandbox/run.js` `sentBytes`); the harness counts the same here. Python's
`json.dumps` differs from `JSON.stringify` in two places, both handled: numbers
(`1e-07` vs `1e-7`, ECMAScript's Number::toString) and lone surrogates (sent escaped,
`\\ud800`, six bytes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

# Exponents past which ECMAScript's Number::toString writes a number in exponent form.
_MAX_PLAIN_EXPONENT = 21
_MIN_PLAIN_EXPONENT = -6
# Past 2**53 a float's integer digits are not its shortest digits (JS: 12345678901234567000).
_MAX_EXACT_INTEGER = 2**53
_ESCAPED_SURROGATE_BYTES = 6
_RAW_SURROGATE_BYTES = 3  # what "surrogatepass" writes for one


def sent_bytes(*parts: Any) -> int:
    """UTF-8 bytes of each part as JSON, summed."""
    return sum(_utf8_length(json_text(part)) for part in parts)


def json_text(value: Any) -> str:
    """`JSON.stringify(value)` for a value decoded from JSON (lone surrogates left raw)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _js_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json_text(str(key))}:{json_text(item)}" for key, item in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ",".join(json_text(item) for item in value) + "]"
    raise TypeError(f"not a JSON value: {value!r}")


def _js_number(value: float) -> str:
    if value.is_integer() and abs(value) <= _MAX_EXACT_INTEGER:
        return str(int(value))
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript does.
    digits_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()[1:]
    assert isinstance(exponent, int)
    digits = "".join(map(str, digits_tuple))
    point = exponent + len(digits)  # ECMAScript's n: the value is 0.digits times 10 ** n
    if len(digits) <= point <= _MAX_PLAIN_EXPONENT:
        return sign + digits + "0" * (point - len(digits))
    if 0 < point <= _MAX_PLAIN_EXPONENT:
        return sign + digits[:point] + "." + digits[point:]
    if _MIN_PLAIN_EXPONENT < point <= 0:
        return sign + "0." + "0" * -point + digits
    shown = point - 1
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'+' if shown > 0 else '-'}{abs(shown)}"


def _utf8_length(text: str) -> int:
    surrogates = sum(1 for char in text if 0xD800 <= ord(char) <= 0xDFFF)
    raw = len(text.encode("utf-8", "surrogatepass"))
    return raw + surrogates * (_ESCAPED_SURROGATE_BYTES - _RAW_SURROGATE_BYTES)
