"""`codeexec doctor --stack S`: is a stack ready to deploy? One line per check with its fix."""

from __future__ import annotations

import argparse

from infra.cli.options import Commands, add_stack_command, load_config
from infra.deploy.doctor import config_finding, diagnose
from infra.errors import ConfigError
from infra.paths import ProjectPaths


def register(commands: Commands) -> None:
    add_stack_command(
        commands, "doctor", "check a stack is ready to deploy; one line per check with its fix", run
    )


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    try:
        config = load_config(args, paths)
    except ConfigError as error:
        print(config_finding(error, paths.stack_file(args.stack)).line())
        return 1
    findings = list(diagnose(config, paths))
    for finding in findings:
        print(finding.line())
    failed = sum(not finding.ok for finding in findings)
    print(f"{len(findings) - failed} ok, {failed} failed ({config.stack}: {config.worker_name})")
    return 1 if failed else 0
