// Before a program runs: the stored answer of an Idempotency-Key retry, if any, and the
// client's monthly caps. Both are KV reads done together; with `usage.record: false`
// there are none (no events means nothing to replay or to count).
import { USAGE } from "stack-config";
import { ServiceError } from "../errors.js";
import { logEvent } from "../log.js";
import { findStoredAnswer, keyedEventId, readIdempotency } from "./idempotency.js";
import { enforceQuota } from "./quota.js";

/**
 * @typedef {object} Admission
 * @property {unknown} [storedAnswer] the first answer to this Idempotency-Key: send it again
 * @property {import("./idempotency.js").Idempotency} [idempotency]
 * @property {string} [eventId] the usage event id every retry of the key shares
 */

/**
 * @param {Request} request
 * @param {import("../env.js").Env} env
 * @param {string} clientId
 * @param {string} body the raw request body
 * @returns {Promise<Admission>}
 */
export async function admitExecution(request, env, clientId, body) {
  const idempotency = await readIdempotency(request, body);
  if (!USAGE.record) return {};
  const kv = env.USAGE_TRACKING;
  const [stored, quota] = await Promise.allSettled([
    idempotency ? findStoredAnswer(kv, clientId, idempotency) : Promise.resolve(undefined),
    enforceQuota(kv, USAGE, clientId, Date.now()),
  ]);
  // A retry of an answered request is not a new execution: it is answered past a cap too.
  if (stored.status === "fulfilled" && stored.value !== undefined) return { storedAnswer: stored.value };
  failUnlessKvTrouble(stored, "idempotency_lookup_failed");
  failUnlessKvTrouble(quota, "quota_check_failed");
  return idempotency ? { idempotency, eventId: keyedEventId(idempotency) } : {};
}

/**
 * Rethrows a refusal (ServiceError); a KV read that failed is logged and the request
 * goes on: the execution is still recorded (and billed once, by its event key), and a
 * KV outage must not stop the service.
 * @param {PromiseSettledResult<unknown>} result
 * @param {string} event
 */
function failUnlessKvTrouble(result, event) {
  if (result.status === "fulfilled") return;
  if (result.reason instanceof ServiceError) throw result.reason;
  logEvent("error", event, { detail: String(result.reason) });
}
