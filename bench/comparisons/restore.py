"""The engine's restore against how much the previous run allocated (bench/restore.mjs in Node).

Each row: a program that allocates (and writes) about `bytes`, run many times on the
product's own engine-host.js; `engine.run` and `releaseEngine` timed apart. A run that stays
within the image's memory is restored in place; one that grew the memory gets a fresh
instance restored from the image (`renewed`). The same script times the engine alone
(run + restore) on the bench's workloads, which splits the Worker's latency into the
engine and its request path (`engine_p50`).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

from bench.comparison import Comparison, Goal, Section
from bench.context import Context
from bench.markdown import MIB, row, size
from bench.result import Figures, Measured, NotMeasured, Result, Results, figure, first_line
from bench.stats import summary
from bench.workloads import COMPUTE, TRIVIAL
from infra.build.bundle import PRELUDE_NAME

KEY = "restore"
KIB = 1024
SIZES = (0, 64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB, 16 * MIB)
# The target applies after runs that allocated under this much.
SMALL_RUN_BYTES = 1 * MIB
WARMUP_RUNS = 30
ENGINE_CREATES = 3
NODE_SECONDS = 600


def measure(context: Context) -> Result:
    settings = context.settings
    plan = {
        "sizes": list(SIZES),
        "repeats": settings.restore_repeats,
        "warmup": WARMUP_RUNS,
        "creates": ENGINE_CREATES,
        "workloads": {
            TRIVIAL.name: {"code": TRIVIAL.code, "repeats": settings.restore_repeats},
            **{
                workload.name: {"code": workload.code, "repeats": settings.compute_repeats}
                for workload in COMPUTE
            },
        },
    }
    request = {
        "prelude": str(context.build_dir / PRELUDE_NAME),
        "outDir": str(context.work),
        "limits": context.config.limits.for_worker(),
        "plan": plan,
    }
    try:
        done = subprocess.run(
            ["node", str(context.paths.root / "bench" / "restore.mjs")],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            cwd=context.paths.root,
            timeout=NODE_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return NotMeasured(f"bench/restore.mjs: {first_line(str(error))}")
    if done.returncode != 0:
        return NotMeasured(f"bench/restore.mjs exited {done.returncode}: {first_line(done.stderr)}")
    try:
        measured = json.loads(done.stdout)
    except ValueError:
        return NotMeasured(f"bench/restore.mjs printed no JSON: {first_line(done.stdout)}")
    return Measured(summarise(measured))


def summarise(measured: dict[str, Any]) -> Figures:
    """Percentiles per row, and the slowest small-run restore p50 (the issue's target)."""
    table = [
        {
            "bytes": entry["bytes"],
            "heapPeakBytes": entry["heapPeakBytes"],
            "statuses": entry["statuses"],
            "repeats": entry["repeats"],
            "renewed": entry["grown"],
            "restoredInPlace": entry["repeats"] - entry["grown"],
            "pristineAfter": entry["pristine"],
            "runMs": summary(entry["runMs"]),
            "restoreMs": summary(entry["releaseMs"]),
        }
        for entry in measured["rows"]
    ]
    small = [entry["restoreMs"]["p50"] for entry in table if entry["heapPeakBytes"] < SMALL_RUN_BYTES]
    return {
        "method": "Node (V8 as in local workerd), bench/restore.mjs: worker_src/sandbox/engine-host.js "
        "bundled with esbuild; per row, engine.run(engineRequest(...)) then releaseEngine() timed apart with "
        "performance.now(), after warm-up runs; the program allocates and fills a Uint8Array",
        "engineCreateMs": [round(value, 3) for value in measured["createMs"]],
        "imageBytes": measured["imageBytes"],
        "rows": table,
        "smallRunBytes": SMALL_RUN_BYTES,
        "smallRunRestoreP50Ms": max(small) if small else None,
        "engineInNodeMs": {name: summary(times) for name, times in measured["workloadMs"].items()},
    }


def engine_p50(results: Results, workload: str) -> float | None:
    """The engine alone (run + restore, in Node) on one of the bench's workloads, p50 ms."""
    return figure(results.get(KEY), "engineInNodeMs", workload, "p50")


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [f"Not measured: {result.reason}"]
    restore = result.figures
    lines = [
        f"Method: {restore['method']}. Creating the engine (instantiate, setup, image): "
        + ", ".join(f"{value:.1f}" for value in restore["engineCreateMs"])
        + " ms (the first is the cold one).",
        "",
        row("program allocates", "heap peak", "runs", "restore", "run p50", "restore p50", "restore p90"),
        row(*["---"] * 7),
    ]
    for entry in restore["rows"]:
        how = (
            "in place"
            if entry["renewed"] == 0
            else ("renewed (memory grew)" if entry["restoredInPlace"] == 0 else f"{entry['renewed']} renewed")
        )
        if not entry["pristineAfter"] or entry["statuses"] != ["ok"]:
            how += f"; statuses {entry['statuses']}, pristine after: {entry['pristineAfter']}"
        lines.append(
            row(
                size(entry["bytes"]) if entry["bytes"] else "~0",
                size(entry["heapPeakBytes"]),
                entry["repeats"],
                how,
                f"{entry['runMs']['p50']:.3f} ms",
                f"{entry['restoreMs']['p50']:.3f} ms",
                f"{entry['restoreMs']['p90']:.3f} ms",
            )
        )
    return lines


def _why(restore: Figures, _results: Results) -> str | None:
    image = figure(restore, "imageBytes")
    if image is None:
        return None
    return (
        f"The restore writes the whole image back ({image / MIB:.2f} MiB: each 4 KiB block copied, or "
        "zero-filled where the image is zero) whatever the run touched; its cost follows the image's "
        "size, not the run's allocation (see the restore table)."
    )


COMPARISON = Comparison(
    key=KEY,
    title="restore cost against the previous run's allocation (Node, the engine's own module)",
    section=Section.RESTORE,
    measure=measure,
    rows=rows,
    goals=(
        Goal(
            "restore after a run that allocated < 1 MiB, p50 (ms)",
            0.1,
            at_most=True,
            read=lambda restore: figure(restore, "smallRunRestoreP50Ms"),
            unit="ms",
            why=_why,
        ),
    ),
)
