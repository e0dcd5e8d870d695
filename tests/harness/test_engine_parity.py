"""Both hosts run the same quickjs-ng: upgrading one side alone must fail here, loudly."""

from __future__ import annotations

import importlib.metadata
import json

import _quickjs

from infra.engine import ENGINE_VERSION, VARIANT_PACKAGE, VARIANT_VERSION, installed_engine
from infra.harness import HARNESS_DISTRIBUTION, check_engine_version
from infra.paths import ProjectPaths


def embedded_version_marker() -> bytes:
    """quickjs-ng keeps its version as a NUL-terminated string in the binary."""
    return b"\x00" + ENGINE_VERSION.encode() + b"\x00"


def test_the_lock_file_pins_the_variant_the_engine_module_names(paths: ProjectPaths) -> None:
    lock = json.loads((paths.root / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][f"node_modules/{VARIANT_PACKAGE}"]["version"] == VARIANT_VERSION
    assert lock["packages"][""]["dependencies"][VARIANT_PACKAGE] == VARIANT_VERSION


def test_the_installed_harness_engine_is_the_workers_engine_version() -> None:
    installed = importlib.metadata.version(HARNESS_DISTRIBUTION)
    assert installed.split(".")[:3] == ENGINE_VERSION.split("."), (
        f"{HARNESS_DISTRIBUTION} {installed} vs the Worker's quickjs-ng {ENGINE_VERSION}"
    )
    check_engine_version()


def test_both_binaries_embed_the_same_quickjs_ng_version(paths: ProjectPaths) -> None:
    wasm = installed_engine(paths).wasm.read_bytes()
    with open(_quickjs.__file__, "rb") as native:
        native_bytes = native.read()
    assert embedded_version_marker() in wasm, f"the Worker's wasm does not embed quickjs-ng {ENGINE_VERSION}"
    assert embedded_version_marker() in native_bytes, (
        f"the harness does not embed quickjs-ng {ENGINE_VERSION}"
    )


def test_pyproject_and_the_lock_pin_the_harness_engine(paths: ProjectPaths) -> None:
    installed = importlib.metadata.version(HARNESS_DISTRIBUTION)
    pin = f"{HARNESS_DISTRIBUTION}=={installed}"
    assert pin in (paths.root / "pyproject.toml").read_text(encoding="utf-8")
    assert pin in (paths.root / "requirements.lock").read_text(encoding="utf-8")
