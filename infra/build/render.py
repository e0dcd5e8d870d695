"""Fills the per-stack templates under worker_src/templates/ into build/<stack>/.

Templates carry values, not logic: everything they print is prepared here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from infra.stack.bindings import KV_NAMESPACES, RATE_LIMIT_BINDING, RATE_LIMIT_NAMESPACE_ID, kv_ids_for
from infra.stack.config import StackConfig
from infra.stack.usage import CLIENT_ID_PATTERN

# Template file -> rendered file name.
TEMPLATES = {
    "stack-config.js.j2": "stack-config.js",
    "wrangler.toml.j2": "wrangler.toml",
}


@dataclass(frozen=True)
class Identity:
    """What /health reports about the deployed Worker (its API version is the spec's own,
    worker_src/openapi.json `info.version`)."""

    service: str
    engine: str


def render_stack(
    config: StackConfig,
    identity: Identity,
    templates: Path,
    out_dir: Path,
    kv_ids: Mapping[str, str],
) -> list[Path]:
    """Renders every template; `kv_ids` are the deployed namespace ids known so far (may be none)."""
    environment = Environment(
        loader=FileSystemLoader(templates),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - renders JS and TOML, never HTML
    )
    context = {
        "stack": {
            "name": config.stack,
            "worker_name": config.worker_name,
            "compatibility_date": config.compatibility_date,
            "cpu_ms": config.limits.cpu_ms,
            "kv_namespaces": KV_NAMESPACES,
            "rate_limit_binding": RATE_LIMIT_BINDING,
            "rate_limit": config.rate_limit,
            "rate_limit_namespace_id": RATE_LIMIT_NAMESPACE_ID,
            # For wrangler.toml: the same names and bindings as the Pulumi program's.
            "kv_ids": kv_ids_for(kv_ids),
            "workers_dev": config.cloudflare.workers_dev,
            "crons": [config.cloudflare.usage_rollup_cron],
            "routes": [
                {"pattern": pattern, "zone_id": config.cloudflare.zone_id}
                for pattern in config.cloudflare.routes
            ],
            "custom_domain": config.cloudflare.custom_domain,
            "account_id": config.cloudflare.account_id,
        },
        "identity": {
            "name": config.stack,
            "service": identity.service,
            "engine": identity.engine,
            "logUserCode": config.log_user_code,
        },
        "limits": config.limits.for_worker(),
        "rate_limit": {
            "limit": config.rate_limit.requests,
            "periodSeconds": config.rate_limit.period_seconds,
        },
        "usage": config.usage.for_worker(),
        "client_id_pattern": CLIENT_ID_PATTERN.pattern,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for template_name, output_name in TEMPLATES.items():
        target = out_dir / output_name
        target.write_text(environment.get_template(template_name).render(context), encoding="utf-8")
        written.append(target)
    return written
