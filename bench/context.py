"""What every comparison measures with: how much to measure, the build it serves, the
servers it may start, and the results of the comparisons that ran before it."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from bench import servers
from bench.result import NotMeasured, Results
from bench.servers import Server
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig


@dataclass(frozen=True)
class Settings:
    """How much to measure; `quick` is for checking that the bench works at all."""

    latency_rounds: int = 1000
    throughput_seconds: float = 5.0
    connections: int = 8
    compute_repeats: int = 15
    peer_rounds: int = 300
    peer_compute_repeats: int = 10
    cold_starts: int = 3
    restore_repeats: int = 400

    @classmethod
    def quick(cls) -> Settings:
        return cls(100, 1.5, 4, 3, 30, 3, 1, 40)


@dataclass(frozen=True)
class Context:
    paths: ProjectPaths
    config: StackConfig  # the stack's config as the bench builds it (stacks.for_bench)
    build_dir: Path  # the service's build, from `config`
    api_key: str
    settings: Settings
    work: Path  # scratch folder for logs, server configs and state
    # Results of the comparisons listed before this one (filled in as the run goes).
    earlier: Results

    def raw_workerd(self, build_dir: Path | None = None) -> AbstractContextManager[Server | NotMeasured]:
        """The service's build (or another), served by workerd alone."""
        return servers.raw_workerd(self.paths, build_dir or self.build_dir, self.api_key, self.work)

    def miniflare(self) -> AbstractContextManager[Server | NotMeasured]:
        """The service's build served the way `make dev` serves it."""
        return servers.miniflare(self.paths, self.build_dir, self.api_key, self.work)
