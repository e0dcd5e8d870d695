// POST / and POST /v1/execute: authenticate, validate, run, meter, answer.
import { LIMITS } from "stack-config";
import { authenticate } from "./auth.js";
import { jsonResponse, readBoundedText, requireJsonContentType } from "./http.js";
import { logEvent } from "./log.js";
import { recordExecution } from "./meter.js";
import { runInSandbox } from "./sandbox/run.js";
import { parseExecuteRequest } from "./validate.js";

/** @type {import("./router.js").Handler} */
export async function handleExecute(request, env, ctx, requestId) {
  await authenticate(request, env);
  requireJsonContentType(request);
  const body = await readBoundedText(request, LIMITS.maxRequestBytes);
  const program = parseExecuteRequest(body, LIMITS);

  const outcome = await runInSandbox(
    { code: program.code, input: program.input },
    {
      ...LIMITS,
      fuel: program.limits.fuel ?? LIMITS.fuel,
      heapBytes: program.limits.memoryBytes ?? LIMITS.heapBytes,
    },
  );
  if (outcome.internalDetail) {
    logEvent("warn", "engine_reset", { requestId, status: outcome.status, detail: outcome.internalDetail });
  }
  recordExecution(
    {
      requestId,
      clientId: program.clientId,
      status: outcome.status,
      codeBytes: new TextEncoder().encode(program.code).byteLength,
      usage: outcome.usage,
    },
    ctx,
    env,
  );
  return jsonResponse(
    200,
    {
      requestId,
      status: outcome.status,
      result: outcome.result,
      error: outcome.error,
      logs: outcome.logs,
      logsDropped: outcome.logsDropped,
      usage: outcome.usage,
    },
    requestId,
  );
}
