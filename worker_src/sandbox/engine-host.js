// The isolate's engine: the project's quickjs-ng build (engine/sandbox.c), one instance
// whose linear memory goes back to a pristine image as soon as each run's answer is read.
//
// Isolation does not rest on QuickJS being memory-safe: after setup (runtime, context,
// prelude, prepare) the instance's whole state — its memory and its one mutable global,
// the stack pointer — is imaged, and restored after every run, trap or not. A run that
// grew the memory leaves an instance whose extra pages no image covers: it is replaced
// by a fresh instance restored from the same image. No byte of one run reaches the next.
import engineModule from "./quickjs.wasm";
import engineFacts from "../../engine/quickjs-ng.json";
import preludeSource from "./prelude-source.js";

const WASM_PAGE_BYTES = 65536;
// Free heap the image carries past setup, so that ordinary runs never grow the memory.
const HEADROOM_BYTES = 1024 * 1024;
// An unarmed meter: the largest i64, never reached.
const UNARMED_TICKS = 0x7fffffffffffffffn;
// What one call of a host import costs, in meter ticks: imports run outside the meter.
const IMPORT_CALL_TICKS = 1000n;
// Image pages restored as one block: a zero block is filled, any other copied.
const IMAGE_BLOCK_BYTES = 4096;

/**
 * @typedef {object} EngineExports
 * @property {WebAssembly.Global} __stack_pointer
 * @property {WebAssembly.Global} fuel_ticks
 * @property {() => void} _initialize
 * @property {(size: number) => number} sandbox_alloc
 * @property {(pointer: number) => void} sandbox_free
 * @property {(prelude: number, preludeLength: number, settings: number, settingsLength: number) => number} sandbox_setup
 * @property {(heapLimit: number, stackLimit: number, fuelPolls: number, seed: number) => void} sandbox_begin
 * @property {(extraPolls: number, extraHeap: number) => void} sandbox_extend
 * @property {(code: number, codeLength: number, input: number, inputLength: number, hasInput: number) => number} sandbox_run
 * @property {() => number} sandbox_finish
 * @property {() => number} sandbox_output
 * @property {() => number} sandbox_output_length
 * @property {() => number} sandbox_polls
 * @property {() => number} sandbox_allocation_failures
 * @property {() => number} sandbox_stack_overflows
 * @property {() => number} sandbox_heap_peak
 * @property {() => number} sandbox_log_sink
 * @property {() => number} sandbox_log_sink_length
 *
 * @typedef {object} RunRequest
 * @property {string} code
 * @property {string | undefined} inputJson
 * @property {number} fuelPolls interrupt polls allowed
 * @property {bigint} fuelTicks meter ticks allowed
 * @property {number} heapBytes the run's heap cap, exact
 * @property {number} stackBytes QuickJS's stack limit
 * @property {number} gracePolls polls allowed after a limit, to collect the logs
 * @property {bigint} graceTicks
 * @property {number} graceHeapBytes
 *
 * @typedef {"returned" | "escaped" | "trapped"} RunEnd
 *
 * @typedef {object} RunObservation What the host saw of one run; never the program's own words.
 * @property {RunEnd} ended how step("run") and the job loop ended
 * @property {string | undefined} envelope the prelude's JSON answer, if it could still give one
 * @property {number} polls
 * @property {number} pollBudget
 * @property {bigint} ticks meter ticks spent by the program (not the grace)
 * @property {boolean} meterTripped the wasm meter trapped
 * @property {boolean} hostStackOverflow V8's own stack ran out inside the engine
 * @property {number} allocationFailures allocations the heap cap (or the memory) refused
 * @property {number} stackOverflows hits of QuickJS's stack limit
 * @property {number} heapPeakBytes the run's peak heap, above the image's
 * @property {{level: string, message: string}[]} logs the log lines as the prelude recorded them, kept even when the run trapped
 * @property {number} logsDropped
 * @property {string | undefined} trapDetail for logs only
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SETTINGS_KEYS = ["maxLogLines", "maxLogBytes", "maxResultBytes"];

export class Engine {
  /**
   * @param {WebAssembly.Memory} memory
   * @param {EngineExports} exports
   * @param {Image} image
   * @param {HostImports} host
   */
  constructor(memory, exports, image, host) {
    this.memory = memory;
    this.exports = exports;
    this.image = image;
    this.host = host;
  }

  /**
   * Runs one program from the pristine image and restores it before returning.
   * @param {RunRequest} request
   * @returns {RunObservation}
   */
  run(request) {
    const x = this.exports;
    /** @type {RunObservation} */
    const seen = {
      ended: "trapped",
      envelope: undefined,
      polls: 0,
      pollBudget: request.fuelPolls,
      ticks: 0n,
      meterTripped: false,
      hostStackOverflow: false,
      allocationFailures: 0,
      stackOverflows: 0,
      heapPeakBytes: 0,
      logs: [],
      logsDropped: 0,
      trapDetail: undefined,
    };
    let armed = request.fuelTicks;
    try {
      const code = this.#write(request.code);
      const input = request.inputJson === undefined ? { pointer: 0, length: 0 } : this.#write(request.inputJson);
      x.sandbox_begin(request.heapBytes, request.stackBytes, request.fuelPolls, randomSeed());
      x.fuel_ticks.value = armed;
      seen.ended = endOf(x.sandbox_run(code.pointer, code.length, input.pointer, input.length, request.inputJson === undefined ? 0 : 1));
      seen.ticks = armed - x.fuel_ticks.value;
      observe(x, seen);
      if (seen.ended !== "returned" || seen.polls > seen.pollBudget) {
        // A limit stopped the program: a little more (never billed) to collect its logs.
        x.sandbox_extend(request.gracePolls, request.graceHeapBytes);
        armed = request.graceTicks;
        x.fuel_ticks.value = armed;
      }
      if (x.sandbox_finish() === 0) {
        const start = x.sandbox_output();
        seen.envelope = decoder.decode(new Uint8Array(this.memory.buffer, start, x.sandbox_output_length()));
      }
      if (seen.ended === "returned" && seen.polls <= seen.pollBudget) {
        seen.ticks = armed - x.fuel_ticks.value;
        observe(x, seen);
      }
    } catch (trap) {
      seen.meterTripped = x.fuel_ticks.value < 0n;
      if (seen.meterTripped && seen.ticks === 0n) seen.ticks = armed;
      seen.hostStackOverflow = trap instanceof RangeError;
      seen.trapDetail = String(trap);
      try {
        observe(x, seen);
      } catch {
        // the counters are best effort after a trap: the restore below is what matters
      }
    } finally {
      x.fuel_ticks.value = UNARMED_TICKS;
      this.#readLogs(seen);
    }
    return seen;
  }

  /** @param {RunObservation} seen */
  #readLogs(seen) {
    try {
      const start = this.exports.sandbox_log_sink();
      const sink = new Uint8Array(this.memory.buffer, start, this.exports.sandbox_log_sink_length());
      const view = new DataView(sink.buffer, sink.byteOffset, sink.byteLength);
      for (let at = 0; at < sink.length; ) {
        const levelLength = sink[at];
        const level = decoder.decode(sink.subarray(at + 1, at + 1 + levelLength));
        const messageLength = view.getUint32(at + 1 + levelLength, true);
        const messageStart = at + 5 + levelLength;
        if (levelLength === 0) seen.logsDropped += 1;
        else seen.logs.push({ level, message: decoder.decode(sink.subarray(messageStart, messageStart + messageLength)) });
        at = messageStart + messageLength;
      }
    } catch {
      // a sink the run left unreadable: the envelope's logs, if any, still stand
    }
  }

  /** Puts the memory and the stack pointer back as they were after setup. */
  restore() {
    restoreImage(this.memory, this.image);
    this.exports.__stack_pointer.value = this.image.stackPointer;
    this.exports.fuel_ticks.value = UNARMED_TICKS;
  }

  /** Whether the memory holds exactly the image's bytes (a test's check: it reads every byte). */
  matchesImage() {
    const bytes = new Uint8Array(this.memory.buffer);
    if (bytes.length !== this.image.bytes.length) return false;
    const image = this.image.bytes;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== image[i]) return false;
    return this.exports.__stack_pointer.value === this.image.stackPointer;
  }

  /** Whether a run grew the memory past what the image covers. */
  get grown() {
    return this.memory.buffer.byteLength !== this.image.bytes.length;
  }

  /** @param {string} text */
  #write(text) {
    return writeText(this.exports, this.memory, text);
  }
}

