// POST / and POST /v1/execute: authenticate, validate, limit, run, meter, answer.
import { LIMITS, STACK } from "stack-config";
import { actingClient, authenticate } from "./auth.js";
import { jsonResponse, readBoundedText, requireJsonContentType } from "./http.js";
import { logEvent } from "./log.js";
import { recordExecution } from "./meter.js";
import { enforceRateLimit } from "./ratelimit.js";
import { runInSandbox } from "./sandbox/run.js";
import { parseExecuteRequest } from "./validate.js";

/** @type {import("./router.js").Handler} */
export async function handleExecute(request, env, ctx, requestId) {
  const principal = await authenticate(request, env);
  requireJsonContentType(request);
  const body = await readBoundedText(request, LIMITS.maxRequestBytes);
  const program = parseExecuteRequest(body, LIMITS);
  const clientId = actingClient(principal, program.clientId);
  await enforceRateLimit(env, clientId);

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
  if (STACK.logUserCode) {
    logEvent("info", "user_code", { requestId, clientId, code: program.code, input: program.input });
  }
  recordExecution(
    {
      requestId,
      clientId,
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
