"""The programs the bench sends, and the requests that carry them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bench.load import Call

# The README's example: the trivial snippet.
README_EXAMPLE = "const x = 10; const y = 20; return x + y;"
FIB_25 = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nreturn fib(25);"
# Strings and arrays: build, map, join, split, sort, reduce (well inside the staging fuel).
STRING_ARRAY = """const words = [];
for (let i = 0; i < 20000; i++) words.push("w" + (i * 7919 % 10007).toString(36));
const text = words.map((w) => w.toUpperCase()).join(" ");
const parts = text.split(" ").sort();
const lengths = parts.reduce((sum, part) => sum + part.length, 0);
return parts.length + ":" + lengths + ":" + parts[0] + ":" + parts[parts.length - 1];"""


@dataclass(frozen=True)
class Workload:
    name: str
    code: str
    expect: Any


TRIVIAL = Workload("trivial", README_EXAMPLE, 30)
FIB = Workload("fib25", FIB_25, 75025)
STRINGS = Workload("string_array", STRING_ARRAY, None)  # checked against native QuickJS
COMPUTE = (FIB, STRINGS)

CLIENT_ID = "bench-client"


def execute_call(workload: Workload, api_key: str, path: str = "/v1/execute") -> Call:
    """POST of the workload to the service, as a client sends it."""
    body = json.dumps({"code": workload.code, "language": "javascript", "clientId": CLIENT_ID}).encode()
    return Call(
        name=workload.name,
        method="POST",
        path=path,
        body=body,
        headers=(("Content-Type", "application/json"), ("Authorization", f"Bearer {api_key}")),
    )


def peer_call(workload: Workload) -> Call:
    """POST of the workload to a peer's bench server (bench/node/*): {"code": ...}."""
    body = json.dumps({"code": workload.code}).encode()
    return Call(workload.name, "POST", "/", body, (("Content-Type", "application/json"),))


HEALTH = Call(name="health", method="GET", path="/health")
