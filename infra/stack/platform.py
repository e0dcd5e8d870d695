"""The Workers platform's limits a stack must fit (developers.cloudflare.com/workers/platform/limits/).

The docs give the upload limit as "3 MB" / "10 MB" after compression, and wrangler reports
it in MiB; we hold builds to the decimal reading, the stricter one. A docs change in
progress (cloudflare-docs PR 31002) replaces both with one 64 MiB uncompressed limit,
which is checked as well.
"""

from __future__ import annotations

MB = 1000 * 1000
MIB = 1024 * 1024
SOURCE = "https://developers.cloudflare.com/workers/platform/limits/"
PLAN_CPU_MS = {"free": 10, "paid": 300_000}
PLAN_COMPRESSED_BYTES = {"free": 3 * MB, "paid": 10 * MB}
MAX_UNCOMPRESSED_BYTES = 64 * MIB