/**
 * Copies text into the engine as UTF-8, NUL-terminated (QuickJS's parsers read up to a
 * terminator; the length passed along keeps a NUL inside the text a character).
 * @param {EngineExports} exports
 * @param {WebAssembly.Memory} memory
 * @param {string} text
 */
function writeText(exports, memory, text) {
  const bytes = encoder.encode(text);
  const pointer = exports.sandbox_alloc(bytes.length + 1);
  const target = new Uint8Array(memory.buffer, pointer, bytes.length + 1);
  target.set(bytes);
  target[bytes.length] = 0;
  return { pointer, length: bytes.length };
}

/**
 * @typedef {object} Image
 * @property {Uint8Array} bytes the whole memory after setup, stack zeroed
 * @property {{start: number, end: number, zero: boolean}[]} blocks runs of zero and non-zero pages
 * @property {number} stackPointer
 *
 * @typedef {object} HostImports
 * @property {WebAssembly.ModuleImports} wasi
 * @property {(exports: EngineExports, memory: WebAssembly.Memory) => void} bind
 */

/**
 * @param {WebAssembly.Memory} memory
 * @param {Image} image
 */
function restoreImage(memory, image) {
  const bytes = new Uint8Array(memory.buffer);
  for (const block of image.blocks) {
    if (block.zero) bytes.fill(0, block.start, block.end);
    else bytes.set(image.bytes.subarray(block.start, block.end), block.start);
  }
}

