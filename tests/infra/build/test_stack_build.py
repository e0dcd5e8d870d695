"""Rendering and bundling: the files a stack's build writes, and what they say."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from infra.build.manifest import Manifest, read_manifest
from infra.local.devvars import read_dev_vars, write_build_dev_vars
from infra.paths import ProjectPaths
from infra.stack.bindings import KV_NAMESPACES
from infra.stack.config import StackConfig


def test_manifest_records_the_real_sizes_and_hashes(paths: ProjectPaths, staging_build: Manifest) -> None:
    out_dir = paths.build_dir("staging")
    assert read_manifest(out_dir) == staging_build
    for part in staging_build.modules:
        content = (out_dir / part.path).read_bytes()
        assert part.bytes == len(content)
        assert part.sha256 == hashlib.sha256(content).hexdigest()
    assert {part.type for part in staging_build.modules} == {"ESModule", "CompiledWasm"}


def test_bundle_keeps_the_wasm_as_its_own_module(paths: ProjectPaths, staging_build: Manifest) -> None:
    bundle = (paths.build_dir("staging") / staging_build.main_module).read_text()
    assert re.search(r'^import \w+ from "\./quickjs\.wasm";$', bundle, re.MULTILINE)
    # The Node glue of the engine must not leak into a bundle meant for workerd.
    assert '"node:' not in bundle
    assert not re.search(r"(?<![\w$.])require\(", bundle)
    assert (paths.build_dir("staging") / "quickjs.wasm").read_bytes()[:4] == b"\0asm"


def test_generated_config_module_carries_the_stack_limits(
    paths: ProjectPaths, staging_build: Manifest, staging_config: StackConfig
) -> None:
    module = (paths.build_dir("staging") / "stack-config.js").read_text()
    for name, value in staging_config.limits.for_worker().items():
        assert f'"{name}": {value}' in module
    assert '"name": "staging"' in module


def test_wrangler_toml_matches_the_stack(
    paths: ProjectPaths, staging_build: Manifest, staging_config: StackConfig
) -> None:
    wrangler = tomllib.loads((paths.build_dir("staging") / "wrangler.toml").read_text())
    assert wrangler["name"] == staging_config.worker_name
    assert wrangler["compatibility_date"] == staging_config.compatibility_date
    assert wrangler["main"] == staging_build.main_module
    assert wrangler["limits"]["cpu_ms"] == staging_config.limits.cpu_ms
    assert [namespace["binding"] for namespace in wrangler["kv_namespaces"]] == list(KV_NAMESPACES)
    assert wrangler["rules"][0]["type"] == "CompiledWasm"


def test_the_build_key_copy_needs_a_project_key(tmp_path: Path) -> None:
    """Without a project .dev.vars (before the first `make dev`) nothing is written."""
    out_dir = tmp_path / "build"
    out_dir.mkdir()
    assert write_build_dev_vars(tmp_path / ".dev.vars", out_dir) is None
    (tmp_path / ".dev.vars").write_text("# no key yet\n")
    assert write_build_dev_vars(tmp_path / ".dev.vars", out_dir) is None
    assert not (out_dir / ".dev.vars").exists()
    (tmp_path / ".dev.vars").write_text('API_KEY="s3cret"\nOTHER=1\n')
    written = write_build_dev_vars(tmp_path / ".dev.vars", out_dir)
    assert written == out_dir / ".dev.vars"
    assert read_dev_vars(written) == {"API_KEY": "s3cret"}
