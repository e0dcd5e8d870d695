"""Talks to a running service (local or deployed) for the `codeexec` admin commands.

The service is the one `--url` names, else `$CODEEXEC_URL`, else the local server a
running `codeexec dev` recorded (infra/local/dev_record.py), else the default local address.
Every failure says which URL was tried, where it came from, and how to point elsewhere.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from infra.errors import InfraError
from infra.local.dev_record import read_dev_record
from infra.local.devserver import DEFAULT_HOST, DEFAULT_PORT
from infra.local.devvars import read_dev_vars
from infra.paths import ProjectPaths
from infra.stack.bindings import API_KEY

DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
URL_VARIABLE = "CODEEXEC_URL"
TIMEOUT_SECONDS = 30


class ServiceCallError(InfraError):
    """The service answered with an error, or could not be reached."""


@dataclass(frozen=True)
class ServiceClient:
    base_url: str
    api_key: str
    # Where base_url came from, for messages: "--url", "$CODEEXEC_URL", ...
    url_source: str = "--url"

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """A JSON request; the answer's JSON."""
        data = None if body is None else json.dumps(body).encode()
        return json.loads(self._send(method, path, data))

    def get_text(self, path: str) -> str:
        """A GET whose answer may not be JSON (CSV)."""
        return self._send("GET", path, None).decode()

    def _send(self, method: str, path: str, data: bytes | None) -> bytes:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        url = self.base_url.rstrip("/") + path
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                answer: bytes = response.read()
                return answer
        except urllib.error.HTTPError as error:
            raise ServiceCallError(f"{url.partition('?')[0]} answered {_describe(error)}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ServiceCallError(
                f"cannot reach {self.base_url} ({self.url_source}): {reason}; "
                f"pass --url or set ${URL_VARIABLE} to use another service"
            ) from None


def _describe(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read())["error"]
        return f"{error.code} {detail['code']}: {detail['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{error.code} {error.reason}"


def service_url(url: str | None, paths: ProjectPaths) -> tuple[str, str]:
    """The service's URL and where it came from."""
    if url:
        return url, "--url"
    if os.environ.get(URL_VARIABLE):
        return os.environ[URL_VARIABLE], f"${URL_VARIABLE}"
    record = read_dev_record(paths.dev_record)
    if record is not None:
        return record.url, f"the `codeexec dev` of stack {record.stack}, from {paths.dev_record.name}"
    return DEFAULT_URL, "the default; no `codeexec dev` is running"


def service_client(url: str | None, api_key: str | None, paths: ProjectPaths) -> ServiceClient:
    """The client for --url/--api-key, else $CODEEXEC_URL/$API_KEY, else the local dev server."""
    key = api_key or os.environ.get(API_KEY)
    if not key and paths.dev_vars.exists():
        key = read_dev_vars(paths.dev_vars).get(API_KEY)
    if not key:
        raise InfraError(
            f"no admin key: pass --api-key, set ${API_KEY}, or run `make dev` once to create .dev.vars"
        )
    base_url, source = service_url(url, paths)
    if not base_url.startswith(("http://", "https://")):
        raise InfraError(f"the service URL must start with http:// or https://, got {base_url!r} ({source})")
    return ServiceClient(base_url=base_url, api_key=key, url_source=source)
