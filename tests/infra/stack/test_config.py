"""Stack config: both stacks load; every bad value fails with one line naming the key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.errors import ConfigError
from infra.paths import ProjectPaths
from infra.stack.config import LIMIT_RULES, load_stack_config, parse_stack_config


def stack_values(paths: ProjectPaths, stack: str = "staging") -> dict[str, Any]:
    document = yaml.safe_load(paths.stack_file(stack).read_text())
    return {
        key.split(":", 1)[1]: value
        for key, value in document["config"].items()
        if key.startswith("code-execution:")
    }


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_both_stacks_load(paths: ProjectPaths, stack: str) -> None:
    config = load_stack_config(stack, paths.stack_file(stack))
    assert config.stack == stack
    assert config.limits.heap_mib < config.limits.memory_mib


def test_stacks_have_distinct_worker_names(paths: ProjectPaths) -> None:
    names = {
        load_stack_config(stack, paths.stack_file(stack)).worker_name for stack in ("staging", "production")
    }
    assert names == {"code-execution-staging", "code-execution"}


def test_limits_reach_the_worker_in_bytes(paths: ProjectPaths) -> None:
    limits = load_stack_config("staging", paths.stack_file("staging")).limits
    worker = limits.for_worker()
    assert worker["memoryBytes"] == limits.memory_mib * 1024 * 1024
    assert worker["stackBytes"] == limits.stack_kib * 1024
    assert worker["fuel"] == limits.fuel_per_run


@pytest.mark.parametrize("key", ["workerName", "compatibilityDate", "limits", "rateLimit"])
def test_missing_top_level_key_is_named(paths: ProjectPaths, key: str) -> None:
    values = stack_values(paths)
    del values[key]
    with pytest.raises(ConfigError, match=f"^code-execution:{key}: is missing$"):
        parse_stack_config("staging", values)


@pytest.mark.parametrize("rule", LIMIT_RULES, ids=lambda rule: rule.key)
def test_each_limit_is_required_and_range_checked(paths: ProjectPaths, rule: Any) -> None:
    values = stack_values(paths)
    missing = copy.deepcopy(values)
    del missing["limits"][rule.key]
    with pytest.raises(ConfigError, match=f"limits.{rule.key}: is missing"):
        parse_stack_config("staging", missing)
    for bad in (rule.maximum + 1, rule.minimum - 1, "12", True, 1.5):
        broken = copy.deepcopy(values)
        broken["limits"][rule.key] = bad
        with pytest.raises(ConfigError, match=f"limits.{rule.key}: must be a whole number"):
            parse_stack_config("staging", broken)


def test_unknown_limit_is_refused(paths: ProjectPaths) -> None:
    values = stack_values(paths)
    values["limits"]["fuel"] = 10
    with pytest.raises(ConfigError, match=r"limits\.fuel: is not a limit"):
        parse_stack_config("staging", values)


def test_heap_must_stay_below_the_memory_cap(paths: ProjectPaths) -> None:
    values = stack_values(paths)
    values["limits"]["heapMiB"] = values["limits"]["memoryMiB"]
    with pytest.raises(ConfigError, match=r"limits\.heapMiB"):
        parse_stack_config("staging", values)


@pytest.mark.parametrize("bad", ["2026-13-01", "soon", "not-a-date"])
def test_compatibility_date_must_be_a_date(paths: ProjectPaths, bad: str) -> None:
    values = stack_values(paths)
    values["compatibilityDate"] = bad
    with pytest.raises(ConfigError, match="compatibilityDate: must be a date"):
        parse_stack_config("staging", values)


@pytest.mark.parametrize("bad", ["Has-Capitals", "", "-leading", "x" * 64])
def test_worker_name_must_be_a_valid_script_name(paths: ProjectPaths, bad: str) -> None:
    values = stack_values(paths)
    values["workerName"] = bad
    with pytest.raises(ConfigError, match="workerName"):
        parse_stack_config("staging", values)


def test_missing_stack_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"Pulumi\.qa\.yaml: no such file"):
        load_stack_config("qa", tmp_path / "Pulumi.qa.yaml")


def test_broken_yaml_is_one_line(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.qa.yaml"
    stack_file.write_text("config: [unclosed\n")
    with pytest.raises(ConfigError) as raised:
        load_stack_config("qa", stack_file)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"periodSeconds": 30}, "rateLimit.periodSeconds"),
        ({"periodSeconds": True}, "rateLimit.periodSeconds"),
        ({"requests": 0}, "rateLimit.requests"),
        ({"requests": "many"}, "rateLimit.requests"),
    ],
)
def test_rate_limit_must_fit_the_binding(paths: ProjectPaths, change: dict[str, Any], key: str) -> None:
    values = stack_values(paths)
    values["rateLimit"] = {**values["rateLimit"], **change}
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        parse_stack_config("staging", values)


def test_log_user_code_is_off_unless_asked_and_must_be_a_boolean(paths: ProjectPaths) -> None:
    values = stack_values(paths)
    assert parse_stack_config("staging", values).log_user_code is False
    values["logUserCode"] = "yes"
    with pytest.raises(ConfigError, match="logUserCode"):
        parse_stack_config("staging", values)


def test_deploy_settings_default_and_per_stack(paths: ProjectPaths) -> None:
    staging = load_stack_config("staging", paths.stack_file("staging")).cloudflare
    production = load_stack_config("production", paths.stack_file("production")).cloudflare
    assert staging.account_id is None
    assert staging.plan == "paid"
    assert staging.workers_dev is True
    assert staging.usage_rollup_cron != production.usage_rollup_cron
    assert production.rollout.percentage == 100


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"accountId": "not-hex"}, "code-execution:accountId"),
        ({"plan": "enterprise"}, "code-execution:plan"),
        ({"workersDev": "yes"}, "code-execution:workersDev"),
        ({"routes": ["api.example.com/*"]}, "code-execution:zoneId"),
        ({"routes": ["https://api.example.com/*"], "zoneId": "f" * 32}, "code-execution:routes"),
        ({"customDomain": "Not A Host"}, "code-execution:customDomain"),
        ({"workersDev": False}, "code-execution:workersDev"),
        ({"usageRollupCron": "every hour"}, "code-execution:usageRollupCron"),
        ({"rollout": {"percentage": 0}}, "code-execution:rollout.percentage"),
        ({"rollout": {"percentage": 10}}, "code-execution:rollout.stableVersionId"),
        ({"rollout": {"rollbackTo": "v1"}}, "code-execution:rollout.rollbackTo"),
        ({"rollout": {"canary": 1}}, "code-execution:rollout.canary"),
        ({"rollout": {"force": "always"}}, "code-execution:rollout.force"),
    ],
)
def test_bad_deploy_settings_name_their_key(paths: ProjectPaths, change: dict[str, Any], key: str) -> None:
    values = {**stack_values(paths), **change}
    with pytest.raises(ConfigError) as raised:
        parse_stack_config("staging", values)
    assert raised.value.key == key


def test_reachable_by_custom_domain_alone(paths: ProjectPaths) -> None:
    values = {
        **stack_values(paths),
        "workersDev": False,
        "customDomain": "run.example.com",
        "zoneId": "f" * 32,
    }
    cloudflare = parse_stack_config("staging", values).cloudflare
    assert cloudflare.custom_domain == "run.example.com"
    assert cloudflare.workers_dev is False


def test_values_as_pulumi_config_set_stores_them(paths: ProjectPaths) -> None:
    values = {
        **stack_values(paths),
        "workersDev": "false",
        "customDomain": "run.example.com",
        "rollout": {
            "percentage": "25",
            "stableVersionId": "11111111-2222-4333-8444-555555555555",
            "force": "true",
        },
    }
    cloudflare = parse_stack_config("staging", values).cloudflare
    assert cloudflare.workers_dev is False
    assert cloudflare.rollout.percentage == 25
    assert cloudflare.rollout.force is True
