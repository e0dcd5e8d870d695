"""Deployed KV ids reach wrangler.toml; before a deploy it carries local placeholders."""

from __future__ import annotations

import os
import shutil
import tomllib
from pathlib import Path

import pytest

from infra.build.engine_facts import read_engine_facts
from infra.build.render import Identity, render_stack
from infra.deploy.kv_ids import pulumi_kv_ids, read_kv_ids, write_kv_ids
from infra.errors import ToolMissingError
from infra.paths import ProjectPaths
from infra.stack.bindings import KV_NAMESPACES
from infra.stack.config import StackConfig

DEPLOYED_ID = "a" * 32


def render(
    paths: ProjectPaths, config: StackConfig, out_dir: Path, project: ProjectPaths
) -> dict[str, object]:
    identity = Identity("code-execution", read_engine_facts(paths).description)
    render_stack(config, identity, paths.templates, out_dir, read_kv_ids(project, config.stack))
    return tomllib.loads((out_dir / "wrangler.toml").read_text())


def test_placeholders_then_deployed_ids(
    paths: ProjectPaths, staging_config: StackConfig, tmp_path: Path
) -> None:
    project = ProjectPaths(tmp_path)
    before = render(paths, staging_config, tmp_path / "out", project)
    assert before["kv_namespaces"] == [{"binding": b, "id": f"{b.lower()}-local"} for b in KV_NAMESPACES]
    write_kv_ids(project, "staging", dict.fromkeys(KV_NAMESPACES, DEPLOYED_ID))
    after = render(paths, staging_config, tmp_path / "out", project)
    environment = after["env"]
    assert isinstance(environment, dict)
    for section in (after, environment["staging"]):
        assert section["kv_namespaces"] == [{"binding": b, "id": DEPLOYED_ID} for b in KV_NAMESPACES]


def test_kv_ids_without_the_pulumi_cli_says_how_to_get_it(
    paths: ProjectPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(ToolMissingError, match="pulumi CLI is not on PATH"):
        pulumi_kv_ids(paths, "staging")


def test_kv_ids_reads_the_pulumi_stack_output(
    paths: ProjectPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Pulumi CLI cannot be installed here: a stand-in answers as `pulumi stack output
    # kvNamespaceIds --json` does, and records the arguments it was called with.
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" > {calls}\necho \'{{"USAGE_TRACKING": "{DEPLOYED_ID}"}}\'\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    assert pulumi_kv_ids(paths, "production") == {"USAGE_TRACKING": DEPLOYED_ID}
    assert calls.read_text().split() == [
        "stack",
        "output",
        "kvNamespaceIds",
        "--json",
        "--stack",
        "production",
    ]
