// The peak of a QuickJS runtime's heap during one run, read straight from the engine's
// wasm memory: JSRuntime begins with its malloc state, whose byte count QuickJS keeps up
// to date on every allocation. Reading it costs nothing, so the run samples it at every
// interrupt poll; runtime.computeMemoryUsage() walks every object (~0.6 ms a run) and
// says only what is left at the end.

// Offsets in quickjs-ng 0.12.1's JSRuntime on wasm32: four allocator function pointers
// and their opaque argument, then malloc_count, malloc_size, malloc_limit.
const MALLOC_SIZE_OFFSET = 24;
const MALLOC_LIMIT_OFFSET = 28;

/**
 * @typedef {{sample(): void, peak(): number}} HeapPeak
 */

/**
 * Watches a runtime whose memory limit was just set to `heapLimit`. Returns undefined
 * when the limit is not where the layout says, i.e. the engine build changed: the
 * caller then falls back to computeMemoryUsage().
 * @param {WebAssembly.Memory} memory
 * @param {number} runtimePointer the JSRuntime's address in that memory
 * @param {number} heapLimit
 * @returns {HeapPeak | undefined}
 */
export function watchHeapPeak(memory, runtimePointer, heapLimit) {
  let words = new Uint32Array(memory.buffer);
  const read = (/** @type {number} */ offset) => {
    // A grown memory has a new buffer and the old view is detached.
    if (words.buffer !== memory.buffer) words = new Uint32Array(memory.buffer);
    return words[(runtimePointer + offset) >>> 2];
  };
  if (read(MALLOC_LIMIT_OFFSET) !== heapLimit) return undefined;
  let peak = read(MALLOC_SIZE_OFFSET);
  return {
    sample() {
      const now = read(MALLOC_SIZE_OFFSET);
      if (now > peak) peak = now;
    },
    peak: () => peak,
  };
}
