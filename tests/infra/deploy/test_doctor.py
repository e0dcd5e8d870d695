"""`codeexec doctor`: each problem of the deploy troubleshooting list is reported with a fix."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from infra.build.manifest import Manifest
from infra.cli.main import main
from infra.deploy.doctor import (
    check_account,
    check_api_key_local,
    check_api_key_stack,
    check_bundle_size,
    check_cpu_limit,
    check_kv_bindings,
    check_names,
    check_pulumi_cli,
    check_scheduled_handler,
    diagnose,
)
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig, load_stack_config

ACCOUNT_ID = "0123456789abcdef0123456789abcdef"


def make_project(
    tmp_path: Path, paths: ProjectPaths, staging_build: Manifest, **config: object
) -> tuple[StackConfig, ProjectPaths]:
    """A copy of the checkout's stack file (plus `config`), sources and staging build."""
    project = ProjectPaths(tmp_path)
    document = yaml.safe_load(paths.stack_file("staging").read_text())
    document["config"].update({f"code-execution:{key}": value for key, value in config.items()})
    project.stack_file("staging").write_text(yaml.safe_dump(document))
    shutil.copytree(paths.worker_src, project.worker_src)
    shutil.copytree(paths.build_dir(staging_build.stack), project.build_dir("staging"))
    project.dev_vars.write_text("API_KEY=local-key\n")
    return load_stack_config("staging", project.stack_file("staging")), project


