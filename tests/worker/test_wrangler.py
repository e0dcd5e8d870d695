"""The seed's own workflow: `wrangler dev` and `wrangler deploy --dry-run` on the rendered
build/<stack>/wrangler.toml, for both stacks, offline on 127.0.0.1."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.build.manifest import Manifest
from infra.build.stack_build import build_stack
from infra.local.devvars import ensure_dev_vars, read_dev_vars
from infra.local.processes import stop_process
from infra.paths import ProjectPaths
from infra.stack.bindings import API_KEY
from infra.stack.config import load_stack_config
from tests.conftest import free_port
from tests.worker.client import SEED

pytestmark = pytest.mark.e2e

STACKS = ("staging", "production")
START_SECONDS = 90
# No metrics prompt or upload, no interactive questions.
QUIET = {"WRANGLER_SEND_METRICS": "false", "CI": "1"}


@pytest.fixture(scope="module")
def project_key(paths: ProjectPaths) -> str:
    """The project's key, created the way the first `make dev` creates it."""
    ensure_dev_vars(paths.dev_vars)
    return read_dev_vars(paths.dev_vars)[API_KEY]


def build(paths: ProjectPaths, stack: str) -> Manifest:
    return build_stack(load_stack_config(stack, paths.stack_file(stack)), paths)


def wrangler(paths: ProjectPaths, *args: str) -> list[str]:
    return [str(paths.node_modules / ".bin" / "wrangler"), *args]


@contextlib.contextmanager
def wrangler_dev(paths: ProjectPaths, stack: str, state: Path, log: Path) -> Iterator[str]:
    port = free_port()
    command = wrangler(
        paths,
        "dev",
        "--config",
        str(paths.build_dir(stack) / "wrangler.toml"),
        "--env",
        stack,
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        # Its devtools port too: the default, 9229, may be held by another wrangler dev.
        "--inspector-port",
        str(free_port()),
        "--persist-to",
        str(state),
    )
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=paths.root,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **QUIET},
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, log)
        yield url
    finally:
        stop_process(process, group=True)


def wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as response:  # noqa: S310 - 127.0.0.1
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"wrangler dev did not serve {url}:\n{log.read_text(errors='replace')}")


def execute(url: str, key: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
        url + "/v1/execute",
        data=json.dumps(SEED).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.parametrize("stack", STACKS)
def test_the_build_puts_the_project_key_next_to_wrangler_toml(
    paths: ProjectPaths, project_key: str, stack: str
) -> None:
    build(paths, stack)
    dev_vars = paths.build_dir(stack) / ".dev.vars"
    assert read_dev_vars(dev_vars) == {API_KEY: project_key}
    assert dev_vars.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("stack", STACKS)
def test_wrangler_dev_answers_the_seed_example(
    paths: ProjectPaths, project_key: str, stack: str, tmp_path: Path
) -> None:
    build(paths, stack)
    with wrangler_dev(paths, stack, tmp_path / "state", tmp_path / "wrangler.log") as url:
        status, body = execute(url, project_key)
        assert (status, body.get("status"), body.get("result")) == (200, "ok", 30), body
        # The local KV works: the key store answers the admin listing.
        listing = urllib.request.Request(  # noqa: S310 - 127.0.0.1
            url + "/v1/admin/clients", headers={"Authorization": f"Bearer {project_key}"}
        )
        with urllib.request.urlopen(listing, timeout=60) as response:  # noqa: S310
            assert json.loads(response.read()) == {"clients": []}
    assert (tmp_path / "state").is_dir()


@pytest.mark.parametrize("stack", STACKS)
def test_wrangler_deploy_dry_run_packs_the_built_bytes(
    paths: ProjectPaths, stack: str, tmp_path: Path
) -> None:
    manifest = build(paths, stack)
    out_dir = tmp_path / "packed"
    result = subprocess.run(
        wrangler(
            paths,
            "deploy",
            "--dry-run",
            "--config",
            str(paths.build_dir(stack) / "wrangler.toml"),
            "--env",
            stack,
            "--outdir",
            str(out_dir),
        ),
        cwd=paths.root,
        env={**os.environ, **QUIET},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "--dry-run: exiting now." in result.stdout
    for part in manifest.modules:
        packed = (out_dir / part.path).read_bytes()
        assert hashlib.sha256(packed).hexdigest() == part.sha256, part.path
