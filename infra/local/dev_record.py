"""Where a running `codeexec dev` serves: a small JSON file under .state/ (git-ignored),
written while the server runs, so `codeexec keys` and `codeexec usage` find it."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class DevRecord:
    url: str
    stack: str
    # The `codeexec dev` process; a record whose process is gone is stale.
    pid: int


def read_dev_record(path: Path) -> DevRecord | None:
    """The running dev server's record, or None (no file, unreadable, or its process gone)."""
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        record = DevRecord(url=str(values["url"]), stack=str(values["stack"]), pid=int(values["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record if _alive(record.pid) else None


@contextlib.contextmanager
def dev_record(path: Path, url: str, stack: str) -> Iterator[DevRecord]:
    """Records this process as serving `url` until the block ends."""
    record = DevRecord(url=url, stack=stack, pid=os.getpid())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(record)) + "\n", encoding="utf-8")
    try:
        yield record
    finally:
        # Another `codeexec dev` may have recorded itself since: leave its record alone.
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == record.pid:
                path.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
