"""The Pulumi program under Pulumi's mocks: what each stack would send to Cloudflare."""

from __future__ import annotations

import base64
import hashlib
import runpy
import sys
import time
import tomllib
import types
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from infra.build.manifest import MANIFEST_NAME, read_manifest
from infra.build.stack_build import build_stack
from infra.check import gate
from infra.check.corpus import Case, Expectation, Run
from infra.deploy.program import default_gate
from infra.errors import ConfigError
from infra.paths import ProjectPaths
from infra.stack.bindings import ALL_BINDINGS, KV_NAMESPACES, RATE_LIMIT_BINDING, RATE_LIMIT_NAMESPACE_ID
from infra.stack.config import StackConfig, load_stack_config
from tests.infra.deploy.pulumi_mocks import (
    ACCOUNT_ID,
    API_KEY,
    VERSION_ID,
    Failure,
    PassingReport,
    RecordingMocks,
    is_secret,
    reveal,
    run_stack,
)

WORKER = "cloudflare:index/worker:Worker"
VERSION = "cloudflare:index/workerVersion:WorkerVersion"
DEPLOYMENT = "cloudflare:index/workersDeployment:WorkersDeployment"
KV = "cloudflare:index/workersKvNamespace:WorkersKvNamespace"
CRON = "cloudflare:index/workersCronTrigger:WorkersCronTrigger"
ROUTE = "cloudflare:index/workersRoute:WorkersRoute"
DOMAIN = "cloudflare:index/workersCustomDomain:WorkersCustomDomain"
STABLE_ID = "11111111-2222-4333-8444-555555555555"
ZONE_ID = "fedcba9876543210fedcba9876543210"


@pytest.fixture(scope="module")
def deployed(paths: ProjectPaths) -> dict[str, RecordingMocks]:
    return {stack: run_stack(stack, paths) for stack in ("staging", "production")}


def bindings(mocks: RecordingMocks) -> dict[str, dict[str, Any]]:
    raw = mocks.one(VERSION).inputs["bindings"]
    return {binding["name"]: binding for binding in reveal(raw)}


@pytest.mark.parametrize(
    ("stack", "worker_name"), [("staging", "code-execution-staging"), ("production", "code-execution")]
)
def test_worker_is_named_per_stack_with_logs_on(
    deployed: dict[str, RecordingMocks], stack: str, worker_name: str
) -> None:
    worker = deployed[stack].one(WORKER).inputs
    assert worker["name"] == worker_name
    assert worker["accountId"] == ACCOUNT_ID
    assert worker["observability"]["enabled"] is True
    assert worker["observability"]["logs"] == {"enabled": True, "invocationLogs": True}
    assert worker["subdomain"]["enabled"] is True
    assert deployed[stack].one(DEPLOYMENT).inputs["scriptName"] == worker_name


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_kv_namespaces_are_titled_per_stack_and_bound(
    deployed: dict[str, RecordingMocks], stack: str
) -> None:
    mocks = deployed[stack]
    worker_name = mocks.one(WORKER).inputs["name"]
    titles = sorted(resource.inputs["title"] for resource in mocks.of_type(KV))
    assert titles == sorted(f"{worker_name}-{binding}" for binding in KV_NAMESPACES)
    bound = bindings(mocks)
    ids = {resource.inputs["title"]: f"{resource.name}-id" for resource in mocks.of_type(KV)}
    for binding in KV_NAMESPACES:
        assert bound[binding]["type"] == "kv_namespace"
        assert bound[binding]["namespaceId"] == ids[f"{worker_name}-{binding}"]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_every_binding_is_declared(deployed: dict[str, RecordingMocks], stack: str) -> None:
    bound = bindings(deployed[stack])
    assert set(bound) == set(ALL_BINDINGS)
    assert bound["API_KEY"] == {"name": "API_KEY", "type": "secret_text", "text": API_KEY}


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_rate_limit_binding_carries_the_stack_rate(
    deployed: dict[str, RecordingMocks], paths: ProjectPaths, stack: str
) -> None:
    rate = load_stack_config(stack, paths.stack_file(stack)).rate_limit
    assert bindings(deployed[stack])[RATE_LIMIT_BINDING] == {
        "name": RATE_LIMIT_BINDING,
        "type": "ratelimit",
        "namespaceId": RATE_LIMIT_NAMESPACE_ID,
        "simple": {"limit": rate.requests, "period": rate.period_seconds},
    }


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_the_api_key_is_secret_on_the_wire(deployed: dict[str, RecordingMocks], stack: str) -> None:
    for resource in deployed[stack]:
        for name, value in resource.inputs.items():
            text = repr(value)
            if API_KEY in text:
                assert (resource.typ, name) == (VERSION, "bindings")
                assert is_secret(value)
    assert is_secret(deployed[stack].one(VERSION).inputs["bindings"])


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_version_carries_the_built_bytes(
    deployed: dict[str, RecordingMocks], paths: ProjectPaths, stack: str
) -> None:
    version = deployed[stack].one(VERSION).inputs
    manifest = read_manifest(paths.build_dir(stack))
    assert version["mainModule"] == manifest.main_module == "worker.js"
    modules = {module["name"]: module for module in version["modules"]}
    assert modules["worker.js"]["contentType"] == "application/javascript+module"
    assert modules["quickjs.wasm"]["contentType"] == "application/wasm"
    for part in manifest.modules:
        content = base64.b64decode(modules[part.name]["contentBase64"])
        assert hashlib.sha256(content).hexdigest() == part.sha256
        assert content == (paths.build_dir(stack) / part.path).read_bytes()
        # The provider computes the digest itself and refuses it as an input.
        assert "contentSha256" not in modules[part.name]


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_version_has_compatibility_date_and_cpu_backstop(
    deployed: dict[str, RecordingMocks], stack: str, paths: ProjectPaths
) -> None:
    config = load_stack_config(stack, paths.stack_file(stack))
    version = deployed[stack].one(VERSION).inputs
    assert version["compatibilityDate"] == config.compatibility_date
    assert version["limits"] == {"cpuMs": config.limits.cpu_ms}
    assert version["workerId"] == "service-worker-id"