def pulumi_on_path(folder: Path, monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    """A `pulumi` on PATH answering `pulumi version` with `answer`. The real CLI is not
    installable here (no registry carries it); this stands in for its one-line answer."""
    folder.mkdir(exist_ok=True)
    script = folder / "pulumi"
    script.write_text(f'#!/bin/sh\n[ "$1" = version ] && echo "{answer}"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


@pytest.fixture
def ready(
    tmp_path: Path, paths: ProjectPaths, staging_build: Manifest, monkeypatch: pytest.MonkeyPatch
) -> tuple[StackConfig, ProjectPaths]:
    pulumi_on_path(tmp_path / "bin", monkeypatch, f"v{importlib.metadata.version('pulumi')}")
    config, project = make_project(
        tmp_path, paths, staging_build, accountId=ACCOUNT_ID, apiKey={"secure": "v1:abc"}
    )
    entry = project.worker_src / "index.js"
    if not check_scheduled_handler(config, project).ok:
        # The usage roll-up handler lands with its own issue; stand in for it here.
        entry.write_text(
            entry.read_text().replace("  async fetch(", "  async scheduled() {},\n  async fetch(", 1)
        )
    return config, project


def test_a_ready_stack_passes_every_check(ready: tuple[StackConfig, ProjectPaths]) -> None:
    findings = list(diagnose(*ready))
    assert [finding.check for finding in findings if not finding.ok] == []
    assert len(findings) == 9


def test_pulumi_cli_missing_or_older_than_the_sdk(
    ready: tuple[StackConfig, ProjectPaths], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, project = ready
    sdk = importlib.metadata.version("pulumi")
    assert check_pulumi_cli(config, project).detail.startswith(f"pulumi v{sdk} at {tmp_path}")
    pulumi_on_path(tmp_path / "bin", monkeypatch, "v3.99.0")
    older = check_pulumi_cli(config, project)
    assert not older.ok
    assert f"older than the SDK's {sdk}" in older.detail
    assert f"--version {sdk}" in older.fix
    pulumi_on_path(tmp_path / "bin", monkeypatch, "v9.0.0")
    assert check_pulumi_cli(config, project).ok
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    missing = check_pulumi_cli(config, project)
    assert not missing.ok
    assert "not on PATH" in missing.detail
    assert "get.pulumi.com" in missing.fix


def test_cron_without_a_scheduled_handler(ready: tuple[StackConfig, ProjectPaths]) -> None:
    config, project = ready
    (project.worker_src / "index.js").write_text("export default {\n  async fetch() {},\n};\n")
    finding = check_scheduled_handler(config, project)
    assert not finding.ok
    assert "*/15 * * * *" in finding.detail
    assert "scheduled" in finding.fix


def test_missing_account_id(tmp_path: Path, paths: ProjectPaths, staging_build: Manifest) -> None:
    finding = check_account(*make_project(tmp_path, paths, staging_build))
    assert not finding.ok
    assert finding.fix == "pulumi config set accountId <32-hex account id> --stack staging"


def test_missing_stack_api_key(tmp_path: Path, paths: ProjectPaths, staging_build: Manifest) -> None:
    finding = check_api_key_stack(*make_project(tmp_path, paths, staging_build, accountId=ACCOUNT_ID))
    assert not finding.ok
    assert "code-execution:apiKey is not set" in finding.detail
    assert finding.fix == "pulumi config set --secret apiKey <key> --stack staging"


def test_plain_text_api_key_is_refused(tmp_path: Path, paths: ProjectPaths, staging_build: Manifest) -> None:
    finding = check_api_key_stack(*make_project(tmp_path, paths, staging_build, apiKey="oops"))
    assert not finding.ok
    assert "plain text" in finding.detail
    assert "--secret" in finding.fix


def test_missing_local_api_key(ready: tuple[StackConfig, ProjectPaths]) -> None:
    config, project = ready
    project.dev_vars.write_text("# nothing\n")
    assert "has no API_KEY" in check_api_key_local(config, project).detail
    project.dev_vars.unlink()
    finding = check_api_key_local(config, project)
    assert not finding.ok
    assert "make dev" in finding.fix


def test_worker_reading_an_unbound_namespace(ready: tuple[StackConfig, ProjectPaths]) -> None:
    config, project = ready
    (project.worker_src / "extra.js").write_text("export const f = (env) => env.STATEMENTS.get('x');\n")
    finding = check_kv_bindings(config, project)
    assert not finding.ok
    assert "env.STATEMENTS" in finding.detail
    assert "infra/stack/bindings.py" in finding.fix


def test_kv_ids_are_reported_local_until_recorded(ready: tuple[StackConfig, ProjectPaths]) -> None:
    config, project = ready
    assert "usage_tracking-local" in check_kv_bindings(config, project).detail


def test_free_plan_cpu_is_far_too_low(tmp_path: Path, paths: ProjectPaths, staging_build: Manifest) -> None:
    finding = check_cpu_limit(*make_project(tmp_path, paths, staging_build, plan="free"))
    assert not finding.ok
    assert "10 ms" in finding.detail
    assert "pulumi config set plan paid --stack staging" in finding.fix


def test_cpu_backstop_below_a_useful_run(
    tmp_path: Path, paths: ProjectPaths, staging_build: Manifest
) -> None:
    document = yaml.safe_load(paths.stack_file("staging").read_text())
    limits = {**document["config"]["code-execution:limits"], "cpuMs": 50}
    finding = check_cpu_limit(*make_project(tmp_path, paths, staging_build, limits=limits))
    assert not finding.ok
    assert "--path limits.cpuMs 5000" in finding.fix


def test_bundle_over_the_free_plan_upload_limit(ready: tuple[StackConfig, ProjectPaths]) -> None:
    config, project = ready
    # Incompressible bytes, so the gzipped size is over 3 MB, as a bloated bundle would be.
    (project.build_dir("staging") / "quickjs.wasm").write_bytes(os.urandom(4 * 1024 * 1024))
    free = replace(config, cloudflare=replace(config.cloudflare, plan="free"))
    finding = check_bundle_size(free, project)
    assert not finding.ok
    assert "free plan" in finding.detail
    assert check_bundle_size(config, project).ok


def test_missing_build(ready: tuple[StackConfig, ProjectPaths]) -> None:
    config, project = ready
    shutil.rmtree(project.build_dir("staging"))
    for check in (check_bundle_size, check_names):
        finding = check(config, project)
        assert not finding.ok
        assert finding.fix == "codeexec build --stack staging"


def test_stale_wrangler_toml_names_the_difference(ready: tuple[StackConfig, ProjectPaths]) -> None:
    config, project = ready
    wrangler = project.build_dir("staging") / "wrangler.toml"
    wrangler.write_text(
        wrangler.read_text().replace('name = "code-execution-staging"', 'name = "old-name"', 1)
    )
    finding = check_names(config, project)
    assert not finding.ok
    assert "name: wrangler 'old-name', Pulumi 'code-execution-staging'" in finding.detail
    assert finding.fix == "codeexec build --stack staging"


def test_doctor_command_exits_non_zero_with_one_line_per_check(
    capsys: pytest.CaptureFixture[str], staging_build: Manifest
) -> None:
    # The checkout's staging stack has no account id or API key committed.
    assert main(["doctor", "--stack", staging_build.stack]) == 1
    output = capsys.readouterr().out
    assert "FAIL account" in output
    assert "fix: pulumi config set accountId" in output
    assert "failed (staging: code-execution-staging)" in output


def test_doctor_reports_a_bad_stack_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--stack", "nope"]) == 1
    assert "FAIL config" in capsys.readouterr().out
