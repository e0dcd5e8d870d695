"""The sandbox engine: the project's own quickjs-ng build, its pinned facts and its files.

`engine/quickjs-ng.json` is the one home of what the build produced (version, digest,
initial memory); `make engine` (infra/build/engine_build.py) writes it, the Worker imports it
(worker_src/sandbox/engine-host.js), and tests hold the harness's native quickjs-ng to the
same version.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import BuildError
from infra.paths import ProjectPaths

ENGINE_FACTS_FILE = Path("engine/quickjs-ng.json")
ENGINE_WASM_FILE = Path("engine/quickjs-ng.wasm")


@dataclass(frozen=True)
class EngineFacts:
    """What `engine/quickjs-ng.json` pins."""

    name: str
    version: str
    source: str
    wasm_sha256: str
    initial_memory_bytes: int

    @property
    def description(self) -> str:
        return f"{self.name} {self.version} (wasm32, built from {self.source})"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "wasmSha256": self.wasm_sha256,
            "initialMemoryBytes": self.initial_memory_bytes,
        }


def read_engine_facts(paths: ProjectPaths) -> EngineFacts:
    path = paths.root / ENGINE_FACTS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return EngineFacts(
            name=data["name"],
            version=data["version"],
            source=data["source"],
            wasm_sha256=data["wasmSha256"],
            initial_memory_bytes=data["initialMemoryBytes"],
        )
    except (OSError, ValueError, KeyError) as error:
        raise BuildError(f"cannot read {ENGINE_FACTS_FILE}: {error}") from None


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def engine_wasm(paths: ProjectPaths) -> Path:
    """The committed engine, checked against its pinned digest."""
    wasm = paths.root / ENGINE_WASM_FILE
    facts = read_engine_facts(paths)
    if not wasm.is_file() or sha256_of(wasm) != facts.wasm_sha256:
        raise BuildError(
            f"{ENGINE_WASM_FILE} is missing or not the pinned build (sha256 {facts.wasm_sha256})"
        )
    return wasm


# The quickjs-ng version both tiers run (the harness's wheel is held to it).
ENGINE_VERSION = read_engine_facts(ProjectPaths.of_checkout()).version
