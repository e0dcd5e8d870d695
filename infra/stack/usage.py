"""The `usage` settings of a stack: recording switch, prices, free allowance and quotas.

Money is always a whole number of micro-units of the stack's currency (1 USD =
1,000,000 micro-units), so no price or bill is ever a float. The whole `usage` key is
optional: without it a stack records usage, prices nothing and has no quotas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.errors import ConfigError

CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
CLIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
# One trillion micro-units (a million units of the currency): far above any sane price
# or cap, and small enough that sums stay exact in a JavaScript number.
MAX_MICROS = 10**12
MAX_REQUESTS = 10**12
USAGE_KEYS = (
    "record",
    "currency",
    "pricePerExecutionMicros",
    "pricePerMillionFuelMicros",
    "freeAllowanceMicros",
    "quota",
)
QUOTA_KEYS = ("requestsPerMonth", "spendPerMonthMicros", "clients")
CAP_KEYS = ("requestsPerMonth", "spendPerMonthMicros")
KeyName = Callable[[str], str]


@dataclass(frozen=True)
class Caps:
    """A client's monthly caps; None means no cap."""

    requests_per_month: int | None = None
    spend_per_month_micros: int | None = None

    def for_worker(self) -> dict[str, int | None]:
        return {
            "requestsPerMonth": self.requests_per_month,
            "spendPerMonthMicros": self.spend_per_month_micros,
        }


@dataclass(frozen=True)
class UsageConfig:
    """How executions are metered and priced on one stack."""

    record: bool = True
    currency: str = "USD"
    price_per_execution_micros: int = 0
    price_per_million_fuel_micros: int = 0
    free_allowance_micros: int = 0
    default_caps: Caps = field(default_factory=Caps)
    client_caps: Mapping[str, Caps] = field(default_factory=dict)

    def for_worker(self) -> dict[str, Any]:
        """The settings as the Worker's generated config module carries them."""
        return {
            "record": self.record,
            "currency": self.currency,
            "pricePerExecutionMicros": self.price_per_execution_micros,
            "pricePerMillionFuelMicros": self.price_per_million_fuel_micros,
            "freeAllowanceMicros": self.free_allowance_micros,
            "quota": {
                "default": self.default_caps.for_worker(),
                "clients": {client: caps.for_worker() for client, caps in sorted(self.client_caps.items())},
            },
        }


def parse_usage(value: Any, key_name: KeyName) -> UsageConfig:
    """Validates the `usage` mapping; `key_name` spells a key as the stack file does."""
    if value is None:
        return UsageConfig()
    if not isinstance(value, Mapping):
        raise ConfigError(key_name("usage"), "must be a mapping (record, currency, prices, quota)")
    _refuse_unknown(value, USAGE_KEYS, "usage", key_name)
    record = value.get("record", True)
    if not isinstance(record, bool):
        raise ConfigError(key_name("usage.record"), f"must be true or false, got {record!r}")
    currency = value.get("currency", "USD")
    if not isinstance(currency, str) or not CURRENCY_PATTERN.match(currency):
        raise ConfigError(key_name("usage.currency"), f"must be an ISO 4217 code like USD, got {currency!r}")
    default_caps, client_caps = _quota(value.get("quota"), key_name)
    return UsageConfig(
        record=record,
        currency=currency,
        price_per_execution_micros=_whole(value, "pricePerExecutionMicros", MAX_MICROS, key_name, "usage."),
        price_per_million_fuel_micros=_whole(
            value, "pricePerMillionFuelMicros", MAX_MICROS, key_name, "usage."
        ),
        free_allowance_micros=_whole(value, "freeAllowanceMicros", MAX_MICROS, key_name, "usage."),
        default_caps=default_caps,
        client_caps=client_caps,
    )


def _quota(value: Any, key_name: KeyName) -> tuple[Caps, dict[str, Caps]]:
    if value is None:
        return Caps(), {}
    if not isinstance(value, Mapping):
        raise ConfigError(key_name("usage.quota"), f"must be a mapping ({', '.join(QUOTA_KEYS)})")
    _refuse_unknown(value, QUOTA_KEYS, "usage.quota", key_name)
    default = _caps(value, "usage.quota.", key_name)
    clients_value = value.get("clients") or {}
    if not isinstance(clients_value, Mapping):
        raise ConfigError(key_name("usage.quota.clients"), "must map client ids to their caps")
    clients: dict[str, Caps] = {}
    for client, caps in clients_value.items():
        prefix = f"usage.quota.clients.{client}"
        if not isinstance(client, str) or not CLIENT_ID_PATTERN.fullmatch(client):
            raise ConfigError(key_name(prefix), "is not a valid client id")
        if not isinstance(caps, Mapping):
            raise ConfigError(key_name(prefix), "must be a mapping (requestsPerMonth, spendPerMonthMicros)")
        _refuse_unknown(caps, CAP_KEYS, prefix, key_name)
        own = _caps(caps, f"{prefix}.", key_name)
        # A client's entry overrides the default caps it names and inherits the rest.
        clients[client] = Caps(
            requests_per_month=default.requests_per_month
            if own.requests_per_month is None
            else own.requests_per_month,
            spend_per_month_micros=default.spend_per_month_micros
            if own.spend_per_month_micros is None
            else own.spend_per_month_micros,
        )
    return default, clients


def _caps(values: Mapping[str, Any], prefix: str, key_name: KeyName) -> Caps:
    return Caps(
        requests_per_month=_optional_whole(values, "requestsPerMonth", MAX_REQUESTS, key_name, prefix),
        spend_per_month_micros=_optional_whole(values, "spendPerMonthMicros", MAX_MICROS, key_name, prefix),
    )


def _refuse_unknown(values: Mapping[str, Any], known: tuple[str, ...], where: str, key_name: KeyName) -> None:
    unknown = sorted(str(key) for key in set(values) - set(known))
    if unknown:
        raise ConfigError(key_name(f"{where}.{unknown[0]}"), f"is not a setting; known: {', '.join(known)}")


def _optional_whole(
    values: Mapping[str, Any], key: str, maximum: int, key_name: KeyName, prefix: str
) -> int | None:
    if values.get(key) is None:
        return None
    return _whole(values, key, maximum, key_name, prefix)


def _whole(values: Mapping[str, Any], key: str, maximum: int, key_name: KeyName, prefix: str) -> int:
    value = values.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ConfigError(
            key_name(f"{prefix}{key}"),
            f"must be a whole number from 0 to {maximum} (micro-units for money), got {value!r}",
        )
    return value
