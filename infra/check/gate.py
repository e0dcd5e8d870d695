"""The deploy gate: the behaviour corpus on both tiers, which must pass and agree.

- native: the QuickJS harness (infra/check/native_tier.py), the guest prelude on PyPI
  quickjs-ng of the Worker's engine version;
- Worker: the built bundle in build/<stack>/ — the bytes `pulumi up` uploads — served by
  workerd (infra/check/worker_tier.py).

Both run with the stack's limits, side by side. The gate passes only when every case
passes on each tier and the two answer alike wherever a case states an answer
(infra/check/corpus.py `disagreements`). `codeexec check` prints it; the Pulumi program refuses
to declare anything unless it passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from infra.check.corpus import CASES_DIR, Case, CaseResult, disagreements, load_corpus
from infra.check.native_tier import run_on_native
from infra.check.worker_tier import run_on_worker
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig

Tier = Callable[[StackConfig, ProjectPaths, Sequence[Case]], Sequence[CaseResult]]
NATIVE = "native"
WORKER = "Worker"
AGREEMENT = "agreement"
COLUMN_WIDTHS = (60, 28, 28, 28, 7)


@dataclass(frozen=True)
class GateFailure:
    """A case that failed on a tier, or on which the two tiers disagree."""

    case_id: str
    tier: str
    problems: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.case_id} ({self.tier})"

    def __str__(self) -> str:
        return f"{self.name}: {'; '.join(self.problems)}"


@dataclass(frozen=True)
class GateReport:
    stack: str
    native: tuple[CaseResult, ...]
    worker: tuple[CaseResult, ...]

    @property
    def failures(self) -> tuple[GateFailure, ...]:
        found = [
            GateFailure(result.case.case_id, tier, result.problems)
            for tier, results in ((NATIVE, self.native), (WORKER, self.worker))
            for result in results
            if not result.passed
        ]
        native_ids = [result.case.case_id for result in self.native]
        worker_ids = [result.case.case_id for result in self.worker]
        if native_ids != worker_ids:
            missing = sorted(set(native_ids) ^ set(worker_ids)) or ["(order)"]
            found.append(GateFailure(", ".join(missing), AGREEMENT, ("the tiers ran different cases",)))
            return tuple(found)
        for native, worker in zip(self.native, self.worker, strict=True):
            differ = case_disagreements(native, worker)
            if differ:
                found.append(GateFailure(native.case.case_id, AGREEMENT, differ))
        return tuple(found)

    @property
    def passed(self) -> bool:
        return bool(self.native) and not self.failures


def case_disagreements(native: CaseResult, worker: CaseResult) -> tuple[str, ...]:
    problems: list[str] = []
    for index, (run, on_native, on_worker) in enumerate(
        zip(native.case.runs, native.outcomes, worker.outcomes, strict=True)
    ):
        prefix = "" if index == 0 else f"then #{index}: "
        problems.extend(prefix + problem for problem in disagreements(run.expect, on_native, on_worker))
    return tuple(problems)


def gate_corpus() -> list[Case]:
    """The corpus the package ships (infra/check/cases/)."""
    return load_corpus(CASES_DIR)


def run_gate(
    config: StackConfig,
    paths: ProjectPaths,
    cases: Sequence[Case] | None = None,
    *,
    native: Tier = run_on_native,
    worker: Tier = run_on_worker,
) -> GateReport:
    """Both tiers on the stack's current build (build it first), side by side."""
    corpus = gate_corpus() if cases is None else cases
    with ThreadPoolExecutor(max_workers=2) as pool:
        on_native = pool.submit(native, config, paths, corpus)
        on_worker = pool.submit(worker, config, paths, corpus)
        return GateReport(
            stack=config.stack, native=tuple(on_native.result()), worker=tuple(on_worker.result())
        )


def format_gate_report(report: GateReport) -> str:
    """A table (case, expected, native, Worker, verdict), then each failure's details."""
    failing = {failure.case_id for failure in report.failures}
    worker_by_id = {result.case.case_id: result for result in report.worker}
    rows = [("case", "expected", "native", "Worker (built bundle)", "verdict")]
    for result in report.native:
        case_id = result.case.case_id
        on_worker = worker_by_id.get(case_id)
        first = result.case.runs[0]
        extra = len(result.case.runs) - 1
        rows.append(
            (
                case_id,
                first.expect.describe() + (f" (+{extra} then)" if extra else ""),
                result.outcomes[0].describe(),
                on_worker.outcomes[0].describe() if on_worker else "(not run)",
                "FAIL" if case_id in failing else "pass",
            )
        )
    widths = [min(max(len(row[column]) for row in rows), cap) for column, cap in enumerate(COLUMN_WIDTHS)]
    lines = [
        "  ".join(_fit(cell, widths[column]) for column, cell in enumerate(row)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    lines.extend(f"FAIL {failure}" for failure in report.failures)
    lines.append(
        f"stack {report.stack}: {len(report.native)} cases on the native harness and on the built "
        f"bundle (workerd): {tier_verdict(report, NATIVE)}, {tier_verdict(report, WORKER)}, "
        f"{tier_verdict(report, AGREEMENT)}; "
        + ("passed" if report.passed else f"{len(report.failures)} failed")
    )
    return "\n".join(lines)


def tier_verdict(report: GateReport, tier: str) -> str:
    failed = sum(failure.tier == tier for failure in report.failures)
    return f"{tier} {'ok' if not failed else f'{failed} failed'}"


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
