"""Loads tests/cases/native_work.yaml (the shared behaviour-case format) for both tiers,
until the corpus loader of the harness lands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CASES_FILE = Path(__file__).with_name("native_work.yaml")


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    limits: dict[str, int]
    expect: dict[str, Any]
    input: Any = None


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            name=raw["name"],
            code=raw["code"],
            limits=dict(raw.get("limits") or {}),
            expect=dict(raw["expect"]),
            input=raw.get("input"),
        )
        for raw in document["cases"]
    ]
