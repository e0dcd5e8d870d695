"""`codeexec build --stack S`: render and bundle the Worker into build/<stack>/."""

from __future__ import annotations

import argparse

from infra.cli.options import (
    Commands,
    add_command,
    add_stack_option,
    build_locally,
    load_config,
    print_indented,
)
from infra.paths import ProjectPaths


def register(commands: Commands) -> None:
    add_stack_option(
        add_command(commands, "build", "render and bundle the Worker for a stack into build/<stack>/", run)
    )


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = load_config(args, paths)
    print(f"Building stack {config.stack} ({config.worker_name})")
    build_locally(config, paths, report=print_indented)
    return 0
