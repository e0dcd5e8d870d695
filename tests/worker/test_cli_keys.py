"""The `codeexec keys` command (infra/cli/keys.py): `codeexec keys create|list|revoke` against
the Worker on workerd."""

from __future__ import annotations

import re

import pytest

from infra.cli.main import main
from tests.worker.client import WorkerClient

pytestmark = pytest.mark.e2e


def codeexec(worker: WorkerClient, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["keys", *args, "--url", worker.base_url, f"--api-key={worker.api_key}"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_create_list_and_revoke_round_trip(worker: WorkerClient, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = codeexec(worker, capsys, "create", "cli-client")
    assert code == 0
    key = re.search(r"^key\s+(cek_\S+)$", out, re.MULTILINE)
    key_id = re.search(r"^key id\s+(\S+)$", out, re.MULTILINE)
    assert key is not None
    assert key_id is not None
    assert (
        worker.post_json("/v1/execute", {"code": "return 1", "language": "javascript"}, api_key=key[1]).status
        == 200
    )

    code, out, _ = codeexec(worker, capsys, "list")
    assert "cli-client" in out
    code, out, _ = codeexec(worker, capsys, "list", "cli-client")
    assert f"{key_id[1]}" in out
    assert "live" in out
    assert key[1] not in out

    code, out, _ = codeexec(worker, capsys, "revoke", key_id[1])
    assert code == 0
    refused = worker.post_json("/v1/execute", {"code": "return 1", "language": "javascript"}, api_key=key[1])
    assert refused.status == 401
    code, out, _ = codeexec(worker, capsys, "list", "cli-client")
    assert "revoked" in out


def test_a_second_create_issues_another_key_for_the_same_client(
    worker: WorkerClient, capsys: pytest.CaptureFixture[str]
) -> None:
    first = codeexec(worker, capsys, "create", "cli-twice")[1]
    second = codeexec(worker, capsys, "create", "cli-twice")[1]
    assert first != second
    listing = codeexec(worker, capsys, "list", "cli-twice")[1]
    assert len(listing.strip().splitlines()) == 2


def test_service_errors_are_one_line_and_exit_2(
    worker: WorkerClient, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = codeexec(worker, capsys, "revoke", "0000000000000000")
    assert code == 2
    assert err.strip() == (
        f"codeexec: {worker.base_url}/v1/admin/keys/0000000000000000 answered "
        "404 unknown_key: no live key 0000000000000000"
    )
    code = main(["keys", "list", "--url", worker.base_url, "--api-key", "wrong"])
    assert code == 2
    assert "401 invalid_api_key" in capsys.readouterr().err
