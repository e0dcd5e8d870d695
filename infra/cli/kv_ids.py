"""`codeexec kv-ids --stack S`: record the deployed KV namespace ids, then rebuild wrangler.toml."""

from __future__ import annotations

import argparse

from infra.cli.options import Commands, add_stack_command, build_locally, load_config, print_indented
from infra.deploy.kv_ids import pulumi_kv_ids, write_kv_ids
from infra.paths import ProjectPaths


def register(commands: Commands) -> None:
    add_stack_command(
        commands,
        "kv-ids",
        "record the deployed KV namespace ids (pulumi stack output) for wrangler.toml",
        run,
    )


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = load_config(args, paths)
    written = write_kv_ids(paths, config.stack, pulumi_kv_ids(paths, config.stack))
    print(f"Recorded the deployed KV namespace ids in {written.relative_to(paths.root)}")
    build_locally(config, paths, report=print_indented)
    return 0
