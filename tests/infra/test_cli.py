"""`codeexec` as a person uses it: readable progress, one-line errors, exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cli.main import main
from infra.local.devvars import ensure_dev_vars, read_dev_vars
from infra.stack.bindings import API_KEY


def test_build_prints_each_step(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--stack", "staging"]) == 0
    output = capsys.readouterr().out
    for step in ("render", "bundle", "engine", "manifest", "sha256"):
        assert step in output


def test_unknown_stack_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--stack", "nope"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "Pulumi.nope.yaml" in error


def test_codeexec_is_an_installed_command() -> None:
    command = shutil.which("codeexec", path=str(Path(sys.executable).parent))
    assert command is not None
    completed = subprocess.run([command, "--help"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0
    assert "build" in completed.stdout
    assert "dev" in completed.stdout


def test_dev_vars_are_created_once_with_a_random_key(tmp_path: Path) -> None:
    dev_vars = tmp_path / ".dev.vars"
    assert ensure_dev_vars(dev_vars) is True
    first = read_dev_vars(dev_vars)[API_KEY]
    assert len(first) >= 32
    assert ensure_dev_vars(dev_vars) is False
    assert read_dev_vars(dev_vars)[API_KEY] == first
    assert dev_vars.stat().st_mode & 0o077 == 0


def test_dev_vars_reader_accepts_comments_and_quotes(tmp_path: Path) -> None:
    dev_vars = tmp_path / ".dev.vars"
    dev_vars.write_text('# local\nAPI_KEY="abc=def"\n\nOTHER = x\n')
    assert read_dev_vars(dev_vars) == {"API_KEY": "abc=def", "OTHER": "x"}
