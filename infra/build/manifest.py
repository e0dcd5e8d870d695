"""The build manifest: what `codeexec build` produced for a stack, with sizes and hashes.

The dev server, the tests and the Pulumi program read it, so all three use the same
files and can tell they did.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from infra.errors import BuildError

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class ModulePart:
    """One module of the Worker upload (the ES module bundle, or the engine's wasm)."""

    name: str
    type: str
    path: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class RateLimitBinding:
    """A rate-limiting binding: `limit` requests per key per `period_seconds`."""

    name: str
    limit: int
    period_seconds: int


@dataclass(frozen=True)
class Manifest:
    stack: str
    worker_name: str
    compatibility_date: str
    main_module: str
    kv_namespaces: tuple[str, ...]
    rate_limits: tuple[RateLimitBinding, ...]
    # Secret bindings by name; their values come from the environment that serves the build.
    secrets: tuple[str, ...]
    modules: tuple[ModulePart, ...]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        # Keys as the Node side (infra/local/serve.mjs) reads them.
        return {
            "stack": data["stack"],
            "workerName": data["worker_name"],
            "compatibilityDate": data["compatibility_date"],
            "mainModule": data["main_module"],
            "kvNamespaces": list(data["kv_namespaces"]),
            "rateLimits": [
                {"name": limit["name"], "limit": limit["limit"], "periodSeconds": limit["period_seconds"]}
                for limit in data["rate_limits"]
            ],
            "secrets": list(data["secrets"]),
            "modules": [dict(module) for module in data["modules"]],
        }


def describe_file(directory: Path, name: str, module_type: str) -> ModulePart:
    content = (directory / name).read_bytes()
    return ModulePart(
        name=name,
        type=module_type,
        path=name,
        bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def read_part(directory: Path, part: ModulePart) -> bytes:
    """A module part's bytes, refusing bytes that are not the ones the build recorded."""
    content = (directory / part.path).read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest != part.sha256:
        raise BuildError(
            f"{part.path} changed after the build (sha256 {digest[:16]}…); build the stack again"
        )
    return content


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    target = directory / MANIFEST_NAME
    target.write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")
    return target


def read_manifest(directory: Path) -> Manifest:
    data = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    return Manifest(
        stack=data["stack"],
        worker_name=data["workerName"],
        compatibility_date=data["compatibilityDate"],
        main_module=data["mainModule"],
        kv_namespaces=tuple(data["kvNamespaces"]),
        rate_limits=tuple(
            RateLimitBinding(name=limit["name"], limit=limit["limit"], period_seconds=limit["periodSeconds"])
            for limit in data["rateLimits"]
        ),
        secrets=tuple(data["secrets"]),
        modules=tuple(ModulePart(**module) for module in data["modules"]),
    )
