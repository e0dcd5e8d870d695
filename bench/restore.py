"""The engine's restore against how much the previous run allocated (bench/restore.mjs in Node).

Each row: a program that allocates (and writes) about `bytes`, run many times on the
product's own engine-host.js; `engine.run` and `releaseEngine` timed apart. A run that stays
within the image's memory is restored in place; one that grew the memory gets a fresh
instance restored from the image (`renewed`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from bench.outcome import NotMeasured, first_line
from bench.stats import summary
from bench.workloads import COMPUTE, TRIVIAL
from infra.bundle import PRELUDE_NAME
from infra.config import Limits
from infra.paths import ProjectPaths

KIB = 1024
MIB = 1024 * KIB
SIZES = (0, 64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB, 16 * MIB)
# The target applies after runs that allocated under this much.
SMALL_RUN_BYTES = 1 * MIB
WARMUP_RUNS = 30
ENGINE_CREATES = 3
NODE_SECONDS = 600


def restore_cost(
    paths: ProjectPaths, build_dir: Path, limits: Limits, work: Path, *, repeats: int, compute_repeats: int
) -> dict[str, Any] | NotMeasured:
    """The restore table, and the engine's own time (run + release, in Node) on the bench's
    workloads: what the Worker's request path adds is the rest of its latency."""
    plan = {
        "sizes": list(SIZES),
        "repeats": repeats,
        "warmup": WARMUP_RUNS,
        "creates": ENGINE_CREATES,
        "workloads": {
            TRIVIAL.name: {"code": TRIVIAL.code, "repeats": repeats},
            **{workload.name: {"code": workload.code, "repeats": compute_repeats} for workload in COMPUTE},
        },
    }
    request = {
        "prelude": str(build_dir / PRELUDE_NAME),
        "outDir": str(work),
        "limits": limits.for_worker(),
        "plan": plan,
    }
    try:
        done = subprocess.run(
            ["node", str(paths.root / "bench" / "restore.mjs")],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            cwd=paths.root,
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
    return summarise(measured)


def summarise(measured: dict[str, Any]) -> dict[str, Any]:
    """Percentiles per row, and the slowest small-run restore p50 (the issue's target)."""
    rows = [
        {
            "bytes": row["bytes"],
            "heapPeakBytes": row["heapPeakBytes"],
            "statuses": row["statuses"],
            "repeats": row["repeats"],
            "renewed": row["grown"],
            "restoredInPlace": row["repeats"] - row["grown"],
            "pristineAfter": row["pristine"],
            "runMs": summary(row["runMs"]),
            "restoreMs": summary(row["releaseMs"]),
        }
        for row in measured["rows"]
    ]
    small = [row["restoreMs"]["p50"] for row in rows if row["heapPeakBytes"] < SMALL_RUN_BYTES]
    return {
        "method": "Node (V8 as in local workerd), bench/restore.mjs: worker_src/sandbox/engine-host.js "
        "bundled with esbuild; per row, engine.run(engineRequest(...)) then releaseEngine() timed apart with "
        "performance.now(), after warm-up runs; the program allocates and fills a Uint8Array",
        "engineCreateMs": [round(value, 3) for value in measured["createMs"]],
        "imageBytes": measured["imageBytes"],
        "rows": rows,
        "smallRunBytes": SMALL_RUN_BYTES,
        "smallRunRestoreP50Ms": max(small) if small else None,
        "engineInNodeMs": {name: summary(times) for name, times in measured["workloadMs"].items()},
    }
