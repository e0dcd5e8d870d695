"""Both tiers run one quickjs-ng from one source: upgrading one side alone must fail here."""

from __future__ import annotations

import importlib.metadata

import _quickjs

from infra.build.engine_build import SDIST_REQUIREMENT
from infra.build.engine_facts import ENGINE_VERSION, engine_wasm, read_engine_facts
from infra.check.harness import HARNESS_DISTRIBUTION, check_engine_version
from infra.paths import ProjectPaths


def embedded_version_marker() -> bytes:
    """quickjs-ng keeps its version as a NUL-terminated string in the binary."""
    return b"\x00" + ENGINE_VERSION.encode() + b"\x00"


def test_the_harness_wheel_is_the_release_whose_source_the_engine_is_built_from() -> None:
    package, _, release = SDIST_REQUIREMENT.partition("==")
    assert package == HARNESS_DISTRIBUTION
    assert importlib.metadata.version(HARNESS_DISTRIBUTION) == release
    assert release.split(".")[:3] == ENGINE_VERSION.split(".")
    check_engine_version()


def test_the_engine_facts_name_the_pinned_source(paths: ProjectPaths) -> None:
    assert SDIST_REQUIREMENT in read_engine_facts(paths).source


def test_both_binaries_embed_the_same_quickjs_ng_version(paths: ProjectPaths) -> None:
    wasm = engine_wasm(paths).read_bytes()
    with open(_quickjs.__file__, "rb") as native:
        native_bytes = native.read()
    assert embedded_version_marker() in wasm, f"the Worker's wasm does not embed quickjs-ng {ENGINE_VERSION}"
    assert embedded_version_marker() in native_bytes, (
        f"the harness does not embed quickjs-ng {ENGINE_VERSION}"
    )


def test_pyproject_and_the_lock_pin_the_harness_engine(paths: ProjectPaths) -> None:
    pin = f"{HARNESS_DISTRIBUTION}=={importlib.metadata.version(HARNESS_DISTRIBUTION)}"
    assert pin in (paths.root / "pyproject.toml").read_text(encoding="utf-8")
    assert pin in (paths.root / "requirements.lock").read_text(encoding="utf-8")
