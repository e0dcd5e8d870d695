"""`codeexec keys create|list|revoke`: per-client API keys through the admin endpoints."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from urllib.parse import quote

from infra.cli.options import Commands, add_command, add_service_options, service_of
from infra.cli.service_client import ServiceClient
from infra.paths import ProjectPaths

Print = Callable[[str], None]


def create_key(service: ServiceClient, client_id: str, out: Print) -> None:
    """Creates the client if it is new, else issues it another key; prints the key once."""
    existing = {client["clientId"] for client in service.call("GET", "/v1/admin/clients")["clients"]}
    if client_id in existing:
        key = service.call("POST", f"/v1/admin/clients/{quote(client_id, safe='')}/keys", {})["key"]
    else:
        key = service.call("POST", "/v1/admin/clients", {"clientId": client_id})["key"]
    out(f"client  {key['clientId']}")
    out(f"key id  {key['keyId']}")
    out(f"key     {key['key']}")
    out("Store the key now: the service keeps only its hash and cannot show it again.")


def list_keys(service: ServiceClient, client_id: str | None, out: Print) -> None:
    if client_id is None:
        for client in service.call("GET", "/v1/admin/clients")["clients"]:
            out(f"{client['clientId']:<32} created {client['createdAt']}")
        return
    listing = service.call("GET", f"/v1/admin/clients/{quote(client_id, safe='')}/keys")
    for key in listing["keys"]:
        state = f"revoked {key['revokedAt']}" if key["revokedAt"] else "live"
        out(f"{key['keyId']}  created {key['createdAt']}  {state}")


def revoke_key(service: ServiceClient, key_id: str, out: Print) -> None:
    revoked = service.call("DELETE", f"/v1/admin/keys/{quote(key_id, safe='')}")["key"]
    out(f"revoked {revoked['keyId']} at {revoked['revokedAt']} (refused everywhere within about 60 s)")


def register(commands: Commands) -> None:
    keys = commands.add_parser(
        "keys", help="create, list and revoke per-client API keys on a running service"
    )
    actions = keys.add_subparsers(required=True, metavar="ACTION")
    create = add_command(actions, "create", "issue a key for a client (creating the client if new)", _create)
    create.add_argument("client_id", metavar="CLIENT_ID")
    listing = add_command(actions, "list", "list clients, or one client's keys", _list)
    listing.add_argument("client_id", metavar="CLIENT_ID", nargs="?")
    revoke = add_command(actions, "revoke", "revoke a key by its id", _revoke)
    revoke.add_argument("key_id", metavar="KEY_ID")
    for action in (create, listing, revoke):
        add_service_options(action)


def _create(args: argparse.Namespace, paths: ProjectPaths) -> int:
    create_key(service_of(args, paths), args.client_id, print)
    return 0


def _list(args: argparse.Namespace, paths: ProjectPaths) -> int:
    list_keys(service_of(args, paths), args.client_id, print)
    return 0


def _revoke(args: argparse.Namespace, paths: ProjectPaths) -> int:
    revoke_key(service_of(args, paths), args.key_id, print)
    return 0
