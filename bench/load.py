"""A small HTTP/1.1 load client on keep-alive connections (asyncio, standard library only).

Latency is measured one request at a time on one connection; throughput with a fixed
number of connections each sending its next request as soon as the last one answered
(a closed loop, so the load is bounded by the connection count).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
HEADER_END = b"\r\n\r\n"
READ_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Call:
    """One request, prepared once and sent many times."""

    name: str
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    def wire(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
        lines += [f"{key}: {value}" for key, value in self.headers]
        if self.body or self.method == "POST":
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes


@dataclass(frozen=True)
class Throughput:
    requests: int
    failures: int
    seconds: float
    connections: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Runs the coroutine on a private event loop. Unlike asyncio.run, it leaves the
    thread's current loop alone (asyncio.run clears it, which breaks callers such as
    Pulumi's mocks that ask for the current loop afterwards)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(work)
    finally:
        loop.close()


class Connection:
    """One keep-alive connection to the server."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self._reader = reader
        self._writer = writer
        self.host = host

    @classmethod
    async def open(cls, base_url: str) -> Connection:
        parts = urlsplit(base_url)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"need http://host:port, got {base_url!r}")
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, f"{parts.hostname}:{parts.port}")

    async def send(self, wire: bytes) -> Reply:
        self._writer.write(wire)
        await self._writer.drain()
        return await asyncio.wait_for(self._read_reply(), READ_TIMEOUT_SECONDS)

    async def _read_reply(self) -> Reply:
        head = await self._reader.readuntil(HEADER_END)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked()
        else:
            body = b""
        return Reply(status, body)

    async def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


async def _interleaved(
    targets: list[tuple[str, Call]], rounds: int, warmup: int, *, shared: bool, block: int = 1
) -> dict[str, list[float]]:
    if len({call.name for _, call in targets}) != len(targets):
        raise ValueError("each call needs its own name")
    if shared:
        one = await Connection.open(targets[0][0])
        connections = [one] * len(targets)
    else:
        connections = [await Connection.open(base_url) for base_url, _ in targets]
    wires = [call.wire(connection.host) for connection, (_, call) in zip(connections, targets, strict=True)]
    samples: dict[str, list[float]] = {call.name: [] for _, call in targets}
    try:
        for first in range(0, warmup + rounds, block):
            for connection, wire, (_, call) in zip(connections, wires, targets, strict=True):
                for index in range(first, min(first + block, warmup + rounds)):
                    started = time.perf_counter()
                    reply = await connection.send(wire)
                    elapsed = time.perf_counter() - started
                    if reply.status != 200:
                        raise RuntimeError(f"{call.name}: HTTP {reply.status}: {reply.body[:300]!r}")
                    if index >= warmup:
                        samples[call.name].append(elapsed * 1000.0)
    finally:
        for connection in dict.fromkeys(connections):
            await connection.close()
    return samples


def latencies(base_url: str, calls: list[Call], rounds: int, warmup: int = 20) -> dict[str, list[float]]:
    """Milliseconds per request for each call, the calls taking turns on one connection.

    Taking turns means a burst of noise from the rest of the machine hits every call
    alike, so their ratio holds even when the absolute times do not.
    """
    return _run(_interleaved([(base_url, call) for call in calls], rounds, warmup, shared=True))


def latencies_across(
    targets: list[tuple[str, Call]], rounds: int, warmup: int = 20, block: int = 1
) -> dict[str, list[float]]:
    """Like `latencies`, for calls to different servers: one connection each, taking turns
    in blocks of `block` requests (so work a server defers past its answers, such as
    tearing down an isolate, mostly lands in its own block, not in the other server's)."""
    return _run(_interleaved(targets, rounds, warmup, shared=False, block=block))


async def _closed_loop(base_url: str, call: Call, connections: int, seconds: float) -> Throughput:
    opened = [await Connection.open(base_url) for _ in range(connections)]
    counts = [0, 0]
    deadline = time.perf_counter() + seconds

    async def worker(connection: Connection) -> None:
        wire = call.wire(connection.host)
        while time.perf_counter() < deadline:
            reply = await connection.send(wire)
            counts[0 if reply.status == 200 else 1] += 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(connection) for connection in opened))
    finally:
        for connection in opened:
            await connection.close()
    return Throughput(counts[0], counts[1], time.perf_counter() - started, connections)


def throughput(base_url: str, call: Call, connections: int, seconds: float) -> Throughput:
    """Answered requests per second with `connections` requests in flight at most."""
    return _run(_closed_loop(base_url, call, connections, seconds))


def send_once(base_url: str, call: Call) -> Reply:
    async def one() -> Reply:
        connection = await Connection.open(base_url)
        try:
            return await connection.send(call.wire(connection.host))
        finally:
            await connection.close()

    return _run(one())
