"""worker_src/auth.js on workerd: missing or wrong credentials are 401, the key never echoed."""

from __future__ import annotations

import json

import pytest

from tests.worker.client import SEED, WorkerClient

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "missing_api_key"),
        ({"Authorization": "Bearer wrong-key"}, "invalid_api_key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_api_key"),
        ({"Authorization": "Bearer"}, "invalid_api_key"),
    ],
)
def test_bad_credentials_get_401(worker: WorkerClient, headers: dict[str, str], code: str) -> None:
    reply = worker.request(
        "POST", "/", json.dumps(SEED).encode(), {"Content-Type": "application/json", **headers}
    )
    assert reply.status == 401
    assert reply.error_code == code
    assert "www-authenticate" in {name.lower() for name in reply.headers}
    assert worker.api_key not in json.dumps(reply.body)
