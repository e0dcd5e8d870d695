"""`codeexec`: build, serve and check the code execution service from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from infra.cli import build, check, dev, doctor, keys, kv_ids, usage
from infra.errors import InfraError
from infra.paths import ProjectPaths

# In the order `codeexec --help` lists them; each module registers its own subcommand.
COMMANDS = (build, dev, keys, doctor, kv_ids, check, usage)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="codeexec", description=__doc__)
    commands = root.add_subparsers(required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return root


if __name__ == "__main__":
    sys.exit(main())
