"""worker_src/env.d.ts, the Worker's one `Env` type, names the bindings the stack binds.

tsc holds every `env.X` in worker_src/ to the type; this holds the type to the table
Pulumi, wrangler.toml and .dev.vars are made from (infra/stack/bindings.py).
"""

from __future__ import annotations

import re

from infra.paths import ProjectPaths
from infra.stack.bindings import ALL_BINDINGS, KV_NAMESPACES

FIELD = re.compile(r"^\s+([A-Za-z_]\w*)\??: ([^;]+);$", re.MULTILINE)


def env_fields(paths: ProjectPaths) -> dict[str, str]:
    source = (paths.worker_src / "env.d.ts").read_text(encoding="utf-8")
    body = re.search(r"^export interface Env \{\n(.*?)^\}", source, re.MULTILINE | re.DOTALL)
    assert body, "env.d.ts declares `export interface Env { ... }`"
    return dict(FIELD.findall(body.group(1)))


def test_env_names_every_binding_of_the_stack(paths: ProjectPaths) -> None:
    assert set(env_fields(paths)) == set(ALL_BINDINGS)


def test_env_types_the_kv_bindings_as_namespaces(paths: ProjectPaths) -> None:
    kv = {name for name, kind in env_fields(paths).items() if kind == "KvNamespace"}
    assert kv == set(KV_NAMESPACES)
