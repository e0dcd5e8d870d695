"""A small HTTP/1.1 load client on keep-alive connections (asyncio, standard library only).

Latency is measured one request at a time on one connection; throughput with a fixed
number of connections each sending its next request as soon as the last one answered
(a closed loop, so the load is bounded by the connection count).

A server may close a keep-alive connection (after `Connection: close`, or an idle one
between requests): the client opens a new one and sends again. Anything else that ends a
request without a reply (a connection reset mid-answer, no answer in time, an HTTP error
status) is a result, never an exception: latencies come back as `NotMeasured` with the
reason, throughput counts the failures apart and keeps the first reasons.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bench.result import NotMeasured

T = TypeVar("T")
HEADER_END = b"\r\n\r\n"
READ_TIMEOUT_SECONDS = 60.0
# Distinct failure reasons a throughput run keeps (the count keeps every failure).
KEPT_REASONS = 3


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
    reasons: tuple[str, ...] = ()

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


class ConnectionLostError(Exception):
    """The server ended a request without a whole reply (load.py's own: never leaves it)."""

    def __init__(self, reason: str, *, before_reply: bool = False) -> None:
        super().__init__(reason)
        self.before_reply = before_reply  # no byte of a reply arrived


# What ends a request without a reply: the peer closed or reset the connection, or was silent.
LOST = (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, TimeoutError, OSError)


class Connection:
    """One keep-alive connection to the server, reopened when the server closes it."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"need http://host:port, got {base_url!r}")
        self._address = (parts.hostname, parts.port)
        self.host = f"{parts.hostname}:{parts.port}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._answered = 0  # replies read on the current socket
        self.refused = False  # the last attempt to connect failed

    @classmethod
    async def open(cls, base_url: str) -> Connection:
        connection = cls(base_url)
        await connection._reopen()
        return connection

    async def _reopen(self) -> None:
        await self.close()
        try:
            self._reader, self._writer = await asyncio.open_connection(*self._address)
        except LOST as error:
            self.refused = True
            raise ConnectionLostError(f"cannot connect to {self.host}: {error!r}") from error
        self._answered = 0
        self.refused = False

    async def send(self, wire: bytes) -> Reply:
        """The reply to one request. A socket that already answered and is found closed
        before any reply byte (the server ended the keep-alive) is reopened once."""
        if self._writer is None:
            await self._reopen()
        try:
            return await self._exchange(wire)
        except ConnectionLostError as lost:
            if self._answered == 0 or not lost.before_reply:
                raise
        await self._reopen()
        return await self._exchange(wire)

    async def _exchange(self, wire: bytes) -> Reply:
        assert self._reader is not None
        assert self._writer is not None
        try:
            self._writer.write(wire)
            await self._writer.drain()
            reply, keep_alive = await asyncio.wait_for(self._read_reply(self._reader), READ_TIMEOUT_SECONDS)
        except asyncio.IncompleteReadError as error:
            await self.close()
            if error.partial:
                raise ConnectionLostError(f"closed mid-reply ({len(error.partial)} bytes read)") from error
            raise ConnectionLostError("closed before the reply", before_reply=True) from error
        except ConnectionError as error:
            await self.close()
            raise ConnectionLostError(f"closed: {error!r}", before_reply=True) from error
        except LOST as error:
            await self.close()
            raise ConnectionLostError(f"no reply: {error!r}") from error
        except (ValueError, IndexError) as error:
            await self.close()
            raise ConnectionLostError(f"malformed reply: {error!r}") from error
        self._answered += 1
        if not keep_alive:
            await self.close()
        return reply

    async def _read_reply(self, reader: asyncio.StreamReader) -> tuple[Reply, bool]:
        head = await reader.readuntil(HEADER_END)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._read_chunked(reader)
        else:
            body = b""
        return Reply(status, body), headers.get("connection", "").lower() != "close"

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is None:
            return
        writer.close()
        with contextlib.suppress(*LOST):  # already closed by the server: nothing left to release
            await writer.wait_closed()


async def _interleaved(
    targets: list[tuple[str, Call]], rounds: int, warmup: int, *, shared: bool, block: int = 1
) -> dict[str, list[float]] | NotMeasured:
    if len({call.name for _, call in targets}) != len(targets):
        raise ValueError("each call needs its own name")
    samples: dict[str, list[float]] = {call.name: [] for _, call in targets}
    connections: list[Connection] = []
    try:
        if shared:
            connections = [await Connection.open(targets[0][0])] * len(targets)
        else:
            connections = [await Connection.open(base_url) for base_url, _ in targets]
        wires = [
            call.wire(connection.host) for connection, (_, call) in zip(connections, targets, strict=True)
        ]
        for first in range(0, warmup + rounds, block):
            for connection, wire, (_, call) in zip(connections, wires, targets, strict=True):
                for index in range(first, min(first + block, warmup + rounds)):
                    started = time.perf_counter()
                    reply = await connection.send(wire)
                    elapsed = time.perf_counter() - started
                    if reply.status != 200:
                        return NotMeasured(f"{call.name}: HTTP {reply.status}: {reply.body[:300]!r}")
                    if index >= warmup:
                        samples[call.name].append(elapsed * 1000.0)
    except ConnectionLostError as lost:
        return NotMeasured(f"connection lost: {lost}")
    finally:
        for connection in dict.fromkeys(connections):
            await connection.close()
    return samples


def latencies(
    base_url: str, calls: list[Call], rounds: int, warmup: int = 20
) -> dict[str, list[float]] | NotMeasured:
    """Milliseconds per request for each call, the calls taking turns on one connection.

    Taking turns means a burst of noise from the rest of the machine hits every call
    alike, so their ratio holds even when the absolute times do not.
    """
    return _run(_interleaved([(base_url, call) for call in calls], rounds, warmup, shared=True))


def latencies_across(
    targets: list[tuple[str, Call]], rounds: int, warmup: int = 20, block: int = 1
) -> dict[str, list[float]] | NotMeasured:
    """Like `latencies`, for calls to different servers: one connection each, taking turns
    in blocks of `block` requests (so work a server defers past its answers, such as
    tearing down an isolate, mostly lands in its own block, not in the other server's)."""
    return _run(_interleaved(targets, rounds, warmup, shared=False, block=block))


async def _closed_loop(base_url: str, call: Call, connections: int, seconds: float) -> Throughput:
    opened = [Connection(base_url) for _ in range(connections)]
    counts = [0, 0]
    reasons: dict[str, None] = {}
    deadline = time.perf_counter() + seconds

    async def worker(connection: Connection) -> None:
        wire = call.wire(connection.host)
        while time.perf_counter() < deadline:
            try:
                reply = await connection.send(wire)
            except ConnectionLostError as lost:
                # Counted, and the next request goes out on a new connection, if one opens.
                counts[1] += 1
                if len(reasons) < KEPT_REASONS:
                    reasons[f"connection lost: {lost}"] = None
                if connection.refused:
                    return
                continue
            counts[0 if reply.status == 200 else 1] += 1
            if reply.status != 200 and len(reasons) < KEPT_REASONS:
                reasons[f"HTTP {reply.status}: {reply.body[:200]!r}"] = None

    started = time.perf_counter()
    try:
        await asyncio.gather(*(worker(connection) for connection in opened))
    finally:
        for connection in opened:
            await connection.close()
    return Throughput(counts[0], counts[1], time.perf_counter() - started, connections, tuple(reasons))


def throughput(base_url: str, call: Call, connections: int, seconds: float) -> Throughput:
    """Answered requests per second with `connections` requests in flight at most."""
    return _run(_closed_loop(base_url, call, connections, seconds))


def send_once(base_url: str, call: Call) -> Reply | NotMeasured:
    async def one() -> Reply | NotMeasured:
        connection = Connection(base_url)
        try:
            return await connection.send(call.wire(connection.host))
        except ConnectionLostError as lost:
            return NotMeasured(f"{call.name}: connection lost: {lost}")
        finally:
            await connection.close()

    return _run(one())
