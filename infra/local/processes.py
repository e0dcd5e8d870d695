"""Stopping the child processes the project starts (dev server, test and bench servers)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import Any

GRACE_SECONDS = 10


def stop_process(
    process: subprocess.Popen[Any], first_signal: int = signal.SIGTERM, *, group: bool = False
) -> None:
    """Asks the process to stop, waits, then kills it. With `group`, the whole session the
    process leads gets the signals (a launcher's own children too)."""
    if process.poll() is None:
        if group:
            os.killpg(process.pid, first_signal)
        else:
            process.send_signal(first_signal)
        try:
            process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if group:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
