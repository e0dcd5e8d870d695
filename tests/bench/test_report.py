"""The page from a run in which only the upload was measured: every other step is a
"not measured" row or target with its reason, never a crash or a missing section."""

from __future__ import annotations

from bench.comparisons import bundle, latency, peers, restore
from bench.registry import COMPARISONS
from bench.report import About, Run, markdown
from bench.result import Measured, NotMeasured, Result
from bench.targets import evaluate

ABOUT = About(
    generated_at="2026-12-01T20:00:00+00:00",
    stack="staging",
    settings={"quick": True},
    machine={"cpu": "test CPU", "usableCpus": 2, "loadAverageAtStart": [1.0], "workerd": "w", "node": "n"},
    raw_workerd={"kvNamespacesBoundToStub": [], "kvStub": "", "rateLimit": "not bound"},
    config_changes=[],
    seconds=1.0,
)
BUNDLE = {
    "parts": [{"name": "worker.js", "raw": 10, "gzip": 5}],
    "totalRawBytes": 10,
    "totalGzipBytes": 290_000,
    "freePlanShare": 0.1,
    "uncompressedShare": 0.0,
    "limits": {"compressedBytes": {"free": 3 * 2**20}, "uncompressedBytes": 64 * 2**20, "source": "docs"},
}


def _run(results: dict[str, Result]) -> Run:
    return Run(ABOUT, COMPARISONS, results, evaluate(COMPARISONS, results))


def _failed() -> dict[str, Result]:
    results: dict[str, Result] = {c.key: NotMeasured(f"{c.key} exited with 1") for c in COMPARISONS}
    results[bundle.KEY] = Measured(BUNDLE)
    return results


def test_a_run_where_the_servers_failed_says_why_in_each_row_and_target() -> None:
    run = _run(_failed())
    verdicts = {target.name: target.met for target in run.targets}
    assert verdicts["Worker Loader trivial p50 / service trivial p50 (taking turns)"] is None
    assert verdicts["bundle + wasm, gzip (KB)"] is True
    text = markdown(run)
    assert "| Worker Loader | not measured: workerLoader exited with 1 |  |  |  |" in text
    peer_target = "| Worker Loader trivial p50 / service trivial p50 (taking turns) | n/a |"
    assert f"{peer_target} >= 3.00\u00d7 | not measured |" in text
    assert "Not measured: restore exited with 1" in text
    assert "| dev path: `wrangler dev` | not measured: wranglerDev exited with 1 |  |  |" in text
    # Not measured is not missed.
    assert "Missed, and why" not in text


def test_the_split_several_missed_targets_share_is_shown_once_above_their_reasons() -> None:
    results = _failed()
    results[latency.KEY] = Measured(
        {"exec": {"p50": 1.0, "p99": 2.0}, "noop": {"p50": 0.2, "p99": 0.4}, "ratioP50": 5.0, "ratioP99": 5.0}
    )
    engine_only = {"createMs": [1.0], "imageBytes": 2**20, "workloadMs": {"trivial": [0.1]}, "rows": []}
    results[restore.KEY] = Measured(restore.summarise(engine_only))
    side = {"trivial": {"p50": 1.0}, "fib25": {"p50": 1.0}, "trivialPerSecond": 1.0}
    results[peers.WORKER_LOADER.key] = Measured(
        {
            "peer": side,
            "service": side,
            "versusService": {"trivialP50": 1.0, "fib25P50": 1.0, "trivialThroughput": 1.0},
        }
    )
    text = markdown(_run(results))
    assert text.count("Of the trivial execution's p50 on raw workerd (1.00 ms)") == 1
    missed = text.split("### Missed, and why (this run's figures)", 1)[1].split("## ", 1)[0]
    assert missed.index("Of the trivial") < missed.index("- **trivial execution p50 / no-op p50**")
    assert "- **Worker Loader trivial p50 / service trivial p50 (taking turns)**: 3\u00d7 faster" in missed
