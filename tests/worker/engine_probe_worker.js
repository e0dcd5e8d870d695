// A Worker around the sandbox alone, so the Python tests can look at the engine between
// runs on workerd: whether its memory is byte for byte the image after each run, and
// whether a program's fuel depends on what ran before it. Bundled into
// build/engine-probe/ by tests/worker/test_engine_host.py; never deployed.
import { acquireEngine, createEngine, releaseEngine } from "../../worker_src/sandbox/engine-host.js";
import { engineRequest, runInSandbox } from "../../worker_src/sandbox/run.js";

/**
 * @typedef {{code: string, input?: unknown, limits?: {fuel?: number, memoryBytes?: number}}} Program
 * @typedef {import("../../worker_src/sandbox/run.js").RunLimits} RunLimits
 */

/** @param {RunLimits} base @param {Program} program @returns {RunLimits} */
function limitsOf(base, program) {
  return { ...base, fuel: program.limits?.fuel ?? base.fuel, heapBytes: program.limits?.memoryBytes ?? base.heapBytes };
}

/** @param {RunLimits} base @param {Program} program */
async function runAndCheck(base, program) {
  const limits = limitsOf(base, program);
  const outcome = await runInSandbox({ code: program.code, input: program.input }, limits);
  const engine = acquireEngine(limits.memoryBytes, limits);
  return { status: outcome.status, fuel: outcome.usage.fuel, pristine: engine.matchesImage() };
}

/** @param {import("../../worker_src/sandbox/engine-host.js").RunObservation} seen */
function meterReading(seen) {
  return { ticks: String(seen.ticks), polls: seen.polls, heapPeakBytes: seen.heapPeakBytes, ended: seen.ended };
}

/**
 * Each program's meter readings on a fresh instance, then the same programs alternated
 * `rounds` times on the shared engine: every run must read exactly as its fresh one.
 * @param {RunLimits} base @param {Program[]} programs @param {number} rounds
 */
function determinism(base, programs, rounds) {
  const requests = programs.map((program) => {
    const limits = limitsOf(base, program);
    return { limits, request: engineRequest({ code: program.code, input: program.input }, limits) };
  });
  const fresh = requests.map(({ limits, request }) => meterReading(createEngine(limits.memoryBytes, limits).run(request)));
  const differences = [];
  let runs = 0;
  for (let round = 0; round < rounds; round++) {
    requests.forEach(({ limits, request }, index) => {
      const engine = acquireEngine(limits.memoryBytes, limits);
      const reading = meterReading(engine.run(request));
      releaseEngine(engine, limits.memoryBytes);
      runs += 1;
      if (JSON.stringify(reading) !== JSON.stringify(fresh[index])) differences.push({ round, index, reading, fresh: fresh[index] });
    });
  }
  return { runs, fresh, differences: differences.slice(0, 10) };
}

export default {
  /** @param {Request} request */
  async fetch(request) {
    const { pathname } = new URL(request.url);
    const body = await request.json();
    if (pathname === "/run") return Response.json(await runAndCheck(body.limits, body.program));
    if (pathname === "/determinism") return Response.json(determinism(body.limits, body.programs, body.rounds));
    return new Response("no such test endpoint", { status: 404 });
  },
};
