"""What every `codeexec` command shares: how it registers, its options, and loading a stack."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from infra.build.manifest import Manifest
from infra.build.stack_build import Report, build_stack
from infra.cli.service_client import URL_VARIABLE, ServiceClient, service_client
from infra.deploy.kv_ids import read_kv_ids
from infra.paths import ProjectPaths
from infra.stack.bindings import API_KEY
from infra.stack.config import StackConfig, load_stack_config

DEFAULT_STACK = "staging"
# argparse's subparsers action (its class is private).
Commands = Any
# A command's body: its parsed arguments and the checkout -> the exit status.
Run = Callable[[argparse.Namespace, ProjectPaths], int]


def add_command(commands: Commands, name: str, help_text: str, run: Run) -> argparse.ArgumentParser:
    """Adds one subcommand whose body is `run`; every command registers through this."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    parser.set_defaults(run=run)
    return parser


def add_stack_command(commands: Commands, name: str, help_text: str, run: Run) -> argparse.ArgumentParser:
    """A subcommand about one stack: `--stack S`, which `load_config` reads."""
    command = add_command(commands, name, help_text, run)
    command.add_argument("--stack", default=DEFAULT_STACK, help=f"stack name (default: {DEFAULT_STACK})")
    return command


def add_service_options(command: argparse.ArgumentParser) -> None:
    """--url/--api-key for the commands that talk to a running service."""
    command.add_argument(
        "--url", help=f"the service (default: ${URL_VARIABLE}, else the running `codeexec dev`)"
    )
    command.add_argument("--api-key", help=f"the admin key (default: ${API_KEY}, then .dev.vars)")


def service_of(args: argparse.Namespace, paths: ProjectPaths) -> ServiceClient:
    return service_client(args.url, args.api_key, paths)


def load_config(args: argparse.Namespace, paths: ProjectPaths) -> StackConfig:
    return load_stack_config(args.stack, paths.stack_file(args.stack))


def print_indented(line: str) -> None:
    print(f"  {line}")


def build_locally(config: StackConfig, paths: ProjectPaths, report: Report = lambda _line: None) -> Manifest:
    """A command's build, announced: wrangler.toml names the KV ids `codeexec kv-ids`
    recorded, if any (the Pulumi program's own build names placeholders: its bindings come
    from its resources)."""
    print(f"Building stack {config.stack} ({config.worker_name})", flush=True)
    return build_stack(config, paths, read_kv_ids(paths, config.stack), report)
