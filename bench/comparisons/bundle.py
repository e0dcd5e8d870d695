"""The Worker upload's size, raw and gzip, against the bench's target and the Workers
upload limits. The upload is the ES module bundle plus the engine's wasm module part;
both count."""

from __future__ import annotations

import gzip
from pathlib import Path

from bench.comparison import Comparison, Goal, Section
from bench.context import Context
from bench.markdown import row, size
from bench.result import Figures, Measured, NotMeasured, Result, Results, figure
from infra.build.manifest import read_manifest
from infra.stack.platform import MAX_UNCOMPRESSED_BYTES, MB, PLAN_COMPRESSED_BYTES

KEY = "bundle"
TARGET_GZIP_BYTES = 300 * 1000
LIMITS_SOURCE = "https://developers.cloudflare.com/workers/platform/limits/"


def upload_parts(build_dir: Path) -> list[Figures]:
    """Each module part of the build, raw and gzip (level 9, as an upload would be)."""
    parts = []
    for part in read_manifest(build_dir).modules:
        content = (build_dir / part.path).read_bytes()
        compressed = gzip.compress(content, compresslevel=9, mtime=0)
        parts.append({"name": part.name, "raw": len(content), "gzip": len(compressed)})
    return parts


def measure(context: Context) -> Result:
    return Measured(sizes(context.build_dir))


def sizes(build_dir: Path) -> Figures:
    """The upload's parts and totals, and their shares of the limits."""
    parts = upload_parts(build_dir)
    total_raw = sum(part["raw"] for part in parts)
    total_gzip = sum(part["gzip"] for part in parts)
    return {
        "parts": parts,
        "totalRawBytes": total_raw,
        "totalGzipBytes": total_gzip,
        "targetGzipBytes": TARGET_GZIP_BYTES,
        "freePlanShare": round(total_gzip / PLAN_COMPRESSED_BYTES["free"], 4),
        "uncompressedShare": round(total_raw / MAX_UNCOMPRESSED_BYTES, 4),
        "limits": {
            "compressedBytes": PLAN_COMPRESSED_BYTES,
            "uncompressedBytes": MAX_UNCOMPRESSED_BYTES,
            "source": LIMITS_SOURCE,
        },
    }


def rows(result: Result) -> list[str]:
    if isinstance(result, NotMeasured):
        return [f"Not measured: {result.reason}"]
    bundle = result.figures
    limits = bundle["limits"]
    plans = ", ".join(
        f"{plan.capitalize()} {limit / MB:g} MB" for plan, limit in limits["compressedBytes"].items()
    )
    return [
        row("part", "raw", "gzip"),
        row("---", "---", "---"),
        *(row(f"`{part['name']}`", f"{part['raw']:,} B", f"{part['gzip']:,} B") for part in bundle["parts"]),
        row("**upload total**", f"{bundle['totalRawBytes']:,} B", f"{bundle['totalGzipBytes']:,} B"),
        "",
        f"Workers upload limits ({limits['source']}): after compression {plans}; uncompressed "
        f"{size(limits['uncompressedBytes'])}. The upload is {bundle['freePlanShare'] * 100:.1f}% of the "
        f"Free compressed limit and {bundle['uncompressedShare'] * 100:.1f}% of the uncompressed one.",
    ]


def _why(bundle: Figures, _results: Results) -> str | None:
    parts = bundle.get("parts")
    if not parts:
        return None
    sizes = ", ".join(f"`{part['name']}` {part['gzip'] / 1000:.1f} KB" for part in parts)
    return f"gzip by part: {sizes}."


def _gzip_kb(bundle: Figures) -> float | None:
    gzip_bytes = figure(bundle, "totalGzipBytes")
    return None if gzip_bytes is None else gzip_bytes / 1000


COMPARISON = Comparison(
    key=KEY,
    title="upload size, raw and gzip",
    section=Section.UPLOAD,
    measure=measure,
    rows=rows,
    goals=(
        Goal(
            "bundle + wasm, gzip (KB)",
            TARGET_GZIP_BYTES / 1000,
            at_most=True,
            read=_gzip_kb,
            unit="KB",
            why=_why,
        ),
    ),
)
