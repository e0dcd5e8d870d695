"""What the bench ran on: results only compare within one run, but say where it was."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from infra.paths import ProjectPaths


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except OSError as error:
        return f"unavailable ({error})"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else "unknown"


def describe(paths: ProjectPaths, workerd: Path) -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "usableCpus": len(os.sched_getaffinity(0)),
        "memoryBytes": _memory_bytes(),
        "loadAverageAtStart": [round(value, 2) for value in load],
        "os": platform.platform(),
        "python": platform.python_version(),
        "node": _version(["node", "--version"]),
        "workerd": _version([str(workerd), "--version"]),
        "checkout": _version(["git", "-C", str(paths.root), "rev-parse", "--short", "HEAD"]),
    }
