"""`codeexec dev` the way `make dev` runs it: builds, serves, answers the README's
example with the key from .dev.vars, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from infra.devvars import API_KEY, read_dev_vars
from infra.paths import ProjectPaths
from tests.conftest import SERVER_START_SECONDS, free_port, wait_until_ready
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e


def test_dev_serves_the_readme_example_and_stops_on_ctrl_c(paths: ProjectPaths) -> None:
    port = free_port()
    codeexec = Path(sys.executable).with_name("codeexec")
    process = subprocess.Popen(
        [str(codeexec), "dev", "--stack", "staging", "--port", str(port)],
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
