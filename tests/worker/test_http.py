"""worker_src/http.js on workerd: the JSON content type (415 otherwise) and the body's size limit."""

from __future__ import annotations

import json

import pytest

from tests.worker.client import SEED, WorkerClient

pytestmark = pytest.mark.e2e


def test_wrong_content_type_is_415(worker: WorkerClient) -> None:
    reply = worker.request(
        "POST",
        "/",
        json.dumps(SEED).encode(),
        {"Content-Type": "text/plain", "Authorization": f"Bearer {worker.api_key}"},
    )
    assert (reply.status, reply.error_code) == (415, "unsupported_media_type")


def test_content_type_with_charset_is_accepted(worker: WorkerClient) -> None:
    reply = worker.request(
        "POST",
        "/",
        json.dumps(SEED).encode(),
        {"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {worker.api_key}"},
    )
    assert reply.status == 200


def test_body_over_the_limit_is_413_body_too_large(
    worker: WorkerClient, staging_config_limits: dict[str, int]
) -> None:
    padding = "x" * (staging_config_limits["maxRequestBytes"] + 1)
    reply = worker.execute("return 1", input=padding)
    assert (reply.status, reply.error_code) == (413, "body_too_large")