@pytest.mark.parametrize(("stack", "cron"), [("staging", "*/15 * * * *"), ("production", "0 * * * *")])
def test_usage_rollup_cron_per_stack(deployed: dict[str, RecordingMocks], stack: str, cron: str) -> None:
    trigger = deployed[stack].one(CRON).inputs
    assert trigger["schedules"] == [{"cron": cron}]
    assert trigger["scriptName"] == deployed[stack].one(WORKER).inputs["name"]


def test_deployment_sends_all_traffic_to_the_new_version(deployed: dict[str, RecordingMocks]) -> None:
    deployment = deployed["staging"].one(DEPLOYMENT).inputs
    assert deployment["strategy"] == "percentage"
    assert deployment["versions"] == [{"versionId": VERSION_ID, "percentage": 100}]


def test_no_routes_or_domain_unless_configured(deployed: dict[str, RecordingMocks]) -> None:
    for mocks in deployed.values():
        assert mocks.of_type(ROUTE) == []
        assert mocks.of_type(DOMAIN) == []


def test_components_parent_their_resources(deployed: dict[str, RecordingMocks]) -> None:
    types = {resource.typ for resource in deployed["staging"]}
    assert {
        "codeexec:cloudflare:WorkerService",
        "codeexec:cloudflare:KvNamespaces",
        "codeexec:cloudflare:UsageRollupSchedule",
        "codeexec:cloudflare:PublicEndpoints",
    } <= types


def test_routes_and_custom_domain_when_configured(paths: ProjectPaths) -> None:
    mocks = run_stack(
        "production",
        paths,
        overrides={
            "zoneId": ZONE_ID,
            "routes": ["api.example.com/*"],
            "customDomain": "run.example.com",
            "workersDev": False,
        },
    )
    (route,) = mocks.of_type(ROUTE)
    assert route.inputs == {"zoneId": ZONE_ID, "pattern": "api.example.com/*", "script": "code-execution"}
    (domain,) = mocks.of_type(DOMAIN)
    assert domain.inputs["hostname"] == "run.example.com"
    assert domain.inputs["service"] == "code-execution"
    assert domain.inputs["zoneId"] == ZONE_ID
    assert mocks.one(WORKER).inputs["subdomain"]["enabled"] is False


def test_gradual_rollout_splits_traffic(paths: ProjectPaths) -> None:
    mocks = run_stack(
        "production", paths, overrides={"rollout": {"percentage": 10, "stableVersionId": STABLE_ID}}
    )
    assert mocks.one(DEPLOYMENT).inputs["versions"] == [
        {"versionId": VERSION_ID, "percentage": 10},
        {"versionId": STABLE_ID, "percentage": 90},
    ]


def test_rollback_sends_everything_to_the_old_version(paths: ProjectPaths) -> None:
    mocks = run_stack("production", paths, overrides={"rollout": {"rollbackTo": STABLE_ID}})
    assert mocks.one(DEPLOYMENT).inputs["versions"] == [{"versionId": STABLE_ID, "percentage": 100}]
    assert mocks.one(DEPLOYMENT).inputs["force"] is False


