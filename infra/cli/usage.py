"""`codeexec usage`: a period's usage and bill from a running service.

Without `--client` it prints the admin statement of every client; with it, that
client's totals and line items. The service's URL and key are found as for `codeexec
keys` (infra/cli/service_client.py): the options, else $CODEEXEC_URL / $API_KEY, else the
local dev server and `.dev.vars`.
"""

from __future__ import annotations

import argparse
import json
import urllib.parse
from typing import Any

from infra.cli.options import Commands, add_command, add_service_options, service_of
from infra.errors import InfraError
from infra.paths import ProjectPaths

MICROS = 1_000_000


def register(commands: Commands) -> None:
    usage = add_command(commands, "usage", "print a period's usage and bill from a running service", run)
    add_service_options(usage)
    usage.add_argument("--period", help="the month, YYYY-MM (default: the current one)")
    usage.add_argument("--client", help="one client's usage and line items (default: every client)")
    usage.add_argument("--format", choices=("table", "json", "csv"), default="table")


def run(args: argparse.Namespace, paths: ProjectPaths) -> int:
    service = service_of(args, paths)
    query: dict[str, str] = {}
    if args.period:
        query["period"] = args.period
    if args.client:
        if args.format == "csv":
            raise InfraError("--format csv is the statement of every client; drop --client")
        query["clientId"] = args.client
        path = "/v1/usage"
    else:
        path = "/v1/usage/statement"
        if args.format == "csv":
            query["format"] = "csv"
    text = service.get_text(f"{path}?{urllib.parse.urlencode(query)}")
    if args.format == "csv":
        print(text, end="")
    elif args.format == "json":
        print(json.dumps(json.loads(text), indent=2))
    elif args.client:
        print(client_table(json.loads(text)))
    else:
        print(statement_table(json.loads(text)))
    return 0


def money(micros: int, currency: str) -> str:
    """Micro-units as the currency's decimal amount, exactly (no float)."""
    sign = "-" if micros < 0 else ""
    whole, fraction = divmod(abs(micros), MICROS)
    return f"{sign}{whole}.{fraction:06d} {currency}"


def client_table(body: dict[str, Any]) -> str:
    currency = body["cost"]["currency"]
    totals = body["totals"]
    lines = [
        f"Usage of {body['clientId']} for {body['period']} ({body['state']})",
        f"  requests {totals['requests']:,}   fuel {totals['fuel']:,}   wall {totals['wallMs']:,} ms   "
        f"peak memory {totals['peakMemoryBytes']:,} B",
        "",
    ]
    for item in body["lineItems"]:
        amount = money(item["amountMicros"], currency)
        lines.append(f"  {item['description']:<26} {item['quantity']:>14,}  {amount:>22}")
    lines.append(f"  {'due':<26} {'':>14}  {money(body['cost']['dueMicros'], currency):>22}")
    return "\n".join(lines)


def statement_table(body: dict[str, Any]) -> str:
    currency = body["currency"]
    lines = [
        f"Statement for {body['period']} ({body['state']}), {body['total']['clients']} clients",
        f"  {'client':<30} {'requests':>10} {'fuel':>12} {'gross':>22} {'due':>22}",
    ]
    for client in body["clients"]:
        totals, cost = client["totals"], client["cost"]
        lines.append(
            f"  {client['clientId']:<30} {totals['requests']:>10,} {totals['fuel']:>12,} "
            f"{money(cost['grossMicros'], currency):>22} {money(cost['dueMicros'], currency):>22}"
        )
    total = body["total"]
    lines.append(
        f"  {'total':<30} {total['requests']:>10,} {'':>12} "
        f"{money(total['grossMicros'], currency):>22} {money(total['dueMicros'], currency):>22}"
    )
    return "\n".join(lines)