/** @param {Uint8Array} bytes */
function blocksOf(bytes) {
  /** @type {{start: number, end: number, zero: boolean}[]} */
  const blocks = [];
  for (let start = 0; start < bytes.length; start += IMAGE_BLOCK_BYTES) {
    const end = Math.min(start + IMAGE_BLOCK_BYTES, bytes.length);
    let zero = true;
    for (let i = start; i < end && zero; i++) zero = bytes[i] === 0;
    const last = blocks[blocks.length - 1];
    if (last && last.zero === zero) last.end = end;
    else blocks.push({ start, end, zero });
  }
  return blocks;
}

/** @param {number} code */
function endOf(code) {
  return code === 0 ? "returned" : "escaped";
}

/**
 * @param {EngineExports} x
 * @param {RunObservation} seen
 */
function observe(x, seen) {
  seen.polls = x.sandbox_polls();
  seen.allocationFailures = x.sandbox_allocation_failures();
  seen.stackOverflows = x.sandbox_stack_overflows();
  seen.heapPeakBytes = x.sandbox_heap_peak();
}

function randomSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/**
 * The five WASI functions the engine imports, each charged to the fuel meter: they run
 * outside it. Nothing reaches the host: writes are dropped, the clock is the host's.
 */
function hostImports() {
  /** @type {EngineExports | undefined} */
  let x;
  /** @type {WebAssembly.Memory | undefined} */
  let memory;
  const charge = () => {
    if (!x) return;
    x.fuel_ticks.value -= IMPORT_CALL_TICKS;
    if (x.fuel_ticks.value < 0n) throw new WebAssembly.RuntimeError("fuel spent in a host call");
  };
  const view = () => new DataView(/** @type {WebAssembly.Memory} */ (memory).buffer);
  const ERRNO_BADF = 8;
  /** @type {HostImports} */
  const host = {
    bind(exports, boundMemory) {
      x = exports;
      memory = boundMemory;
    },
    wasi: {
      /** @param {number} _clock @param {bigint} _precision @param {number} out */
      clock_time_get(_clock, _precision, out) {
        charge();
        view().setBigUint64(out, BigInt(Date.now()) * 1_000_000n, true);
        return 0;
      },
      fd_close() {
        charge();
        return ERRNO_BADF;
      },
      fd_fdstat_get() {
        charge();
        return ERRNO_BADF;
      },
      fd_seek() {
        charge();
        return ERRNO_BADF;
      },
      /** @param {number} _fd @param {number} iovs @param {number} count @param {number} written */
      fd_write(_fd, iovs, count, written) {
        charge();
        const memoryView = view();
        let total = 0;
        for (let i = 0; i < count; i++) total += memoryView.getUint32(iovs + 8 * i + 4, true);
        memoryView.setUint32(written, total, true);
        return 0;
      },
    },
  };
  return host;
}

