// Usage recording: called once after every execution with what the run used. It
// writes the structured log line and, when the stack records usage, one immutable KV
// usage event in ctx.waitUntil, so the answer is not delayed.
import { USAGE } from "stack-config";
import { logEvent } from "../log.js";
import { EVENT_TTL_SECONDS, eventKey, idempotencyRecordKey } from "./events.js";
import { REPLAY_TTL_SECONDS } from "./idempotency.js";
import { periodOf } from "./period.js";
import { putWithRetry } from "./store.js";

/**
 * @typedef {object} UsageEvent
 * @property {string} requestId
 * @property {string} eventId the request id, or the same id for every retry of one Idempotency-Key
 * @property {string} clientId
 * @property {string} status
 * @property {number} codeBytes
 * @property {{fuel: number, memoryBytes: number, outputBytes: number, wallMs: number}} usage
 * @property {import("./pricing.js").ExecutionCost} cost
 * @property {{keyHash: string, bodyHash: string, body: unknown} | undefined} answer the answer to store for retries
 */

/**
 * @param {UsageEvent} event
 * @param {{waitUntil(promise: Promise<unknown>): void}} ctx where deferred writes go
 * @param {import("../env.js").Env} env
 */
export function recordExecution(event, ctx, env) {
  logEvent("info", "execution", {
    requestId: event.requestId,
    clientId: event.clientId,
    status: event.status,
    codeBytes: event.codeBytes,
    ...event.usage,
    costMicros: event.cost.micros,
  });
  if (!USAGE.record) return;
  const at = Date.now();
  /** @type {import("./events.js").EventMetadata} */
  const metadata = {
    v: 1,
    at,
    st: event.status,
    f: event.usage.fuel,
    m: event.usage.memoryBytes,
    w: event.usage.wallMs,
    cb: event.codeBytes,
    ob: event.usage.outputBytes,
    ce: event.cost.executionMicros,
    cf: event.cost.fuelMicros,
  };
  const key = eventKey(periodOf(at), event.clientId, event.eventId);
  ctx.waitUntil(putWithRetry(env.USAGE_TRACKING, key, "", { metadata, expirationTtl: EVENT_TTL_SECONDS }, { what: "usage_event" }));
  if (event.answer) {
    const stored = JSON.stringify({ bodyHash: event.answer.bodyHash, body: event.answer.body });
    const recordKey = idempotencyRecordKey(event.clientId, event.answer.keyHash);
    ctx.waitUntil(putWithRetry(env.USAGE_TRACKING, recordKey, stored, { expirationTtl: REPLAY_TTL_SECONDS }, { what: "idempotent_answer" }));
  }
}
