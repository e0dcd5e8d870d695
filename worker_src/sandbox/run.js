// One execution in the sandbox: the program runs on the isolate's engine from its
// pristine image, and every way a run can end gets its status from what the host
// observed (fuel spent, allocations refused, the stack limit hit, a trap), never from
// text the program controls. The guest side lives in guest/prelude.guest.js.
import { acquireEngine, releaseEngine } from "./engine-host.js";

/**
 * @typedef {object} RunLimits
 * @property {number} fuel fuel allowed (see TICKS_PER_FUEL)
 * @property {number} memoryBytes hard cap of the engine's wasm memory
 * @property {number} heapBytes the run's heap cap (exact: live bytes the program holds)
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
 * @property {"compile" | "runtime"} phase whether the program failed to compile or failed running
 *
 * @typedef {object} RunOutcome
 * @property {RunStatus} status
 * @property {unknown} result
 * @property {GuestError | null} error
 * @property {{level: string, message: string}[]} logs
 * @property {number} logsDropped
 * @property {{fuel: number, memoryBytes: number, outputBytes: number, wallMs: number}} usage
 * @property {string | undefined} internalDetail why the engine had to be reset, for logs only
 *
 * @typedef {Omit<RunOutcome, "usage">} JudgedRun how a run ended, before its usage is counted
 */

/** @type {Record<string, GuestError>} */
const LIMIT_ERRORS = {
  timeout: { name: "TimeoutError", message: "the program used up its fuel budget", stack: "", phase: "runtime" },
  memory_limit: { name: "MemoryLimitError", message: "the program ran out of memory", stack: "", phase: "runtime" },
  stack_overflow: { name: "RangeError", message: "Maximum call stack size exceeded", stack: "", phase: "runtime" },
  error: { name: "InternalError", message: "the sandbox failed while running the program and was reset", stack: "", phase: "runtime" },
};

// Fuel has two meters; a run is charged the larger, and stops when either runs out:
// - interrupt polls: QuickJS polls its interrupt handler about every 10,000 bytecode
//   operations (calls and backward jumps), but a built-in call counts as one however
//   long it runs;
// - wasm ticks: the metered engine (engine/meter-wasm.mjs) spends one tick per loop
//   iteration anywhere in the engine — each bytecode dispatched, each step of a native
//   loop inside a built-in — one per 64 bytes of bulk memory copy/fill, and
//   IMPORT_CALL_TICKS per host call, and traps when the budget is spent.
//   TICKS_PER_FUEL ticks make one unit of fuel, so that on ordinary code the two meters
//   agree roughly (docs/engine.md, "Native work and fuel").
export const TICKS_PER_FUEL = 100_000;
// Allowed past an exhausted budget, never billed, only to collect the logs.
const FINISH_GRACE_FUEL = 50;
const FINISH_GRACE_HEAP_BYTES = 1024 * 1024;

/**
 * @param {{code: string, input: unknown}} program
 * @param {RunLimits} limits
 * @returns {Promise<RunOutcome>}
 */
export async function runInSandbox(program, limits) {
  const startedAt = Date.now();
  const engine = acquireEngine(limits.memoryBytes, limits);
  let seen;
  try {
    seen = engine.run(engineRequest(program, limits));
  } finally {
    releaseEngine(engine, limits.memoryBytes);
  }
  const judged = judge(seen);
  const tickFuel = Number((seen.ticks + BigInt(TICKS_PER_FUEL) - 1n) / BigInt(TICKS_PER_FUEL));
  return {
    ...judged,
    usage: {
      fuel: Math.min(Math.max(seen.polls, tickFuel), limits.fuel),
      memoryBytes: seen.heapPeakBytes,
      outputBytes: sentBytes(judged),
      wallMs: Date.now() - startedAt,
    },
  };
}

const utf8 = new TextEncoder();

/**
 * The bytes of the answer's `result`, `error` and `logs` as sent (JSON, UTF-8); the
 * harness mirror is infra/check/answer_bytes.py.
 * @param {JudgedRun} outcome
 */
function sentBytes(outcome) {
  let bytes = 0;
  for (const part of [outcome.result, outcome.error, outcome.logs]) bytes += utf8.encode(JSON.stringify(part)).length;
  return bytes;
}

/**
 * What the engine is asked to do for one program under these limits.
 * @param {{code: string, input: unknown}} program
 * @param {RunLimits} limits
 * @returns {import("./engine-host.js").RunRequest}
 */
