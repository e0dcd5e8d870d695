"""Fixtures shared by every tier: the checkout, the built staging stack, a running Worker."""

from __future__ import annotations

import contextlib
import secrets
import socket
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from infra.build.manifest import Manifest, describe_file, write_manifest
from infra.build.stack_build import build_stack
from infra.local.devserver import ServerOptions, start_server, wait_until_ready
from infra.local.processes import stop_process
from infra.paths import ProjectPaths
from infra.stack.config import StackConfig, load_stack_config
from tests.worker.client import WorkerClient

SERVER_START_SECONDS = 60


@pytest.fixture(scope="session")
def paths() -> ProjectPaths:
    return ProjectPaths.of_checkout()


@pytest.fixture(scope="session")
def staging_config(paths: ProjectPaths) -> StackConfig:
    return load_stack_config("staging", paths.stack_file("staging"))


@pytest.fixture(scope="session")
def staging_build(paths: ProjectPaths, staging_config: StackConfig) -> Manifest:
    return build_stack(staging_config, paths)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(paths: ProjectPaths, config: StackConfig, state_dir: Path) -> Iterator[WorkerClient]:
    """Builds a stack and serves it on workerd (Miniflare) on a free port with its own KV."""
    build_stack(config, paths)
    with running_worker(paths, config.stack, state_dir) as client:
        yield client


@contextlib.contextmanager
def running_worker(paths: ProjectPaths, stack: str, state_dir: Path) -> Iterator[WorkerClient]:
    """Serves an existing build/<stack>/ on workerd (Miniflare) until the block ends."""
    api_key = secrets.token_urlsafe(24)
    options = ServerOptions(
        build_dir=paths.build_dir(stack),
        state_dir=state_dir,
        api_key=api_key,
        port=free_port(),
    )
    process = start_server(paths, options, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output = wait_until_ready(process, SERVER_START_SECONDS)
        yield WorkerClient(f"http://127.0.0.1:{options.port}", api_key, server_output=output)
    finally:
        stop_process(process)
        if process.stdout is not None:
            process.stdout.close()


def write_test_manifest(
    build: Path, stack: str, modules: Sequence[tuple[str, str]], kv_namespaces: Sequence[str] = ()
) -> None:
    """The manifest that makes a folder of test modules servable by `running_worker`:
    `modules` are (type, path) pairs, the first the entry."""
    manifest = Manifest(
        stack=stack,
        worker_name=stack,
        compatibility_date="2026-04-20",
        main_module=modules[0][1],
        kv_namespaces=tuple(kv_namespaces),
        rate_limits=(),
        secrets=(),
        modules=tuple(describe_file(build, path, kind) for kind, path in modules),
    )
    write_manifest(build, manifest)


@pytest.fixture(scope="session")
def worker(
    paths: ProjectPaths, staging_config: StackConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerClient]:
    """The staging build served on workerd (Miniflare) on a free port with a fresh KV."""
    with serving(paths, staging_config, tmp_path_factory.mktemp("worker-state")) as client:
        yield client


@pytest.fixture
def repo_root(paths: ProjectPaths) -> Path:
    return paths.root


@pytest.fixture(scope="session")
def staging_config_limits(staging_config: StackConfig) -> dict[str, int]:
    return staging_config.limits.for_worker()
