"""The deploy gate's second tier: the behaviour corpus on the built bundle itself.

It serves `build/<stack>/` — the very `worker.js` and engine `.wasm` that `pulumi up`
uploads, checked against the build's manifest first — on workerd (Miniflare, as `make
dev` does, with a throwaway local KV and a random admin key) on a free port of
127.0.0.1, and sends each case's runs as `POST /v1/execute` requests.
"""

from __future__ import annotations

import json
import secrets
import socket
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.build.manifest import read_manifest, read_part
from infra.check.corpus import Case, CaseResult, Outcome, Run, judge
from infra.local.devserver import DEFAULT_HOST, ServerOptions, serving
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig

# The client the gate's requests are billed to, in the throwaway KV.
GATE_CLIENT = "deploy-gate"
REQUEST_TIMEOUT_SECONDS = 60
# The status recorded when the server did not answer at all.
NO_ANSWER = 0


def run_on_worker(config: StackConfig, paths: ProjectPaths, cases: Sequence[Case]) -> tuple[CaseResult, ...]:
    """Every case's runs on the stack's built bundle served by workerd, judged."""
    build_dir = paths.build_dir(config.stack)
    for part in read_manifest(build_dir).modules:
        read_part(build_dir, part)  # the bytes served are the bytes the build recorded
    api_key = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="codeexec-gate-") as state:
        options = ServerOptions(
            build_dir=build_dir, state_dir=Path(state), api_key=api_key, port=_free_port()
        )
        with serving(paths, options) as base_url:
            return tuple(_run_case(base_url, api_key, case) for case in cases)


def _run_case(base_url: str, api_key: str, case: Case) -> CaseResult:
    outcomes: list[Outcome] = []
    problems: list[str] = []
    for index, run in enumerate(case.runs):
        prefix = "" if index == 0 else f"then #{index}: "
        status, body = _execute(base_url, api_key, run)
        if status != 200:
            # An answer outside the sandbox statuses: no case can pass by accident.
            outcome = Outcome(status=f"http_{status}", result=None, error=None, logs=(), logs_dropped=0)
            problems.append(f"{prefix}HTTP {status}: {json.dumps(body)[:200]}")
        else:
            outcome = Outcome.from_response(body)
            problems.extend(prefix + problem for problem in judge(run.expect, outcome))
        outcomes.append(outcome)
    return CaseResult(case=case, outcomes=tuple(outcomes), problems=tuple(problems))


def _execute(base_url: str, api_key: str, run: Run) -> tuple[int, Any]:
    payload: dict[str, Any] = {"code": run.code, "language": "javascript", "clientId": GATE_CLIENT}
    if run.input_json is not None:
        payload["input"] = json.loads(run.input_json)
    if run.limits:
        payload["limits"] = dict(run.limits)
    request = urllib.request.Request(  # noqa: S310 - the local server on 127.0.0.1
        f"{base_url}/v1/execute",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json_or_text(error.read())
    except (urllib.error.URLError, OSError) as error:
        return NO_ANSWER, f"no answer: {getattr(error, 'reason', error)}"


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode(errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((DEFAULT_HOST, 0))
        port: int = probe.getsockname()[1]
        return port
