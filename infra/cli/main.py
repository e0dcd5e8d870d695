"""`codeexec`: build, serve and check the code execution service from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from infra.build.stack_build import build_stack
from infra.check.gate import format_gate_report, run_gate
from infra.cli.keys import create_key, list_keys, revoke_key
from infra.cli.service_client import URL_VARIABLE, ServiceClient, service_client
from infra.cli.usage import add_usage_command
from infra.deploy.doctor import config_finding, diagnose
from infra.deploy.kv_ids import pulumi_kv_ids, write_kv_ids
from infra.errors import ConfigError, InfraError
from infra.local.devserver import DEFAULT_HOST, DEFAULT_PORT, ServerOptions, port_in_use, serve_forever
from infra.local.devvars import API_KEY, ensure_dev_vars, read_dev_vars
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig, load_stack_config

DEFAULT_STACK = "staging"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    paths = ProjectPaths.of_checkout()
    try:
        result: int = args.run(args, paths)
        sys.stdout.flush()
    except InfraError as error:
        print(f"codeexec: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader left early (`codeexec usage | head -3`): stop quietly, as `cat` does.
        # Point stdout at /dev/null so the interpreter's last flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
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

    keys = commands.add_parser(
        "keys", help="create, list and revoke per-client API keys on a running service"
    )
    key_commands = keys.add_subparsers(required=True, metavar="ACTION")
    create = key_commands.add_parser("create", help="issue a key for a client (creating the client if new)")
    create.add_argument("client_id", metavar="CLIENT_ID")
    create.set_defaults(
        run=lambda args, paths: _keys(args, paths, lambda service: create_key(service, args.client_id, print))
    )
    listing = key_commands.add_parser("list", help="list clients, or one client's keys")
    listing.add_argument("client_id", metavar="CLIENT_ID", nargs="?")
    listing.set_defaults(
        run=lambda args, paths: _keys(args, paths, lambda service: list_keys(service, args.client_id, print))
    )
    revoke = key_commands.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id", metavar="KEY_ID")
    revoke.set_defaults(
        run=lambda args, paths: _keys(args, paths, lambda service: revoke_key(service, args.key_id, print))
    )
    for command in (create, listing, revoke):
        _service_options(command)
    doctor = commands.add_parser(
        "doctor", help="check a stack is ready to deploy; one line per check with its fix"
    )
    _stack_option(doctor)
    doctor.set_defaults(run=_doctor)

    kv_ids = commands.add_parser(
        "kv-ids", help="record the deployed KV namespace ids (pulumi stack output) for wrangler.toml"
    )
    _stack_option(kv_ids)
    kv_ids.set_defaults(run=_kv_ids)
    check = commands.add_parser(
        "check",
        help="build a stack, then run the behaviour corpus (infra/check/cases/) with its limits on both "
        "tiers: the native QuickJS harness and the built bundle on workerd",
    )
    _stack_option(check)
    check.set_defaults(run=_check)
    add_usage_command(commands)
    return parser


def _service_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--url", help=f"the service (default: ${URL_VARIABLE}, else the running `codeexec dev`)"
    )
    command.add_argument("--api-key", help="the admin key (default: $API_KEY, then .dev.vars)")


def _keys(args: argparse.Namespace, paths: ProjectPaths, action: Callable[[ServiceClient], None]) -> int:
    action(service_client(args.url, args.api_key, paths))
    return 0


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
    print(f"Building stack {config.stack} ({config.worker_name})")
    build_stack(config, paths, report=lambda line: print(f"  {line}"))
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
        state_dir=paths.state_dir(config.stack),
        api_key=api_key,
        host=DEFAULT_HOST,
        port=args.port,
    )
    return serve_forever(paths, options, config.stack)


def _doctor(args: argparse.Namespace, paths: ProjectPaths) -> int:
    try:
        config = _load(args, paths)
    except ConfigError as error:
        print(config_finding(error, paths.stack_file(args.stack)).line())
        return 1
    findings = list(diagnose(config, paths))
    for finding in findings:
        print(finding.line())
    failed = sum(not finding.ok for finding in findings)
    print(f"{len(findings) - failed} ok, {failed} failed ({config.stack}: {config.worker_name})")
    return 1 if failed else 0


def _kv_ids(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = _load(args, paths)
    written = write_kv_ids(paths, config.stack, pulumi_kv_ids(paths, config.stack))
    print(f"Recorded the deployed KV namespace ids in {written.relative_to(paths.root)}")
    build_stack(config, paths, report=lambda line: print(f"  {line}"))
    return 0


def _check(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = _load(args, paths)
    print(f"Building stack {config.stack} ({config.worker_name})", flush=True)
    build_stack(config, paths)
    print(
        f"Checking stack {config.stack}: the behaviour corpus on the native QuickJS harness "
        f"and on the built bundle in {paths.build_dir(config.stack).relative_to(paths.root)}/ (workerd)",
        flush=True,
    )
    report = run_gate(config, paths)
    print(format_gate_report(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
