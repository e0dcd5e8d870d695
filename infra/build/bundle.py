"""Bundles the Worker's host modules with esbuild; the engine's wasm stays its own part."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from infra.errors import BuildError, ToolMissingError
from infra.paths import ProjectPaths

BUNDLE_NAME = "worker.js"
WASM_NAME = "quickjs.wasm"
# The guest prelude as the sandbox evaluates it: whitespace and comments stripped, names
# kept (the prelude tells its own stack frames apart by their "sandbox_" names).
PRELUDE_NAME = "prelude.guest.js"
# The usage dashboard's script and style sheet (uPlot included), bundled for the browser
# and then into worker.js as text: the Worker serves the page itself (worker_src/dashboard/).
DASHBOARD_SOURCE = Path("worker_src/dashboard/page")
DASHBOARD_SCRIPT_NAME = "dashboard.page.js"
DASHBOARD_STYLE_NAME = "dashboard.page.css"
# Generated per stack by infra/build/render.py and imported by the host modules as "stack-config".
STACK_CONFIG_NAME = "stack-config.js"
ESBUILD_FLAGS = (
    "--bundle",
    "--format=esm",
    "--target=es2022",
    # Without these, the engine's Node glue leaks into a bundle meant for workerd.
    "--platform=neutral",
    "--conditions=workerd,worker,browser",
    "--main-fields=module,main",
    "--external:*.wasm",
    # The guest prelude is bundled as text and evaluated inside QuickJS.
    "--loader:.guest.js=text",
    # The dashboard's page parts are served as they are.
    "--loader:.html=text",
    "--loader:.svg=text",
    "--loader:.page.js=text",
    "--loader:.page.css=text",
    "--log-level=warning",
)
DASHBOARD_FLAGS = (
    "--bundle",
    "--minify",
    "--target=es2020,chrome109,firefox115,safari16",
    "--log-level=warning",
)


def bundle_worker(
    paths: ProjectPaths, out_dir: Path, engine_wasm: Path, entry: Path | None = None
) -> tuple[Path, Path]:
    """Writes `worker.js` and `quickjs.wasm` into out_dir, next to its stack-config.js.

    `entry` replaces worker_src/index.js: tests bundle their own Worker around the sandbox.
    """
    esbuild = paths.node_modules / ".bin" / "esbuild"
    if not esbuild.exists():
        raise ToolMissingError("esbuild is not installed; run `make setup`")
    prelude = out_dir / PRELUDE_NAME
    _run_esbuild(
        paths, [str(esbuild), str(paths.guest_prelude), "--minify-whitespace", f"--outfile={prelude}"]
    )
    script, style = out_dir / DASHBOARD_SCRIPT_NAME, out_dir / DASHBOARD_STYLE_NAME
    source = paths.root / DASHBOARD_SOURCE
    _run_esbuild(
        paths,
        [
            str(esbuild),
            str(source / "main.js"),
            *DASHBOARD_FLAGS,
            "--format=iife",
            "--platform=browser",
            f"--outfile={script}",
        ],
    )
    _run_esbuild(paths, [str(esbuild), str(source / "app.css"), *DASHBOARD_FLAGS, f"--outfile={style}"])
    bundle = out_dir / BUNDLE_NAME
    _run_esbuild(
        paths,
        [
            str(esbuild),
            str(entry or paths.worker_src / "index.js"),
            *ESBUILD_FLAGS,
            f"--alias:stack-config=./{(out_dir / STACK_CONFIG_NAME).relative_to(paths.root).as_posix()}",
            f"--alias:guest-prelude=./{prelude.relative_to(paths.root).as_posix()}",
            f"--alias:dashboard-script=./{script.relative_to(paths.root).as_posix()}",
            f"--alias:dashboard-style=./{style.relative_to(paths.root).as_posix()}",
            f"--outfile={bundle}",
        ],
    )
    wasm = out_dir / WASM_NAME
    shutil.copyfile(engine_wasm, wasm)
    return bundle, wasm


def _run_esbuild(paths: ProjectPaths, command: list[str]) -> None:
    completed = subprocess.run(command, cwd=paths.root, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"esbuild failed:\n{completed.stderr.strip()}")
