// GET /v1/usage (one client's period, optionally day by day) and GET /v1/usage/statement
// (every client, JSON or CSV, admin only). A closed period is read from its frozen
// roll-up; an open one is added up from its events at the time of the request.
import { USAGE } from "stack-config";
import { actingClient, authenticate, requireAdmin } from "../auth.js";
import { invalidField } from "../errors.js";
import { jsonResponse } from "../http.js";
import { isClientId } from "../validate.js";
import { clientPeriodByDay, dailySeries } from "./daily.js";
import { totalKey } from "./events.js";
import { isPeriod, periodBounds, periodOf } from "./period.js";
import { billFor } from "./pricing.js";
import { capsFor } from "./quota.js";
import { aggregateEvents, emptyTotals, readPeriodState, readTotals } from "./rollup.js";

const CSV_COLUMNS = [
  "clientId", "requests", "fuel", "wallMs", "codeBytes", "outputBytes", "peakMemoryBytes",
  "executionMicros", "fuelMicros", "grossMicros", "freeAllowanceMicros", "dueMicros", "currency",
];

const GRANULARITIES = ["month", "day"];

/** @param {URL} url */
function requestedGranularity(url) {
  const granularity = url.searchParams.get("granularity") ?? "month";
  if (!GRANULARITIES.includes(granularity)) throw invalidField('"granularity" must be month or day', "granularity");
  return granularity;
}

/** @param {URL} url */
function requestedPeriod(url) {
  const period = url.searchParams.get("period") ?? periodOf(Date.now());
  if (!isPeriod(period)) throw invalidField('"period" must be a month like 2026-11', "period");
  return period;
}

/**
 * @param {string} period
 * @param {import("./rollup.js").PeriodState | null} state
 */
function periodInfo(period, state) {
  const { start, end } = periodBounds(period);
  return {
    period,
    state: state?.state === "closed" ? "closed" : "open",
    periodStart: new Date(start).toISOString(),
    periodEnd: new Date(end).toISOString(),
    source: state?.state === "closed" ? "rollup" : "events",
  };
}

/**
 * @param {string} clientId
 * @param {import("./rollup.js").Totals} totals
 */
function clientUsage(clientId, totals) {
  const bill = billFor(totals, USAGE);
  return { clientId, totals, lineItems: bill.lineItems, cost: { currency: bill.currency, grossMicros: bill.grossMicros, freeAllowanceMicros: bill.freeAllowanceMicros, dueMicros: bill.dueMicros } };
}

/**
 * Totals per client of a period: frozen if closed, else from the events.
 * @param {import("../kv.js").KvNamespace} kv
 * @param {string} period
 * @param {import("./rollup.js").PeriodState | null} state
 * @param {string} [clientId]
 */
async function periodTotals(kv, period, state, clientId) {
  if (state?.state !== "closed") return aggregateEvents(kv, period, clientId);
  if (clientId === undefined) return readTotals(kv, period);
  /** @type {import("./rollup.js").Totals | null} */
  const totals = await kv.get(totalKey(period, clientId), { type: "json" });
  return new Map(totals ? [[clientId, totals]] : []);
}

/** @type {import("../router.js").Handler} */
export async function handleUsage(request, env, _ctx, requestId) {
  const principal = await authenticate(request, env);
  const url = new URL(request.url);
  const period = requestedPeriod(url);
  const granularity = requestedGranularity(url);
  const asked = url.searchParams.get("clientId") ?? undefined;
  if (asked !== undefined && !isClientId(asked)) throw invalidField('"clientId" is not a valid client id', "clientId");
  // A client key reads its own usage only (naming another is a 403); the admin key
  // names the client with ?clientId= (the statement lists them all).
  const clientId = actingClient(principal, asked);
  const kv = env.USAGE_TRACKING;
  const state = await readPeriodState(kv, period);
  const quota = capsFor(USAGE, clientId);
  if (granularity === "day") {
    const { totals, days } = await clientPeriodByDay(kv, period, state?.state === "closed", clientId);
    return jsonResponse(200, { ...periodInfo(period, state), ...clientUsage(clientId, totals), quota, granularity, days: dailySeries(period, days) }, requestId);
  }
  const totals = (await periodTotals(kv, period, state, clientId)).get(clientId) ?? emptyTotals();
  return jsonResponse(200, { ...periodInfo(period, state), ...clientUsage(clientId, totals), quota }, requestId);
}

/** @type {import("../router.js").Handler} */
export async function handleStatement(request, env, _ctx, requestId) {
  requireAdmin(await authenticate(request, env));
  const url = new URL(request.url);
  const period = requestedPeriod(url);
  const format = url.searchParams.get("format") ?? "json";
  if (format !== "json" && format !== "csv") throw invalidField('"format" must be json or csv', "format");
  const kv = env.USAGE_TRACKING;
  const state = await readPeriodState(kv, period);
  const byClient = await periodTotals(kv, period, state, undefined);
  const clients = [...byClient.keys()].sort().map((clientId) => clientUsage(clientId, /** @type {any} */ (byClient.get(clientId))));
  const sum = (/** @type {(c: ReturnType<typeof clientUsage>) => number} */ pick) => clients.reduce((total, client) => total + pick(client), 0);
  const info = periodInfo(period, state);
  if (format === "csv") {
    const rows = clients.map((c) => {
      const t = c.totals;
      return [c.clientId, t.requests, t.fuel, t.wallMs, t.codeBytes, t.outputBytes, t.peakMemoryBytes, t.executionMicros, t.fuelMicros, c.cost.grossMicros, c.cost.freeAllowanceMicros, c.cost.dueMicros, c.cost.currency].join(",");
    });
    return new Response([CSV_COLUMNS.join(","), ...rows].join("\r\n") + "\r\n", {
      status: 200,
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="usage-${period}.csv"`,
        "cache-control": "no-store",
        "x-request-id": requestId,
        "x-usage-period-state": info.state,
      },
    });
  }
  return jsonResponse(200, {
    ...info,
    currency: USAGE.currency,
    clients,
    total: {
      clients: clients.length,
      requests: sum((c) => c.totals.requests),
      grossMicros: sum((c) => c.cost.grossMicros),
      freeAllowanceMicros: sum((c) => c.cost.freeAllowanceMicros),
      dueMicros: sum((c) => c.cost.dueMicros),
    },
  }, requestId);
}
