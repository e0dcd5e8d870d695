"""The restore rows, and its target: the slowest restore after a small run."""

from __future__ import annotations

from typing import Any

from bench.comparisons import restore
from bench.result import Measured


def _row(bytes_: int, peak: int, release: list[float], grown: int) -> dict[str, Any]:
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


MEASURED = {
    "createMs": [20.0],
    "imageBytes": 2 * 2**20,
    "workloadMs": {"trivial": [0.2, 0.1, 0.3]},
    "rows": [
        _row(0, 8_000, [0.05, 0.06, 0.07], 0),
        _row(256 * 1024, 262_200, [0.08, 0.09, 0.30], 0),
        _row(4 * 2**20, 4 * 2**20 + 12, [1.0, 2.0, 3.0], 3),
    ],
}


def test_the_restore_target_is_the_slowest_small_run() -> None:
    figures = restore.summarise(MEASURED)
    assert figures["smallRunRestoreP50Ms"] == 0.09
    assert [row["renewed"] for row in figures["rows"]] == [0, 0, 3]
    assert figures["rows"][1]["restoreMs"]["p90"] == 0.3
    assert restore.engine_p50({restore.KEY: Measured(figures)}, "trivial") == 0.2


def test_a_grown_run_is_shown_renewed() -> None:
    lines = restore.COMPARISON.rows(Measured(restore.summarise(MEASURED)))
    assert lines[-1].startswith("| 4.00 MiB | 4.00 MiB | 3 | renewed (memory grew) |")
    assert lines[-3].startswith("| ~0 | 7.8 KiB | 3 | in place |")
