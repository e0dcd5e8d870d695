"""`codeexec dev` the way `make dev` runs it: builds, serves, answers the README's
example with the key from .dev.vars, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cli.main import main
from infra.cli.service_client import URL_VARIABLE
from infra.local.dev_record import read_dev_record
from infra.local.devserver import wait_until_ready
from infra.local.devvars import read_dev_vars
from infra.paths import ProjectPaths
from infra.stack.bindings import API_KEY
from tests.conftest import SERVER_START_SECONDS, free_port
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e


def run_without_service_settings(
    paths: ProjectPaths, codeexec: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """A `codeexec` command with no --url, $CODEEXEC_URL or $API_KEY to go by."""
    environment = {name: value for name, value in os.environ.items() if name not in (URL_VARIABLE, API_KEY)}
    return subprocess.run(
        [str(codeexec), *args], cwd=paths.root, env=environment, capture_output=True, text=True, check=False
    )


def test_dev_serves_the_readme_example_and_stops_on_ctrl_c(paths: ProjectPaths, tmp_path: Path) -> None:
    port = free_port()
    codeexec = Path(sys.executable).with_name("codeexec")
    # Its own local KV: the seed request must not land in the checkout's .state/staging/.
    process = subprocess.Popen(
        [str(codeexec), "dev", "--stack", "staging", "--port", str(port), "--state-dir", str(tmp_path)],
        cwd=paths.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = "".join(wait_until_ready(process, SERVER_START_SECONDS))
        assert f"http://127.0.0.1:{port}" in printed
        assert "curl -X POST" in printed
        api_key = read_dev_vars(paths.dev_vars)[API_KEY]
        client = WorkerClient(f"http://127.0.0.1:{port}", api_key)
        reply = client.post_json(
            "/",
            json.loads(
                '{"code": "const x = 10; const y = 20; return x + y;",'
                ' "language": "javascript", "clientId": "test-client"}'
            ),
        )
        assert reply.body["result"] == 30
        # `codeexec keys` and `codeexec usage` find this server on its own port.
        listed = run_without_service_settings(paths, codeexec, "keys", "list")
        assert (listed.returncode, listed.stderr) == (0, "")
        usage = run_without_service_settings(paths, codeexec, "usage", "--format", "json")
        assert usage.returncode == 0, usage.stderr
        assert "clients" in json.loads(usage.stdout)
        assert any(tmp_path.rglob("*.sqlite")), "the local KV is not where --state-dir says"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            exit_code = process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        finally:
            if process.stdout is not None:
                process.stdout.close()
    assert exit_code == 0
    assert read_dev_record(paths.dev_record) is None


def test_a_busy_port_is_one_line_and_exit_2_before_anything_is_built(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("codeexec dev touched the project on a busy port")

    for name in ("build_locally", "ensure_dev_vars", "serve_forever"):
        monkeypatch.setattr(f"infra.cli.dev.{name}", must_not_run)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert main(["dev", "--stack", "staging", "--port", str(port)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert f"port {port} on 127.0.0.1 is in use" in captured.err
    assert f"PORT={port + 1} make dev" in captured.err
