"""The behaviour corpus: one YAML file per case family under `infra/check/cases/`.

`load_corpus` reads and validates every family file (the format is described in
`infra/check/cases/README.md`); a malformed file raises `CorpusError` naming the file and the
case. `judge` compares what a run answered (`Outcome`, the fields of the Worker's
response) with what a case expects. The harness (`codeexec check`) and both pytest tiers
use this one module, so they read the same cases the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.errors import CorpusError

# The corpus ships with the package: the deploy gate reads it, not the tests.
CASES_DIR = Path(__file__).resolve().with_name("cases")
STATUSES = ("ok", "error", "timeout", "memory_limit", "stack_overflow", "output_limit")
LIMIT_OVERRIDES = ("fuel", "memoryBytes")
LOG_LEVELS = ("log", "info", "warn", "error", "debug")
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FAMILY_KEYS = frozenset({"family", "description", "cases"})
CASE_KEYS = frozenset({"name", "description", "code", "input", "limits", "expect", "then"})
RUN_KEYS = frozenset({"code", "input", "limits", "expect"})
EXPECT_KEYS = frozenset(
    {
        "status",
        "result",
        "errorName",
        "errorMessage",
        "errorStack",
        "errorPhase",
        "logs",
        "logsDropped",
        "outputBytes",
    }
)


@dataclass(frozen=True)
class Expectation:
    """What a run must answer; `None` (or `has_result=False`) leaves a field unchecked."""

    status: str
    has_result: bool = False
    result: Any = None
    error_name: str | None = None
    error_message: str | None = None
    error_stack: str | None = None
    error_phase: str | None = None
    logs: tuple[tuple[str, str], ...] | None = None
    logs_dropped: int | None = None
    output_bytes: int | None = None

    def describe(self) -> str:
        parts = [self.status]
        if self.has_result:
            parts.append(f"result={_short(self.result)}")
        if self.error_name is not None:
            parts.append(self.error_name)
        if self.logs is not None:
            parts.append(f"{len(self.logs)} logs")
        return " ".join(parts)


@dataclass(frozen=True)
class Run:
    """One request: the code, its input (JSON text, or None when absent) and limit overrides."""

    code: str
    input_json: str | None
    limits: Mapping[str, int]
    expect: Expectation


@dataclass(frozen=True)
class Case:
    """A named case: its first run and any follow-up runs (`then:`), each on a fresh sandbox."""

    family: str
    name: str
    runs: tuple[Run, ...]
    source: Path

    @property
    def case_id(self) -> str:
        return f"{self.family}/{self.name}"


@dataclass(frozen=True)
class Outcome:
    """What one run answered: the sandbox fields of the Worker's response."""

    status: str
    result: Any
    error: Mapping[str, str] | None
    logs: tuple[tuple[str, str], ...]
    logs_dropped: int
    # usage.outputBytes: the bytes of result, error and logs as sent
    output_bytes: int = 0

    @classmethod
    def from_response(cls, body: Mapping[str, Any]) -> Outcome:
        """From the JSON body of `POST /v1/execute`."""
        return cls(
            status=body["status"],
            result=body["result"],
            error=body["error"],
            logs=tuple((entry["level"], entry["message"]) for entry in body["logs"]),
            logs_dropped=body["logsDropped"],
            output_bytes=body["usage"]["outputBytes"],
        )

    def describe(self) -> str:
        parts = [self.status]
        if self.status == "ok":
            parts.append(f"result={_short(self.result)}")
        elif self.error is not None:
            parts.append(f"{self.error.get('name')}: {_short(self.error.get('message'), 40)}")
        return " ".join(parts)


def judge(expect: Expectation, outcome: Outcome) -> list[str]:
    """Every way the outcome differs from the expectation (empty when it matches)."""
    problems: list[str] = []
    if outcome.status != expect.status:
        problems.append(f"status {outcome.status!r}, expected {expect.status!r}")
    if expect.has_result and outcome.result != expect.result:
        difference = _list_difference(outcome.result, expect.result)
        problems.append(f"result {_short(outcome.result)}, expected {_short(expect.result)}{difference}")
    error = outcome.error or {}
    for key, wanted in (
        ("name", expect.error_name),
        ("message", expect.error_message),
        ("stack", expect.error_stack),
        ("phase", expect.error_phase),
    ):
        if wanted is not None and error.get(key) != wanted:
            problems.append(f"error {key} {_short(error.get(key))}, expected {_short(wanted)}")
    if expect.logs is not None and outcome.logs != expect.logs:
        problems.append(f"logs {_short(list(outcome.logs))}, expected {_short(list(expect.logs))}")
    if expect.logs_dropped is not None and outcome.logs_dropped != expect.logs_dropped:
        problems.append(f"logsDropped {outcome.logs_dropped}, expected {expect.logs_dropped}")
    if expect.output_bytes is not None and outcome.output_bytes != expect.output_bytes:
        problems.append(f"outputBytes {outcome.output_bytes}, expected {expect.output_bytes}")
    return problems


