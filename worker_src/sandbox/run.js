// One execution in the sandbox: a fresh QuickJS runtime and context on the isolate's
// engine, a fuel budget counted in the interrupt handler, bounded job draining, and a
// status for every way a run can end. The guest side lives in guest/prelude.js.
import preludeSource from "./prelude-source.js";
import { acquireEngine } from "./engine.js";

/** @typedef {import("quickjs-emscripten-core").QuickJSHandle} QuickJSHandle */

/**
 * @typedef {object} RunLimits
 * @property {number} fuel interrupt-handler polls allowed (QuickJS polls about every 10,000 operations)
 * @property {number} memoryBytes hard cap of the engine's wasm memory
 * @property {number} heapBytes QuickJS heap limit, a little below memoryBytes
 * @property {number} stackBytes QuickJS stack limit
 * @property {number} maxLogLines
 * @property {number} maxLogBytes
 * @property {number} maxResultBytes
 *
 * @typedef {"ok" | "error" | "timeout" | "memory_limit" | "stack_overflow" | "output_limit"} RunStatus
 *
 * @typedef {object} GuestError
 * @property {string} name
 * @property {string} message
 * @property {string} stack guest frames only
 *
 * @typedef {object} RunOutcome
 * @property {RunStatus} status
 * @property {unknown} result
 * @property {GuestError | null} error
 * @property {{level: string, message: string}[]} logs
 * @property {number} logsDropped
 * @property {{fuel: number, memoryBytes: number, outputBytes: number, wallMs: number}} usage
 * @property {string | undefined} internalDetail why the engine had to be replaced, for logs only
 */

/** @type {Record<string, GuestError>} */
const LIMIT_ERRORS = {
  timeout: { name: "TimeoutError", message: "the program used up its fuel budget", stack: "" },
  memory_limit: { name: "MemoryLimitError", message: "the program ran out of memory", stack: "" },
  stack_overflow: { name: "RangeError", message: "Maximum call stack size exceeded", stack: "" },
  error: { name: "InternalError", message: "the sandbox failed while running the program and was reset", stack: "" },
};

// Interrupt polls allowed past an exhausted budget, only to collect the logs.
const FINISH_GRACE_FUEL = 50;
// Fuel has two meters; a run is charged the larger, and stops when either runs out:
// - interrupt polls: QuickJS polls its interrupt handler about every 10,000 bytecode
//   operations (calls and backward jumps), but a built-in call counts as one however
//   long it runs;
// - wasm ticks: the metered engine (engine/meter-wasm.mjs) spends one tick per loop
//   iteration anywhere in the engine — each bytecode dispatched, each step of a native
//   loop inside a built-in — and one per 64 bytes of bulk memory copy/fill, and traps
//   when the budget is spent. TICKS_PER_FUEL ticks make one unit of fuel, so that on
//   ordinary code the two meters agree roughly (measured: bench/native_fuel.py).
export const TICKS_PER_FUEL = 100_000;

/** What a guest failure that escaped the prelude threw, as far as it could be read. */
class GuestEscape {
  /** @param {unknown} dumped */
  constructor(dumped) {
    this.dumped = dumped;
  }
}

/**
 * @param {{code: string, input: unknown}} program
 * @param {RunLimits} limits
 * @returns {Promise<RunOutcome>}
 */
