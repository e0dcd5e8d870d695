"""`codeexec` as a person uses it: readable progress, one-line errors, exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.cli.main import main


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
