// Idempotency-Key: a retried request maps to the same usage event (billed once) and,
// once the first answer is stored, gets that answer back instead of running again.
//
// Stored answers live 24 hours. Two copies racing before the first answer is stored
// may both run, but they write one event key, so the client is billed once.
import { sha256Hex } from "../crypto.js";
import { ServiceError } from "../errors.js";
import { idempotencyRecordKey } from "./events.js";

export const REPLAY_TTL_SECONDS = 24 * 3600;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * @typedef {object} Idempotency
 * @property {string} keyHash hex SHA-256 of the header value
 * @property {string} bodyHash hex SHA-256 of the request body
 *
 * @typedef {{body: unknown, bodyHash: string}} StoredAnswer
 */

/**
 * The request's idempotency key, if it sent one.
 * @param {Request} request
 * @param {string} body the raw request body
 * @returns {Promise<Idempotency | undefined>}
 */
export async function readIdempotency(request, body) {
  const value = request.headers.get("idempotency-key");
  if (value === null) return undefined;
  if (!KEY_PATTERN.test(value)) {
    throw new ServiceError(400, "invalid_idempotency_key", "the Idempotency-Key header must be 1-255 visible ASCII characters");
  }
  const [keyHash, bodyHash] = await Promise.all([sha256Hex(value), sha256Hex(body)]);
  return { keyHash, bodyHash };
}

/** The usage event id of a keyed request: the same for every retry. @param {Idempotency} idempotency */
export const keyedEventId = (idempotency) => `k-${idempotency.keyHash}`;

/**
 * The stored first answer to this key, or undefined; a different body under the same
 * key is refused.
 * @param {import("../kv.js").KvNamespace} kv
 * @param {string} clientId
 * @param {Idempotency} idempotency
 * @returns {Promise<unknown | undefined>}
 */
export async function findStoredAnswer(kv, clientId, idempotency) {
  /** @type {StoredAnswer | null} */
  const stored = await kv.get(idempotencyRecordKey(clientId, idempotency.keyHash), { type: "json" });
  if (!stored) return undefined;
  if (stored.bodyHash !== idempotency.bodyHash) {
    throw new ServiceError(422, "idempotency_key_reused", "this Idempotency-Key was already used with a different request body");
  }
  return stored.body;
}
