"""Talks to a running service (local or deployed) for the `codeexec` admin commands."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from infra.devvars import API_KEY, read_dev_vars
from infra.errors import InfraError
from infra.paths import ProjectPaths

DEFAULT_URL = "http://127.0.0.1:8787"
URL_VARIABLE = "CODEEXEC_URL"
TIMEOUT_SECONDS = 30


class ServiceCallError(InfraError):
    """The service answered with an error, or could not be reached."""


@dataclass(frozen=True)
class ServiceClient:
    base_url: str
    api_key: str

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        url = self.base_url.rstrip("/") + path
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ServiceCallError(_describe(error)) from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise ServiceCallError(f"cannot reach {self.base_url}: {error}") from None


def _describe(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read())["error"]
        return f"{error.code} {detail['code']}: {detail['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{error.code} {error.reason}"


def service_client(url: str | None, api_key: str | None, paths: ProjectPaths) -> ServiceClient:
    """The client for --url/--api-key, else $CODEEXEC_URL/$API_KEY, else the local dev server."""
    key = api_key or os.environ.get(API_KEY)
    if not key and paths.dev_vars.exists():
        key = read_dev_vars(paths.dev_vars).get(API_KEY)
    if not key:
        raise InfraError(
            f"no admin key: pass --api-key, set ${API_KEY}, or run `make dev` once to create .dev.vars"
        )
    base_url = url or os.environ.get(URL_VARIABLE) or DEFAULT_URL
    if not base_url.startswith(("http://", "https://")):
        raise InfraError(f"the service URL must start with http:// or https://, got {base_url!r}")
    return ServiceClient(base_url=base_url, api_key=key)
