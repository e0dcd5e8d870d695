"""worker_src/clients/keys.js, per-client keys, on workerd: issued by the admin, bound to
their client, revocable."""

from __future__ import annotations

import json
import secrets

import pytest

from tests.worker.client import Reply, WorkerClient

pytestmark = pytest.mark.e2e


def new_client(worker: WorkerClient) -> tuple[str, str]:
    """Creates a client with a unique id; returns (clientId, its first key)."""
    client_id = f"acme-{secrets.token_hex(4)}"
    reply = worker.post_json("/v1/admin/clients", {"clientId": client_id})
    assert reply.status == 201, reply.body
    assert reply.body["client"]["clientId"] == client_id
    return client_id, reply.body["key"]["key"]


def run_as(worker: WorkerClient, key: str, **payload: object) -> Reply:
    body = {"code": "return 6 * 7;", "language": "javascript", **payload}
    return worker.post_json("/v1/execute", body, api_key=key)


def test_a_client_key_runs_code_as_its_client(worker: WorkerClient) -> None:
    client_id, key = new_client(worker)
    assert key.startswith("cek_")
    implied = run_as(worker, key)
    assert (implied.status, implied.body["result"]) == (200, 42)
    named = run_as(worker, key, clientId=client_id)
    assert named.status == 200


def test_a_client_key_cannot_act_for_another_client(worker: WorkerClient) -> None:
    _, key = new_client(worker)
    other_id, _ = new_client(worker)
    reply = run_as(worker, key, clientId=other_id)
    assert (reply.status, reply.error_code) == (403, "client_mismatch")
    assert reply.body["error"]["field"] == "clientId"


def test_the_admin_key_still_needs_a_client_id(worker: WorkerClient) -> None:
    reply = worker.post_json("/v1/execute", {"code": "return 1", "language": "javascript"})
    assert (reply.status, reply.error_code) == (422, "missing_field")


def test_a_client_key_cannot_use_admin_endpoints(worker: WorkerClient) -> None:
    client_id, key = new_client(worker)
    for method, path in [
        ("GET", "/v1/admin/clients"),
        ("GET", f"/v1/admin/clients/{client_id}/keys"),
        ("POST", f"/v1/admin/clients/{client_id}/keys"),
    ]:
        reply = worker.request(method, path, headers={"Authorization": f"Bearer {key}"})
        assert (reply.status, reply.error_code) == (403, "admin_only"), path


def test_listing_shows_ids_and_dates_never_keys_or_hashes(worker: WorkerClient) -> None:
    client_id, first = new_client(worker)
    second = worker.post_json(f"/v1/admin/clients/{client_id}/keys", {})
    assert second.status == 201
    listing = worker.request("GET", f"/v1/admin/clients/{client_id}/keys", headers=admin(worker))
    assert listing.status == 200
    assert {key["keyId"] for key in listing.body["keys"]} == {
        first.split("_")[1],
        second.body["key"]["keyId"],
    }
    text = json.dumps(listing.body)
    for secret in (first, second.body["key"]["key"]):
        assert secret not in text
        assert secret.split("_", 2)[2] not in text
    assert "secretSha256" not in text
    clients = worker.request("GET", "/v1/admin/clients", headers=admin(worker))
    assert client_id in {client["clientId"] for client in clients.body["clients"]}


def test_a_revoked_key_is_refused_and_others_keep_working(worker: WorkerClient) -> None:
    client_id, first = new_client(worker)
    second = worker.post_json(f"/v1/admin/clients/{client_id}/keys", {}).body["key"]
    revoke = worker.request("DELETE", f"/v1/admin/keys/{second['keyId']}", headers=admin(worker))
    assert revoke.status == 200
    assert revoke.body["key"]["revokedAt"]
    refused = run_as(worker, second["key"])
    assert (refused.status, refused.error_code) == (401, "invalid_api_key")
    assert run_as(worker, first).status == 200
    again = worker.request("DELETE", f"/v1/admin/keys/{second['keyId']}", headers=admin(worker))
    assert (again.status, again.error_code) == (404, "unknown_key")
    listing = worker.request("GET", f"/v1/admin/clients/{client_id}/keys", headers=admin(worker))
    revoked = {key["keyId"]: key["revokedAt"] for key in listing.body["keys"]}
    assert revoked[second["keyId"]] is not None


@pytest.mark.parametrize(
    "forged",
    [
        "cek_0000000000000000_" + "A" * 43,
        "cek_short",
        "cek_" + "f" * 16 + "_",
    ],
)
def test_forged_client_keys_are_refused(worker: WorkerClient, forged: str) -> None:
    reply = run_as(worker, forged, clientId="someone")
    assert (reply.status, reply.error_code) == (401, "invalid_api_key")
    assert forged not in json.dumps(reply.body)


def test_a_right_key_id_with_a_wrong_secret_is_refused(worker: WorkerClient) -> None:
    _, key = new_client(worker)
    prefix, key_id, secret = key.split("_", 2)
    wrong = f"{prefix}_{key_id}_{'B' * len(secret)}"
    reply = run_as(worker, wrong)
    assert (reply.status, reply.error_code) == (401, "invalid_api_key")


def test_creating_an_existing_client_is_409(worker: WorkerClient) -> None:
    client_id, _ = new_client(worker)
    reply = worker.post_json("/v1/admin/clients", {"clientId": client_id})
    assert (reply.status, reply.error_code) == (409, "client_exists")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "missing_field"),
        ({"clientId": "no spaces"}, 422, "invalid_field"),
        ({"clientId": None}, 422, "invalid_field"),
        ([], 400, "invalid_body"),
    ],
)
def test_create_client_validates_its_body(worker: WorkerClient, body: object, status: int, code: str) -> None:
    """The same codes as /v1/execute gives for its clientId."""
    reply = worker.post_json("/v1/admin/clients", body)
    assert (reply.status, reply.error_code) == (status, code)
    if status == 422:
        assert reply.body["error"]["field"] == "clientId"


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/v1/admin/clients/" + "a" * 506 + "/keys", "unknown_client"),
        ("POST", "/v1/admin/clients/" + "a" * 506 + "/keys", "unknown_client"),
        ("GET", "/v1/admin/clients/" + "a" * 129 + "/keys", "unknown_client"),
        ("GET", "/v1/admin/clients/-starts-with-a-dash/keys", "unknown_client"),
        ("DELETE", "/v1/admin/keys/" + "k" * 510, "unknown_key"),
        ("DELETE", "/v1/admin/keys/0123456789abcdeF", "unknown_key"),
    ],
)
def test_ids_no_client_or_key_can_have_are_404(
    worker: WorkerClient, method: str, path: str, code: str
) -> None:
    """Over-long ids used to reach KV (keys are at most 512 bytes) and answer 500."""
    reply = worker.request(method, path, headers=admin(worker))
    assert (reply.status, reply.error_code) == (404, code)
    assert len(reply.body["error"]["message"]) < 100


def test_unknown_client_and_key_are_404(worker: WorkerClient) -> None:
    missing = worker.request("GET", "/v1/admin/clients/nobody-here/keys", headers=admin(worker))
    assert (missing.status, missing.error_code) == (404, "unknown_client")
    issue = worker.request("POST", "/v1/admin/clients/nobody-here/keys", headers=admin(worker))
    assert (issue.status, issue.error_code) == (404, "unknown_client")
    malformed = worker.request("GET", "/v1/admin/clients/%E0%A4%A/keys", headers=admin(worker))
    assert (malformed.status, malformed.error_code) == (404, "not_found")


def admin(worker: WorkerClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {worker.api_key}"}