def disagreements(expect: Expectation, native: Outcome, worker: Outcome) -> list[str]:
    """How the two tiers' answers to one run differ, where they must agree: the status
    always; result, error fields and logs wherever the case states them (elsewhere the
    tiers may differ by design, see infra/check/cases/README.md)."""
    if native.status != worker.status:
        return [f"status: native {native.describe()}, Worker {worker.describe()}"]
    problems = []
    if expect.has_result and native.result != worker.result:
        problems.append(f"result: native {_short(native.result)}, Worker {_short(worker.result)}")
    for key, stated in (
        ("name", expect.error_name),
        ("message", expect.error_message),
        ("stack", expect.error_stack),
        ("phase", expect.error_phase),
    ):
        if stated is not None and (native.error or {}).get(key) != (worker.error or {}).get(key):
            problems.append(f"error {key} differs")
    if expect.logs is not None and native.logs != worker.logs:
        problems.append("logs differ")
    if expect.logs_dropped is not None and native.logs_dropped != worker.logs_dropped:
        problems.append(f"logsDropped: native {native.logs_dropped}, Worker {worker.logs_dropped}")
    if expect.output_bytes is not None and native.output_bytes != worker.output_bytes:
        problems.append(f"outputBytes: native {native.output_bytes}, Worker {worker.output_bytes}")
    return problems


def load_corpus(directory: Path) -> list[Case]:
    """Every case of every `*.yaml` family under `directory`, in file order."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise CorpusError(f"{directory}: no case families (*.yaml) found")
    cases: list[Case] = []
    for path in files:
        cases.extend(load_family(path))
    return cases


def load_family(path: Path) -> list[Case]:
    """The cases of one family file, validated."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CorpusError(f"{path.name}: not valid YAML: {error}".replace("\n", " ")) from None
    if not isinstance(document, Mapping):
        raise CorpusError(f"{path.name}: must be a mapping with family, description and cases")
    _no_unknown_keys(document, FAMILY_KEYS, path.name)
    family = document.get("family")
    if not isinstance(family, str) or family != path.stem:
        raise CorpusError(f"{path.name}: `family` must be {path.stem!r} (the file's name), got {family!r}")
    if not isinstance(document.get("description"), str):
        raise CorpusError(f"{path.name}: `description` must be one line of text")
    entries = document.get("cases")
    if not isinstance(entries, list) or not entries:
        raise CorpusError(f"{path.name}: `cases` must be a non-empty list")
    cases: list[Case] = []
    for index, entry in enumerate(entries):
        case = _case(entry, family, path, index)
        if any(known.name == case.name for known in cases):
            raise CorpusError(f"{path.name}: case {case.name!r}: the name is used twice")
        cases.append(case)
    return cases


def _case(entry: Any, family: str, path: Path, index: int) -> Case:
    where = f"{path.name}: case #{index + 1}"
    if not isinstance(entry, Mapping):
        raise CorpusError(f"{where}: must be a mapping")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise CorpusError(f"{where}: `name` must be kebab-case, got {name!r}")
    where = f"{path.name}: case {name!r}"
    _no_unknown_keys(entry, CASE_KEYS, where)
    if "description" in entry and not isinstance(entry["description"], str):
        raise CorpusError(f"{where}: `description` must be text")
    runs = [_run(entry, where)]
    follow_ups = entry.get("then", [])
    if not isinstance(follow_ups, list):
        raise CorpusError(f"{where}: `then` must be a list of runs")
    for step, follow_up in enumerate(follow_ups):
        step_where = f"{where}, then #{step + 1}"
        if not isinstance(follow_up, Mapping):
            raise CorpusError(f"{step_where}: must be a mapping")
        _no_unknown_keys(follow_up, RUN_KEYS, step_where)
        runs.append(_run(follow_up, step_where))
    return Case(family=family, name=name, runs=tuple(runs), source=path)


