"""infra/ is layered by the stages a stack goes through; each package imports only from
the layers below it, and only deploy/ talks to Pulumi."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from infra.paths import ProjectPaths

INFRA = ProjectPaths.of_checkout().root / "infra"
SHARED = {"errors", "paths"}
# Package -> the infra packages (besides itself and SHARED) its modules may import.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "paths": set(),
    "stack": set(),
    "local": {"stack"},
    "build": {"stack", "local"},
    "check": {"stack", "build", "local"},
    "deploy": {"stack", "build", "check", "local"},
    "cli": {"stack", "build", "check", "local", "deploy"},
    "__main__": {"deploy"},
}
PULUMI = ("pulumi", "pulumi_cloudflare")
PULUMI_HOMES = ("deploy/program.py", "deploy/components/")


def modules() -> list[Path]:
    return sorted(path for path in INFRA.rglob("*.py") if path.name != "__init__.py")


def package_of(path: Path) -> str:
    relative = path.relative_to(INFRA)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            names.add(node.module)
            if node.module == "infra":
                names.update(f"infra.{alias.name}" for alias in node.names)
    return names


def test_every_module_has_a_layer() -> None:
    assert {package_of(path) for path in modules()} == set(MAY_IMPORT)


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(INFRA)))
def test_a_module_imports_only_from_the_layers_below(path: Path) -> None:
    package = package_of(path)
    allowed = MAY_IMPORT[package] | SHARED | {package}
    stages = {name.split(".")[1] for name in imported(path) if name.startswith("infra.")}
    assert stages <= allowed, f"{path.relative_to(INFRA)} imports from {sorted(stages - allowed)}"


@pytest.mark.parametrize("path", modules(), ids=lambda path: str(path.relative_to(INFRA)))
def test_only_the_deploy_program_imports_pulumi(path: Path) -> None:
    relative = path.relative_to(INFRA).as_posix()
    uses_pulumi = any(name.split(".")[0] in PULUMI for name in imported(path))
    assert not uses_pulumi or relative.startswith(PULUMI_HOMES), f"{relative} imports pulumi"


def test_the_rule_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "config.py"
    module.write_text("from infra.deploy.program import run\nimport pulumi_cloudflare\n")
    assert imported(module) == {"infra.deploy.program", "pulumi_cloudflare"}


def test_codeexec_help_does_not_load_pulumi() -> None:
    """`codeexec --help` (and every command's parser) stays fast: the Pulumi SDK and the
    provider are loaded only by `pulumi up` / `pulumi preview` running infra/__main__.py."""
    probe = (
        "import sys\n"
        "from infra.cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_cloudflare')))\n"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "usage: codeexec" in completed.stdout
    assert completed.stdout.strip().splitlines()[-1] == "[]"
