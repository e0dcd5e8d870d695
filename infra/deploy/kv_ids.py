"""The deployed KV namespace ids, for wrangler.

Cloudflare assigns the ids at `pulumi up`; they reach wrangler through
`codeexec kv-ids --stack S`, which stores `pulumi stack output kvNamespaceIds` in
`.state/<stack>/kv-namespace-ids.json`. Until then `wrangler.toml` carries local
placeholder ids (`usage_tracking-local`), which `wrangler dev` accepts for its local KV.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from infra.errors import InfraError, ToolMissingError
from infra.paths import ProjectPaths

KV_IDS_FILE = "kv-namespace-ids.json"
PULUMI_OUTPUT = "kvNamespaceIds"


def kv_ids_path(paths: ProjectPaths, stack: str) -> Path:
    return paths.state_dir(stack) / KV_IDS_FILE


def read_kv_ids(paths: ProjectPaths, stack: str) -> dict[str, str]:
    """The deployed ids recorded for `stack`, or {} when none were recorded."""
    path = kv_ids_path(paths, stack)
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise InfraError(f"{path}: must map binding names to namespace ids; run `codeexec kv-ids` again")
    return {str(key): value for key, value in data.items()}


def write_kv_ids(paths: ProjectPaths, stack: str, ids: Mapping[str, str]) -> Path:
    path = kv_ids_path(paths, stack)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(ids), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def pulumi_kv_ids(paths: ProjectPaths, stack: str) -> dict[str, str]:
    """Asks the Pulumi CLI for the stack's `kvNamespaceIds` output."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise ToolMissingError(
            "the pulumi CLI is not on PATH; install it (https://www.pulumi.com/docs/install/)"
        )
    completed = subprocess.run(
        [pulumi, "stack", "output", PULUMI_OUTPUT, "--json", "--stack", stack],
        cwd=paths.root,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise InfraError(f"pulumi stack output failed: {completed.stderr.strip().splitlines()[-1:]}")
    ids = json.loads(completed.stdout)
    if not isinstance(ids, dict):
        raise InfraError(f"pulumi stack output {PULUMI_OUTPUT} is not a mapping; was the stack deployed?")
    return {str(key): str(value) for key, value in ids.items()}
