"""The `usage` settings: prices in integer micro-units, caps, the recording switch."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from typing import Any

import pytest

from infra.build.manifest import Manifest
from infra.errors import ConfigError
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig, load_stack_config, parse_stack_config
from infra.stack.usage import Caps, UsageConfig
from tests.infra.stack.test_config import stack_values


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_both_stacks_price_usage_and_record_it(paths: ProjectPaths, stack: str) -> None:
    usage = load_stack_config(stack, paths.stack_file(stack)).usage
    assert usage.record is True
    assert usage.currency == "USD"
    assert usage.price_per_execution_micros > 0
    assert usage.price_per_million_fuel_micros > 0
    assert usage.default_caps.requests_per_month is not None


def test_usage_is_optional_and_then_free_and_recorded(paths: ProjectPaths) -> None:
    values = stack_values(paths)
    del values["usage"]
    assert parse_stack_config("staging", values).usage == UsageConfig()


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("record", "yes", "must be true or false"),
        ("currency", "usd", "ISO 4217"),
        ("pricePerExecutionMicros", 0.5, "whole number"),
        ("pricePerExecutionMicros", -1, "whole number"),
        ("pricePerMillionFuelMicros", "100", "whole number"),
        ("freeAllowanceMicros", True, "whole number"),
        ("priceInDollars", 1, "is not a setting"),
    ],
)
def test_bad_usage_values_name_their_key(paths: ProjectPaths, key: str, bad: Any, message: str) -> None:
    values = stack_values(paths)
    values["usage"][key] = bad
    with pytest.raises(ConfigError, match=rf"^code-execution:usage\.{key}: .*{message}"):
        parse_stack_config("staging", values)


def test_bad_quota_values_name_their_key(paths: ProjectPaths) -> None:
    values = stack_values(paths)
    broken = copy.deepcopy(values)
    broken["usage"]["quota"]["requestsPerMonth"] = -5
    with pytest.raises(ConfigError, match=r"usage\.quota\.requestsPerMonth: must be a whole number"):
        parse_stack_config("staging", broken)
    broken = copy.deepcopy(values)
    broken["usage"]["quota"]["clients"] = {"a/b": {"requestsPerMonth": 1}}
    with pytest.raises(ConfigError, match=r"usage\.quota\.clients\.a/b: is not a valid client id"):
        parse_stack_config("staging", broken)
    broken = copy.deepcopy(values)
    broken["usage"]["quota"]["clients"] = {"acme": {"requests": 1}}
    with pytest.raises(ConfigError, match=r"usage\.quota\.clients\.acme\.requests: is not a setting"):
        parse_stack_config("staging", broken)


def test_a_client_entry_overrides_only_the_caps_it_names(paths: ProjectPaths) -> None:
    values = stack_values(paths)
    values["usage"]["quota"] = {
        "requestsPerMonth": 1000,
        "spendPerMonthMicros": 5_000_000,
        "clients": {"acme": {"requestsPerMonth": 10}},
    }
    usage = parse_stack_config("staging", values).usage
    assert usage.default_caps == Caps(1000, 5_000_000)
    assert usage.client_caps["acme"] == Caps(10, 5_000_000)
    assert usage.for_worker()["quota"]["clients"] == {
        "acme": {"requestsPerMonth": 10, "spendPerMonthMicros": 5_000_000}
    }


def test_generated_module_and_wrangler_carry_usage(
    paths: ProjectPaths, staging_build: Manifest, staging_config: StackConfig
) -> None:
    module = (paths.build_dir("staging") / "stack-config.js").read_text()
    match = re.search(r"^export const USAGE = Object\.freeze\((.*)\);$", module, re.MULTILINE)
    assert match is not None
    assert json.loads(match.group(1)) == staging_config.usage.for_worker()
    wrangler = tomllib.loads((paths.build_dir("staging") / "wrangler.toml").read_text())
    assert wrangler["triggers"]["crons"] == [staging_config.cloudflare.usage_rollup_cron]
