// POST / and POST /v1/execute: authenticate, validate, limit, run, meter, answer.
import { LIMITS, STACK, USAGE } from "stack-config";
import { actingClient, authenticate } from "./auth.js";
import { jsonResponse, readBoundedText, requireJsonContentType } from "./http.js";
import { logEvent } from "./log.js";
import { recordExecution } from "./usage/recorder.js";
import { enforceRateLimit } from "./ratelimit.js";
import { runInSandbox } from "./sandbox/run.js";
import { admitExecution } from "./usage/admission.js";
import { priceExecution } from "./usage/pricing.js";
import { parseExecuteRequest } from "./validate.js";

/** @type {import("./router.js").Handler} */
export async function handleExecute(request, env, ctx, requestId) {
  const principal = await authenticate(request, env);
  requireJsonContentType(request);
  const body = await readBoundedText(request, LIMITS.maxRequestBytes);
  const program = parseExecuteRequest(body, LIMITS);
  const clientId = actingClient(principal, program.clientId);
  await enforceRateLimit(env, clientId);
  const admission = await admitExecution(request, env, clientId, body);
  if (admission.storedAnswer !== undefined) {
    // The first answer, byte for byte: its X-Request-Id is the requestId it carries.
    const original = /** @type {{requestId?: unknown}} */ (admission.storedAnswer).requestId;
    const answeredAs = typeof original === "string" ? original : requestId;
    logEvent("info", "idempotent_replay", { requestId, replayOf: answeredAs, clientId });
    return jsonResponse(200, admission.storedAnswer, answeredAs, { "idempotent-replayed": "true" });
  }

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
  const { codeBytes } = program;
  const cost = priceExecution(outcome.usage.fuel, USAGE);
  const answer = {
    requestId,
    status: outcome.status,
    result: outcome.result,
    error: outcome.error,
    logs: outcome.logs,
    logsDropped: outcome.logsDropped,
    usage: { ...outcome.usage, codeBytes, status: outcome.status, cost },
  };
  recordExecution(
    {
      requestId,
      eventId: admission.eventId ?? requestId,
      clientId,
      status: outcome.status,
      codeBytes,
      usage: outcome.usage,
      cost,
      answer: admission.idempotency && { ...admission.idempotency, body: answer },
    },
    ctx,
    env,
  );
  return jsonResponse(200, answer, requestId);
}
