"""The raw workerd config the bench writes serves the build as the manifest describes it."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.result import NotMeasured
from bench.servers import raw_workerd_config, running
from infra.build.manifest import Manifest, ModulePart, write_manifest
from infra.stack.bindings import API_KEY


def _build(directory: Path, kv: tuple[str, ...], bundle: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "worker.js").write_text(bundle, encoding="utf-8")
    write_manifest(directory, _manifest(kv))
    return directory


def _manifest(kv: tuple[str, ...]) -> Manifest:
    return Manifest(
        stack="bench-service",
        worker_name="code-execution-staging",
        compatibility_date="2026-04-20",
        main_module="worker.js",
        kv_namespaces=kv,
        rate_limits=(),
        secrets=(API_KEY,),
        modules=(
            ModulePart("worker.js", "ESModule", "worker.js", 1, "0" * 64),
            ModulePart("quickjs.wasm", "CompiledWasm", "quickjs.wasm", 1, "0" * 64),
        ),
    )


def test_embeds_every_module_part_relative_to_the_config(tmp_path: Path) -> None:
    build_dir = _build(tmp_path / "build", (), "export default {};")
    config = raw_workerd_config(build_dir, tmp_path / "work" / "workerd", "secret", 9999)
    assert '(name = "worker.js", esModule = embed "../../build/worker.js")' in config
    assert '(name = "quickjs.wasm", wasm = embed "../../build/quickjs.wasm")' in config
    assert 'compatibilityDate = "2026-04-20"' in config
    assert 'address = "127.0.0.1:9999"' in config
    assert '(name = "API_KEY", text = "secret")' in config
    assert "kvNamespace" not in config


def test_binds_a_kv_namespace_to_the_stub_only_when_the_code_uses_it(tmp_path: Path) -> None:
    unused = _build(tmp_path / "unused", ("USAGE_TRACKING",), "export default {};")
    used = _build(tmp_path / "used", ("USAGE_TRACKING",), "env.USAGE_TRACKING.put(key, '')")
    assert "kvNamespace" not in raw_workerd_config(unused, unused, "k", 1)
    config = raw_workerd_config(used, used, "k", 1)
    assert '(name = "USAGE_TRACKING", kvNamespace = "kv-stub")' in config
    assert '(name = "kv-stub", worker = .kvStub)' in config


def test_a_server_that_exits_or_cannot_start_is_not_measured(tmp_path: Path) -> None:
    with running(
        "exits", [sys.executable, "-c", "print('bad config'); raise SystemExit(3)"], 1, tmp_path, tmp_path
    ) as server:
        assert isinstance(server, NotMeasured)
        assert server.reason == "server exited with 3: bad config"
    with running("missing", [str(tmp_path / "no-such-binary")], 1, tmp_path, tmp_path) as server:
        assert isinstance(server, NotMeasured)
        assert server.reason.startswith("missing did not start:")