def test_a_forced_rollback_passes_force_to_the_deployment(paths: ProjectPaths) -> None:
    mocks = run_stack("production", paths, overrides={"rollout": {"rollbackTo": STABLE_ID, "force": True}})
    deployment = mocks.one(DEPLOYMENT).inputs
    assert deployment["versions"] == [{"versionId": STABLE_ID, "percentage": 100}]
    assert deployment["force"] is True


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_bindings_are_sent_in_name_order(deployed: dict[str, RecordingMocks], stack: str) -> None:
    names = [binding["name"] for binding in reveal(deployed[stack].one(VERSION).inputs["bindings"])]
    assert names == sorted(names)
    assert len(names) == len(set(names)) == len(ALL_BINDINGS)


def test_two_builds_of_a_stack_send_identical_inputs(paths: ProjectPaths) -> None:
    """No diff without a change: a second build of the same stack declares the same inputs."""
    first, second = (
        {(resource.typ, resource.name): reveal(resource.inputs) for resource in run_stack("staging", paths)}
        for _ in range(2)
    )
    assert len(first) >= 10
    assert first == second


def test_a_failing_sandbox_check_stops_before_any_script(paths: ProjectPaths) -> None:
    seen: list[StackConfig] = []

    def failing(config: StackConfig, _paths: ProjectPaths) -> PassingReport:
        seen.append(config)
        return PassingReport(passed=False, failures=[Failure("tight-loop", "no timeout"), "deep-recursion"])

    mocks = RecordingMocks()
    with pytest.raises(
        pulumi.RunError, match=r"sandbox check failed for stack staging .*tight-loop, deep-recursion"
    ):
        run_stack("staging", paths, gate=failing, mocks=mocks)
    assert [config.stack for config in seen] == ["staging"]
    # Nothing at all is declared: no namespaces, no Worker, no version.
    assert mocks.resources == []


def test_a_passing_check_records_into_the_given_mocks(paths: ProjectPaths) -> None:
    mocks = RecordingMocks()
    assert run_stack("staging", paths, mocks=mocks) is mocks
    assert len(mocks.of_type(VERSION)) == 1


def test_the_gate_checks_the_fresh_build_that_is_then_uploaded(paths: ProjectPaths) -> None:
    """The gate runs after this run's build and before anything is declared, on the very
    bytes the Worker version then carries."""
    mocks = RecordingMocks()
    started = time.time_ns()
    seen: dict[str, str] = {}

    def recording(config: StackConfig, gate_paths: ProjectPaths) -> PassingReport:
        build_dir = gate_paths.build_dir(config.stack)
        assert (build_dir / MANIFEST_NAME).stat().st_mtime_ns >= started, "the gate saw an old build"
        assert mocks.resources == [], "resources were declared before the gate passed"
        for part in read_manifest(build_dir).modules:
            seen[part.name] = hashlib.sha256((build_dir / part.path).read_bytes()).hexdigest()
        return PassingReport()

    run_stack("staging", paths, gate=recording, mocks=mocks)
    uploaded = {
        module["name"]: hashlib.sha256(base64.b64decode(module["contentBase64"])).hexdigest()
        for module in mocks.one(VERSION).inputs["modules"]
    }
    assert seen == uploaded
    assert set(seen) == {"worker.js", "quickjs.wasm"}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        (
            "apiKey",
            r"code-execution:apiKey: is missing; set it with "
            r"`pulumi config set --secret apiKey <key> --stack staging`",
        ),
        (
            "accountId",
            r"code-execution:accountId: is missing; set it with "
            r"`pulumi config set accountId .* --stack staging`",
        ),
        ("workerName", r"code-execution:workerName: is missing"),
    ],
)
def test_missing_config_names_the_key_and_the_command(
    paths: ProjectPaths, missing: str, message: str
) -> None:
    extra: dict[str, Any] = {missing: None}
    with pytest.raises(pulumi.RunError, match=message):
        run_stack("staging", paths, overrides=extra)


