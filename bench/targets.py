"""The issue's targets, as ratios measured in one run, and how far each one was missed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None
    limit: float
    at_most: bool  # True: measured must be <= limit; False: >= limit
    unit: str = "x"

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    @property
    def missed_by(self) -> str:
        if self.measured is None or self.met:
            return ""
        factor = self.measured / self.limit if self.at_most else self.limit / self.measured
        return f"{(factor - 1) * 100:.0f}% {'over' if self.at_most else 'under'} the target"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["comparison"] = "<=" if self.at_most else ">="
        data.pop("at_most")
        data["met"] = self.met
        data["missedBy"] = self.missed_by
        return data


def evaluate(results: dict[str, Any]) -> list[Target]:
    compute = results["compute"]
    metering = results["metering"]
    return [
        Target("trivial execution p50 / no-op p50", results["latency"]["ratioP50"], 2.5, at_most=True),
        Target(
            "trivial execution throughput / no-op throughput",
            results["throughput"]["ratio"],
            0.30,
            at_most=False,
        ),
        Target("sandbox fib(25) / native QuickJS", compute["fib25"]["ratio"], 2.5, at_most=True),
        Target("sandbox string/array / native QuickJS", compute["string_array"]["ratio"], 2.5, at_most=True),
        Target("metering on p50 / off p50", metering.get("ratioP50"), 1.10, at_most=True),
        Target(
            "bundle + wasm, gzip (KB)",
            results["bundle"]["totalGzipBytes"] / 1000,
            300,
            at_most=True,
            unit="KB",
        ),
    ]
