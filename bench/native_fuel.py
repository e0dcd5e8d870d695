"""Cost of the native-work remedies on ordinary code (issue 8). Prints JSON.

Same run, interleaved, median of `--repeats`:
- wasm engine (Node, same V8 as workerd): shipped wasm, fuel-metered wasm, shipped wasm
  with the native-work guards; each run as run.js does one (fresh runtime, prelude,
  run, finish);
- native engine (PyPI quickjs-ng, the harness): without and with the guards.
`ratios` divide each remedy's median by its baseline's. `ticks` is the metered wasm's
count for the workload (TICKS_PER_FUEL = 100,000 ticks make one unit of fuel).

usage: .venv/bin/python bench/native_fuel.py [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import quickjs

ROOT = Path(__file__).resolve().parents[1]
PRELUDE = (ROOT / "worker_src" / "guest" / "prelude.guest.js").read_text(encoding="utf-8")
GUARDS = (ROOT / "worker_src" / "guest" / "native-guards.guest.js").read_text(encoding="utf-8")
METERED_WASM = ROOT / "build" / "engine" / "quickjs-metered.wasm"
SETTINGS = {"maxLogLines": 200, "maxLogBytes": 65536, "maxResultBytes": 262144}

WORKLOADS = {
    "trivial": "const x = 10; const y = 20; return x + y;",
    "fib": "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); } return fib(22);",
    "string_ops": """
      let text = "";
      for (let i = 0; i < 3000; i++) text += "line " + i + ": the quick brown fox\\n";
      const lines = text.split("\\n");
      let hits = 0;
      for (const line of lines) {
        if (line.includes("fox") && line.indexOf("quick") > 0) hits++;
        hits += line.replace("brown", "red").length > 10 ? 1 : 0;
        hits += line.startsWith("line 1") ? 1 : 0;
      }
      return hits + text.toUpperCase().lastIndexOf("FOX");
    """,
    "array_ops": """
      const a = [];
      for (let i = 0; i < 20000; i++) a.push((i * 7919) % 10007);
      const b = a.map((x) => x * 2).filter((x) => x % 3 !== 0);
      b.sort((x, y) => x - y);
      let found = 0;
      for (let i = 0; i < 200; i++) if (b.indexOf(i * 13) >= 0 || b.includes(i)) found++;
      return found + b.slice(0, 100).join(",").length + b.reduce((s, x) => s + x, 0);
    """,
    "json_and_parse": """
      const rows = [];
      for (let i = 0; i < 2000; i++) rows.push({ id: i, name: "n" + i, score: (i * 0.37).toFixed(2) });
      const back = JSON.parse(JSON.stringify(rows));
      let sum = 0;
      for (const row of back) sum += parseFloat(row.score) + parseInt(row.name.slice(1), 10);
      return sum;
    """,
    "many_small_calls": """
      const words = ["alpha", "beta", "gamma", "delta", "epsilon"];
      let n = 0;
      for (let i = 0; i < 50000; i++) {
        const w = words[i % 5];
        n += w.indexOf("a") + (w.includes("ta") ? 1 : 0) + words.indexOf(w);
      }
      return n;
    """,
}


def native_run_ms(code: str, guarded: bool) -> float:
    context = quickjs.Context()
    started = time.perf_counter()
    step = context.eval(PRELUDE)(json.dumps(SETTINGS))
    if guarded:
        context.eval(GUARDS)(10**9)
    step("run", code, None)
    while context.execute_pending_job():
        pass
    status = json.loads(step("finish"))["status"]
    elapsed = (time.perf_counter() - started) * 1000
    if status != "ok":
        raise RuntimeError(f"workload failed: {status}")
    return elapsed


def native_results(repeats: int) -> dict[str, dict[str, float]]:
    results = {}
    for name, code in WORKLOADS.items():
        plain: list[float] = []
        guarded: list[float] = []
        for _ in range(repeats):
            plain.append(native_run_ms(code, guarded=False))
            guarded.append(native_run_ms(code, guarded=True))
        results[name] = {"native": statistics.median(plain), "native_guards": statistics.median(guarded)}
    return results


def wasm_results(repeats: int) -> dict[str, Any]:
    request = {"workloads": WORKLOADS, "repeats": repeats, "meteredWasm": str(METERED_WASM)}
    completed = subprocess.run(
        ["node", "bench/native_fuel.mjs"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    results: dict[str, Any] = json.loads(completed.stdout)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    wasm = wasm_results(args.repeats)
    native = native_results(args.repeats)
    report = {}
    for name in WORKLOADS:
        ms = {**wasm[name]["ms"], **native[name]}
        report[name] = {
            "ms": {key: round(value, 2) for key, value in ms.items()},
            "ticks": wasm[name]["ticks"],
            "ratios": {
                "wasm_metered": round(ms["wasm_metered"] / ms["wasm"], 3),
                "wasm_guards": round(ms["wasm_guards"] / ms["wasm"], 3),
                "native_guards": round(ms["native_guards"] / ms["native"], 3),
            },
        }
    print(json.dumps({"repeats": args.repeats, "workloads": report}, indent=2))


if __name__ == "__main__":
    main()
