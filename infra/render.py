"""Fills the per-stack templates under worker_src/templates/ into build/<stack>/.

Templates carry values, not logic: everything they print is prepared here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from infra.config import StackConfig

# Template file -> rendered file name.
TEMPLATES = {
    "stack-config.js.j2": "stack-config.js",
    "wrangler.toml.j2": "wrangler.toml",
}
KV_NAMESPACES = ("USAGE_TRACKING",)


@dataclass(frozen=True)
class Identity:
    """What /health reports about the deployed Worker."""

    service: str
    version: str
    engine: str


def render_stack(config: StackConfig, identity: Identity, templates: Path, out_dir: Path) -> list[Path]:
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
            "crons": [config.usage.rollup_cron],
        },
        "identity": {
            "name": config.stack,
            "service": identity.service,
            "version": identity.version,
            "engine": identity.engine,
        },
        "limits": config.limits.for_worker(),
        "usage": config.usage.for_worker(),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for template_name, output_name in TEMPLATES.items():
        target = out_dir / output_name
        target.write_text(environment.get_template(template_name).render(context), encoding="utf-8")
        written.append(target)
    return written
