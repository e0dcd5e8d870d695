"""The raw workerd config the bench writes serves the build as the manifest describes it."""

from __future__ import annotations

from pathlib import Path

from bench.servers import raw_workerd_config
from infra.manifest import Manifest, ModulePart, write_manifest


def _manifest(kv: tuple[str, ...]) -> Manifest:
    return Manifest(
        stack="bench-service",
        worker_name="code-execution-staging",
        compatibility_date="2026-04-20",
        main_module="worker.js",
        kv_namespaces=kv,
        modules=(
            ModulePart("worker.js", "ESModule", "worker.js", 1, "0" * 64),
            ModulePart("quickjs.wasm", "CompiledWasm", "quickjs.wasm", 1, "0" * 64),
        ),
    )


def test_embeds_every_module_part_relative_to_the_config(tmp_path: Path) -> None:
    build_dir, config_dir = tmp_path / "build", tmp_path / "work" / "workerd"
    build_dir.mkdir()
    write_manifest(build_dir, _manifest(()))
    config = raw_workerd_config(build_dir, config_dir, "secret", 9999)
    assert '(name = "worker.js", esModule = embed "../../build/worker.js")' in config
    assert '(name = "quickjs.wasm", wasm = embed "../../build/quickjs.wasm")' in config
    assert 'compatibilityDate = "2026-04-20"' in config
    assert 'address = "127.0.0.1:9999"' in config
    assert '(name = "API_KEY", text = "secret")' in config
    assert "kvNamespace" not in config


def test_binds_kv_namespaces_to_the_stub_only_when_the_worker_has_some(tmp_path: Path) -> None:
    write_manifest(tmp_path, _manifest(("USAGE_TRACKING",)))
    config = raw_workerd_config(tmp_path, tmp_path, "k", 1)
    assert '(name = "USAGE_TRACKING", kvNamespace = "kv-stub")' in config
    assert '(name = "kv-stub", worker = .kvStub)' in config
