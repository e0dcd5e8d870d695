"""Why each missed target was missed, in this run's own figures (never a fixed text)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.targets import figure
from infra.build.engine_build import OPTIMIZATION

MIB = 2**20


def _ms(value: float) -> str:
    return f"{value:.2f} ms"


def request_path(results: dict[str, Any]) -> str | None:
    """The service's trivial p50 split into the no-op route, the engine and the rest."""
    execution = figure(results, "latency", "exec", "p50")
    noop = figure(results, "latency", "noop", "p50")
    engine = figure(results, "restore", "engineInNodeMs", "trivial", "p50")
    if execution is None or noop is None or engine is None:
        return None
    rest = execution - noop - engine
    text = (
        f"Of the trivial execution's p50 on raw workerd ({_ms(execution)}), the no-op route accounts for "
        f"{_ms(noop)} and the engine itself (run + restore of the README example on the same wasm, warm, "
        f"in Node's V8: the restore table's method) for {_ms(engine)}; the remaining {_ms(rest)} "
        f"({rest / execution * 100:.0f}%) is what an execution request does around the sandbox that "
        "`GET /health` does not (the POST body, authentication, validation, admission, usage recording, "
        "the answer's JSON), not the sandbox."
    )
    on, off = figure(results, "metering", "on", "p50"), figure(results, "metering", "off", "p50")
    if on is not None and off is not None:
        text += f" Usage recording alone (metering on vs off, side by side) is {_ms(on - off)} of it."
    return text


SPLIT = "see the split of the trivial execution above"


def _latency(results: dict[str, Any]) -> str | None:
    execution, noop = figure(results, "latency", "exec", "p50"), figure(results, "latency", "noop", "p50")
    if execution is None or noop is None:
        return None
    return f"{_ms(execution)} against the no-op route's {_ms(noop)}: {SPLIT}."


def _throughput(results: dict[str, Any]) -> str | None:
    execs = figure(results, "throughput", "execPerSecond")
    noops = figure(results, "throughput", "noopPerSecond")
    if execs is None or noops is None:
        return None
    return (
        f"{execs:,.0f} executions/s against {noops:,.0f} no-op answers/s: the isolate runs the Worker's "
        "JavaScript and the engine one request at a time, so throughput follows the per-request cost: "
        f"{SPLIT}."
    )


def _peer(name: str) -> Callable[[dict[str, Any]], str | None]:
    def explain(results: dict[str, Any]) -> str | None:
        peer = figure(results, "peers", name, "peer", "trivial", "p50")
        service = figure(results, "peers", name, "service", "trivial", "p50")
        engine = figure(results, "restore", "engineInNodeMs", "trivial", "p50")
        if peer is None or service is None or engine is None:
            return None
        return (
            f"3{chr(0xD7)} faster than this peer ({_ms(peer)}) means a service p50 of at most "
            f"{_ms(peer / 3)}; it measured {_ms(service)} in the same turns, of which the engine is "
            f"{_ms(engine)}: {SPLIT}."
        )

    return explain


def _compute(name: str) -> Callable[[dict[str, Any]], str | None]:
    def explain(results: dict[str, Any]) -> str | None:
        sandbox = figure(results, "compute", name, "sandboxWallMsP50")
        native = figure(results, "compute", name, "nativeMsP50")
        node = figure(results, "restore", "engineInNodeMs", name, "p50")
        if sandbox is None or native is None or node is None:
            return None
        return (
            f"The same wasm engine in Node's V8 takes {_ms(node)} ({node / native:.2f}{chr(0xD7)} native "
            f"{_ms(native)}); in the Worker, {_ms(sandbox)} (`wallMs`, whole milliseconds: "
            f"{sandbox - node:+.2f} ms from Node's). So the gap to native is the engine's build itself "
            f"(wasm32 at {OPTIMIZATION}, fuel-metered), measured in Node with no Worker around it."
        )

    return explain


def _restore(results: dict[str, Any]) -> str | None:
    image = figure(results, "restore", "imageBytes")
    if image is None:
        return None
    return (
        f"The restore writes the whole image back ({image / MIB:.2f} MiB: each 4 KiB block copied, or "
        "zero-filled where the image is zero) whatever the run touched; its cost follows the image's "
        "size, not the run's allocation (see the restore table)."
    )


def _metering(results: dict[str, Any]) -> str | None:
    on, off = figure(results, "metering", "on", "p50"), figure(results, "metering", "off", "p50")
    noise = figure(results, "metering", "noiseFloorRatioP50")
    if on is None or off is None or noise is None:
        return None
    return (
        f"Recording adds {_ms(on - off)} per execution at p50 (KV writes go to raw workerd's stub); the "
        f"same build against itself differs by {noise:.2f}{chr(0xD7)} in this run, so differences below "
        "that are noise."
    )


def _bundle(results: dict[str, Any]) -> str | None:
    parts = results.get("bundle", {}).get("parts")
    if not parts:
        return None
    sizes = ", ".join(f"`{part['name']}` {part['gzip'] / 1000:.1f} KB" for part in parts)
    return f"gzip by part: {sizes}."


EXPLAINERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "trivial execution p50 / no-op p50": _latency,
    "trivial execution throughput / no-op throughput": _throughput,
    "Worker Loader trivial p50 / service trivial p50 (taking turns)": _peer("workerLoader"),
    "isolated-vm trivial p50 / service trivial p50 (taking turns)": _peer("isolatedVm"),
    "sandbox fib(25) / native QuickJS": _compute("fib25"),
    "sandbox string/array / native QuickJS": _compute("string_array"),
    "restore after a run that allocated < 1 MiB, p50 (ms)": _restore,
    "metering on p50 / off p50": _metering,
    "bundle + wasm, gzip (KB)": _bundle,
}


# Targets whose miss comes down to the trivial execution's cost (the split says where it goes).
REQUEST_PATH_TARGETS = frozenset(
    {
        "trivial execution p50 / no-op p50",
        "trivial execution throughput / no-op throughput",
        "Worker Loader trivial p50 / service trivial p50 (taking turns)",
        "isolated-vm trivial p50 / service trivial p50 (taking turns)",
    }
)


def explain_missed(results: dict[str, Any]) -> list[tuple[str, str]]:
    """(target, why) for each target missed in this run."""
    missed = []
    for target in results["targets"]:
        if target["met"] is not False:
            continue
        explainer = EXPLAINERS.get(target["name"])
        why = explainer(results) if explainer else None
        missed.append((target["name"], why or "no figures in this run to say why"))
    return missed
