// The engine's run and restore, timed apart, after programs that allocate more and more.
// Bundled with the product's own worker_src/sandbox/engine-host.js and run.js by
// bench/restore.mjs; nothing here reaches into the engine past its exports.
import { acquireEngine, createEngine, releaseEngine } from "../worker_src/sandbox/engine-host.js";
import { engineRequest } from "../worker_src/sandbox/run.js";

/** @param {number} bytes */
function allocating(bytes) {
  // Filled, so every byte is written: the restore has them all to put back.
  return `const block = new Uint8Array(${bytes}); block.fill(7); return block.length;`;
}

/**
 * @param {Record<string, number>} limits the stack's limits, as the Worker gets them
 * @param {{sizes: number[], repeats: number, warmup: number, creates: number, workloads: Record<string, {code: string, repeats: number}>}} plan
 */
export function measure(limits, plan) {
  const createMs = [];
  for (let i = 0; i < plan.creates; i++) {
    const started = performance.now();
    createEngine(limits.memoryBytes, limits);
    createMs.push(performance.now() - started);
  }
  const rows = plan.sizes.map((bytes) => measureSize(limits, plan, bytes));
  /** @type {Record<string, number[]>} */
  const workloadMs = {};
  for (const [name, { code, repeats }] of Object.entries(plan.workloads)) {
    workloadMs[name] = timeWorkload(limits, code, repeats);
  }
  const imageBytes = acquireEngine(limits.memoryBytes, limits).image.bytes.length;
  return { createMs, imageBytes, rows, workloadMs };
}

/**
 * What runInSandbox spends on the engine for one program: run and release, warm.
 * @param {Record<string, number>} limits
 * @param {string} code
 * @param {number} repeats
 */
function timeWorkload(limits, code, repeats) {
  const request = engineRequest({ code, input: undefined }, limits);
  const times = [];
  for (let i = 0; i < repeats + 1; i++) {
    const engine = acquireEngine(limits.memoryBytes, limits);
    const started = performance.now();
    const seen = engine.run(request);
    releaseEngine(engine, limits.memoryBytes);
    const elapsed = performance.now() - started;
    if (seen.envelope === undefined || JSON.parse(seen.envelope).status !== "ok") throw new Error(`workload failed: ${seen.ended}`);
    if (i > 0) times.push(elapsed);
  }
  return times;
}

/**
 * @param {Record<string, number>} limits
 * @param {{repeats: number, warmup: number}} plan
 * @param {number} bytes
 */
function measureSize(limits, plan, bytes) {
  const request = engineRequest({ code: allocating(bytes), input: undefined }, limits);
  const runMs = [];
  const releaseMs = [];
  const statuses = new Set();
  let grown = 0;
  let heapPeakBytes = 0;
  for (let i = 0; i < plan.warmup + plan.repeats; i++) {
    const engine = acquireEngine(limits.memoryBytes, limits);
    const started = performance.now();
    const seen = engine.run(request);
    const ran = performance.now();
    const wasGrown = engine.grown;
    releaseEngine(engine, limits.memoryBytes);
    const released = performance.now();
    if (i < plan.warmup) continue;
    runMs.push(ran - started);
    releaseMs.push(released - ran);
    if (wasGrown) grown += 1;
    heapPeakBytes = Math.max(heapPeakBytes, seen.heapPeakBytes);
    statuses.add(seen.envelope === undefined ? seen.ended : JSON.parse(seen.envelope).status);
  }
  // Not timed: the engine the next request gets holds the image's bytes, every one.
  const pristine = acquireEngine(limits.memoryBytes, limits).matchesImage();
  return { bytes, heapPeakBytes, statuses: [...statuses], grown, repeats: plan.repeats, pristine, runMs, releaseMs };
}
