"""Where things live in the repository and in build output."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_NAME = "code-execution"
# Local secrets (KEY=value lines); wrangler reads the one next to the config file it is given.
DEV_VARS_NAME = ".dev.vars"


@dataclass(frozen=True)
class ProjectPaths:
    """The repository's folders; `root` defaults to this checkout."""

    root: Path

    @classmethod
    def of_checkout(cls) -> ProjectPaths:
        return cls(Path(__file__).resolve().parents[1])

    @property
    def worker_src(self) -> Path:
        return self.root / "worker_src"

    @property
    def guest(self) -> Path:
        """The guest side: scripts that run inside QuickJS, on the Worker and in the harness."""
        return self.worker_src / "sandbox" / "guest"

    @property
    def guest_prelude(self) -> Path:
        """The sandbox's own code inside QuickJS: it sets up and runs every program."""
        return self.guest / "prelude.guest.js"

    @property
    def native_guards(self) -> Path:
        """The harness's bounds on built-in calls (the Worker meters its wasm instead)."""
        return self.guest / "native-guards.guest.js"

    @property
    def templates(self) -> Path:
        return self.worker_src / "templates"

    @property
    def node_modules(self) -> Path:
        return self.root / "node_modules"

    @property
    def dev_vars(self) -> Path:
        return self.root / DEV_VARS_NAME

    @property
    def dev_record(self) -> Path:
        """Where a running `codeexec dev` records its URL (infra/local/dev_record.py)."""
        return self.root / ".state" / "dev-server.json"

    def stack_file(self, stack: str) -> Path:
        return self.root / f"Pulumi.{stack}.yaml"

    def build_dir(self, stack: str) -> Path:
        return self.root / "build" / stack

    def state_dir(self, stack: str) -> Path:
        """Local KV and other dev-server state, kept across restarts."""
        return self.root / ".state" / stack
