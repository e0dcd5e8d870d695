"""The upload's size by part, against the Workers limits infra/stack/platform.py names."""

from __future__ import annotations

from pathlib import Path

from bench.comparisons import bundle
from bench.result import Measured
from bench.targets import evaluate
from infra.build.manifest import Manifest, ModulePart, write_manifest
from infra.stack.bindings import API_KEY


def test_measures_each_part_and_explains_a_miss_by_part(tmp_path: Path) -> None:
    (tmp_path / "worker.js").write_bytes(b"x" * 1000)
    (tmp_path / "quickjs.wasm").write_bytes(bytes(range(256)) * 1600)
    write_manifest(
        tmp_path,
        Manifest(
            stack="bench-service",
            worker_name="w",
            compatibility_date="2026-04-20",
            main_module="worker.js",
            kv_namespaces=(),
            rate_limits=(),
            secrets=(API_KEY,),
            modules=(
                ModulePart("worker.js", "ESModule", "worker.js", 1000, "0" * 64),
                ModulePart("quickjs.wasm", "CompiledWasm", "quickjs.wasm", 409_600, "0" * 64),
            ),
        ),
    )
    measured = bundle.sizes(tmp_path)
    parts = measured["parts"]
    assert [(part["name"], part["raw"]) for part in parts] == [("worker.js", 1000), ("quickjs.wasm", 409_600)]
    assert all(part["gzip"] < part["raw"] for part in parts)
    assert measured["totalRawBytes"] == 410_600
    text = "\n".join(bundle.COMPARISON.rows(Measured(measured)))
    assert "| **upload total** | 410,600 B |" in text
    assert "after compression Free 3 MB, Paid 10 MB; uncompressed 64.00 MiB" in text
    missed = {
        "parts": [
            {"name": "worker.js", "raw": 10, "gzip": 20_000},
            {"name": "quickjs.wasm", "raw": 1, "gzip": 300_000},
        ],
        "totalGzipBytes": 320_000,
    }
    (target,) = evaluate([bundle.COMPARISON], {bundle.KEY: Measured(missed)})
    assert (target.measured, target.met) == (320.0, False)
    assert target.why == "gzip by part: `worker.js` 20.0 KB, `quickjs.wasm` 300.0 KB."
