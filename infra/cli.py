"""`codeexec`: build, serve and check the code execution service from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from infra.build import build_stack
from infra.config import StackConfig, load_stack_config
from infra.devserver import ServerOptions, serve_forever
from infra.devvars import API_KEY, ensure_dev_vars, read_dev_vars
from infra.errors import InfraError
from infra.paths import ProjectPaths
from infra.usage_cli import add_usage_command

DEFAULT_STACK = "staging"
DEFAULT_PORT = 8787


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    paths = ProjectPaths.of_checkout()
    try:
        result: int = args.run(args, paths)
    except InfraError as error:
        print(f"codeexec: {error}", file=sys.stderr)
        return 2
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codeexec", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="render and bundle the Worker for a stack into build/<stack>/")
    _stack_option(build)
    build.set_defaults(run=_build)

    dev = commands.add_parser("dev", help="build and serve a stack locally on workerd with a local KV")
    _stack_option(dev)
    dev.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", DEFAULT_PORT)),
        help=f"port on 127.0.0.1 (default: $PORT or {DEFAULT_PORT})",
    )
    dev.set_defaults(run=_dev)

    add_usage_command(commands)
    return parser


def _stack_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--stack", default=DEFAULT_STACK, help=f"stack name (default: {DEFAULT_STACK})")


def _load(args: argparse.Namespace, paths: ProjectPaths) -> StackConfig:
    return load_stack_config(args.stack, paths.stack_file(args.stack))


def _build(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = _load(args, paths)
    print(f"Building stack {config.stack} ({config.worker_name})")
    build_stack(config, paths, report=lambda line: print(f"  {line}"))
    return 0


def _dev(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = _load(args, paths)
    if ensure_dev_vars(paths.dev_vars):
        print(f"Created {paths.dev_vars.name} with a random {API_KEY} for local use.")
    api_key = read_dev_vars(paths.dev_vars).get(API_KEY, "")
    if not api_key:
        print(f"codeexec: {paths.dev_vars.name} has no {API_KEY}=... line; add one", file=sys.stderr)
        return 2
    print(f"Building stack {config.stack} ({config.worker_name})")
    build_stack(config, paths, report=lambda line: print(f"  {line}"))
    print(
        f"\nServing on http://127.0.0.1:{args.port} (Ctrl-C stops). Try:\n"
        f"  export API_KEY=$(grep ^{API_KEY}= {paths.dev_vars.name} | cut -d= -f2-)\n"
        f"  curl -X POST http://127.0.0.1:{args.port} -H 'Content-Type: application/json' "
        '-H "Authorization: Bearer $API_KEY" \\\n'
        '    -d \'{"code": "const x = 10; const y = 20; return x + y;", '
        '"language": "javascript", "clientId": "test-client"}\'\n',
        flush=True,
    )
    options = ServerOptions(
        build_dir=paths.build_dir(config.stack),
        state_dir=paths.state_dir(config.stack),
        api_key=api_key,
        port=args.port,
    )
    return serve_forever(paths, options)


if __name__ == "__main__":
    sys.exit(main())
