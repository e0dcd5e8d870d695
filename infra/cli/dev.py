"""`codeexec dev --stack S`: build a stack and serve it on workerd with a local KV."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from infra.cli.options import Commands, add_stack_command, build_locally, load_config, print_indented
from infra.local.devserver import DEFAULT_HOST, DEFAULT_PORT, ServerOptions, port_in_use, serve_forever
from infra.local.devvars import ensure_dev_vars, read_dev_vars
from infra.paths import ProjectPaths
from infra.stack.bindings import API_KEY


def register(commands: Commands) -> None:
    dev = add_stack_command(
        commands, "dev", "build and serve a stack locally on workerd with a local KV", run
    )
    dev.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or DEFAULT_PORT),
        help=f"port on {DEFAULT_HOST} (default: $PORT or {DEFAULT_PORT})",
    )
    dev.add_argument(
        "--state-dir",
        type=Path,
        help="where the local KV persists (default: .state/<stack>/, kept across restarts)",
    )


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = load_config(args, paths)
    if port_in_use(DEFAULT_HOST, args.port):
        print(
            f"codeexec: port {args.port} on {DEFAULT_HOST} is in use (another `make dev`?); "
            f"stop it or pick another: PORT={args.port + 1} make dev",
            file=sys.stderr,
        )
        return 2
    if ensure_dev_vars(paths.dev_vars):
        print(f"Created {paths.dev_vars.name} with a random {API_KEY} for local use.")
    api_key = read_dev_vars(paths.dev_vars).get(API_KEY, "")
    if not api_key:
        print(f"codeexec: {paths.dev_vars.name} has no {API_KEY}=... line; add one", file=sys.stderr)
        return 2
    build_locally(config, paths, report=print_indented)
    print(
        f"\nServing on http://{DEFAULT_HOST}:{args.port} (Ctrl-C stops). Try:\n"
        f"  export API_KEY=$(grep ^{API_KEY}= {paths.dev_vars.name} | cut -d= -f2-)\n"
        f"  curl -X POST http://{DEFAULT_HOST}:{args.port} -H 'Content-Type: application/json' "
        '-H "Authorization: Bearer $API_KEY" \\\n'
        '    -d \'{"code": "const x = 10; const y = 20; return x + y;", '
        '"language": "javascript", "clientId": "test-client"}\'\n',
        flush=True,
    )
    options = ServerOptions(
        build_dir=paths.build_dir(config.stack),
        state_dir=args.state_dir or paths.state_dir(config.stack),
        api_key=api_key,
        host=DEFAULT_HOST,
        port=args.port,
    )
    return serve_forever(paths, options, config.stack)
