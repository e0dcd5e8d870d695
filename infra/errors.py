"""The errors `infra` raises; each carries a message fit for one line of output."""

from __future__ import annotations


class InfraError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(InfraError):
    """A stack setting is missing or out of range; names the key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


class BuildError(InfraError):
    """Rendering or bundling the Worker failed."""


class ToolMissingError(InfraError):
    """A tool the project installs (node packages, the venv) is not there yet."""


class CorpusError(InfraError):
    """A behaviour-case file is malformed; names the file and the case."""


class HarnessError(InfraError):
    """The local QuickJS harness could not run (engine or prelude missing or broken)."""
