"""The report and the targets from results where steps were not measured, and the restore rows."""

from __future__ import annotations

from typing import Any

from bench.explain import explain_missed
from bench.outcome import NotMeasured
from bench.report import markdown
from bench.restore import summarise
from bench.targets import evaluate


def _not_measured(reason: str) -> dict[str, Any]:
    return NotMeasured(reason).to_json()


def _results() -> dict[str, Any]:
    """A run in which every server failed: only the bundle was measured."""
    return {
        "generatedAt": "2026-12-01T20:00:00+00:00",
        "stack": "staging",
        "settings": {"quick": True},
        "benchSeconds": 1.0,
        "machine": {
            "cpu": "test CPU",
            "usableCpus": 2,
            "loadAverageAtStart": [1.0],
            "workerd": "w",
            "node": "n",
        },
        "rawWorkerd": {"kvNamespacesBoundToStub": [], "kvStub": "", "rateLimit": "not bound"},
        "configChanges": [],
        "bundle": {
            "parts": [{"name": "worker.js", "raw": 10, "gzip": 5}],
            "totalRawBytes": 10,
            "totalGzipBytes": 290_000,
            "freePlanShare": 0.1,
            "limits": {"freeGzipBytes": 3_000_000, "paidGzipBytes": 10_000_000, "source": "docs", "note": ""},
        },
        "latency": _not_measured("server exited with 1"),
        "throughput": _not_measured("server exited with 1"),
        "compute": _not_measured("server exited with 1"),
        "restore": _not_measured("bench/restore.mjs exited 1: boom"),
        "devPath": {**_not_measured("miniflare did not start"), "wranglerDev": _not_measured("no wrangler")},
        "coldStart": {
            "rawWorkerd": _not_measured("exec: timeout"),
            "miniflare": _not_measured("exec: timeout"),
        },
        "metering": {"noiseFloorRatioP50": None, **_not_measured("a: server exited with 1")},
        "peers": {
            "workerLoader": _not_measured("peer throughput: none of 9 requests answered 200"),
            "isolatedVm": _not_measured("isolated-vm did not build here"),
        },
    }


def test_a_failed_peer_is_a_not_measured_row_and_target() -> None:
    results = _results()
    results["targets"] = [target.to_json() for target in evaluate(results)]
    verdicts = {target["name"]: target["met"] for target in results["targets"]}
    assert verdicts["Worker Loader trivial p50 / service trivial p50 (taking turns)"] is None
    assert verdicts["bundle + wasm, gzip (KB)"] is True
    text = markdown(results)
    assert "| workerLoader | not measured: peer throughput: none of 9 requests answered 200 |" in text
    peer_target = "| Worker Loader trivial p50 / service trivial p50 (taking turns) | n/a |"
    assert f"{peer_target} >= 3.00\u00d7 | not measured |" in text
    assert "Not measured: bench/restore.mjs exited 1: boom" in text
    assert "not measured: no wrangler" in text


def test_the_restore_target_is_the_slowest_small_run() -> None:
    def row(bytes_: int, peak: int, release: list[float], grown: int) -> dict[str, Any]:
        return {
            "bytes": bytes_,
            "heapPeakBytes": peak,
            "statuses": ["ok"],
            "grown": grown,
            "repeats": len(release),
            "pristine": True,
            "runMs": [0.1] * len(release),
            "releaseMs": release,
        }

    measured = summarise(
        {
            "createMs": [20.0],
            "imageBytes": 2 * 2**20,
            "workloadMs": {"trivial": [0.2, 0.1, 0.3]},
            "rows": [
                row(0, 8_000, [0.05, 0.06, 0.07], 0),
                row(256 * 1024, 262_200, [0.08, 0.09, 0.30], 0),
                row(4 * 2**20, 4 * 2**20 + 12, [1.0, 2.0, 3.0], 3),
            ],
        }
    )
    assert measured["smallRunRestoreP50Ms"] == 0.09
    assert [row["renewed"] for row in measured["rows"]] == [0, 0, 3]
    assert measured["rows"][1]["restoreMs"]["p90"] == 0.3
    assert measured["engineInNodeMs"]["trivial"]["p50"] == 0.2


def test_a_missed_target_is_explained_from_the_run_s_figures() -> None:
    results = _results()
    results["compute"] = {
        "measured": True,
        "fib25": {"sandboxWallMsP50": 30.0, "nativeMsP50": 20.0, "ratio": 1.5},
        "string_array": {"sandboxWallMsP50": 10.0, "nativeMsP50": 10.0, "ratio": 1.0},
    }
    results["restore"] = {"measured": True, "engineInNodeMs": {"fib25": {"p50": 28.0}}}
    results["bundle"]["totalGzipBytes"] = 320_000
    results["targets"] = [target.to_json() for target in evaluate(results)]
    missed = dict(explain_missed(results))
    assert "string/array" not in " ".join(missed)
    assert missed["sandbox fib(25) / native QuickJS"].startswith(
        "The same wasm engine in Node's V8 takes 28.00 ms (1.40\u00d7 native 20.00 ms)"
    )
    assert missed["bundle + wasm, gzip (KB)"] == "gzip by part: `worker.js` 0.0 KB."
    # Not measured is not missed: the peers have no bullet.
    assert not any("Worker Loader" in name for name in missed)


def test_a_peer_s_failed_requests_show_in_its_throughput_cell() -> None:
    results = _results()
    side = {
        "trivial": {"p50": 2.0},
        "fib25": {"p50": 5.0},
        "trivialPerSecond": 500.0,
        "trivialFailures": 3,
        "trivialFailureReasons": ["connection lost: closed before the reply"],
    }
    results["peers"]["workerLoader"] = {
        "measured": True,
        "peer": side,
        "service": {**side, "trivialFailures": 0, "trivialFailureReasons": []},
        "versusService": {"trivialP50": 1.0, "fib25P50": 1.0, "trivialThroughput": 1.0},
    }
    results["targets"] = [target.to_json() for target in evaluate(results)]
    text = markdown(results)
    assert "| 500 req/s (3 failed: connection lost: closed before the reply) |" in text
    assert "| this service, same turns | 2.00 ms | 5.00 ms | 500 req/s |" in text
