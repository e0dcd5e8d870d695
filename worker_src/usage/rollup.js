// The scheduled roll-up: adds the events of the open periods into per-client totals,
// and closes a period once its grace window has passed. A closed period is never
// recomputed, so its statement never changes.
import { listAll } from "../kv.js";
import { logEvent } from "../log.js";
import { EVENT_PREFIX, TOTAL_PREFIX, clientOfKey, dailyKey, eventPrefix, periodKey, totalKey, totalPrefix } from "./events.js";
import { dayOf, periodBounds, periodOf, previousPeriod } from "./period.js";

// Longer than KV's propagation delay (~60 s) plus the longest deferred write with its
// retries (waitUntil may run up to 30 s after the answer): every event of a period is
// visible everywhere before the period closes.
const CLOSE_GRACE_MS = 5 * 60 * 1000;

/**
 * @typedef {object} Totals
 * @property {number} requests
 * @property {number} fuel
 * @property {number} wallMs
 * @property {number} codeBytes
 * @property {number} outputBytes
 * @property {number} peakMemoryBytes the largest end-of-run heap of the period
 * @property {Record<string, number>} byStatus executions per status
 * @property {number} executionMicros
 * @property {number} fuelMicros
 *
 * @typedef {{state: "open" | "closed", rolledUpAt: number, clients: number, events: number}} PeriodState
 *
 * A client's period, whole and per UTC day ("YYYY-MM-DD", only days with events): one
 * pass over the events fills both, so the days always add up to the month.
 * @typedef {{totals: Totals, days: Record<string, Totals>}} ClientPeriod
 */

/** @returns {Totals} */
export function emptyTotals() {
  return { requests: 0, fuel: 0, wallMs: 0, codeBytes: 0, outputBytes: 0, peakMemoryBytes: 0, byStatus: {}, executionMicros: 0, fuelMicros: 0 };
}

/**
 * Adds one event's metadata to totals.
 * @param {Totals} totals
 * @param {import("./events.js").EventMetadata} event
 */
function addEvent(totals, event) {
  totals.requests += 1;
  totals.fuel += event.f;
  totals.wallMs += event.w;
  totals.codeBytes += event.cb;
  totals.outputBytes += event.ob;
  totals.peakMemoryBytes = Math.max(totals.peakMemoryBytes, event.m);
  totals.byStatus[event.st] = (totals.byStatus[event.st] ?? 0) + 1;
  totals.executionMicros += event.ce;
  totals.fuelMicros += event.cf;
}

/**
 * Totals per client from the events of a period (of one client when given), whole and
 * per day. Exact up to what this KV location has seen.
 * @param {import("../kv.js").KvNamespace} kv
 * @param {string} period
 * @param {string} [clientId]
 * @returns {Promise<Map<string, ClientPeriod>>}
 */
export async function aggregateEventsByDay(kv, period, clientId) {
  /** @type {Map<string, ClientPeriod>} */
  const byClient = new Map();
  const { start, end } = periodBounds(period);
  for await (const key of listAll(kv, eventPrefix(period, clientId))) {
    if (!key.metadata || key.metadata.v !== 1) {
      logEvent("error", "usage_event_unreadable", { key: key.name });
      continue;
    }
    const client = clientOfKey(key.name, EVENT_PREFIX);
    let entry = byClient.get(client);
    if (!entry) byClient.set(client, (entry = { totals: emptyTotals(), days: {} }));
    addEvent(entry.totals, key.metadata);
    // The key's period is what the month counts; an `at` outside it (never written by
    // usage/recorder.js, which names the period from `at`) is kept on the nearest day of the month.
    const day = dayOf(Math.min(Math.max(key.metadata.at, start), end - 1));
    addEvent((entry.days[day] ??= emptyTotals()), key.metadata);
  }
  for (const [client, { totals }] of byClient) {
    if (!Number.isSafeInteger(totals.executionMicros + totals.fuelMicros)) {
      logEvent("error", "usage_total_overflow", { period, clientId: client });
    }
  }
  return byClient;
}

/**
 * Totals per client from the events of a period (of one client when given).
 * @param {import("../kv.js").KvNamespace} kv
 * @param {string} period
 * @param {string} [clientId]
 * @returns {Promise<Map<string, Totals>>}
 */
export async function aggregateEvents(kv, period, clientId) {
  const byClient = await aggregateEventsByDay(kv, period, clientId);
  return new Map([...byClient].map(([client, { totals }]) => [client, totals]));
}

/**
 * The rolled-up totals of a period as last written, per client.
 * @param {import("../kv.js").KvNamespace} kv
 * @param {string} period
 * @returns {Promise<Map<string, Totals>>}
 */
export async function readTotals(kv, period) {
  /** @type {Map<string, Totals>} */
  const byClient = new Map();
  for await (const key of listAll(kv, totalPrefix(period))) {
    byClient.set(clientOfKey(key.name, TOTAL_PREFIX), key.metadata);
  }
  return byClient;
}

/**
 * @param {import("../kv.js").KvNamespace} kv
 * @param {string} period
 * @returns {Promise<PeriodState | null>}
 */
export function readPeriodState(kv, period) {
  return kv.get(periodKey(period), { type: "json" });
}

/**
 * One run of the roll-up at `nowMs`: the current period and the one before it (until
 * it is closed). Totals are written before the period is marked closed, so a run cut
 * short is simply redone by the next one.
 * @param {import("../kv.js").KvNamespace} kv
 * @param {number} nowMs
 * @returns {Promise<Record<string, PeriodState | "already_closed">>}
 */
export async function rollUp(kv, nowMs) {
  const current = periodOf(nowMs);
  /** @type {Record<string, PeriodState | "already_closed">} */
  const report = {};
  for (const period of [previousPeriod(current), current]) {
    const state = await readPeriodState(kv, period);
    if (state?.state === "closed") {
      report[period] = "already_closed";
      continue;
    }
    const closing = nowMs >= periodBounds(period).end + CLOSE_GRACE_MS;
    const [fresh, written] = await Promise.all([aggregateEventsByDay(kv, period), readTotals(kv, period)]);
    if (!state && fresh.size === 0 && !closing) continue;
    const writes = [];
    let events = 0;
    for (const [clientId, { totals, days }] of fresh) {
      events += totals.requests;
      // An open month's days are added up from its events when asked; a closed month's
      // are frozen from the same count as its totals.
      if (closing) writes.push(kv.put(dailyKey(period, clientId), JSON.stringify(days)));
      if (JSON.stringify(written.get(clientId)) === JSON.stringify(totals)) continue;
      const body = JSON.stringify(totals);
      writes.push(kv.put(totalKey(period, clientId), body, { metadata: totals }));
    }
    await Promise.all(writes);
    /** @type {PeriodState} */
    const next = { state: closing ? "closed" : "open", rolledUpAt: nowMs, clients: fresh.size, events };
    await kv.put(periodKey(period), JSON.stringify(next));
    logEvent("info", "usage_rollup", { period, ...next, keysWritten: writes.length });
    report[period] = next;
  }
  return report;
}
