"""`make engine` reproduces the committed engine from the pinned source, byte for byte."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from infra.build.engine_build import CLANG, SOURCE_HOOKS, _apply_hooks, build_engine
from infra.build.engine_facts import ENGINE_WASM_FILE, engine_wasm, read_engine_facts, sha256_of
from infra.errors import BuildError
from infra.paths import ProjectPaths


def test_the_committed_engine_is_the_pinned_build(paths: ProjectPaths) -> None:
    assert sha256_of(engine_wasm(paths)) == read_engine_facts(paths).wasm_sha256


def test_a_changed_engine_file_is_refused(paths: ProjectPaths, tmp_path: Path) -> None:
    fake = ProjectPaths(root=tmp_path)
    (tmp_path / "engine").mkdir()
    shutil.copy(paths.root / "engine" / "quickjs-ng.json", tmp_path / "engine")
    (tmp_path / ENGINE_WASM_FILE).write_bytes(engine_wasm(paths).read_bytes() + b"\0")
    with pytest.raises(BuildError, match="not the pinned build"):
        engine_wasm(fake)


def test_a_hook_whose_anchor_moved_stops_the_build(tmp_path: Path) -> None:
    for file_name, *_hook in SOURCE_HOOKS:
        (tmp_path / file_name).write_text("/* upstream moved the function */\n", encoding="utf-8")
    with pytest.raises(BuildError, match="anchor"):
        _apply_hooks(tmp_path)


def toolchain_or_skip() -> None:
    """CI installs the toolchain (.ci/run): there, a missing one fails instead of skipping."""
    if shutil.which(CLANG) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CLANG} is missing in CI: .ci/run installs it")
        pytest.skip(f"{CLANG} is not installed (`make engine-toolchain` installs it)")


def test_make_engine_reproduces_the_committed_wasm(paths: ProjectPaths, tmp_path: Path) -> None:
    toolchain_or_skip()
    built = build_engine(paths, tmp_path)
    assert built.sha256 == read_engine_facts(paths).wasm_sha256
    assert built.wasm.read_bytes() == engine_wasm(paths).read_bytes()


def test_the_engine_and_the_prelude_wrap_the_body_alike(paths: ProjectPaths) -> None:
    """engine/sandbox.c compiles the body on the Worker, the prelude on the harness: the
    two wrappers (and so what the body may declare) must be the same text."""
    engine = (paths.root / "engine" / "sandbox.c").read_text(encoding="utf-8")
    prelude = paths.guest_prelude.read_text(encoding="utf-8")
    for name in ("BODY_HEAD", "BODY_TAIL", "INNER_HEAD"):
        in_c = re.search(rf'static const char {name}\[\] = ("[^"]*");', engine)
        in_js = re.search(rf'const {name} = ("[^"]*");', prelude)
        assert in_c, name
        assert in_js, name
        assert json.loads(in_c.group(1)) == json.loads(in_js.group(1)), name
