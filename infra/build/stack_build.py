"""`codeexec build`: config -> rendered templates -> bundle -> manifest, for one stack."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from infra.build.bundle import BUNDLE_NAME, WASM_NAME, bundle_worker
from infra.build.engine_facts import engine_wasm, read_engine_facts
from infra.build.manifest import Manifest, RateLimitBinding, describe_file, write_manifest
from infra.build.render import Identity, render_stack
from infra.local.devvars import write_build_dev_vars
from infra.paths import PROJECT_NAME, ProjectPaths
from infra.stack.bindings import API_KEY, KV_NAMESPACES, RATE_LIMIT_BINDING
from infra.stack.config import StackConfig

Report = Callable[[str], None]


def build_stack(
    config: StackConfig,
    paths: ProjectPaths,
    kv_ids: Mapping[str, str] | None = None,
    report: Report = lambda _line: None,
) -> Manifest:
    """Builds build/<stack>/ and returns its manifest.

    `kv_ids` are the deployed KV namespace ids `wrangler.toml` should name (`codeexec
    kv-ids` records them); without them it names local placeholders. The deployed bytes
    (the manifest's modules) never depend on them.
    """
    out_dir = paths.build_dir(config.stack)
    engine = read_engine_facts(paths)
    identity = Identity(service=PROJECT_NAME, engine=engine.description)

    for rendered in render_stack(config, identity, paths.templates, out_dir, kv_ids or {}):
        report(f"render   {rendered.relative_to(paths.root)}")
    bundle, wasm = bundle_worker(paths, out_dir, engine_wasm(paths))
    report(f"bundle   {bundle.relative_to(paths.root)}")
    report(f"engine   {wasm.relative_to(paths.root)}  ({engine.description}, fuel-metered)")

    manifest = Manifest(
        stack=config.stack,
        worker_name=config.worker_name,
        compatibility_date=config.compatibility_date,
        main_module=BUNDLE_NAME,
        kv_namespaces=KV_NAMESPACES,
        rate_limits=(
            RateLimitBinding(
                name=RATE_LIMIT_BINDING,
                limit=config.rate_limit.requests,
                period_seconds=config.rate_limit.period_seconds,
            ),
        ),
        secrets=(API_KEY,),
        modules=(
            describe_file(out_dir, BUNDLE_NAME, "ESModule"),
            describe_file(out_dir, WASM_NAME, "CompiledWasm"),
        ),
    )
    written = write_manifest(out_dir, manifest)
    for part in manifest.modules:
        report(f"         {part.name:<14} {part.bytes:>9,} bytes  sha256 {part.sha256[:16]}…")
    report(f"manifest {written.relative_to(paths.root)}")
    dev_vars = write_build_dev_vars(paths.dev_vars, out_dir)
    if dev_vars is None:
        report(f"no {API_KEY} in {paths.dev_vars.name} yet (`make dev` creates it): `wrangler dev` needs it")
    else:
        report(f"dev key  {dev_vars.relative_to(paths.root)}  ({API_KEY} for wrangler dev)")
    return manifest
