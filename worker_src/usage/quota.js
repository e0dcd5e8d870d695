// Monthly caps per client, checked before a program runs against the roll-up's totals.
// Those totals are as old as the last roll-up (the cron interval) plus KV's propagation
// delay (~60 s), the edge cache of the read (60 s) and this isolate's memory of it
// (MEMO_MS): a client can go past its cap by what it sends in that window, never by more.
import { ServiceError } from "../errors.js";
import { billFor } from "./pricing.js";
import { totalKey } from "./events.js";
import { periodBounds, periodOf } from "./period.js";

// How long an isolate reuses a client's totals before reading KV again: keeps the KV
// read off most requests' path.
export const MEMO_MS = 10_000;
/** @type {Map<string, {at: number, totals: Promise<import("./rollup.js").Totals | null>}>} */
const memo = new Map();

/**
 * @param {import("../kv.js").KvNamespace} kv
 * @param {string} key
 * @param {number} nowMs
 */
function rememberedTotals(kv, key, nowMs) {
  const known = memo.get(key);
  if (known && nowMs - known.at < MEMO_MS) return known.totals;
  const totals = kv.get(key, { type: "json", cacheTtl: 60 });
  // A failed read is not remembered.
  totals.catch(() => memo.delete(key));
  memo.set(key, { at: nowMs, totals });
  if (memo.size > 10_000) memo.delete(/** @type {string} */ (memo.keys().next().value));
  return totals;
}

/**
 * @param {typeof import("stack-config").USAGE} usage
 * @param {string} clientId
 * @returns {import("stack-config").UsageCaps}
 */
export function capsFor(usage, clientId) {
  return usage.quota.clients[clientId] ?? usage.quota.default;
}

/**
 * Throws a 429 when the client's month is already at a cap.
 * @param {import("../kv.js").KvNamespace} kv
 * @param {typeof import("stack-config").USAGE} usage
 * @param {string} clientId
 * @param {number} nowMs
 */
export async function enforceQuota(kv, usage, clientId, nowMs) {
  const caps = capsFor(usage, clientId);
  if (caps.requestsPerMonth === null && caps.spendPerMonthMicros === null) return;
  const period = periodOf(nowMs);
  /** @type {import("./rollup.js").Totals | null} */
  const totals = await rememberedTotals(kv, totalKey(period, clientId), nowMs);
  if (!totals) return;
  const resetsAt = new Date(periodBounds(period).end).toISOString();
  const retryAfter = String(Math.ceil((periodBounds(period).end - nowMs) / 1000));
  if (caps.requestsPerMonth !== null && totals.requests >= caps.requestsPerMonth) {
    throw quotaError(clientId, "requestsPerMonth", caps.requestsPerMonth, totals.requests, period, resetsAt, retryAfter,
      `${caps.requestsPerMonth} requests`);
  }
  if (caps.spendPerMonthMicros !== null) {
    const due = billFor(totals, usage).dueMicros;
    if (due >= caps.spendPerMonthMicros) {
      throw quotaError(clientId, "spendPerMonthMicros", caps.spendPerMonthMicros, due, period, resetsAt, retryAfter,
        `${caps.spendPerMonthMicros} micro-${usage.currency}`);
    }
  }
}

/**
 * @param {string} clientId
 * @param {string} cap
 * @param {number} limit
 * @param {number} used
 * @param {string} period
 * @param {string} resetsAt
 * @param {string} retryAfter
 * @param {string} spelled
 */
function quotaError(clientId, cap, limit, used, period, resetsAt, retryAfter, spelled) {
  return new ServiceError(
    429,
    "quota_exceeded",
    `client "${clientId}" has reached its monthly cap of ${spelled} for ${period}; it resets at ${resetsAt}`,
    {
      details: { cap, limit, used, period, resetsAt },
      headers: { "retry-after": retryAfter, "x-quota-cap": cap, "x-quota-limit": String(limit), "x-quota-reset": resetsAt },
    },
  );
}
