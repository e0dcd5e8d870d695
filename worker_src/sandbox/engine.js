// The QuickJS engine of this isolate: one wasm instance with a bounded memory, loaded
// once and reused by every execution, replaced when a run leaves it unusable.
import { newQuickJSWASMModuleFromVariant, newVariant } from "quickjs-emscripten-core";
import releaseSyncVariant from "@jitl/quickjs-ng-wasmfile-release-sync";
// The build copies the engine's .wasm next to the bundle as its own module part: the
// variant's wasm metered by engine/meter-wasm.mjs (an exported i64 `fuel_ticks` spent at
// every loop header and bulk memory copy, trapping below zero).
import quickjsWasm from "./quickjs.wasm";

// An unarmed meter: the largest i64, never reached.
const UNARMED_TICKS = 0x7fffffffffffffffn;

const WASM_PAGE_BYTES = 65536;
// The prebuilt module declares a 16 MiB minimum memory; it cannot start with less.
export const ENGINE_MIN_MEMORY_BYTES = 256 * WASM_PAGE_BYTES;

/**
 * @typedef {object} Engine
 * @property {import("quickjs-emscripten-core").QuickJSWASMModule} module
 * @property {() => number} failedGrows how often the engine asked for memory past its cap
 * @property {boolean} poisoned set when a run may have left the instance inconsistent
 * @property {FuelMeter} meter the wasm-level fuel counter
 *
 * @typedef {object} FuelMeter
 * @property {(ticks: number) => void} arm trap once `ticks` more ticks are spent
 * @property {() => number} left ticks left (negative once the meter has trapped)
 * @property {() => void} disarm
 */

/** @type {Promise<Engine> | undefined} */
let current;

/**
 * A WebAssembly.Memory that cannot grow past `maxBytes` and counts the refusals, which
 * is how an out-of-memory `throw null` is told apart from a user's own `throw null`.
 * @param {number} maxBytes
 */
function boundedMemory(maxBytes) {
  const memory = new WebAssembly.Memory({
    initial: ENGINE_MIN_MEMORY_BYTES / WASM_PAGE_BYTES,
    maximum: Math.floor(maxBytes / WASM_PAGE_BYTES),
  });
  let refusals = 0;
  const grow = memory.grow.bind(memory);
  memory.grow = (/** @type {number} */ pages) => {
    try {
      return grow(pages);
    } catch (error) {
      refusals += 1;
      throw error;
    }
  };
  return { memory, refusals: () => refusals };
}

/** @param {WebAssembly.Global} ticks */
function fuelMeter(ticks) {
  return {
    arm: (/** @type {number} */ count) => {
      ticks.value = BigInt(Math.max(0, Math.floor(count)));
    },
    left: () => Number(ticks.value),
    disarm: () => {
      ticks.value = UNARMED_TICKS;
    },
  };
}

/** @param {number} maxBytes */
async function instantiate(maxBytes) {
  const { memory, refusals } = boundedMemory(maxBytes);
  /** @type {WebAssembly.Global | undefined} */
  let ticks;
  // Instantiated here rather than through the variant's `wasmModule` option, to keep
  // hold of the instance's exports (the fuel counter).
  const emscriptenModule = {
    /**
     * @param {WebAssembly.Imports} imports
     * @param {(instance: WebAssembly.Instance) => void} onSuccess
     */
    instantiateWasm: async (imports, onSuccess) => {
      const instance = await WebAssembly.instantiate(quickjsWasm, imports);
      ticks = /** @type {WebAssembly.Global} */ (instance.exports.fuel_ticks);
      onSuccess(instance);
      return instance.exports;
    },
  };
  const variant = newVariant(releaseSyncVariant, { wasmMemory: memory, emscriptenModule: /** @type {any} */ (emscriptenModule) });
  const module = await newQuickJSWASMModuleFromVariant(variant);
  if (!ticks) throw new Error("the engine wasm has no fuel_ticks export: is it the metered build?");
  return { module, failedGrows: refusals, poisoned: false, meter: fuelMeter(ticks) };
}

/**
 * The engine for the next execution: the cached one, or a new instance when there is
 * none yet or the last run poisoned it.
 * @param {number} maxBytes the wasm memory's hard cap
 * @returns {Promise<Engine>}
 */
export async function acquireEngine(maxBytes) {
  if (current) {
    const engine = await current.catch(() => undefined);
    if (engine && !engine.poisoned) return engine;
  }
  current = instantiate(maxBytes);
  return current;
}
