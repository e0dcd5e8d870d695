// Times the bench workloads in the wasm engine, same process: the pinned variant's wasm
// as shipped, the fuel-metered wasm (build/engine/quickjs-metered.wasm), and the shipped
// wasm with the native-work guards (worker_src/guest/native-guards.guest.js). Called by bench/native_fuel.py, which
// passes {workloads, repeats, meteredWasm} on stdin and reads JSON from stdout.
import fs from "node:fs";
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import base from "@jitl/quickjs-ng-wasmfile-release-sync";

const ORIGINAL = "node_modules/@jitl/quickjs-ng-wasmfile-release-sync/dist/emscripten-module.wasm";
const PRELUDE = fs.readFileSync("worker_src/guest/prelude.guest.js", "utf8");
const GUARDS = fs.readFileSync("worker_src/guest/native-guards.guest.js", "utf8");
const SETTINGS = { maxLogLines: 200, maxLogBytes: 65536, maxResultBytes: 262144 };

async function load(path) {
  const wasm = new WebAssembly.Module(fs.readFileSync(path));
  let exports;
  const emscriptenModule = {
    instantiateWasm: async (imports, onSuccess) => {
      const instance = await WebAssembly.instantiate(wasm, imports);
      exports = instance.exports;
      onSuccess(instance);
      return instance.exports;
    },
  };
  const module = await newQuickJSWASMModuleFromVariant(newVariant(base, { emscriptenModule }));
  return { module, exports };
}

/** One run as run.js does it: fresh runtime and context, prelude, run, drain, finish. */
function runOnce(engine, code, guarded) {
  if (engine.exports.fuel_ticks) engine.exports.fuel_ticks.value = 10n ** 15n;
  const runtime = engine.module.newRuntime();
  const context = runtime.newContext();
  const started = performance.now();
  const prepare = context.unwrapResult(context.evalCode(PRELUDE, "<input>"));
  const step = context.unwrapResult(context.callFunction(prepare, context.undefined, context.newString(JSON.stringify(SETTINGS))));
  if (guarded) {
    const install = context.unwrapResult(context.evalCode(GUARDS, "<guards>"));
    context.unwrapResult(context.callFunction(install, context.undefined, context.newNumber(1e9))).dispose();
    install.dispose();
  }
  context.unwrapResult(context.callFunction(step, context.undefined, context.newString("run"), context.newString(code))).dispose();
  while (runtime.hasPendingJob()) runtime.executePendingJobs().unwrap();
  const envelope = context.unwrapResult(context.callFunction(step, context.undefined, context.newString("finish")));
  const status = JSON.parse(context.getString(envelope)).status;
  const ms = performance.now() - started;
  const ticks = engine.exports.fuel_ticks ? Number(10n ** 15n - engine.exports.fuel_ticks.value) : undefined;
  for (const handle of [envelope, step, prepare]) handle.dispose();
  context.dispose();
  runtime.dispose();
  if (status !== "ok") throw new Error(`workload failed: ${status}`);
  return { ms, ticks };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const { workloads, repeats, meteredWasm } = JSON.parse(fs.readFileSync(0, "utf8"));
const variants = {
  wasm: { engine: await load(ORIGINAL), guarded: false },
  wasm_metered: { engine: await load(meteredWasm), guarded: false },
  wasm_guards: { engine: await load(ORIGINAL), guarded: true },
};
const results = {};
for (const [name, code] of Object.entries(workloads)) {
  const times = Object.fromEntries(Object.keys(variants).map((variant) => [variant, []]));
  let ticks;
  // Interleaved, so drift on a shared machine hits every variant alike.
  for (let i = 0; i < repeats; i++) {
    for (const [variant, { engine, guarded }] of Object.entries(variants)) {
      const run = runOnce(engine, code, guarded);
      times[variant].push(run.ms);
      if (run.ticks !== undefined) ticks = run.ticks;
    }
  }
  results[name] = { ms: Object.fromEntries(Object.entries(times).map(([v, t]) => [v, median(t)])), ticks };
}
process.stdout.write(JSON.stringify(results));