/**
 * @param {number} maxBytes
 * @param {HostImports} host
 */
function newInstance(maxBytes, host) {
  const memory = new WebAssembly.Memory({
    initial: engineFacts.initialMemoryBytes / WASM_PAGE_BYTES,
    maximum: Math.floor(maxBytes / WASM_PAGE_BYTES),
  });
  const instance = new WebAssembly.Instance(engineModule, { env: { memory }, wasi_snapshot_preview1: host.wasi });
  const exports = /** @type {EngineExports} */ (/** @type {unknown} */ (instance.exports));
  host.bind(exports, memory);
  return { memory, exports };
}

/**
 * Instantiates the engine, sets it up and takes its image.
 * @param {number} maxBytes the memory's hard cap
 * @param {Record<string, number>} settings the prelude's prepare() settings
 */
export function createEngine(maxBytes, settings) {
  const host = hostImports();
  const { memory, exports } = newInstance(maxBytes, host);
  exports._initialize();
  const prelude = writeText(exports, memory, preludeSource);
  const settingsJson = writeText(exports, memory, JSON.stringify(Object.fromEntries(SETTINGS_KEYS.map((key) => [key, settings[key]]))));
  if (exports.sandbox_setup(prelude.pointer, prelude.length, settingsJson.pointer, settingsJson.length) !== 0) {
    throw new Error("the engine's setup failed: the prelude did not evaluate");
  }
  exports.sandbox_free(prelude.pointer);
  exports.sandbox_free(settingsJson.pointer);
  const stackPointer = Number(exports.__stack_pointer.value);
  // Headroom pages, zero, so that ordinary runs allocate without growing the memory.
  const pages = memory.buffer.byteLength / WASM_PAGE_BYTES;
  const wanted = Math.min(pages + Math.ceil(HEADROOM_BYTES / WASM_PAGE_BYTES), Math.floor(maxBytes / WASM_PAGE_BYTES));
  memory.grow(wanted - pages);
  // The stack below the stack pointer holds setup's dead frames: the image holds zeros.
  new Uint8Array(memory.buffer).fill(0, 0, stackPointer);
  const bytes = new Uint8Array(memory.buffer).slice();
  const image = { bytes, blocks: blocksOf(bytes), stackPointer };
  return new Engine(memory, exports, image, host);
}

/**
 * A fresh instance restored from an existing engine's image: what replaces an engine
 * whose memory a run grew (no setup to repeat).
 * @param {Engine} engine
 * @param {number} maxBytes
 */
function renewEngine(engine, maxBytes) {
  const host = hostImports();
  const { memory, exports } = newInstance(maxBytes, host);
  memory.grow(engine.image.bytes.length / WASM_PAGE_BYTES - memory.buffer.byteLength / WASM_PAGE_BYTES);
  const renewed = new Engine(memory, exports, engine.image, host);
  renewed.restore();
  return renewed;
}

/** @type {{engine: Engine, key: string} | undefined} */
let current;

/**
 * The isolate's engine for these limits, pristine.
 * @param {number} maxBytes the memory's hard cap
 * @param {Record<string, number>} settings
 * @returns {Engine}
 */
export function acquireEngine(maxBytes, settings) {
  const key = `${maxBytes}:${SETTINGS_KEYS.map((name) => settings[name]).join(":")}`;
  if (!current || current.key !== key) current = { engine: createEngine(maxBytes, settings), key };
  return current.engine;
}

/**
 * Makes the engine pristine again after a run: restored in place, or replaced by a
 * fresh instance from the same image when the run grew its memory or the restore failed.
 * @param {Engine} engine
 * @param {number} maxBytes
 */
export function releaseEngine(engine, maxBytes) {
  if (!current || current.engine !== engine) return;
  try {
    if (!engine.grown) {
      engine.restore();
      return;
    }
  } catch {
    // fall through: a fresh instance
  }
  current = { engine: renewEngine(engine, maxBytes), key: current.key };
}
