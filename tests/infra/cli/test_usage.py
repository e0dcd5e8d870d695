"""`codeexec usage` against a running Worker: the statement, one client, CSV, errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cli.main import main
from infra.cli.usage import money
from tests.worker.client import WorkerClient
from tests.worker.usage_support import current_period, wait_for_events


@pytest.mark.parametrize(
    ("micros", "text"),
    [
        (0, "0.000000 USD"),
        (1_234_567, "1.234567 USD"),
        (-402, "-0.000402 USD"),
        (10**12, "1000000.000000 USD"),
    ],
)
def test_money_is_printed_exactly(micros: int, text: str) -> None:
    assert money(micros, "USD") == text


@pytest.fixture(scope="module")
def used(worker: WorkerClient) -> WorkerClient:
    for _ in range(2):
        assert worker.execute("return 1;", clientId="cli-client").status == 200
    assert wait_for_events(worker, "cli-client", 2)["totals"]["requests"] == 2
    return worker


@pytest.mark.e2e
def test_one_client_prints_its_line_items(used: WorkerClient, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["usage", "--url", used.base_url, f"--api-key={used.api_key}", "--client", "cli-client"]
    assert main(argv) == 0
    output = capsys.readouterr().out
    assert f"Usage of cli-client for {current_period()} (open)" in output
    assert "requests 2" in output
    assert "executions" in output
    assert "monthly free allowance" in output
    assert "0.000200 USD" in output  # two executions at 100 micro-units


@pytest.mark.e2e
def test_statement_as_csv_and_json(
    used: WorkerClient, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODEEXEC_URL", used.base_url)
    monkeypatch.setenv("API_KEY", used.api_key)
    assert main(["usage", "--format", "csv", "--period", current_period()]) == 0
    rows = {row["clientId"]: row for row in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["cli-client"]["requests"] == "2"
    assert main(["usage", "--format", "json"]) == 0
    statement = json.loads(capsys.readouterr().out)
    assert "cli-client" in {client["clientId"] for client in statement["clients"]}
    assert main(["usage"]) == 0
    assert "cli-client" in capsys.readouterr().out


@pytest.mark.e2e
def test_a_refused_key_is_one_line_and_exit_2(used: WorkerClient, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "--url", used.base_url, "--api-key", "wrong"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "answered 401" in error


def test_an_unreachable_service_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["usage", "--url", "http://127.0.0.1:9", "--api-key", "k"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "cannot reach" in error


@pytest.mark.e2e
def test_a_reader_that_leaves_early_ends_it_quietly(used: WorkerClient) -> None:
    """`codeexec usage | head -3`: the pipe closes before codeexec writes; no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        completed = subprocess.run(
            [str(Path(sys.executable).with_name("codeexec")), "usage", "--url", used.base_url],
            env={**os.environ, "API_KEY": used.api_key},
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (completed.returncode, completed.stderr) == (1, "")
