// Guest-side sandbox prelude: runs INSIDE QuickJS, evaluated unchanged by the Worker
// (worker_src/sandbox/run.js) and by the Python harness.
//
// Its completion value is `prepare(settingsJson)`, which installs the console shim and
// returns `step(action, code, inputJson)`, the one handle a host needs:
//   step("run", code, inputJson)  compiles the user's code as the body of an async
//                                 function and calls it;
//   (the host drains pending jobs, with the fuel budget armed)
//   step("finish")                returns one JSON string: the envelope the host turns
//                                 into a response. A host may call it after "run" was
//                                 interrupted, to keep the logs written until then.
//
// Everything the prelude relies on is captured here, before user code runs, so a user
// who replaces JSON, Promise.prototype.then or Object.keys cannot subvert it.
(function () {
  "use strict";

  const indirectEval = eval;
  const stringify = JSON.stringify;
  const parseJson = JSON.parse;
  const apply = Reflect.apply;
  const ownKeys = Object.keys;
  const isArray = Array.isArray;
  const objectToString = Object.prototype.toString;
  const promiseThen = Promise.prototype.then;
  const isError = /** @type {any} */ (Error).isError;
  const functionToString = Function.prototype.toString;
  const SyntaxErrorOf = SyntaxError;
  const textOf = String;
  const dateToIso = Date.prototype.toISOString;
  const dateGetTime = Date.prototype.getTime;
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;
  const regexpToString = RegExp.prototype.toString;
  const stringSplit = String.prototype.split;
  const stringSlice = String.prototype.slice;
  const stringIndexOf = String.prototype.indexOf;
  const arrayJoin = Array.prototype.join;
  const arrayMap = Array.prototype.map;
  const symbolToString = Symbol.prototype.toString;
  const bigintToString = BigInt.prototype.toString;
  const isView = ArrayBuffer.isView;
  const ArrayFrom = Array.from;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const setPrototypeOf = Object.setPrototypeOf;

  // Everything the prelude builds has no prototype, so nothing the user puts on
  // Object.prototype or Array.prototype (a toJSON, an index setter) can reach it: the
  // envelope's JSON is exactly what the prelude decided.
  function sandbox_plain(value) { return setPrototypeOf(value, null); }

  // How deep the result walk goes before it stops descending.
  const MAX_RESULT_DEPTH = 256;
  // The program is the body of an async function, and `input` a parameter of an outer
  // one, so that a declaration in the body shadows it. The Worker's engine compiles this
  // itself (engine/sandbox.c: the same head and tail, the head on line 0 of "main.js",
  // and a check that the body does not close itself) and hands the prelude its promise;
  // a host that cannot (the harness) passes the code to step("run").
  const BODY_HEAD = "(function (input) { return async function () {\n";
  const BODY_TAIL = "\n}; })";
  const INNER_HEAD = "async function () {\n";
  const BODY_ESCAPE_MESSAGE = "unexpected '}': the code closes its own function body";
  // Frames in QuickJS stacks: "    at name (main.js:line:col)" on the Worker. The harness
  // evaluates through indirect eval, where every script is "<input>" and the program
  // starts one line on. The prelude's own functions are all named "sandbox_…", and frames
  // of that name are dropped.
  const HOST_FILE = "<input>";
  const HOST_FILE_LINE_OFFSET = 1;
  const PUBLIC_FILE = "main.js";
  const MAX_FRAMES = 10;
  // What an error's text may claim; a host gives the limit status only when it saw the
  // limit itself (run.js and infra/harness.py decide).
  const STACK_OVERFLOW_MESSAGES = ["Maximum call stack size exceeded", "stack overflow"];
  // The mark guest/native-guards.guest.js puts on limit-like errors the program builds
  // itself (the harness's evidence; the Worker counts what its engine refused instead).
  const MADE_BY_PROGRAM = Symbol.for("codeexec.madeByProgram");
  const MEMORY_MESSAGES = ["out of memory", "string too long"];

  // JSON for the trees the prelude builds itself (null, booleans, finite numbers, strings,
  // arrays, plain objects). JSON.stringify is kept for primitive strings only: on objects
  // it looks up toJSON and, in QuickJS, writes to internal arrays through [[Set]], where a
  // user's index setter on Array.prototype would run.
  function sandbox_encode(value) {
    const parts = sandbox_plain([]);
    sandbox_encodeInto(value, parts);
    // One join gives a flat string; a chain of += would give a rope, which the Python
    // binding cannot read back.
    return apply(arrayJoin, parts, [""]);
  }

  function sandbox_encodeInto(value, parts) {
    if (value === null) { parts[parts.length] = "null"; return; }
    switch (typeof value) {
      case "boolean": parts[parts.length] = value ? "true" : "false"; return;
      case "number": parts[parts.length] = value === value && value !== Infinity && value !== -Infinity ? "" + value : "null"; return;
      case "string": parts[parts.length] = stringify(value); return;
    }
    if (isArray(value)) {
      parts[parts.length] = "[";
      for (let i = 0; i < value.length; i++) {
        if (i) parts[parts.length] = ",";
        sandbox_encodeInto(value[i], parts);
      }
      parts[parts.length] = "]";
      return;
    }
    const keys = ownKeys(value);
    parts[parts.length] = "{";
    for (let i = 0; i < keys.length; i++) {
      parts[parts.length] = (i ? "," : "") + stringify(keys[i]) + ":";
      sandbox_encodeInto(value[keys[i]], parts);
    }
    parts[parts.length] = "}";
  }

  function sandbox_utf8Length(text) {
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit < 0x80) bytes += 1;
      else if (unit < 0x800) bytes += 2;
      else if (unit >= 0xd800 && unit <= 0xdbff) { bytes += 4; i++; }
      else bytes += 3;
    }
    return bytes;
  }

  class OutputTooLarge {
    constructor(limit) { this.limit = limit; }
  }

  // Turns any guest value into a JSON-safe tree. It charges a lower bound of the encoded
  // size as it goes, so an oversized result stops early instead of being built first;
  // the caller measures the exact size of what it finally encodes.
  function sandbox_toJsonSafe(value, byteBudget) {
    const ancestors = sandbox_plain([]);
    let bytes = 0;
    function sandbox_charge(n) {
      bytes += n;
      if (bytes > byteBudget) throw new OutputTooLarge(byteBudget);
    }
    function sandbox_walk(item, depth) {
      switch (typeof item) {
        case "undefined": sandbox_charge(4); return null;
        case "boolean": sandbox_charge(5); return item;
        case "string": sandbox_charge(item.length + 2); return item;
        case "number":
          if (item !== item) { sandbox_charge(5); return "NaN"; }
          if (item === Infinity) { sandbox_charge(10); return "Infinity"; }
          if (item === -Infinity) { sandbox_charge(11); return "-Infinity"; }
          if (item === 0) { sandbox_charge(1); return 0; }
          sandbox_charge(String(item).length);
          return item;
        case "bigint": {
          const digits = apply(bigintToString, item, []);
          sandbox_charge(digits.length + 2);
          return digits;
        }
        case "symbol": {
          const text = apply(symbolToString, item, []);
          sandbox_charge(text.length + 2);
          return text;
        }
        case "function": {
          const text = "[Function: " + (typeof item.name === "string" && item.name ? item.name : "anonymous") + "]";
          sandbox_charge(text.length + 2);
          return text;
        }
      }
      if (item === null) { sandbox_charge(4); return null; }
      for (let i = 0; i < ancestors.length; i++) {
        if (ancestors[i] === item) { sandbox_charge(12); return "[Circular]"; }
      }
      if (depth >= MAX_RESULT_DEPTH) { sandbox_charge(12); return "[Too deep]"; }
      const tag = apply(objectToString, item, []);
      if (tag === "[object Date]") {
        const time = apply(dateGetTime, item, []);
        sandbox_charge(26);
        return time === time ? apply(dateToIso, item, []) : null;
      }
      if (tag === "[object RegExp]") {
        const text = apply(regexpToString, item, []);
        sandbox_charge(text.length + 2);
        return text;
      }
      if (tag === "[object Error]") {
        return sandbox_walk(sandbox_plain({ name: String(item.name), message: String(item.message) }), depth);
      }
      if (typeof item.toJSON === "function") {
        return sandbox_walk(item.toJSON(), depth + 1);
      }
      ancestors[ancestors.length] = item;
      try {
        sandbox_charge(2);
        if (tag === "[object Map]") {
          const out = sandbox_plain([]);
          for (const entry of apply(mapEntries, item, [])) {
            out[out.length] = sandbox_walk(entry, depth + 1);
            sandbox_charge(1);
          }
          return out;
        }
        if (tag === "[object Set]") {
          const out = sandbox_plain([]);
          for (const entry of apply(setValues, item, [])) {
            out[out.length] = sandbox_walk(entry, depth + 1);
            sandbox_charge(1);
          }
          return out;
        }
        if (isArray(item) || isView(item)) {
          const source = isArray(item) ? item : ArrayFrom(/** @type {any} */ (item));
          const out = sandbox_plain([]);
          for (let i = 0; i < source.length; i++) {
            out[i] = sandbox_walk(source[i], depth + 1);
            sandbox_charge(1);
          }
          return out;
        }
        if (tag === "[object Number]" || tag === "[object String]" || tag === "[object Boolean]") {
          return sandbox_walk(item.valueOf(), depth);
        }
        const out = sandbox_plain({});
        const keys = ownKeys(item);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          const child = item[key];
          if (child === undefined || typeof child === "function" || typeof child === "symbol") continue;
          sandbox_charge(key.length + 4);
          defineProperty(out, key, { value: sandbox_walk(child, depth + 1), enumerable: true, writable: true, configurable: true });
        }
        return out;
      } finally {
        ancestors.length -= 1;
      }
    }
    return sandbox_walk(value, 0);
  }

  // Keeps the user's frames, numbered as the user wrote them, and at most MAX_FRAMES.
  function sandbox_guestStack(stack) {
    if (typeof stack !== "string") return "";
    const lines = apply(stringSplit, stack, ["\n"]);
    const frames = sandbox_plain([]);
    let omitted = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (apply(stringIndexOf, line, [" sandbox_"]) !== -1 || apply(stringIndexOf, line, ["at <eval>"]) !== -1) continue;
      if (apply(stringIndexOf, line, [PUBLIC_FILE + ":"]) !== -1) {
        if (frames.length === MAX_FRAMES) omitted += 1;
        else frames[frames.length] = line;
        continue;
      }
      const at = apply(stringIndexOf, line, [HOST_FILE + ":"]);
      if (at === -1) continue;
      if (frames.length === MAX_FRAMES) { omitted += 1; continue; }
      const numberStart = at + HOST_FILE.length + 1;
      let numberEnd = numberStart;
      while (numberEnd < line.length && line.charCodeAt(numberEnd) >= 48 && line.charCodeAt(numberEnd) <= 57) numberEnd++;
      const guestLine = Number(apply(stringSlice, line, [numberStart, numberEnd])) - HOST_FILE_LINE_OFFSET;
      // A position on the head's line (none is known in the program): say the file only.
      const position = guestLine >= 1
        ? PUBLIC_FILE + ":" + guestLine + apply(stringSlice, line, [numberEnd])
        : PUBLIC_FILE + (line.charCodeAt(line.length - 1) === 41 ? ")" : "");
      frames[frames.length] = apply(stringSlice, line, [0, at]) + position;
    }
    if (omitted > 0) frames[frames.length] = "    ... " + omitted + " more frames";
    return apply(arrayJoin, frames, ["\n"]);
  }

  function sandbox_describeError(thrown) {
    if (thrown !== null && (typeof thrown === "object" || typeof thrown === "function")) {
      let name = "Error";
      let message = "";
      let stack = "";
      try { name = String(thrown.name); } catch (_) { /* hostile getter: keep the default */ }
      try { message = String(thrown.message); } catch (_) { /* hostile getter */ }
      try { stack = sandbox_guestStack(thrown.stack); } catch (_) { /* hostile getter */ }
      if (name === "undefined") name = "Error";
      if (message === "undefined") message = "";
      // What a host without allocator counts (the harness) weighs a claimed limit by.
      let madeByProgram = false;
      try { madeByProgram = thrown[MADE_BY_PROGRAM] === true; } catch (_) { /* hostile proxy */ }
      return sandbox_plain({ name, message, stack, evidence: sandbox_plain({ errorObject: isError(thrown), madeByProgram }) });
    }
    let text;
    try { text = String(thrown); } catch (_) { text = typeof thrown; }
    return sandbox_plain({ name: "Error", message: "Uncaught " + text, stack: "", thrownValue: thrown === undefined ? "undefined" : text });
  }

  function sandbox_statusOf(error) {
    if (error.name === "RangeError" || error.name === "InternalError") {
      for (let i = 0; i < STACK_OVERFLOW_MESSAGES.length; i++) {
        if (error.message === STACK_OVERFLOW_MESSAGES[i]) return "stack_overflow";
      }
    }
    if (error.name === "InternalError" || error.name === "RangeError") {
      for (let i = 0; i < MEMORY_MESSAGES.length; i++) {
        if (error.message === MEMORY_MESSAGES[i]) return "memory_limit";
      }
    }
    return "error";
  }

  function sandbox_makeConsole(settings, logs) {
    let bytesUsed = 0;
    let dropped = 0;
    function sandbox_format(arg) {
      if (typeof arg === "string") return arg;
      try {
        return sandbox_encode(sandbox_toJsonSafe(arg, settings.maxLogBytes));
      } catch (_) {
        return "[Unprintable]";
      }
    }
    function sandbox_record(level, args) {
      if (logs.length >= settings.maxLogLines || bytesUsed >= settings.maxLogBytes) {
        dropped += 1;
        return;
      }
      let message = apply(arrayJoin, apply(arrayMap, ArrayFrom(args), [sandbox_format]), [" "]);
      let size = sandbox_utf8Length(message);
      if (bytesUsed + size > settings.maxLogBytes) {
        message = apply(stringSlice, message, [0, settings.maxLogBytes - bytesUsed]);
        size = sandbox_utf8Length(message);
        dropped += 1;
      }
      bytesUsed += size;
      logs[logs.length] = sandbox_plain({ level, message });
    }
    const shim = {};
    const levels = ["log", "info", "warn", "error", "debug"];
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      shim[level] = function sandbox_console() { sandbox_record(level, arguments); };
    }
    return { shim: freeze(shim), record: sandbox_record, stats: function sandbox_stats() { return sandbox_plain({ bytes: bytesUsed, dropped }); } };
  }

  return function sandbox_prepare(settingsJson) {
    const settings = parseJson(settingsJson);
    const logs = sandbox_plain([]);
    const guestConsole = sandbox_makeConsole(settings, logs);
    defineProperty(globalThis, "console", { value: guestConsole.shim, writable: true, configurable: true });
    // quickjs-ng adds a clock that user code has no need of (and could time things with).
    delete globalThis.performance;
    // The native build (the Python harness) has Atomics, the wasm build does not: every
    // host offers the same globals.
    delete globalThis.Atomics;
    // No threads exist, so nothing needs shared memory; and quickjs-ng 0.12.1 grows a
    // growable SharedArrayBuffer over memory it does not own (fixed upstream in PR #1523).
    // No other intrinsic leads to its constructor or prototype once Atomics is gone.
    delete globalThis.SharedArrayBuffer;
    const outcome = { settled: false, failed: false, value: undefined, thrown: undefined, phase: "runtime" };

    function sandbox_fail(thrown, phase) {
      outcome.settled = true;
      outcome.failed = true;
      outcome.thrown = thrown;
      outcome.phase = phase;
    }

    // A job the program queued that throws (queueMicrotask, a FinalizationRegistry
    // callback) does not end the program: it is an error line in the logs. A host passes
    // the thrown value, or its text when that is all it has (the harness).
    function sandbox_jobFailed(thrown, text) {
      let description = text;
      if (typeof description !== "string") {
        try { description = textOf(thrown); } catch (_) { description = typeof thrown; }
      }
      guestConsole.record("error", ["Uncaught in a background job: " + description]);
    }

    function sandbox_settle(promise) {
      try {
        apply(promiseThen, promise, [
          function sandbox_fulfilled(value) { outcome.settled = true; outcome.value = value; },
          function sandbox_rejected(thrown) { sandbox_fail(thrown, "runtime"); },
        ]);
      } catch (thrown) {
        // The program's own Promise tricks (a species getter that throws) fail the program.
        sandbox_fail(thrown, "runtime");
      }
    }

    // A leading "#!" line is a comment in a function body (same length, same columns).
    function sandbox_bodyOf(code) {
      return code.length >= 2 && code[0] === "#" && code[1] === "!" ? "//" + apply(stringSlice, code, [2]) : code;
    }

    // For a host that cannot inspect the compiled body (the harness), to call in a
    // throwaway context: a body that closes itself runs code of its own when evaluated.
    // Whole means one outer function holding one inner function whose source is all of it.
    function sandbox_bodyIsWhole(code) {
      const body = sandbox_bodyOf(code);
      let outer;
      try {
        outer = indirectEval(BODY_HEAD + body + BODY_TAIL);
      } catch (thrown) {
        return thrown instanceof SyntaxErrorOf; // it does not compile: the run reports that
      }
      const outerSource = apply(stringSlice, BODY_HEAD, [1]) + body + apply(stringSlice, BODY_TAIL, [0, -1]);
      if (typeof outer !== "function" || apply(functionToString, outer, []) !== outerSource) return false;
      let inner;
      try {
        inner = outer();
      } catch (_) {
        return false;
      }
      return typeof inner === "function" && apply(functionToString, inner, []) === INNER_HEAD + body + "\n}";
    }

    // For a host that cannot compile the body itself; it has checked that the body does
    // not close itself (else it calls step("escapes")).
    function sandbox_run(code, inputJson) {
      const body = sandbox_bodyOf(code);
      let outer;
      try {
        outer = indirectEval(BODY_HEAD + body + BODY_TAIL);
      } catch (thrown) {
        return sandbox_fail(thrown, "compile");
      }
      try {
        const input = inputJson === undefined || inputJson === null ? undefined : parseJson(inputJson);
        sandbox_settle(outer(input)());
      } catch (thrown) {
        sandbox_fail(thrown, "runtime");
      }
    }

    function sandbox_finish() {
      const envelope = sandbox_plain({ status: "ok", result: null, error: null, logs, logStats: guestConsole.stats(), resultBytes: 0 });
      if (!outcome.settled) {
        envelope.status = "error";
        envelope.error = sandbox_plain({ name: "PendingError", message: "the program's promise never settled (no timers or I/O exist in the sandbox)", stack: "", phase: "runtime" });
      } else if (outcome.failed) {
        envelope.error = sandbox_describeError(outcome.thrown);
        envelope.error.phase = outcome.phase;
        envelope.status = sandbox_statusOf(envelope.error);
      } else {
        try {
          const safe = sandbox_toJsonSafe(outcome.value, settings.maxResultBytes);
          const resultBytes = sandbox_utf8Length(sandbox_encode(safe));
          if (resultBytes > settings.maxResultBytes) throw new OutputTooLarge(settings.maxResultBytes);
          envelope.result = safe;
          envelope.resultBytes = resultBytes;
        } catch (thrown) {
          if (thrown instanceof OutputTooLarge) {
            envelope.status = "output_limit";
            envelope.error = sandbox_plain({ name: "OutputLimitError", message: "the result is larger than " + thrown.limit + " bytes", stack: "", phase: "runtime" });
          } else {
            envelope.error = sandbox_describeError(thrown);
            envelope.error.phase = "runtime";
            envelope.status = sandbox_statusOf(envelope.error);
          }
        }
      }
      return sandbox_encode(envelope);
    }

    return function sandbox_step(action, first, second) {
      if (action === "settle") return sandbox_settle(first);
      if (action === "failed") return sandbox_fail(first, second);
      if (action === "escapes") return sandbox_fail(new SyntaxErrorOf(BODY_ESCAPE_MESSAGE), "compile");
      if (action === "run") return sandbox_run(first, second);
      if (action === "checkBody") return sandbox_bodyIsWhole(first);
      if (action === "jobFailed") return sandbox_jobFailed(first, second);
      return sandbox_finish();
    };
  };
})();
