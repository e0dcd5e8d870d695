"""Local secrets in `.dev.vars` (the wrangler convention: KEY=value lines)."""

from __future__ import annotations

import secrets
from pathlib import Path

from infra.paths import DEV_VARS_NAME
from infra.stack.bindings import API_KEY


def read_dev_vars(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def ensure_dev_vars(path: Path) -> bool:
    """Creates the file with a random API key when it is missing; True when it did."""
    if path.exists():
        return False
    path.write_text(
        f"# Local secrets for `make dev` (never commit this file).\n{API_KEY}={secrets.token_urlsafe(32)}\n",
        encoding="utf-8",
    )
    path.chmod(0o600)
    return True


def write_build_dev_vars(project_dev_vars: Path, build_dir: Path) -> Path | None:
    """Copies the project's API key next to the rendered wrangler.toml, where `wrangler dev
    --config build/<stack>/wrangler.toml` reads it. None when the project has no key yet."""
    if not project_dev_vars.exists():
        return None
    key = read_dev_vars(project_dev_vars).get(API_KEY)
    if not key:
        return None
    target = build_dir / DEV_VARS_NAME
    target.write_text(
        f"# Copied from {project_dev_vars.name} by `codeexec build`.\n{API_KEY}={key}\n", encoding="utf-8"
    )
    target.chmod(0o600)
    return target
