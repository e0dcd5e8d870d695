"""The metered engine is made reproducibly from the pinned variant wasm."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.engine import installed_engine
from infra.errors import BuildError
from infra.metering import METERED_WASM_SHA256, make_metered, sha256_of
from infra.paths import ProjectPaths


def test_the_metered_engine_reproduces_its_pinned_digest(paths: ProjectPaths, tmp_path: Path) -> None:
    out = tmp_path / "metered.wasm"
    make_metered(paths, installed_engine(paths).wasm, out)
    assert sha256_of(out) == METERED_WASM_SHA256
    assert b"fuel_ticks" in out.read_bytes()


def test_another_source_wasm_is_refused(paths: ProjectPaths, tmp_path: Path) -> None:
    source = tmp_path / "other.wasm"
    source.write_bytes(installed_engine(paths).wasm.read_bytes() + b"\0")
    with pytest.raises(BuildError, match="not the pinned engine wasm"):
        make_metered(paths, source, tmp_path / "out.wasm")