export async function runInSandbox(program, limits) {
  const engine = await acquireEngine(limits.memoryBytes);
  const failedGrowsBefore = engine.failedGrows();
  const startedAt = Date.now();
  let fuel = 0;
  let fuelCeiling = limits.fuel;
  const outOfFuel = () => fuel > limits.fuel;
  const ranOutOfMemory = () => engine.failedGrows() > failedGrowsBefore;
  const armedTicks = limits.fuel * TICKS_PER_FUEL;
  let ticksUsed = 0;
  let metering = false;
  const meterTripped = () => engine.meter.left() < 0;
  const readTicks = () => {
    if (metering) ticksUsed = armedTicks - engine.meter.left();
  };

  /** @type {RunOutcome} */
  let outcome;
  let memoryBytes = 0;
  const runtime = engine.module.newRuntime();
  try {
    runtime.setMemoryLimit(limits.heapBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    runtime.setInterruptHandler(() => {
      fuel += 1;
      return fuel > fuelCeiling;
    });
    const context = runtime.newContext();
    /** @type {QuickJSHandle | undefined} */
    let step;
    try {
      step = prepareGuest(context, limits);
      // Ticks are counted from the user's code on: the fresh context and the prelude are
      // the same fixed setup for every run (~170,000 ticks), not the client's work.
      engine.meter.arm(armedTicks);
      metering = true;
      const escape = runGuest(context, runtime, step, program, () => outOfFuel());
      const limitStatus = escape ? judgeEscape(escape.dumped, outOfFuel(), ranOutOfMemory()) : outOfFuel() ? "timeout" : undefined;
      if (limitStatus) {
        readTicks();
        // A little fuel beyond the budget (never billed) to collect the logs written so far.
        fuelCeiling = fuel + FINISH_GRACE_FUEL;
        engine.meter.arm(FINISH_GRACE_FUEL * TICKS_PER_FUEL);
        outcome = limitOutcome(limitStatus, finishQuietly(context, step));
      } else {
        outcome = fromEnvelope(finishGuest(context, step), ranOutOfMemory());
        readTicks();
      }
    } catch (thrown) {
      if (!(thrown instanceof GuestEscape)) throw thrown;
      readTicks();
      outcome = limitOutcome(judgeEscape(thrown.dumped, outOfFuel(), ranOutOfMemory()), undefined);
    } finally {
      // Cleaning up (freeing a heap of up to heapBytes) is never billed, and must not trip
      // the meter of a finished run: it is the host's own bounded work.
      if (!meterTripped()) engine.meter.disarm();
      step?.dispose();
      memoryBytes = heapInUse(context, runtime);
      context.dispose();
    }
  } catch (hostError) {
    // The engine itself failed (V8's own stack overflow unwinding through the wasm, an
    // abort, a failed dispose): its state can no longer be trusted. A trap of the wasm
    // fuel meter lands here too: a trapped instance is never reused.
    engine.poisoned = true;
    if (meterTripped()) readTicks();
    const status = meterTripped() || outOfFuel() ? "timeout" : ranOutOfMemory() ? "memory_limit" : isHostStackOverflow(hostError) ? "stack_overflow" : "error";
    outcome = limitOutcome(status, undefined);
    outcome.internalDetail = String(hostError);
  } finally {
    if (!engine.poisoned) {
      try {
        engine.meter.disarm();
        runtime.dispose();
      } catch {
        engine.poisoned = true;
      }
    }
  }
  outcome.usage = {
    fuel: Math.min(Math.max(fuel, Math.ceil(ticksUsed / TICKS_PER_FUEL)), limits.fuel),
    memoryBytes,
    outputBytes: outcome.usage.outputBytes,
    wallMs: Date.now() - startedAt,
  };
  return outcome;
}

/**
 * Evaluates the prelude and prepares it: the returned handle is its `step` function.
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {RunLimits} limits
 */
function prepareGuest(context, limits) {
  const settings = JSON.stringify({
    maxLogLines: limits.maxLogLines,
    maxLogBytes: limits.maxLogBytes,
    maxResultBytes: limits.maxResultBytes,
  });
  const prepare = expectValue(context, context.evalCode(preludeSource, "<input>"));
  try {
    return callGuest(context, prepare, [context.newString(settings)]);
  } finally {
    prepare.dispose();
  }
}

/**
 * Runs the user's program and the jobs it queued; returns how it escaped, if it did.
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {import("quickjs-emscripten-core").QuickJSRuntime} runtime
 * @param {QuickJSHandle} step
 * @param {{code: string, input: unknown}} program
 * @param {() => boolean} outOfFuel
 * @returns {GuestEscape | undefined}
 */
function runGuest(context, runtime, step, program, outOfFuel) {
  const input = program.input === undefined ? context.undefined : context.newString(JSON.stringify(program.input));
  try {
    callGuest(context, step, [context.newString("run"), context.newString(program.code), input]).dispose();
    drainJobs(context, runtime, outOfFuel);
    return undefined;
  } catch (thrown) {
    if (thrown instanceof GuestEscape) return thrown;
    throw thrown;
  }
}

/**
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {QuickJSHandle} step
 */
function finishGuest(context, step) {
  const envelope = callGuest(context, step, [context.newString("finish")]);
  try {
    return JSON.parse(context.getString(envelope));
  } finally {
    envelope.dispose();
  }
}

/**
 * The envelope if the prelude can still produce one, else undefined.
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {QuickJSHandle} step
 */
function finishQuietly(context, step) {
  try {
    return finishGuest(context, step);
  } catch (thrown) {
    if (thrown instanceof GuestEscape) return undefined;
    throw thrown;
  }
}

/**
 * Calls a guest function with arguments it owns afterwards (they are disposed here).
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {QuickJSHandle} fn
 * @param {QuickJSHandle[]} args
 */
function callGuest(context, fn, args) {
  try {
    return expectValue(context, context.callFunction(fn, context.undefined, ...args));
  } finally {
    for (const handle of args) handle.dispose();
  }
}

/**
 * Runs the microtasks that async code queued, with the fuel budget still armed: a
 * microtask storm ends when the fuel does.
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {import("quickjs-emscripten-core").QuickJSRuntime} runtime
 * @param {() => boolean} outOfFuel
 */
function drainJobs(context, runtime, outOfFuel) {
  while (!outOfFuel() && runtime.hasPendingJob()) {
    const result = runtime.executePendingJobs();
    if (result.error) {
      const dumped = dumpQuietly(context, result.error);
      result.error.dispose();
      throw new GuestEscape(dumped);
    }
  }
}

/**
 * The value of a guest call, or a GuestEscape carrying what the guest threw.
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {{value: QuickJSHandle} | {error: QuickJSHandle}} result
 * @returns {QuickJSHandle}
 */
function expectValue(context, result) {
  if ("error" in result) {
    const dumped = dumpQuietly(context, result.error);
    result.error.dispose();
    throw new GuestEscape(dumped);
  }
  return result.value;
}

/**
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {import("quickjs-emscripten-core").QuickJSHandle} handle
 */
function dumpQuietly(context, handle) {
  try {
    return context.dump(handle);
  } catch {
    return undefined;
  }
}

/**
 * How a guest failure that escaped the prelude ends: the interrupt (fuel), or memory
 * too short for even the prelude's own bookkeeping.
 * @param {unknown} dumped
 * @param {boolean} outOfFuel
 * @param {boolean} ranOutOfMemory
 * @returns {RunStatus}
 */
function judgeEscape(dumped, outOfFuel, ranOutOfMemory) {
  if (outOfFuel) return "timeout";
  if (ranOutOfMemory || dumped === null || dumped === undefined) return "memory_limit";
  const { name, message } = /** @type {{name?: unknown, message?: unknown}} */ (dumped);
  if (message === "out of memory" || message === "string too long") return "memory_limit";
  if ((name === "RangeError" || name === "InternalError") && /stack/.test(String(message))) return "stack_overflow";
  return "error";
}

/**
 * @param {any} envelope the JSON the prelude's finish() returned
 * @param {boolean} ranOutOfMemory
 * @returns {RunOutcome}
 */
function fromEnvelope(envelope, ranOutOfMemory) {
  if (!isWellFormed(envelope)) {
    const outcome = limitOutcome("error", undefined);
    outcome.internalDetail = "the prelude returned a malformed envelope";
    return outcome;
  }
  let status = envelope.status;
  let error = envelope.error ? { name: envelope.error.name, message: envelope.error.message, stack: envelope.error.stack } : null;
  // A `throw null` while the engine was refusing memory is the allocator, not the user.
  if (status === "error" && ranOutOfMemory && envelope.error?.thrownValue !== undefined) {
    status = "memory_limit";
    error = { ...LIMIT_ERRORS.memory_limit };
  }
  return {
    status,
    result: status === "ok" ? envelope.result : null,
    error,
    logs: envelope.logs,
    logsDropped: envelope.logStats.dropped,
    usage: { fuel: 0, memoryBytes: 0, outputBytes: envelope.resultBytes + envelope.logStats.bytes, wallMs: 0 },
    internalDetail: undefined,
  };
}

const STATUSES = new Set(["ok", "error", "timeout", "memory_limit", "stack_overflow", "output_limit"]);

/**
 * Defence in depth: the envelope comes out of the sandbox, so check its shape before
 * anything of it reaches a response.
 * @param {any} envelope
 */
function isWellFormed(envelope) {
  return (
    envelope !== null &&
    typeof envelope === "object" &&
    STATUSES.has(envelope.status) &&
    Array.isArray(envelope.logs) &&
    envelope.logs.every((/** @type {any} */ entry) => typeof entry?.level === "string" && typeof entry?.message === "string") &&
    Number.isInteger(envelope.logStats?.dropped) &&
    Number.isInteger(envelope.logStats?.bytes) &&
    Number.isInteger(envelope.resultBytes) &&
    (envelope.error === null || (typeof envelope.error?.name === "string" && typeof envelope.error?.message === "string" && typeof envelope.error?.stack === "string"))
  );
}

/**
 * @param {RunStatus} status
 * @param {any} envelope what the prelude could still report (for its logs), if anything
 * @returns {RunOutcome}
 */
function limitOutcome(status, envelope) {
  return {
    status,
    result: null,
    error: { ...LIMIT_ERRORS[status] },
    logs: envelope?.logs ?? [],
    logsDropped: envelope?.logStats.dropped ?? 0,
    usage: { fuel: 0, memoryBytes: 0, outputBytes: envelope?.logStats.bytes ?? 0, wallMs: 0 },
    internalDetail: undefined,
  };
}

/** @param {unknown} error */
function isHostStackOverflow(error) {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/**
 * Bytes the QuickJS heap held when the run ended.
 * @param {import("quickjs-emscripten-core").QuickJSContext} context
 * @param {import("quickjs-emscripten-core").QuickJSRuntime} runtime
 */
function heapInUse(context, runtime) {
  try {
    const handle = runtime.computeMemoryUsage();
    try {
      const stats = /** @type {{memory_used_size?: number}} */ (context.dump(handle));
      return stats.memory_used_size ?? 0;
    } finally {
      handle.dispose();
    }
  } catch {
    return 0;
  }
}