export function engineRequest(program, limits) {
  return {
    code: program.code,
    inputJson: program.input === undefined ? undefined : JSON.stringify(program.input),
    fuelPolls: limits.fuel,
    fuelTicks: BigInt(limits.fuel) * BigInt(TICKS_PER_FUEL),
    heapBytes: limits.heapBytes,
    stackBytes: limits.stackBytes,
    gracePolls: FINISH_GRACE_FUEL,
    graceTicks: BigInt(FINISH_GRACE_FUEL * TICKS_PER_FUEL),
    graceHeapBytes: FINISH_GRACE_HEAP_BYTES,
  };
}

/**
 * The outcome of a run, from what the host observed first and the prelude's answer second.
 * @param {import("./engine-host.js").RunObservation} seen
 * @returns {JudgedRun}
 */
function judge(seen) {
  const envelope = parseEnvelope(seen.envelope);
  // When the prelude cannot answer (a trap stopped it mid-call), the engine still kept
  // every line it logged until then.
  const logged = envelope ?? { logs: seen.logs, logStats: { dropped: seen.logsDropped } };
  const outOfFuel = seen.meterTripped || seen.polls > seen.pollBudget;
  if (seen.ended === "trapped") {
    const status = outOfFuel ? "timeout" : seen.hostStackOverflow ? "stack_overflow" : seen.allocationFailures > 0 ? "memory_limit" : "error";
    const outcome = limitOutcome(status, logged);
    outcome.internalDetail = seen.trapDetail;
    return outcome;
  }
  if (outOfFuel) return limitOutcome("timeout", logged);
  if (seen.ended !== "returned") {
    const status = seen.allocationFailures > 0 ? "memory_limit" : seen.stackOverflows > 0 ? "stack_overflow" : "error";
    const outcome = limitOutcome(status, logged);
    if (status === "error") outcome.internalDetail = `the program's run ${seen.ended}`;
    return outcome;
  }
  if (!envelope) {
    const outcome = limitOutcome(seen.allocationFailures > 0 ? "memory_limit" : "error", logged);
    outcome.internalDetail = "the prelude returned no well-formed envelope";
    return outcome;
  }
  return fromEnvelope(envelope, seen);
}

/** @param {string | undefined} text */
function parseEnvelope(text) {
  if (text === undefined) return undefined;
  try {
    const envelope = JSON.parse(text);
    return isWellFormed(envelope) ? envelope : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The prelude's answer, its limit statuses held to what the engine observed: an error
 * whose text claims a limit is the program's own error unless the engine hit that limit.
 * @param {any} envelope the JSON the prelude's finish() returned
 * @param {import("./engine-host.js").RunObservation} seen
 * @returns {JudgedRun}
 */
function fromEnvelope(envelope, seen) {
  let status = envelope.status;
  /** @type {"compile" | "runtime"} */
  const phase = envelope.error?.phase === "compile" ? "compile" : "runtime";
  /** @type {GuestError | null} */
  let error = envelope.error ? { name: envelope.error.name, message: envelope.error.message, stack: envelope.error.stack, phase } : null;
  if ((status === "memory_limit" && seen.allocationFailures === 0) || (status === "stack_overflow" && seen.stackOverflows === 0)) {
    status = "error";
  }
  // A `throw null` while the heap cap was refusing memory is the allocator, not the user.
  if (status === "error" && seen.allocationFailures > 0 && envelope.error?.thrownValue === "null") {
    status = "memory_limit";
    error = { ...LIMIT_ERRORS.memory_limit };
  }
  return {
    status,
    result: status === "ok" ? envelope.result : null,
    error,
    logs: envelope.logs,
    logsDropped: envelope.logStats.dropped,
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
    (envelope.error === null || (typeof envelope.error?.name === "string" && typeof envelope.error?.message === "string" && typeof envelope.error?.stack === "string"))
  );
}

/**
 * @param {RunStatus} status
 * @param {any} envelope what the prelude could still report (for its logs), if anything
 * @returns {JudgedRun}
 */
function limitOutcome(status, envelope) {
  return {
    status,
    result: null,
    error: { ...LIMIT_ERRORS[status] },
    logs: envelope?.logs ?? [],
    logsDropped: envelope?.logStats.dropped ?? 0,
    internalDetail: undefined,
  };
}
