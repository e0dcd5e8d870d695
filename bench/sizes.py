"""The Worker upload's size, raw and gzip, against the Workers upload limits.

The upload is the ES module bundle plus the engine's wasm module part; both count.
Limits as documented at https://developers.cloudflare.com/workers/platform/limits/
(Worker size, after compression): Free 3 MB, Paid 10 MB. A docs change in progress
(cloudflare-docs PR 31002) replaces them with one 64 MiB uncompressed limit; the
check below is against the compressed limits, the stricter reading.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

from infra.build.manifest import read_manifest

MB = 1000 * 1000
FREE_PLAN_GZIP_BYTES = 3 * MB
PAID_PLAN_GZIP_BYTES = 10 * MB
TARGET_GZIP_BYTES = 300 * 1000
LIMITS_SOURCE = "https://developers.cloudflare.com/workers/platform/limits/ (Worker size, after compression)"


@dataclass(frozen=True)
class PartSize:
    name: str
    raw: int
    gzip: int


def upload_sizes(build_dir: Path) -> list[PartSize]:
    """Each module part of the build, raw and gzip (level 9, as an upload would be)."""
    parts = []
    for part in read_manifest(build_dir).modules:
        content = (build_dir / part.path).read_bytes()
        parts.append(PartSize(part.name, len(content), len(gzip.compress(content, compresslevel=9, mtime=0))))
    return parts
