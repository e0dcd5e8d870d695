// The metering hook: called once after every execution with what the run used.
// Usage recording and billing (one immutable KV event per execution, rolled up by the
// scheduled handler) build on this seam; today it writes the structured log line.
import { logEvent } from "./log.js";

/**
 * @typedef {object} UsageEvent
 * @property {string} requestId
 * @property {string} clientId
 * @property {string} status
 * @property {number} codeBytes
 * @property {{fuel: number, memoryBytes: number, outputBytes: number, wallMs: number}} usage
 */

/**
 * @param {UsageEvent} event
 * @param {{waitUntil(promise: Promise<unknown>): void}} _ctx where deferred writes go
 * @param {object} _env the Worker's bindings
 */
export function recordExecution(event, _ctx, _env) {
  logEvent("info", "execution", {
    requestId: event.requestId,
    clientId: event.clientId,
    status: event.status,
    codeBytes: event.codeBytes,
    ...event.usage,
  });
}
