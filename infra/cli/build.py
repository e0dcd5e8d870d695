"""`codeexec build --stack S`: render and bundle the Worker into build/<stack>/."""

from __future__ import annotations

import argparse

from infra.cli.options import Commands, add_stack_command, build_locally, load_config, print_indented
from infra.paths import ProjectPaths


def register(commands: Commands) -> None:
    add_stack_command(commands, "build", "render and bundle the Worker for a stack into build/<stack>/", run)


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    build_locally(load_config(args, paths), paths, report=print_indented)
    return 0
