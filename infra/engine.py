"""The sandbox engine: which QuickJS build the Worker runs, and where its files are.

The Worker's wasm variant and the Python harness's `quickjs-ng` must embed the same
quickjs-ng version; `ENGINE_VERSION` is that version and tests hold both sides to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from infra.errors import ToolMissingError
from infra.paths import ProjectPaths

ENGINE_NAME = "quickjs-ng"
ENGINE_VERSION = "0.12.1"
VARIANT_PACKAGE = "@jitl/quickjs-ng-wasmfile-release-sync"
VARIANT_VERSION = "0.32.0"
WASM_IN_PACKAGE = "dist/emscripten-module.wasm"


@dataclass(frozen=True)
class EngineFiles:
    """The installed variant package: its version and its `.wasm`."""

    version: str
    wasm: Path

    @property
    def description(self) -> str:
        return f"{ENGINE_NAME} {ENGINE_VERSION} ({VARIANT_PACKAGE}@{self.version})"


def installed_engine(paths: ProjectPaths) -> EngineFiles:
    package_dir = paths.node_modules / VARIANT_PACKAGE
    package_json = package_dir / "package.json"
    if not package_json.is_file():
        raise ToolMissingError(f"{VARIANT_PACKAGE} is not installed; run `make setup`")
    version = json.loads(package_json.read_text(encoding="utf-8"))["version"]
    if version != VARIANT_VERSION:
        raise ToolMissingError(
            f"{VARIANT_PACKAGE} {version} is installed but {VARIANT_VERSION} is pinned; run `make setup`"
        )
    return EngineFiles(version=version, wasm=package_dir / WASM_IN_PACKAGE)
