"""`codeexec kv-ids --stack S`: record the deployed KV namespace ids, then rebuild wrangler.toml."""

from __future__ import annotations

import argparse

from infra.build.stack_build import build_stack
from infra.cli.options import Commands, add_command, add_stack_option, load_config, print_indented
from infra.deploy.kv_ids import pulumi_kv_ids, write_kv_ids
from infra.paths import ProjectPaths


def register(commands: Commands) -> None:
    add_stack_option(
        add_command(
            commands,
            "kv-ids",
            "record the deployed KV namespace ids (pulumi stack output) for wrangler.toml",
            run,
        )
    )


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = load_config(args, paths)
    ids = pulumi_kv_ids(paths, config.stack)
    written = write_kv_ids(paths, config.stack, ids)
    print(f"Recorded the deployed KV namespace ids in {written.relative_to(paths.root)}")
    build_stack(config, paths, ids, report=print_indented)
    return 0
