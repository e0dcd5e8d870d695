"""`pulumi install` (requirements.txt) installs the very tree `make setup` does
(requirements.lock), and the package's own pins agree with the lock."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from infra.paths import ProjectPaths

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)$")


def requirement_lines(path: Path) -> list[str]:
    """The file's requirements, with `-r` includes expanded in place."""
    lines: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r "):
            lines.extend(requirement_lines(path.parent / line.removeprefix("-r ").strip()))
        elif line:
            lines.append(line)
    return lines


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = PIN.match(line)
        if match:
            found[match[1].lower().replace("_", "-")] = match[2]
    return found


def test_pulumi_install_gets_the_locked_tree_and_the_package(paths: ProjectPaths) -> None:
    wanted = requirement_lines(paths.root / "requirements.txt")
    locked = requirement_lines(paths.root / "requirements.lock")
    assert pins(wanted) == pins(locked)
    assert len(pins(locked)) == len(locked), "the lock holds only exact pins"
    # Nothing but the lock's pins and the package itself (no second set of versions).
    assert [line for line in wanted if not PIN.match(line)] == ["-e ."]


def test_the_package_pins_match_the_lock(paths: ProjectPaths) -> None:
    project = tomllib.loads((paths.root / "pyproject.toml").read_text())["project"]
    declared = pins([*project["dependencies"], *project["optional-dependencies"]["dev"]])
    locked = pins(requirement_lines(paths.root / "requirements.lock"))
    assert declared
    assert {name: locked.get(name) for name in declared} == declared