def test_bad_config_is_the_same_error_as_the_cli(paths: ProjectPaths, tmp_path: Path) -> None:
    document = yaml.safe_load(paths.stack_file("staging").read_text())
    limits = {**document["config"]["code-execution:limits"], "heapMiB": 0}
    document["config"]["code-execution:limits"] = limits
    stack_file = tmp_path / "Pulumi.staging.yaml"
    stack_file.write_text(yaml.safe_dump(document))
    with pytest.raises(ConfigError) as from_cli:
        load_stack_config("staging", stack_file)
    assert "code-execution:limits.heapMiB: must be a whole number" in str(from_cli.value)
    with pytest.raises(pulumi.RunError) as from_program:
        run_stack("staging", paths, overrides={"limits": limits})
    assert str(from_program.value) == str(from_cli.value)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_wrangler_toml_addresses_the_same_worker(
    deployed: dict[str, RecordingMocks], paths: ProjectPaths, stack: str
) -> None:
    mocks = deployed[stack]
    build_stack(load_stack_config(stack, paths.stack_file(stack)), paths)
    wrangler = tomllib.loads((paths.build_dir(stack) / "wrangler.toml").read_text())
    worker = mocks.one(WORKER).inputs
    version = mocks.one(VERSION).inputs
    crons = [item["cron"] for item in mocks.one(CRON).inputs["schedules"]]
    bound = bindings(mocks)
    kv_bindings = {name for name, binding in bound.items() if binding["type"] == "kv_namespace"}
    plain = {name: binding["text"] for name, binding in bound.items() if binding["type"] == "plain_text"}
    # `wrangler dev` reads the top level, `wrangler tail --env <stack>` the environment.
    for section in (wrangler, wrangler["env"][stack]):
        assert section["name"] == worker["name"]
        assert section["workers_dev"] == worker["subdomain"]["enabled"]
        assert section["triggers"]["crons"] == crons
        assert {kv["binding"] for kv in section["kv_namespaces"]} == kv_bindings
        assert section.get("vars", {}) == plain
    assert wrangler["compatibility_date"] == version["compatibilityDate"]
    assert wrangler["limits"]["cpu_ms"] == version["limits"]["cpuMs"]
    assert wrangler["main"] == version["mainModule"]


def fake_gate(monkeypatch: pytest.MonkeyPatch, report: PassingReport) -> list[str]:
    """Installs an `infra.check.gate` module answering `report`; returns the stacks it checked."""
    checked: list[str] = []

    def run_gate(config: StackConfig, _paths: ProjectPaths) -> PassingReport:
        checked.append(config.stack)
        return report

    module = types.ModuleType("infra.check.gate")
    module.run_gate = run_gate  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "infra.check.gate", module)
    return checked


def run_entry(paths: ProjectPaths) -> None:
    """`infra/__main__.py` as the Pulumi CLI runs it (`main: infra/`): the folder as a script."""
    runpy.run_path(str(paths.root / "infra"), run_name="__main__")


def test_the_entry_runs_the_gate_then_declares(paths: ProjectPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = fake_gate(monkeypatch, PassingReport())
    mocks = run_stack("production", paths, entry=lambda: run_entry(paths))
    assert checked == ["production"]
    assert mocks.one(WORKER).inputs["name"] == "code-execution"
    assert len(mocks.of_type(VERSION)) == 1


def test_the_entry_stops_when_the_gate_fails(paths: ProjectPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = fake_gate(monkeypatch, PassingReport(passed=False, failures=[Failure("huge-string", "")]))
    mocks = RecordingMocks()
    with pytest.raises(pulumi.RunError, match="huge-string"):
        run_stack("staging", paths, entry=lambda: run_entry(paths), mocks=mocks)
    assert checked == ["staging"]
    assert mocks.resources == []


# Math.cbrt(27) is 3.0000000000000004 natively and 3 on the Worker (the platforms' libm,
# infra/check/cases/README.md): expecting one of them fails exactly one real tier.
@pytest.mark.parametrize(("expected", "tier"), [(3, "native"), (3.0000000000000004, "Worker")])
def test_the_program_declares_nothing_when_either_tier_of_the_real_gate_fails(
    paths: ProjectPaths, monkeypatch: pytest.MonkeyPatch, expected: float, tier: str
) -> None:
    run = Run("return Math.cbrt(27);", None, {}, Expectation("ok", has_result=True, result=expected))
    monkeypatch.setattr(gate, "gate_corpus", lambda: [Case("probe", "libm-cbrt", (run,), paths.root)])
    mocks = RecordingMocks()
    with pytest.raises(
        pulumi.RunError, match=rf"sandbox check failed for stack staging .*probe/libm-cbrt \({tier}\)"
    ):
        run_stack("staging", paths, gate=default_gate, mocks=mocks)
    assert mocks.resources == []


def test_the_program_checks_with_the_real_gate(paths: ProjectPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an injected check, the program runs infra.check.gate.run_gate: the corpus on the
    native harness and on the fresh build served by workerd, which pass for a good build
    (a few cases here; `codeexec check`'s test runs them all)."""
    few = [case for case in gate.gate_corpus() if case.family == "isolation"][:4]
    monkeypatch.setattr(gate, "gate_corpus", lambda: few)
    config = load_stack_config("staging", paths.stack_file("staging"))
    build_stack(config, paths)
    report = default_gate(config, paths)
    assert report.passed, [str(failure) for failure in report.failures]
    assert len(report.native) == len(report.worker) == 4  # type: ignore[attr-defined]
