"""How `codeexec keys` and `codeexec usage` find the service, and say which one they tried."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cli.service_client import DEFAULT_URL, URL_VARIABLE, service_client, service_url
from infra.errors import InfraError
from infra.local.dev_record import dev_record, read_dev_record
from infra.paths import ProjectPaths
from tests.conftest import free_port


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectPaths:
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    return ProjectPaths(tmp_path)


def test_the_running_dev_server_is_found_and_forgotten_when_it_stops(project: ProjectPaths) -> None:
    assert service_url(None, project) == (DEFAULT_URL, "the default; no `codeexec dev` is running")
    with dev_record(project.dev_record, "http://127.0.0.1:28787", "staging") as record:
        assert record.pid == os.getpid()
        url, source = service_url(None, project)
        assert url == "http://127.0.0.1:28787"
        assert "codeexec dev" in source
        assert "staging" in source
    assert not project.dev_record.exists()
    assert service_url(None, project)[0] == DEFAULT_URL


def test_url_option_then_environment_then_dev_server(
    project: ProjectPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dev_record(project.dev_record, "http://127.0.0.1:28787", "staging"):
        monkeypatch.setenv(URL_VARIABLE, "https://env.example.com")
        assert service_url(None, project) == ("https://env.example.com", f"${URL_VARIABLE}")
        assert service_url("https://flag.example.com", project) == ("https://flag.example.com", "--url")


def test_a_record_whose_process_is_gone_is_ignored(project: ProjectPaths) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    gone = int(finished.stdout)
    project.dev_record.parent.mkdir(parents=True)
    project.dev_record.write_text(json.dumps({"url": "http://127.0.0.1:1", "stack": "staging", "pid": gone}))
    assert read_dev_record(project.dev_record) is None
    project.dev_record.write_text("not json")
    assert read_dev_record(project.dev_record) is None


def test_a_record_another_server_replaced_is_left_alone(project: ProjectPaths) -> None:
    with dev_record(project.dev_record, "http://127.0.0.1:1", "staging"):
        project.dev_record.write_text(
            json.dumps({"url": "http://127.0.0.1:2", "stack": "production", "pid": 1})
        )
    assert json.loads(project.dev_record.read_text())["url"] == "http://127.0.0.1:2"


def test_an_unreachable_service_names_the_url_its_origin_and_the_way_out(project: ProjectPaths) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with dev_record(project.dev_record, url, "staging"):
        client = service_client(None, "key", project)
        with pytest.raises(InfraError) as raised:
            client.call("GET", "/v1/admin/clients")
    message = str(raised.value)
    assert message.startswith(f"cannot reach {url} (the `codeexec dev` of stack staging")
    assert f"pass --url or set ${URL_VARIABLE}" in message
    assert "\n" not in message
