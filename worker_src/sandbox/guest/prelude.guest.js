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
// who replaces JSON, String, Number, Promise.prototype.then, Object.keys or any other
// global or prototype method cannot subvert it.
(function () {
  "use strict";

  const indirectEval = eval;
  const stringify = JSON.stringify;
  const parseJson = JSON.parse;
  const apply = Reflect.apply;
  const ownKeys = Object.keys;
  const isArray = Array.isArray;
  const isView = ArrayBuffer.isView;
  const objectToString = Object.prototype.toString;
  const toStringTag = Symbol.toStringTag;
  const promiseThen = Promise.prototype.then;
  // Error.isError reads the [[ErrorData]] internal slot: an object that only has
  // Error.prototype in its chain, or a Proxy of an Error, is not an Error to it.
  const isError = /** @type {any} */ (Error).isError;
  const functionToString = Function.prototype.toString;
  const SyntaxErrorOf = SyntaxError;
  const textOf = String;
  const dateToIso = Date.prototype.toISOString;
  const dateGetTime = Date.prototype.getTime;
  const mapEntries = Map.prototype.entries;
  const setValues = Set.prototype.values;
  const stringSplit = String.prototype.split;
  const stringSlice = String.prototype.slice;
  const stringIndexOf = String.prototype.indexOf;
  const charCodeAt = String.prototype.charCodeAt;
  const arrayJoin = Array.prototype.join;
  const symbolToString = Symbol.prototype.toString;
  const bigintToString = BigInt.prototype.toString;
  const numberValueOf = Number.prototype.valueOf;
  const stringValueOf = String.prototype.valueOf;
  const booleanValueOf = Boolean.prototype.valueOf;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const setPrototypeOf = Object.setPrototypeOf;
  const getPrototypeOf = Object.getPrototypeOf;
  /** @param {object} owner @param {PropertyKey} key */
  function sandbox_getter(owner, key) { return Object.getOwnPropertyDescriptor(owner, key).get; }
  const mapSize = sandbox_getter(Map.prototype, "size");
  const setSize = sandbox_getter(Set.prototype, "size");
  const regexpSource = sandbox_getter(RegExp.prototype, "source");
  const regexpGlobal = sandbox_getter(RegExp.prototype, "global");
  // The flag getters read the RegExp's own slot (the `flags` getter reads properties).
  const regexpFlagGetters = sandbox_plain([]);
  const REGEXP_FLAGS = "dgimsuvy";
  const REGEXP_FLAG_NAMES = ["hasIndices", "global", "ignoreCase", "multiline", "dotAll", "unicode", "unicodeSets", "sticky"];
  for (let i = 0; i < REGEXP_FLAG_NAMES.length; i++) regexpFlagGetters[i] = sandbox_getter(RegExp.prototype, REGEXP_FLAG_NAMES[i]);
  const typedArrayLength = sandbox_getter(getPrototypeOf(Uint8Array.prototype), "length");
  const MapPrototype = Map.prototype;
  const SetPrototype = Set.prototype;
  const mapIteratorNext = getPrototypeOf(new Map().entries()).next;
  const setIteratorNext = getPrototypeOf(new Set().values()).next;

  // Everything the prelude builds has no prototype, so nothing the user puts on
  // Object.prototype or Array.prototype (a toJSON, an index setter) can reach it: the
  // envelope's JSON is exactly what the prelude decided.
  function sandbox_plain(value) { return setPrototypeOf(value, null); }

  // How deep the result walk goes: a result nested deeper is an output_limit; a logged
  // value shows "[Too deep]" there instead.
  const MAX_RESULT_DEPTH = 256;
  // Caps of the error's fields, in bytes as sent (UTF-8 of the JSON-escaped text, quotes
  // aside); a longer field is cut and ends with CUT_MARK. docs/api.md states them.
  const MAX_ERROR_NAME_BYTES = 256;
  const MAX_ERROR_MESSAGE_BYTES = 8192;
  const MAX_ERROR_STACK_BYTES = 8192;
  const CUT_MARK = "\u2026";
  const CUT_MARK_BYTES = 3;
  // A log entry as sent is {"level":"<level>","message":"<message>"}: its bytes beyond
  // the level's and the message's own.
  const LOG_ENTRY_OVERHEAD_BYTES = 25;
  // The program is the body of an async function, and `input` a parameter of an outer
  // one, so that a declaration in the body shadows it. The Worker's engine compiles this
  // itself (engine/sandbox.c: the same head and tail, the head on line 0 of "main.js",
  // and a check that the body does not close itself) and hands the prelude its promise;
  // a host that cannot (the harness) passes the code to step("run").
  const BODY_HEAD = "(function (input) { return async function () {\n";
  const BODY_TAIL = "\n}; })";
  const INNER_HEAD = "async function () {\n";
  const BODY_ESCAPE_MESSAGE = "unexpected '}': the code closes its own function body";
  // The program's frames in QuickJS stacks: "    at name (main.js:line:col)" (the native
  // guards make the harness's read so too). The prelude's own functions are all named
  // "sandbox_…", and frames of that name are dropped, as are frames of other scripts.
  const PUBLIC_FILE = "main.js";
  const MAX_FRAMES = 10;
  // What an error's text may claim; a host gives the limit status only when it saw the
  // limit itself (run.js and infra/check/harness.py decide).
  const STACK_OVERFLOW_MESSAGES = ["Maximum call stack size exceeded", "stack overflow"];
  // The mark native-guards.guest.js puts on limit-like errors the program builds
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

  // UTF-8 bytes of a text that is already JSON (its escapes are ASCII).
  function sandbox_utf8Length(text) {
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = apply(charCodeAt, text, [i]);
      if (unit < 0x80) bytes += 1;
      else if (unit < 0x800) bytes += 2;
      else if (unit >= 0xd800 && unit <= 0xdbff) { bytes += 4; i++; }
      else bytes += 3;
    }
    return bytes;
  }

  // The longest start of `text` that takes at most `budget` bytes once sent as a JSON
  // string (escaped as JSON.stringify does, UTF-8, quotes aside; a surrogate pair is never
  // split): [its length in code units, its bytes].
  function sandbox_fitJsonText(text, budget) {
    let bytes = 0;
    let i = 0;
    while (i < text.length) {
      const unit = apply(charCodeAt, text, [i]);
      let size = 3;
      let span = 1;
      if (unit === 0x22 || unit === 0x5c || unit === 8 || unit === 9 || unit === 10 || unit === 12 || unit === 13) size = 2;
      else if (unit < 0x20) size = 6;
      else if (unit < 0x80) size = 1;
      else if (unit < 0x800) size = 2;
      else if (unit >= 0xd800 && unit <= 0xdfff) {
        const next = i + 1 < text.length ? apply(charCodeAt, text, [i + 1]) : 0;
        if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) { size = 4; span = 2; }
        else size = 6;
      }
      if (bytes + size > budget) break;
      bytes += size;
      i += span;
    }
    return sandbox_plain([i, bytes]);
  }

  // `text` cut to at most `maxBytes` bytes as sent, ending with CUT_MARK when it was cut.
  function sandbox_capText(text, maxBytes) {
    if (text.length <= maxBytes / 6) return text;
    if (sandbox_fitJsonText(text, maxBytes)[0] === text.length) return text;
    return apply(stringSlice, text, [0, sandbox_fitJsonText(text, maxBytes - CUT_MARK_BYTES)[0]]) + CUT_MARK;
  }

  // What is thrown when the result reaches a limit. The catch tells it apart by identity:
  // `instanceof` would run the traps of a Proxy the program threw instead.
  let outputLimit = null;
  function sandbox_outputLimit(message) {
    outputLimit = sandbox_plain({ message });
    return outputLimit;
  }

  /** @param {(this: any) => any} getter @param {object} item */
  function sandbox_hasSlot(getter, item) {
    try {
      apply(getter, item, []);
      return true;
    } catch (_) {
      return false;
    }
  }

  function sandbox_inherits(item, prototype) {
    for (let link = getPrototypeOf(item); link !== null; link = getPrototypeOf(link)) {
      if (link === prototype) return true;
    }
    return false;
  }

  // What an object is, by its internal slots: "date", "regexp", "map", "set", "typed",
  // "number", "string", "boolean" or "plain". A slot is probed with an intrinsic that
  // reads it and throws on any other object; a throw costs, so an object is probed only
  // for the kinds it may be: when it claims a Symbol.toStringTag, for all of them;
  // otherwise for the one Object.prototype.toString's builtin tag names (that tag comes
  // from the Date, RegExp, Number, String and Boolean slots), and for Map or Set when
  // their prototype is in its chain. No claim makes an object pass for what it is not; a
  // Map that also hides (moved onto another prototype, no tag) is encoded as the plain
  // object it looks like.
  function sandbox_kindOf(item) {
    if (isView(item)) return sandbox_hasSlot(typedArrayLength, item) ? "typed" : "plain";
    const claims = typeof item[toStringTag] === "string";
    const builtin = claims ? "" : apply(objectToString, item, []);
    if ((claims || sandbox_inherits(item, MapPrototype)) && sandbox_hasSlot(mapSize, item)) return "map";
    if ((claims || sandbox_inherits(item, SetPrototype)) && sandbox_hasSlot(setSize, item)) return "set";
    if ((claims || builtin === "[object Date]") && sandbox_hasSlot(dateGetTime, item)) return "date";
    // The `global` getter answers undefined for RegExp.prototype, a boolean for a RegExp.
    if ((claims || builtin === "[object RegExp]") && sandbox_hasSlot(regexpGlobal, item) && typeof apply(regexpGlobal, item, []) === "boolean") return "regexp";
    if ((claims || builtin === "[object Number]") && sandbox_hasSlot(numberValueOf, item)) return "number";
    if ((claims || builtin === "[object String]") && sandbox_hasSlot(stringValueOf, item)) return "string";
    if ((claims || builtin === "[object Boolean]") && sandbox_hasSlot(booleanValueOf, item)) return "boolean";
    return "plain";
  }

  // Turns any guest value into a JSON-safe tree. It charges a lower bound of the encoded
  // size as it goes, so an oversized result stops early instead of being built first;
  // the caller measures the exact size of what it finally encodes. Objects are told apart
  // by their internal slots (sandbox_kindOf), never by what they claim. Past
  // MAX_RESULT_DEPTH a logged value (`markTooDeep`) shows "[Too deep]"; a result is an
  // output limit.
  function sandbox_toJsonSafe(value, byteBudget, markTooDeep) {
    const ancestors = sandbox_plain([]);
    let bytes = 0;
    function sandbox_charge(n) {
      bytes += n;
      if (bytes > byteBudget) throw sandbox_outputLimit("the result is larger than " + byteBudget + " bytes");
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
          sandbox_charge(textOf(item).length);
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
      if (depth >= MAX_RESULT_DEPTH) {
        if (!markTooDeep) throw sandbox_outputLimit("the result is nested deeper than " + MAX_RESULT_DEPTH + " levels");
        sandbox_charge(12);
        return "[Too deep]";
      }
      if (isError(item)) {
        return sandbox_walk(sandbox_plain({ name: textOf(item.name), message: textOf(item.message) }), depth);
      }
      const kind = isArray(item) ? "array" : sandbox_kindOf(item);
      if (kind === "date") {
        const time = apply(dateGetTime, item, []);
        sandbox_charge(26);
        return time === time ? apply(dateToIso, item, []) : null;
      }
      if (kind === "regexp") {
        let text = "/" + apply(regexpSource, item, []) + "/";
        for (let i = 0; i < regexpFlagGetters.length; i++) {
          if (apply(regexpFlagGetters[i], item, [])) text += REGEXP_FLAGS[i];
        }
        sandbox_charge(text.length + 2);
        return text;
      }
      if (typeof item.toJSON === "function") {
        return sandbox_walk(item.toJSON(), depth + 1);
      }
      ancestors[ancestors.length] = item;
      try {
        sandbox_charge(2);
        if (kind === "array" || kind === "typed") {
          const length = kind === "array" ? item.length : apply(typedArrayLength, item, []);
          const out = sandbox_plain([]);
          for (let i = 0; i < length; i++) {
            out[i] = sandbox_walk(item[i], depth + 1);
            sandbox_charge(1);
          }
          return out;
        }
        if (kind === "map" || kind === "set") {
          // The Map's or Set's own iterator, stepped with the captured `next`.
          const iterator = kind === "map" ? apply(mapEntries, item, []) : apply(setValues, item, []);
          const next = kind === "map" ? mapIteratorNext : setIteratorNext;
          const out = sandbox_plain([]);
          for (let step = apply(next, iterator, []); !step.done; step = apply(next, iterator, [])) {
            out[out.length] = sandbox_walk(step.value, depth + 1);
            sandbox_charge(1);
          }
          return out;
        }
        if (kind === "number") return sandbox_walk(apply(numberValueOf, item, []), depth);
        if (kind === "string") return sandbox_walk(apply(stringValueOf, item, []), depth);
        if (kind === "boolean") return sandbox_walk(apply(booleanValueOf, item, []), depth);
        const out = sandbox_plain({});
        const keys = ownKeys(item);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          const child = item[key];
          if (child === undefined) continue;
          sandbox_charge(key.length + 4);
          // `out` has no prototype, so even "__proto__" is an own property set here.
          out[key] = sandbox_walk(child, depth + 1);
        }
        return out;
      } finally {
        ancestors.length -= 1;
      }
    }
    return sandbox_walk(value, 0);
  }

  // Keeps the program's frames, at most MAX_FRAMES.
  function sandbox_guestStack(stack) {
    if (typeof stack !== "string") return "";
    const lines = apply(stringSplit, stack, ["\n"]);
    const frames = sandbox_plain([]);
    let omitted = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (apply(stringIndexOf, line, [" sandbox_"]) !== -1 || apply(stringIndexOf, line, [PUBLIC_FILE + ":"]) === -1) continue;
      if (frames.length === MAX_FRAMES) omitted += 1;
      else frames[frames.length] = line;
    }
    if (omitted > 0) frames[frames.length] = "    ... " + omitted + " more frames";
    return apply(arrayJoin, frames, ["\n"]);
  }

  function sandbox_describeError(thrown) {
    if (thrown !== null && (typeof thrown === "object" || typeof thrown === "function")) {
      let name = "Error";
      let message = "";
      let stack = "";
      try { name = textOf(thrown.name); } catch (_) { /* hostile getter: keep the default */ }
      try { message = textOf(thrown.message); } catch (_) { /* hostile getter */ }
      try { stack = sandbox_guestStack(thrown.stack); } catch (_) { /* hostile getter */ }
      if (name === "undefined") name = "Error";
      if (message === "undefined") message = "";
      // What a host without allocator counts (the harness) weighs a claimed limit by.
      let madeByProgram = false;
      try { madeByProgram = thrown[MADE_BY_PROGRAM] === true; } catch (_) { /* hostile proxy */ }
      const error = sandbox_cappedError(name, message, stack);
      error.evidence = sandbox_plain({ errorObject: isError(thrown), madeByProgram });
      return error;
    }
    let text;
    try { text = textOf(thrown); } catch (_) { text = typeof thrown; }
    const error = sandbox_cappedError("Error", "Uncaught " + text, "");
    error.thrownValue = thrown === undefined ? "undefined" : sandbox_capText(text, MAX_ERROR_MESSAGE_BYTES);
    return error;
  }

  function sandbox_cappedError(name, message, stack) {
    return sandbox_plain({
      name: sandbox_capText(name, MAX_ERROR_NAME_BYTES),
      message: sandbox_capText(message, MAX_ERROR_MESSAGE_BYTES),
      stack: sandbox_capText(stack, MAX_ERROR_STACK_BYTES),
    });
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
        return sandbox_encode(sandbox_toJsonSafe(arg, settings.maxLogBytes, true));
      } catch (_) {
        return "[Unprintable]";
      }
    }
    // maxLogBytes bounds the entries as sent: each {"level":…,"message":…} as JSON
    // (UTF-8, escapes included) and the comma before it. A message that does not fit is
    // cut to the room left, and counts as dropped.
    function sandbox_record(level, args) {
      const room = settings.maxLogBytes - bytesUsed - (logs.length ? 1 : 0) - LOG_ENTRY_OVERHEAD_BYTES - level.length;
      if (logs.length >= settings.maxLogLines || room <= 0) {
        dropped += 1;
        if (emitLog) emitLog("");
        return;
      }
      const texts = sandbox_plain([]);
      for (let i = 0; i < args.length; i++) texts[i] = sandbox_format(args[i]);
      let message = apply(arrayJoin, texts, [" "]);
      const fit = sandbox_fitJsonText(message, room);
      if (fit[0] < message.length) {
        message = apply(stringSlice, message, [0, fit[0]]);
        dropped += 1;
        if (emitLog) emitLog("");
      }
      bytesUsed += (logs.length ? 1 : 0) + LOG_ENTRY_OVERHEAD_BYTES + level.length + fit[1];
      logs[logs.length] = sandbox_plain({ level, message });
      if (emitLog) emitLog(level, message);
    }
    const shim = {};
    const levels = ["log", "info", "warn", "error", "debug"];
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i];
      shim[level] = function sandbox_console() { sandbox_record(level, arguments); };
    }
    return { shim: freeze(shim), record: sandbox_record, stats: function sandbox_stats() { return sandbox_plain({ dropped }); } };
  }

  // The Worker's engine keeps each log line outside the JS heap as it is written, so a run
  // its fuel meter stops mid-call keeps its logs (engine/sandbox.c); other hosts have none.
  const emitLog = typeof globalThis.sandboxEmitLog === "function" ? globalThis.sandboxEmitLog : undefined;
  delete globalThis.sandboxEmitLog;

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
      const envelope = sandbox_plain({ status: "ok", result: null, error: null, logs, logStats: guestConsole.stats() });
      if (!outcome.settled) {
        envelope.status = "error";
        envelope.error = sandbox_cappedError("PendingError", "the program's promise never settled (no timers or I/O exist in the sandbox)", "");
        envelope.error.phase = "runtime";
      } else if (outcome.failed) {
        envelope.error = sandbox_describeError(outcome.thrown);
        envelope.error.phase = outcome.phase;
        envelope.status = sandbox_statusOf(envelope.error);
      } else {
        try {
          const safe = sandbox_toJsonSafe(outcome.value, settings.maxResultBytes, false);
          const resultBytes = sandbox_utf8Length(sandbox_encode(safe));
          if (resultBytes > settings.maxResultBytes) throw sandbox_outputLimit("the result is larger than " + settings.maxResultBytes + " bytes");
          envelope.result = safe;
        } catch (thrown) {
          if (thrown !== null && thrown === outputLimit) {
            envelope.status = "output_limit";
            envelope.error = sandbox_cappedError("OutputLimitError", thrown.message, "");
            envelope.error.phase = "runtime";
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
