// Native-work guards: an optional guest script for hosts whose engine does not meter
// native code — the Python harness runs quickjs-ng natively. The Worker does not load
// it: its wasm is metered (engine/meter-wasm.mjs), which covers every built-in exactly.
// It also gives such a host what the Worker's engine observes or does itself: it marks
// the limit-like errors the program constructs, and shows stacks as the Worker does.
//
// QuickJS polls its interrupt handler per ~10,000 bytecode operations and a built-in
// call counts as one, so a loop around an expensive built-in escapes a budget kept in
// the interrupt handler. Each guard charges an upper estimate of the call's work (in
// the wasm meter's unit: one loop step; TICKS_PER_FUEL make one unit of fuel) BEFORE calling
// the built-in, and throws a TimeoutError once the run's budget is spent (and on every
// guarded call after that).
//
// Protocol: evaluate this script after the prelude's `prepare` (which has captured the
// intrinsics the prelude itself uses) and before `step("run")`. Its completion value is
// `install(budgetFuel)`; call it once. It returns `report()`, the one handle on the
// guards' state, kept by the host: a JSON string `{"exhausted": bool, "fuel": n}` (fuel
// charged by the guards). The host reports `timeout` when exhausted is true, whatever
// the program did with the error. User code never sees
// the originals: they are captured here, before it runs.
//
// Guards cannot see operators (`a === b` on long strings, `${bigint}`, `+text`): there
// only the interrupt poll bounds the work. Estimates are pessimistic (a search is
// charged length x needle length), and each guarded call costs two extra calls.
(function () {
  "use strict";

  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const getPrototypeOf = Object.getPrototypeOf;
  const bigintToString = BigInt.prototype.toString;
  const NumberOf = Number;
  const StringOf = String;
  const ceil = Math.ceil;

  // sandbox/run.js's fuel unit; this script cannot import it (tests/worker/test_run.py
  // holds the two equal).
  const TICKS_PER_FUEL = 100000;
  const PER_ELEMENT = 8;
  const SMALL_BIGINT = 2n ** 256n;

  const MADE_BY_PROGRAM = Symbol.for("codeexec.madeByProgram");
  const construct = Reflect.construct;

  // Replaces an error constructor by a proxy that marks what it makes (subclasses too, and
  // calls without `new`), with a mark the program cannot take off (not configurable).
  function markProgramErrors(Original) {
    const mark = (error) => {
      defineProperty(error, MADE_BY_PROGRAM, { value: true });
      return error;
    };
    const marking = new Proxy(Original, {
      construct: (target, args, newTarget) => mark(construct(target, args, newTarget === marking ? target : newTarget)),
      apply: (target, _self, args) => mark(construct(target, args)),
    });
    defineProperty(globalThis, Original.name, { value: marking, writable: true, configurable: true });
    defineProperty(Original.prototype, "constructor", { value: marking, writable: true, configurable: true });
  }

  const stringSplit = String.prototype.split;
  const stringIndexOf = String.prototype.indexOf;
  const stringSlice = String.prototype.slice;
  const arrayJoin = Array.prototype.join;
  const FILE = "<input>:";

  // The Worker's engine compiles the program as main.js from line 1 and calls it with no
  // host frame below; natively every script is "<input>" and the program starts one line
  // on, below the prelude's frames. Error.prototype.stack (an accessor in quickjs-ng 0.17)
  // is wrapped so that the program's own `e.stack` reads as it does on the Worker.
  function showStacksAsTheWorker() {
    const native = Object.getOwnPropertyDescriptor(Error.prototype, "stack");
    if (!native || typeof native.get !== "function") return;
    const read = native.get;
    defineProperty(Error.prototype, "stack", {
      get: function sandbox_stack() { return asOnTheWorker(apply(read, this, [])); },
      set: native.set,
      enumerable: native.enumerable,
      configurable: true,
    });
  }

  function asOnTheWorker(stack) {
    if (typeof stack !== "string") return stack;
    const lines = apply(stringSplit, stack, ["\n"]);
    const kept = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (apply(stringIndexOf, line, [" sandbox_"]) !== -1) continue;
      const at = apply(stringIndexOf, line, [FILE]);
      if (at === -1) {
        kept[kept.length] = line;
        continue;
      }
      let end = at + FILE.length;
      while (end < line.length && line[end] >= "0" && line[end] <= "9") end++;
      const programLine = NumberOf(apply(stringSlice, line, [at + FILE.length, end])) - 1;
      kept[kept.length] = apply(stringSlice, line, [0, at]) + "main.js:" + programLine + apply(stringSlice, line, [end]);
    }
    return apply(arrayJoin, kept, ["\n"]);
  }

  class NativeBudgetSpent {
    constructor() {
      this.name = "TimeoutError";
      this.message = "the program used up its fuel budget";
    }
  }

  return function sandbox_installNativeGuards(budgetFuel) {
    const budget = budgetFuel * TICKS_PER_FUEL;
    let spent = 0;
    let exhausted = false;
    function textLength(value) {
      return typeof value === "string" ? value.length : 16;
    }
    function lengthOf(value) {
      if (value === null || value === undefined) return 0;
      const length = NumberOf(value.length);
      return length > 0 ? length : 0;
    }
    function bigintCost(value) {
      if (typeof value !== "bigint" || (value < SMALL_BIGINT && value > -SMALL_BIGINT)) return 0;
      // Decimal conversion is quadratic in the number of 64-bit limbs.
      const limbs = apply(bigintToString, value < 0n ? -value : value, [16]).length / 16;
      return limbs * limbs;
    }
    function install(owner, name, cost) {
      const original = owner[name];
      if (typeof original !== "function") return;
      // Plain parameters and `arguments`: a rest parameter would allocate on every call.
      const guarded = {
        [name](a, b) {
          spent += cost(this, a, b);
          if (spent > budget) exhausted = true;
          if (exhausted) throw new NativeBudgetSpent();
          return apply(original, this, arguments);
        },
      }[name];
      defineProperty(guarded, "length", { value: original.length });
      defineProperty(owner, name, { value: guarded, writable: true, configurable: true, enumerable: false });
    }
    // Text searches: the naive search is O(length * needle length) at worst.
    const selfLength = (self) => (typeof self === "string" ? self.length : StringOf(self).length);
    const search = (self, needle) => selfLength(self) * (textLength(needle) + 1);
    const scan = (self, other) => selfLength(self) + textLength(other);
    const StringProto = String.prototype;
    install(StringProto, "indexOf", search);
    install(StringProto, "lastIndexOf", search);
    install(StringProto, "includes", search);
    install(StringProto, "split", search);
    install(StringProto, "replace", search);
    install(StringProto, "replaceAll", search);
    install(StringProto, "localeCompare", scan);
    install(StringProto, "normalize", scan);
    install(globalThis, "parseFloat", (_self, text) => textLength(text));
    install(globalThis, "parseInt", (_self, text) => textLength(text));
    install(JSON, "parse", (_self, text) => textLength(text));
    // Array methods walk every index up to `length`, holes and array-likes included.
    const walk = (self) => lengthOf(self) * PER_ELEMENT;
    const arrayMethods = ["join", "indexOf", "lastIndexOf", "includes", "reverse", "forEach", "every", "some",
      "map", "filter", "reduce", "reduceRight", "fill", "copyWithin", "slice", "splice", "concat", "flat",
      "find", "findIndex", "findLast", "findLastIndex", "toReversed", "toSpliced", "with", "toLocaleString"];
    for (let i = 0; i < arrayMethods.length; i++) install(Array.prototype, arrayMethods[i], walk);
    install(Array.prototype, "sort", (self) => lengthOf(self) * PER_ELEMENT * 32);
    install(Array.prototype, "toSorted", (self) => lengthOf(self) * PER_ELEMENT * 32);
    const TypedArrayProto = getPrototypeOf(Uint8Array.prototype);
    const typedMethods = ["join", "indexOf", "lastIndexOf", "includes", "reverse", "fill", "sort", "slice", "toLocaleString"];
    for (let i = 0; i < typedMethods.length; i++) install(TypedArrayProto, typedMethods[i], walk);
    // BigInt to text, and text to BigInt.
    install(BigInt.prototype, "toString", (self) => bigintCost(self));
    install(BigInt.prototype, "toLocaleString", (self) => bigintCost(self));
    // Text to BigInt is quadratic in the digits too.
    const originalBigInt = BigInt;
    install(globalThis, "BigInt", (_self, text) => (textLength(text) / 16) * (textLength(text) / 16));
    const guardedBigInt = globalThis.BigInt;
    defineProperty(guardedBigInt, "prototype", { value: originalBigInt.prototype });
    defineProperty(guardedBigInt, "asIntN", { value: originalBigInt.asIntN, writable: true, configurable: true });
    defineProperty(guardedBigInt, "asUintN", { value: originalBigInt.asUintN, writable: true, configurable: true });
    defineProperty(originalBigInt.prototype, "constructor", { value: guardedBigInt, writable: true, configurable: true });
    // Limit-like errors the program builds itself are marked, so that the host does not
    // take `throw new RangeError('Maximum call stack size exceeded')` for the engine's own
    // (the Worker counts what its engine refused instead; native quickjs-ng offers no count).
    markProgramErrors(RangeError);
    markProgramErrors(/** @type {ErrorConstructor} */ (/** @type {any} */ (globalThis).InternalError));
    showStacksAsTheWorker();
    return function sandbox_nativeGuardsReport() {
      // Built by hand: JSON.stringify on an object would consult a toJSON the user planted.
      return '{"exhausted":' + (exhausted ? "true" : "false") + ',"fuel":' + ceil(spent / TICKS_PER_FUEL) + "}";
    };
  };
})();

