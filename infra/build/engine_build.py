"""`make engine`: the sandbox engine, built reproducibly from quickjs-ng's own C source.

Steps: download the pinned PyPI sdist (`quickjs-ng==0.17.0.2`, sha256 checked; its
`upstream-quickjs/` folder is quickjs-ng v0.17.0, the very source the harness's native
wheel wraps), add the one hook the host needs (`SOURCE_HOOKS`), compile it with
`engine/sandbox.c` to a WASI reactor with Debian's clang-19/lld-19/wasi-libc, meter it
with `engine/meter-wasm.mjs` (pinned binaryen and wabt from package-lock.json), and
compare the result with the digest pinned in `engine/quickjs-ng.json`.

The built `engine/quickjs-ng.wasm` is committed, so `make dev` and `make test` need no C
toolchain; `tests/infra/build/test_engine_build.py` rebuilds it wherever the toolchain is
installed (CI installs it) and compares digests.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from infra.build.engine_facts import (
    ENGINE_FACTS_FILE,
    ENGINE_WASM_FILE,
    EngineFacts,
    read_engine_facts,
    sha256_of,
)
from infra.errors import BuildError, InfraError, ToolMissingError
from infra.paths import ProjectPaths

SDIST_REQUIREMENT = "quickjs-ng==0.17.0.2"
SDIST_NAME = "quickjs_ng-0.17.0.2.tar.gz"
SDIST_SHA256 = "43d2e48272208721a7aaea8e3f02d4b9318f12ef20cc4f5421b59d9a470706ef"
UPSTREAM_FOLDER = "upstream-quickjs"
C_SOURCES = ("sandbox.c", "libregexp.c", "libunicode.c", "dtoa.c")
HOST_SOURCE = Path("engine/sandbox.c")
METER_SCRIPT = Path("engine/meter-wasm.mjs")
CLANG = "clang-19"
# The shadow stack sits first in memory, so an overflow traps instead of overwriting
# data. QuickJS's own stack limit (the stack's stackKiB) must stay well below it.
SHADOW_STACK_BYTES = 512 * 1024
# Stack, data and the heap setup needs; the host's memory starts at this size.
INITIAL_MEMORY_BYTES = 1024 * 1024
# The hooks the host's observations need (engine/sandbox.c): (file, anchor, replacement,
# how often the anchor occurs), exact bytes, so a source that moved fails the build loudly.
HEAP_GROWS = "    s->malloc_size += js_arena_usable_size(rt, ptr) + MALLOC_OVERHEAD;\n"
HEAP_RESIZED = "    s->malloc_size += js_arena_usable_size(rt, ptr) - old_size;\n"
SOURCE_HOOKS = (
    (
        "quickjs.c",
        "static JSValue JS_ThrowStackOverflow(JSContext *ctx)\n{\n",
        "static JSValue JS_ThrowStackOverflow(JSContext *ctx)\n{\n    sandbox_note_stack_overflow();\n",
        1,
    ),
    # The bytes QuickJS counts for what the program holds, small objects in its arenas
    # included: the run's peak of it is usage.memoryBytes.
    ("quickjs.c", HEAP_GROWS, HEAP_GROWS + "    sandbox_note_heap_size(s->malloc_size);\n", 2),
    ("quickjs.c", HEAP_RESIZED, HEAP_RESIZED + "    sandbox_note_heap_size(s->malloc_size);\n", 1),
    # A concatenation past QuickJS's longest string (`s += s` builds ropes, so the heap
    # cap is not what stops it): the engine refuses the memory all the same.
    (
        "quickjs.c",
        '    if (len > JS_STRING_LEN_MAX) {\n        JS_ThrowInternalError(ctx, "string too long");\n',
        "    if (len > JS_STRING_LEN_MAX) {\n        sandbox_note_refused_allocation();\n"
        '        JS_ThrowInternalError(ctx, "string too long");\n',
        1,
    ),
)
# Measured in Node 20 on the metered build, same harness, run twice: -Os is the fastest on
# both bench workloads (fib(25) 12.2 ms, string/array 21.0 ms) against -Oz (14.1, 24.2; 20 KB
# smaller gzip) and -O2 (15.5, 19.4; 74 KB larger): V8 compiles the smaller interpreter
# loop better.
OPTIMIZATION = "-Os"
CLANG_FLAGS = (
    "--target=wasm32-wasi",
    "--sysroot=/usr",
    OPTIMIZATION,
    "-g0",
    # Only the features engine/meter-wasm.mjs (binaryen) is told the module uses.
    "-mcpu=mvp",
    "-mmutable-globals",
    "-msign-ext",
    "-mbulk-memory",
    "-mnontrapping-fptoint",
    "-mexec-model=reactor",
    "-I.",
    "-Wno-everything",
    "-Wl,--no-entry",
    # The host makes the memory, with the stack's cap as its maximum.
    "-Wl,--import-memory",
    f"-Wl,-z,stack-size={SHADOW_STACK_BYTES}",
    f"-Wl,--initial-memory={INITIAL_MEMORY_BYTES}",
    "-Wl,--stack-first",
    # Restoring the image resets it after a trap.
    "-Wl,--export=__stack_pointer",
    "-Wl,--strip-all",
)


@dataclass(frozen=True)
class BuiltEngine:
    wasm: Path
    sha256: str


def build_engine(paths: ProjectPaths, work: Path) -> BuiltEngine:
    """Builds the metered engine into `work` and returns it (digest not yet compared)."""
    if shutil.which(CLANG) is None:
        raise ToolMissingError(f"{CLANG} is not installed: `make engine-toolchain` installs it (Debian)")
    source = work / "src"
    _unpack_upstream(_download_sdist(work), source)
    _apply_hooks(source)
    shutil.copyfile(paths.root / HOST_SOURCE, source / HOST_SOURCE.name)
    plain = work / "quickjs-ng.plain.wasm"
    # Relative paths only: assert() embeds __FILE__, and the digest must not depend on `work`.
    _run([CLANG, *CLANG_FLAGS, *C_SOURCES, "-o", str(plain)], cwd=source, what="compiling the engine")
    metered = work / ENGINE_WASM_FILE.name
    _run(["node", str(paths.root / METER_SCRIPT), str(plain), str(metered)], cwd=paths.root, what="metering")
    return BuiltEngine(wasm=metered, sha256=sha256_of(metered))


def _download_sdist(work: Path) -> Path:
    download = work / "download"
    sdist = download / SDIST_NAME
    if not sdist.is_file():
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-binary",
                ":all:",
                "--no-deps",
                "--disable-pip-version-check",
                SDIST_REQUIREMENT,
                "-d",
                str(download),
            ],
            cwd=work,
            what=f"downloading {SDIST_REQUIREMENT}",
        )
    if sha256_of(sdist) != SDIST_SHA256:
        raise BuildError(f"{SDIST_NAME} is not the pinned source (sha256 {SDIST_SHA256})")
    return sdist


def _unpack_upstream(sdist: Path, into: Path) -> None:
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if len(parts) == 3 and parts[1] == UPSTREAM_FOLDER and member.isfile():
                extracted = archive.extractfile(member)
                assert extracted is not None
                (into / parts[2]).write_bytes(extracted.read())


def _apply_hooks(source: Path) -> None:
    for file_name, anchor, replacement, occurrences in SOURCE_HOOKS:
        path = source / file_name
        text = path.read_text(encoding="utf-8")
        if text.count(anchor) != occurrences:
            raise BuildError(f"{file_name}: the hook's anchor is not found {occurrences} time(s): {anchor!r}")
        path.write_text(text.replace(anchor, replacement), encoding="utf-8")


def _run(command: list[str], cwd: Path, what: str) -> str:
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"{what} failed:\n{(completed.stderr or completed.stdout).strip()[-2000:]}")
    return completed.stdout


def pin(paths: ProjectPaths, built: BuiltEngine, facts: EngineFacts) -> None:
    """Copies the built engine into engine/ and records its digest."""
    shutil.copyfile(built.wasm, paths.root / ENGINE_WASM_FILE)
    updated = {**facts.as_json(), "wasmSha256": built.sha256, "initialMemoryBytes": INITIAL_MEMORY_BYTES}
    (paths.root / ENGINE_FACTS_FILE).write_text(json.dumps(updated, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """`make engine`: rebuild and compare; `--pin` records a new digest (after a source change)."""
    parser = argparse.ArgumentParser(prog="python -m infra.build.engine_build", description=main.__doc__)
    parser.add_argument(
        "--pin", action="store_true", help="copy the build into engine/ and record its digest"
    )
    args = parser.parse_args(argv)
    paths = ProjectPaths.of_checkout()
    try:
        facts = read_engine_facts(paths)
        with tempfile.TemporaryDirectory(prefix="engine-") as work:
            built = build_engine(paths, Path(work))
            if args.pin:
                pin(paths, built, facts)
                print(f"{ENGINE_WASM_FILE}  sha256 {built.sha256}  (pinned)")
                return 0
            print(f"built    sha256 {built.sha256}")
            print(f"pinned   sha256 {facts.wasm_sha256}")
            if built.sha256 != facts.wasm_sha256:
                print("the build does not reproduce the committed engine", file=sys.stderr)
                return 1
            print(f"{ENGINE_WASM_FILE} reproduces")
            return 0
    except InfraError as error:
        print(f"make engine: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
