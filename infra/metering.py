"""The metered engine: the variant's wasm with a fuel counter at every loop header.

`engine/meter-wasm.mjs` rewrites the pinned variant's `.wasm` (pinned binaryen and wabt
from package-lock.json) so that every loop iteration and every bulk memory copy/fill
spends from an exported i64 global `fuel_ticks` and traps at zero. Native work inside a
built-in therefore spends fuel like bytecode does. Both digests are pinned here: the
build refuses an input it was not made for and an output that does not reproduce.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from infra.engine import installed_engine
from infra.errors import BuildError, ToolMissingError
from infra.paths import ProjectPaths

METER_SCRIPT = "engine/meter-wasm.mjs"
METERED_NAME = "quickjs-metered.wasm"
# sha256 of @jitl/quickjs-ng-wasmfile-release-sync@0.32.0 dist/emscripten-module.wasm.
SOURCE_WASM_SHA256 = "b56fe5094b8751c47b8c32fb5ed4d75afe2dbb43412d3d983ac5d1156af456da"
# sha256 of what engine/meter-wasm.mjs makes of it.
METERED_WASM_SHA256 = "f946ff8c0b9742c60a9ae78cb3daae6054f7f73e965b6c4c47dbddd339a4c16d"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def metered_wasm(paths: ProjectPaths, source: Path) -> Path:
    """Returns build/engine/quickjs-metered.wasm, made from `source` if not yet there."""
    out = paths.root / "build" / "engine" / METERED_NAME
    if out.is_file() and sha256_of(out) == METERED_WASM_SHA256 and sha256_of(source) == SOURCE_WASM_SHA256:
        return out
    make_metered(paths, source, out)
    return out


def make_metered(paths: ProjectPaths, source: Path, out: Path) -> None:
    """Runs engine/meter-wasm.mjs on `source` and checks both digests against the pins."""
    if sha256_of(source) != SOURCE_WASM_SHA256:
        raise BuildError(f"{source} is not the pinned engine wasm (sha256 {SOURCE_WASM_SHA256})")
    if not (paths.node_modules / "binaryen").is_dir() or not (paths.node_modules / "wabt").is_dir():
        raise ToolMissingError("binaryen and wabt are not installed; run `make setup`")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = ["node", METER_SCRIPT, str(source), str(out)]
    completed = subprocess.run(command, cwd=paths.root, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"metering the engine failed:\n{completed.stderr.strip()[-2000:]}")
    made = sha256_of(out)
    if made != METERED_WASM_SHA256:
        raise BuildError(f"the metered engine did not reproduce: sha256 {made}, pinned {METERED_WASM_SHA256}")


def main() -> None:
    """`make engine`: (re)makes the metered wasm and prints its digest."""
    paths = ProjectPaths.of_checkout()
    out = metered_wasm(paths, installed_engine(paths).wasm)
    print(f"{out.relative_to(paths.root)}  sha256 {sha256_of(out)}")


if __name__ == "__main__":
    main()
