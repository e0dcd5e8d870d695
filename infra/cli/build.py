"""`codeexec build --stack S`: render and bundle the Worker into build/<stack>/."""

from __future__ import annotations

import argparse

from infra.build.stack_build import build_stack
from infra.cli.options import Commands, add_command, add_stack_option, load_config, print_indented
from infra.deploy.kv_ids import read_kv_ids
from infra.paths import ProjectPaths


def register(commands: Commands) -> None:
    add_stack_option(
        add_command(commands, "build", "render and bundle the Worker for a stack into build/<stack>/", run)
    )


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = load_config(args, paths)
    print(f"Building stack {config.stack} ({config.worker_name})")
    build_stack(config, paths, read_kv_ids(paths, config.stack), report=print_indented)
    return 0
