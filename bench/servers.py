"""Starts the servers the bench compares, each on a free port on 127.0.0.1, and stops them.

- `miniflare`: the dev-server path users run (`make dev`: infra/local/serve.mjs, Miniflare).
- `raw_workerd`: the same build on workerd alone, from a capnp config written here.
- `wrangler_dev`: the same build under `wrangler dev` (Miniflare behind wrangler's proxy).
- `worker_loader`: a host Worker on workerd --experimental that runs each snippet in a
  fresh dynamic isolate (the `workerLoader` binding); a peer.
- `isolated_vm`: a Node server that runs each snippet in a fresh isolated-vm isolate; a peer.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.result import NotMeasured
from infra.build.manifest import read_manifest
from infra.local.devserver import ServerOptions, server_command
from infra.local.processes import stop_process
from infra.paths import ProjectPaths
from infra.stack.bindings import API_KEY

START_SECONDS = 60.0
POLL_SECONDS = 0.005
BENCH_NODE = Path(__file__).with_name("node")


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]

    def workerd_pid(self) -> int | None:
        """The workerd process serving requests: the server itself or its descendant."""
        return find_process(self.process.pid, "workerd")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def workerd_binary(paths: ProjectPaths) -> Path:
    return paths.node_modules / "@cloudflare" / "workerd-linux-64" / "bin" / "workerd"


def wait_for(
    url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = START_SECONDS
) -> NotMeasured | None:
    """Polls GET url until it answers 200; why the server never did, if it did not."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if process.poll() is not None:
            return NotMeasured(f"server exited with {process.returncode}: {_log_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1 only
                if response.status == 200:
                    return None
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(POLL_SECONDS)
    return NotMeasured(f"server did not answer {url} within {seconds:.0f} s: {_log_tail(log)}")


def _log_tail(log: Path, lines: int = 3) -> str:
    """The last lines of a server's log, on one line (where a start-up failure says why)."""
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return " / ".join(text[-lines:])[:400] or "empty log"


def launch(
    command: list[str], log: Path, cwd: Path, env: dict[str, str] | None = None, *, group: bool = False
) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=group
        )


@contextmanager
def running(
    name: str,
    command: list[str],
    port: int,
    work: Path,
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    group: bool = False,
) -> Iterator[Server | NotMeasured]:
    """The server, answering /health, while the block runs; or why it did not start."""
    log = work / f"{name}.log"
    try:
        process = launch(command, log, cwd, env, group=group)
    except OSError as error:
        yield NotMeasured(f"{name} did not start: {error}")
        return
    try:
        url = f"http://127.0.0.1:{port}"
        failed = wait_for(url + "/health", process, log)
        yield failed or Server(name, url, process)
    finally:
        stop_process(process, group=group)


@contextmanager
def spawned(
    name: str, command: list[str], port: int, work: Path, cwd: Path, *, env: dict[str, str] | None = None
) -> Iterator[tuple[str, Callable[[], bool]]]:
    """Starts a server without waiting for it (for cold starts): its URL and an is-alive check
    (a server that cannot even be launched is simply never alive)."""
    try:
        process = launch(command, work / f"{name}-cold.log", cwd, env)
    except OSError:
        yield f"http://127.0.0.1:{port}", lambda: False
        return
    try:
        yield f"http://127.0.0.1:{port}", lambda: process.poll() is None
    finally:
        stop_process(process)


def miniflare_command(build_dir: Path, state_dir: Path, api_key: str, port: int) -> list[str]:
    return server_command(ServerOptions(build_dir=build_dir, state_dir=state_dir, api_key=api_key, port=port))


@contextmanager
def miniflare(
    paths: ProjectPaths, build_dir: Path, api_key: str, work: Path
) -> Iterator[Server | NotMeasured]:
    """The build served the way `make dev` serves it (fresh local KV in the work folder)."""
    port = free_port()
    state = work / f"miniflare-state-{port}"
    command = miniflare_command(build_dir, state, api_key, port)
    with running(
        "miniflare", command, port, work, paths.root, env={**os.environ, API_KEY: api_key}
    ) as server:
        yield server
    shutil.rmtree(state, ignore_errors=True)


@contextmanager
def wrangler_dev(
    paths: ProjectPaths, build_dir: Path, api_key: str, work: Path
) -> Iterator[Server | NotMeasured]:
    """`wrangler dev` on the build's rendered wrangler.toml (no bundling: worker.js is built)."""
    port = free_port()
    command = [
        str(paths.node_modules / ".bin" / "wrangler"),
        "dev",
        "--config",
        str(build_dir / "wrangler.toml"),
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        # Its devtools port defaults to 9229: taken when another wrangler dev runs on the machine.
        "--inspector-port",
        str(free_port()),
        "--var",
        f"{API_KEY}:{api_key}",
        "--persist-to",
        str(work / f"wrangler-state-{port}"),
    ]
    environment = {**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "1"}
    with running("wrangler-dev", command, port, work, paths.root, env=environment, group=True) as server:
        yield server


