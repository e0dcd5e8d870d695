"""The issue's targets, as ratios measured in one run, and how far each one was missed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | None
    limit: float | None  # None: a figure to report, with no limit to meet
    at_most: bool  # True: measured must be <= limit; False: >= limit
    unit: str = "x"

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return None
        if self.limit is None:
            return True
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    @property
    def missed_by(self) -> str:
        if self.measured is None or self.limit is None or self.met:
            return ""
        factor = self.measured / self.limit if self.at_most else self.limit / self.measured
        return f"{(factor - 1) * 100:.0f}% {'over' if self.at_most else 'under'} the target"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["comparison"] = "reported" if self.limit is None else ("<=" if self.at_most else ">=")
        data.pop("at_most")
        data["met"] = self.met
        data["missedBy"] = self.missed_by
        return data


def figure(results: dict[str, Any], *keys: str) -> float | None:
    """results[k1][k2]...: None where a step was not measured (or a figure is missing)."""
    value: Any = results
    for key in keys:
        if not isinstance(value, dict) or value.get("measured") is False or key not in value:
            return None
        value = value[key]
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def evaluate(results: dict[str, Any]) -> list[Target]:
    peers = [
        Target(
            f"{label} trivial p50 / service trivial p50 (taking turns)",
            figure(results, "peers", name, "versusService", "trivialP50"),
            3.0,
            at_most=False,
        )
        for name, label in (("workerLoader", "Worker Loader"), ("isolatedVm", "isolated-vm"))
    ]
    gzip_bytes = figure(results, "bundle", "totalGzipBytes")
    return [
        Target(
            "trivial execution p50 / no-op p50", figure(results, "latency", "ratioP50"), 2.0, at_most=True
        ),
        Target(
            "trivial execution throughput / no-op throughput",
            figure(results, "throughput", "ratio"),
            0.35,
            at_most=False,
        ),
        *peers,
        Target(
            "sandbox fib(25) / native QuickJS",
            figure(results, "compute", "fib25", "ratio"),
            1.2,
            at_most=True,
        ),
        Target(
            "sandbox string/array / native QuickJS",
            figure(results, "compute", "string_array", "ratio"),
            1.2,
            at_most=True,
        ),
        Target(
            "restore after a run that allocated < 1 MiB, p50 (ms)",
            figure(results, "restore", "smallRunRestoreP50Ms"),
            0.1,
            at_most=True,
            unit="ms",
        ),
        Target(
            "cold start, raw workerd: process start to first execution (ms)",
            figure(results, "coldStart", "rawWorkerd", "firstExecutionMsP50"),
            None,
            at_most=True,
            unit="ms",
        ),
        Target("metering on p50 / off p50", figure(results, "metering", "ratioP50"), 1.10, at_most=True),
        Target(
            "bundle + wasm, gzip (KB)",
            None if gzip_bytes is None else gzip_bytes / 1000,
            300,
            at_most=True,
            unit="KB",
        ),
    ]
