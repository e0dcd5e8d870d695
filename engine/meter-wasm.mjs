// Meters the QuickJS engine's wasm: every loop header decrements an exported i64 global
// `fuel_ticks` and traps (`unreachable`) when it drops below zero. Loops are where all
// unbounded work lives — the bytecode interpreter's dispatch loop and every native loop
// inside a built-in (string search, memcmp, array scans, BigInt to text) — so no call,
// however long, escapes the host's budget. Recursion without loops is bounded by the
// QuickJS stack limit.
//
// The counter starts at the largest i64, so an unarmed engine never traps: the host
// arms it with a budget before a run and disarms it after.
//
// usage: node engine/meter-wasm.mjs <in.wasm> <out.wasm>
// Deterministic: the same input and the pinned wabt (package-lock.json) give the same
// bytes; `make engine` (infra/build/engine_build.py) pins the sha256 of the result in engine/quickjs-ng.json.
import fs from "node:fs";
import binaryen from "binaryen";
import wabtInit from "wabt";

export const FUEL_GLOBAL = "fuel_ticks";
const TICK = [
  "global.get $fuel_ticks",
  "i64.const 1",
  "i64.sub",
  "global.set $fuel_ticks",
  "global.get $fuel_ticks",
  "i64.const 0",
  "i64.lt_s",
  "if",
  "unreachable",
  "end",
];
const LOOP_LINE = /^\s*loop\b/;
// Bulk memory instructions do O(length) work in one instruction: they go through helpers
// that charge one tick per BULK_BYTES_PER_TICK bytes first.
const BULK_BYTES_PER_TICK_SHIFT = 6;
const BULK = /^(\s*)memory\.(copy|fill)$/;
const HELPERS = ["copy", "fill"].map((op) => `  (func $fuel_${op} (param i32 i32 i32)
    global.get $fuel_ticks
    local.get 2
    i64.extend_i32_u
    i64.const ${BULK_BYTES_PER_TICK_SHIFT}
    i64.shr_u
    i64.sub
    global.set $fuel_ticks
    global.get $fuel_ticks
    i64.const 0
    i64.lt_s
    if
      unreachable
    end
    local.get 0
    local.get 1
    local.get 2
    memory.${op})`);

/** @param {string} wat flat (unfolded) text of the module */
export function meterWat(wat) {
  const lines = wat.split("\n");
  const lastImport = lines.findLastIndex((line) => line.startsWith("  (import "));
  if (lines[0] !== "(module" || lastImport < 0) throw new Error("not a flat module text with imports");
  const out = [];
  let loops = 0;
  let bulk = 0;
  lines.forEach((line, index) => {
    const bulkOp = BULK.exec(line);
    if (bulkOp) {
      out.push(`${bulkOp[1]}call $fuel_${bulkOp[2]}`);
      bulk += 1;
      return;
    }
    out.push(line);
    if (index === lastImport) {
      // Imports come first in the text format; the counter is the first defined global.
      out.push(`  (global $fuel_ticks (export "${FUEL_GLOBAL}") (mut i64) (i64.const 9223372036854775807))`, ...HELPERS);
    } else if (LOOP_LINE.test(line)) {
      out.push(...TICK);
      loops += 1;
    }
  });
  return { wat: out.join("\n"), loops, bulk };
}

async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) throw new Error("usage: node engine/meter-wasm.mjs <in.wasm> <out.wasm>");
  const wabt = await wabtInit();
  const parsed = wabt.readWasm(fs.readFileSync(input), { readDebugNames: false });
  parsed.generateNames();
  parsed.applyNames();
  const { wat, loops, bulk } = meterWat(parsed.toText({ foldExprs: false, inlineExport: false }));
  parsed.destroy();
  const metered = binaryen.parseText(wat);
  // Only the features engine/sandbox.c is compiled with (infra/build/engine_build.py CLANG_FLAGS):
  // newer ones could change the binary encoding.
  const F = binaryen.Features;
  metered.setFeatures(F.MVP | F.MutableGlobals | F.BulkMemory | F.BulkMemoryOpt | F.SignExt | F.NontrappingFPToInt);
  if (!metered.validate()) throw new Error("the metered module does not validate");
  const buffer = metered.emitBinary();
  metered.dispose();
  fs.writeFileSync(output, buffer);
  process.stderr.write(`metered ${loops} loops and ${bulk} bulk memory instructions: ${input} -> ${output} (${buffer.length} bytes)\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
