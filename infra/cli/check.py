"""`codeexec check --stack S`: the deploy gate, locally: build, then the corpus on both tiers."""

from __future__ import annotations

import argparse

from infra.check.gate import format_gate_report, run_gate
from infra.cli.options import Commands, add_stack_command, build_locally, load_config
from infra.paths import ProjectPaths


def register(commands: Commands) -> None:
    add_stack_command(
        commands,
        "check",
        "build a stack, then run the behaviour corpus (infra/check/cases/) with its limits on both "
        "tiers: the native QuickJS harness and the built bundle on workerd",
        run,
    )


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    config = load_config(args, paths)
    build_locally(config, paths)
    print(
        f"Checking stack {config.stack}: the behaviour corpus on the native QuickJS harness "
        f"and on the built bundle in {paths.build_dir(config.stack).relative_to(paths.root)}/ (workerd)",
        flush=True,
    )
    report = run_gate(config, paths)
    print(format_gate_report(report))
    return 0 if report.passed else 1