# Plain workerd has no KV store. A namespace the Worker's code uses is backed by this stub
# (writes accepted and dropped, reads find nothing): enough for routes that only write
# usage in the background, and labelled a stub in the results.
KV_STUB = """export default {
  async fetch(request) {
    if (request.method === "GET") {
      const url = new URL(request.url);
      if (url.searchParams.has("prefix") || url.pathname.endsWith("/")) {
        return Response.json({ keys: [], list_complete: true, cacheStatus: null });
      }
      return new Response(null, { status: 404 });
    }
    return new Response(null, { status: 200 });
  },
};
"""


def stubbed_namespaces(build_dir: Path) -> list[str]:
    """The KV namespaces the bundle refers to by name: only those get the stub."""
    manifest = read_manifest(build_dir)
    bundle = (build_dir / manifest.main_module).read_text(encoding="utf-8")
    return [name for name in manifest.kv_namespaces if name in bundle]


def raw_workerd_config(build_dir: Path, config_dir: Path, api_key: str, port: int) -> str:
    """A workerd capnp config serving the build as it is (same modules, same date)."""
    manifest = read_manifest(build_dir)
    stubbed = stubbed_namespaces(build_dir)
    kinds = {"ESModule": "esModule", "CompiledWasm": "wasm"}
    embeds = [(part, os.path.relpath(build_dir / part.path, config_dir)) for part in manifest.modules]
    modules = ",\n    ".join(
        f'(name = "{part.name}", {kinds[part.type]} = embed "{relative}")' for part, relative in embeds
    )
    bindings = [f'(name = "{API_KEY}", text = "{api_key}")']
    bindings += [f'(name = "{name}", kvNamespace = "kv-stub")' for name in stubbed]
    stub_service = '(name = "kv-stub", worker = .kvStub),' if stubbed else ""
    return f"""using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .mainWorker), {stub_service} ],
  sockets = [ (name = "http", address = "127.0.0.1:{port}", http = (), service = "main") ],
);
const mainWorker :Workerd.Worker = (
  modules = [
    {modules}
  ],
  compatibilityDate = "{manifest.compatibility_date}",
  bindings = [ {", ".join(bindings)} ],
);
const kvStub :Workerd.Worker = (
  modules = [ (name = "kv-stub.js", esModule = embed "kv-stub.js") ],
  compatibilityDate = "{manifest.compatibility_date}",
);
"""


def raw_workerd_command(
    paths: ProjectPaths, build_dir: Path, api_key: str, port: int, work: Path
) -> list[str]:
    config_dir = work / f"workerd-{port}"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "kv-stub.js").write_text(KV_STUB, encoding="utf-8")
    config = config_dir / "config.capnp"
    config.write_text(raw_workerd_config(build_dir, config_dir, api_key, port), encoding="utf-8")
    return [str(workerd_binary(paths)), "serve", str(config)]


@contextmanager
def raw_workerd(
    paths: ProjectPaths, build_dir: Path, api_key: str, work: Path
) -> Iterator[Server | NotMeasured]:
    port = free_port()
    command = raw_workerd_command(paths, build_dir, api_key, port, work)
    with running("raw-workerd", command, port, work, paths.root) as server:
        yield server


@contextmanager
def worker_loader(paths: ProjectPaths, compatibility_date: str, work: Path) -> Iterator[Server | NotMeasured]:
    """workerd --experimental with a host Worker that loads each snippet as a new Worker."""
    port = free_port()
    config_dir = work / f"loader-{port}"
    config_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(BENCH_NODE / "loader-host.js", config_dir / "loader-host.js")
    (config_dir / "config.capnp").write_text(
        f"""using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .host) ],
  sockets = [ (name = "http", address = "127.0.0.1:{port}", http = (), service = "main") ],
);
const host :Workerd.Worker = (
  modules = [ (name = "loader-host.js", esModule = embed "loader-host.js") ],
  compatibilityDate = "{compatibility_date}",
  bindings = [
    (name = "LOADER", workerLoader = ()),
    (name = "COMPATIBILITY_DATE", text = "{compatibility_date}"),
  ],
);
""",
        encoding="utf-8",
    )
    command = [str(workerd_binary(paths)), "serve", "--experimental", str(config_dir / "config.capnp")]
    with running("worker-loader", command, port, work, paths.root) as server:
        yield server


@contextmanager
def isolated_vm(paths: ProjectPaths, node_modules_dir: Path, work: Path) -> Iterator[Server | NotMeasured]:
    """Node with isolated-vm (installed for the bench only into node_modules_dir)."""
    port = free_port()
    node = shutil.which("node") or "node"
    command = [
        node,
        str(BENCH_NODE / "ivm-server.mjs"),
        "--port",
        str(port),
        "--modules",
        str(node_modules_dir),
    ]
    with running("isolated-vm", command, port, work, paths.root) as server:
        yield server


def find_process(root_pid: int, name: str) -> int | None:
    """root_pid if it is `name`, else the first descendant called `name` (Linux /proc)."""
    pending = [root_pid]
    while pending:
        pid = pending.pop(0)
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm == name:
            return pid
        pending += children(pid)
    return None


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (VmRSS), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0
