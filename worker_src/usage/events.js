// The KV layout of usage. One immutable event per execution, its figures in the key's
// metadata so a list() reads a thousand of them at once without a get each:
//
//   usage/ev/<YYYY-MM>/<clientId>/<eventId>   one execution (value empty)
//   usage/total/<YYYY-MM>/<clientId>          the roll-up's totals (value and metadata)
//   usage/daily/<YYYY-MM>/<clientId>          a closed month's totals per day (value)
//   usage/period/<YYYY-MM>                    {state: "open" | "closed", ...}
//   usage/idem/<clientId>/<key hash>          the first answer to an Idempotency-Key
//
// A client id never contains "/", so the prefixes cannot run into each other.

export const EVENT_PREFIX = "usage/ev/";
export const TOTAL_PREFIX = "usage/total/";
// Events outlive their period by about a year, for audits of closed statements.
export const EVENT_TTL_SECONDS = 400 * 24 * 3600;

/**
 * The figures of one execution as stored; short names keep the metadata small.
 * @typedef {object} EventMetadata
 * @property {1} v layout version
 * @property {number} at epoch ms when it ran
 * @property {string} st status
 * @property {number} f fuel
 * @property {number} m memory bytes in use at the end of the run
 * @property {number} w wall ms
 * @property {number} cb code bytes
 * @property {number} ob output bytes
 * @property {number} ce execution charge, micro-units
 * @property {number} cf fuel charge, micro-units
 */

/**
 * @param {string} period
 * @param {string} clientId
 * @param {string} eventId
 */
export const eventKey = (period, clientId, eventId) => `${EVENT_PREFIX}${period}/${clientId}/${eventId}`;

/** @param {string} period @param {string} [clientId] */
export const eventPrefix = (period, clientId) => `${EVENT_PREFIX}${period}/${clientId === undefined ? "" : `${clientId}/`}`;

/** @param {string} period @param {string} clientId */
export const totalKey = (period, clientId) => `${TOTAL_PREFIX}${period}/${clientId}`;

/** @param {string} period @param {string} clientId */
export const dailyKey = (period, clientId) => `usage/daily/${period}/${clientId}`;

/** @param {string} period */
export const totalPrefix = (period) => `${TOTAL_PREFIX}${period}/`;

/** @param {string} period */
export const periodKey = (period) => `usage/period/${period}`;

/** @param {string} clientId @param {string} keyHash */
export const idempotencyRecordKey = (clientId, keyHash) => `usage/idem/${clientId}/${keyHash}`;

/**
 * The client id of an event or total key (the segment after the period).
 * @param {string} key
 * @param {string} prefix EVENT_PREFIX or TOTAL_PREFIX
 */
export function clientOfKey(key, prefix) {
  return key.slice(prefix.length).split("/")[1];
}
