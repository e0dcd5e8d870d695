"""The one table of what the Worker reads from `env`: every binding's name and kind.

The Pulumi program, wrangler.toml, `.dev.vars`, `codeexec doctor` and the Worker's `Env`
typedef (worker_src/env.d.ts, held equal by a test) all read their names from here.
"""

from __future__ import annotations

from collections.abc import Mapping

# KV namespaces, one per binding; each stack titles its own (`namespace_title`).
KV_NAMESPACES = ("USAGE_TRACKING", "API_KEYS")
# The per-client request limiter (Workers rate limiting binding).
RATE_LIMIT_BINDING = "CLIENT_RATE_LIMIT"
# Identifies the limiter's counters on Cloudflare; any positive integer unique in the account.
RATE_LIMIT_NAMESPACE_ID = "1001"
# The admin secret: a Worker secret when deployed, a `.dev.vars` line locally.
API_KEY = "API_KEY"

ALL_BINDINGS = (*KV_NAMESPACES, RATE_LIMIT_BINDING, API_KEY)


def namespace_title(worker_name: str, binding: str) -> str:
    """A stack's namespace is titled as wrangler would name it: `<worker>-<BINDING>`."""
    return f"{worker_name}-{binding}"


def placeholder_id(binding: str) -> str:
    """The id wrangler uses for a namespace that exists only locally (before a deploy)."""
    return f"{binding.lower()}-local"


def kv_ids_for(recorded: Mapping[str, str]) -> dict[str, str]:
    """binding -> id for every namespace: the deployed id when recorded, else the placeholder."""
    return {binding: recorded.get(binding, placeholder_id(binding)) for binding in KV_NAMESPACES}
