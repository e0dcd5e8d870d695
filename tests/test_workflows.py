"""The GitHub workflows: valid against the GitHub workflow schema (offline), and doing
what docs/deploy.md says (tests, previews on pull requests, staging on main,
production on a tag or by hand)."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.paths import ProjectPaths

SCHEMA = "vendor.github-workflows"


def validate(*files: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", SCHEMA, *map(str, files)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def workflow(paths: ProjectPaths, name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((paths.root / ".github" / "workflows" / name).read_text())
    return loaded


def pulumi_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith("pulumi/actions@")]


def test_workflows_match_the_github_schema(paths: ProjectPaths) -> None:
    files = sorted((paths.root / ".github" / "workflows").glob("*.yml"))
    assert [file.name for file in files] == ["deploy.yml", "pull-request.yml"]
    completed = validate(*files)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  test:\n    steps:\n      - run: make test\n")  # no runs-on
    assert validate(broken).returncode != 0


def test_pull_requests_run_the_tests_and_preview_both_stacks(paths: ProjectPaths) -> None:
    flow = workflow(paths, "pull-request.yml")
    # PyYAML reads the key `on` as True.
    assert "pull_request" in flow[True]
    assert {"run": ".ci/run"} in flow["jobs"]["test"]["steps"]
    preview = flow["jobs"]["preview"]
    assert preview["needs"] == "test"
    assert preview["strategy"]["matrix"]["stack"] == ["staging", "production"]
    (step,) = pulumi_steps(preview)
    assert step["with"]["command"] == "preview"
    assert step["with"]["stack-name"] == "${{ matrix.stack }}"
    assert step["with"]["comment-on-pr"] is True
    assert preview["permissions"]["pull-requests"] == "write"


@pytest.mark.parametrize(("job", "trigger"), [("staging", "refs/heads/main"), ("production", "refs/tags/v")])
def test_deploys_run_up_per_stack_after_the_tests(paths: ProjectPaths, job: str, trigger: str) -> None:
    flow = workflow(paths, "deploy.yml")
    deploy = flow["jobs"][job]
    assert deploy["needs"] == "test"
    assert trigger in deploy["if"]
    assert f"inputs.stack == '{job}'" in deploy["if"]
    (step,) = pulumi_steps(deploy)
    assert step["with"] == {**step["with"], "command": "up", "stack-name": job}
    assert flow[True]["workflow_dispatch"]["inputs"]["stack"]["options"] == ["staging", "production"]


def every_pulumi_step(paths: ProjectPaths) -> list[dict[str, Any]]:
    return [
        step
        for name in ("deploy.yml", "pull-request.yml")
        for job in workflow(paths, name)["jobs"].values()
        for step in pulumi_steps(job)
    ]


def test_every_pulumi_step_gets_the_stack_secrets_from_repository_secrets(paths: ProjectPaths) -> None:
    """Pulumi Cloud decrypts `secure:` values with PULUMI_ACCESS_TOKEN; a self-managed
    backend needs PULUMI_CONFIG_PASSPHRASE. Both come from secrets, never the file."""
    steps = every_pulumi_step(paths)
    assert len(steps) == 3
    for step in steps:
        for name in ("PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "CLOUDFLARE_API_TOKEN"):
            assert step["env"][name] == f"${{{{ secrets.{name} }}}}"


def test_the_workflows_run_the_cli_of_the_pinned_sdk(paths: ProjectPaths) -> None:
    sdk = importlib.metadata.version("pulumi")
    assert {step["with"]["pulumi-version"] for step in every_pulumi_step(paths)} == {sdk}
