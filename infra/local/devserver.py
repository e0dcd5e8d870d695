"""Runs a built stack on workerd through Miniflare (infra/local/serve.mjs), with local KV."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.errors import InfraError, ToolMissingError
from infra.local.dev_record import dev_record
from infra.local.processes import stop_process
from infra.paths import ProjectPaths
from infra.stack.bindings import API_KEY

SERVE_SCRIPT = Path(__file__).with_name("serve.mjs")
# Where `codeexec dev` serves unless told otherwise ($PORT overrides the port: infra/cli/dev.py).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
START_SECONDS = 60


class ServerStartError(InfraError):
    """The local server exited or stayed silent instead of saying it was ready."""


@dataclass(frozen=True)
class ServerOptions:
    build_dir: Path
    state_dir: Path
    api_key: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT


def server_command(options: ServerOptions) -> list[str]:
    node = shutil.which("node")
    if node is None:
        raise ToolMissingError("node is not on PATH; install Node.js 20 or newer")
    return [
        node,
        str(SERVE_SCRIPT),
        "--build-dir",
        str(options.build_dir),
        "--persist",
        str(options.state_dir),
        "--host",
        options.host,
        "--port",
        str(options.port),
    ]


def start_server(
    paths: ProjectPaths, options: ServerOptions, stdout: int | None = None, stderr: int | None = None
) -> subprocess.Popen[str]:
    """Starts the server process; a caller that pipes stdout waits for its `ready:` line."""
    if not (paths.node_modules / "miniflare").is_dir():
        raise ToolMissingError("miniflare is not installed; run `make setup`")
    environment = {**os.environ, API_KEY: options.api_key}
    return subprocess.Popen(
        server_command(options), cwd=paths.root, env=environment, text=True, stdout=stdout, stderr=stderr
    )


def wait_until_ready(process: subprocess.Popen[str], seconds: float) -> list[str]:
    """Waits for the server's `ready:` line and returns its output, a list that keeps
    growing: a thread keeps the pipe drained for as long as the server writes."""
    assert process.stdout is not None
    stdout = process.stdout
    output: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        for line in stdout:
            output.append(line)
            if line.startswith("ready:"):
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + seconds
    while not ready.wait(0.1):
        if process.poll() is not None or time.monotonic() > deadline:
            raise ServerStartError(f"the local server did not start:\n{''.join(output)[-2000:]}")
    return output


@contextlib.contextmanager
def serving(
    paths: ProjectPaths, options: ServerOptions, start_seconds: float = START_SECONDS
) -> Iterator[str]:
    """Serves until the block ends; yields the base URL once the server said `ready:`."""
    process = start_server(paths, options, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(process, start_seconds)
        yield f"http://{options.host}:{options.port}"
    finally:
        stop_process(process)
        if process.stdout is not None:
            process.stdout.close()


class _StopRequestedError(Exception):
    """Raised by the SIGTERM/SIGHUP handler so they stop the server like Ctrl-C does."""


def _raise_stop(_signum: int, _frame: object) -> None:
    raise _StopRequestedError


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on host:port (checked before building anything)."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def serve_forever(paths: ProjectPaths, options: ServerOptions, stack: str) -> int:
    """Runs in the foreground until Ctrl-C (or SIGTERM); returns the server's exit code.
    While it runs, its URL is recorded for `codeexec keys` and `codeexec usage`."""
    process = start_server(paths, options)
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGHUP, _raise_stop)
    with dev_record(paths.dev_record, f"http://{options.host}:{options.port}", stack):
        try:
            return process.wait()
        except (KeyboardInterrupt, _StopRequestedError):
            stop_process(process, signal.SIGINT)
            return 0
