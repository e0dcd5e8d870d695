// One client's month day by day (GET /v1/usage?granularity=day): the same count as the
// month's totals, so the days always add up to the month. An open month is added up from
// its events; a closed one is read from what its closing roll-up froze.
import { dailyKey, totalKey } from "./events.js";
import { daysOf } from "./period.js";
import { aggregateEventsByDay, emptyTotals } from "./rollup.js";

/**
 * @typedef {import("./rollup.js").Totals & {date: string, grossMicros: number}} DayUsage
 */

/**
 * @param {import("../kv.js").KvNamespace} kv
 * @param {string} period
 * @param {boolean} closed
 * @param {string} clientId
 * @returns {Promise<import("./rollup.js").ClientPeriod>}
 */
export async function clientPeriodByDay(kv, period, closed, clientId) {
  if (closed) {
    /** @type {[import("./rollup.js").Totals | null, Record<string, import("./rollup.js").Totals> | null]} */
    const [totals, days] = await Promise.all([
      kv.get(totalKey(period, clientId), { type: "json" }),
      kv.get(dailyKey(period, clientId), { type: "json" }),
    ]);
    // A client with no usage that month has neither; a month closed before daily
    // roll-ups existed has totals only, and its days come from its events.
    if (totals && days) return { totals, days };
    if (!totals) return { totals: emptyTotals(), days: {} };
    const fromEvents = await aggregateEventsByDay(kv, period, clientId);
    return { totals, days: fromEvents.get(clientId)?.days ?? {} };
  }
  const fromEvents = await aggregateEventsByDay(kv, period, clientId);
  return fromEvents.get(clientId) ?? { totals: emptyTotals(), days: {} };
}

/**
 * Every day of the period in order, days without usage as zeros.
 * @param {string} period
 * @param {Record<string, import("./rollup.js").Totals>} days
 * @returns {DayUsage[]}
 */
export function dailySeries(period, days) {
  return daysOf(period).map((date) => {
    const totals = days[date] ?? emptyTotals();
    return { date, ...totals, grossMicros: totals.executionMicros + totals.fuelMicros };
  });
}