def _run(entry: Mapping[str, Any], where: str) -> Run:
    code = entry.get("code")
    if not isinstance(code, str):
        raise CorpusError(f"{where}: `code` must be a string")
    input_json = _json_text(entry["input"], where) if "input" in entry else None
    limits = entry.get("limits", {})
    if not isinstance(limits, Mapping):
        raise CorpusError(f"{where}: `limits` must be a mapping")
    for key, value in limits.items():
        if key not in LIMIT_OVERRIDES:
            raise CorpusError(f"{where}: `limits.{key}` is not a limit; use {' or '.join(LIMIT_OVERRIDES)}")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CorpusError(f"{where}: `limits.{key}` must be a positive whole number, got {value!r}")
    expect = entry.get("expect")
    if not isinstance(expect, Mapping):
        raise CorpusError(f"{where}: `expect` is missing (it needs at least `status`)")
    return Run(code=code, input_json=input_json, limits=dict(limits), expect=_expectation(expect, where))


def _expectation(expect: Mapping[str, Any], where: str) -> Expectation:
    _no_unknown_keys(expect, EXPECT_KEYS, f"{where}: expect")
    status = expect.get("status")
    if status not in STATUSES:
        raise CorpusError(f"{where}: `expect.status` must be one of {', '.join(STATUSES)}, got {status!r}")
    texts: dict[str, str | None] = {}
    for key in ("errorName", "errorMessage", "errorStack", "errorPhase"):
        value = expect.get(key)
        if value is not None and not isinstance(value, str):
            raise CorpusError(f"{where}: `expect.{key}` must be a string")
        texts[key] = value
    logs = expect.get("logs")
    if logs is not None:
        logs = _logs(logs, where)
    counts: dict[str, int | None] = {}
    for key in ("logsDropped", "outputBytes"):
        count = expect.get(key)
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise CorpusError(f"{where}: `expect.{key}` must be a whole number")
        counts[key] = count
    if "result" in expect:
        _json_text(expect["result"], f"{where}: expect.result")
    return Expectation(
        status=status,
        has_result="result" in expect,
        result=expect.get("result"),
        error_name=texts["errorName"],
        error_message=texts["errorMessage"],
        error_stack=texts["errorStack"],
        error_phase=texts["errorPhase"],
        logs=logs,
        logs_dropped=counts["logsDropped"],
        output_bytes=counts["outputBytes"],
    )


def _logs(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise CorpusError(f"{where}: `expect.logs` must be a list of {{level, message}}")
    lines: list[tuple[str, str]] = []
    for line in value:
        if (
            not isinstance(line, Mapping)
            or set(line) != {"level", "message"}
            or line["level"] not in LOG_LEVELS
            or not isinstance(line["message"], str)
        ):
            raise CorpusError(
                f"{where}: each of `expect.logs` must be {{level: {'|'.join(LOG_LEVELS)}, message: text}}, "
                f"got {line!r}"
            )
        lines.append((line["level"], line["message"]))
    return tuple(lines)


def _json_text(value: Any, where: str) -> str:
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise CorpusError(f"{where}: not a JSON value ({error})") from None


def _no_unknown_keys(entry: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(str(key) for key in set(entry) - known)
    if unknown:
        raise CorpusError(f"{where}: unknown key `{unknown[0]}`; known keys: {', '.join(sorted(known))}")


def _list_difference(got: Any, wanted: Any) -> str:
    """For two lists, what one has and the other lacks (long lists hide it behind "...")."""
    if not isinstance(got, list) or not isinstance(wanted, list):
        return ""
    got_items = [json.dumps(item, sort_keys=True) for item in got]
    wanted_items = [json.dumps(item, sort_keys=True) for item in wanted]
    extra = [item for item in got_items if item not in wanted_items]
    missing = [item for item in wanted_items if item not in got_items]
    if not extra and not missing:
        return " (same items, other order)"
    return f" (extra: {_short(extra)}, missing: {_short(missing)})"


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass(frozen=True)
class CaseResult:
    """A case's runs on one tier and how they differ from the expectations."""

    case: Case
    outcomes: tuple[Outcome, ...]
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class CaseFailure:
    """A failing case: its id (`family/name`) and what was wrong."""

    case_id: str
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.case_id}: {'; '.join(self.problems)}"
