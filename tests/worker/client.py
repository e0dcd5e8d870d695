"""A small HTTP client for the Worker under test (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

TIMEOUT_SECONDS = 60
# The README's seed example: the request every tier starts from.
SEED = {
    "code": "const x = 10; const y = 20; return x + y;",
    "language": "javascript",
    "clientId": "test-client",
}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def error_code(self) -> str:
        code: str = self.body["error"]["code"]
        return code


@dataclass(frozen=True)
class WorkerClient:
    base_url: str
    api_key: str
    # Every line the server has printed so far (its structured logs among them).
    server_output: list[str] = field(default_factory=list)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return Reply(response.status, dict(response.headers), json.loads(response.read()))
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), json.loads(error.read()))

    def post_json(self, path: str, payload: Any, api_key: str | None = None) -> Reply:
        return self.request(
            "POST",
            path,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {api_key or self.api_key}"},
        )

    def execute(self, code: str, **extra: Any) -> Reply:
        payload = {"code": code, "language": "javascript", "clientId": "test-client", **extra}
        return self.post_json("/v1/execute", payload)

    def get(self, path: str, api_key: str | None = None) -> Reply:
        return self.request("GET", path, headers={"Authorization": f"Bearer {api_key or self.api_key}"})

    def get_text(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        """A GET whose answer is not JSON (CSV, Miniflare's trigger endpoints)."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()
