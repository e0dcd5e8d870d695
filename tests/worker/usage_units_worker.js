// A Worker that exposes the pure usage modules (pricing, KV writes with retries) so the
// Python tests can drive them on workerd with a real KV binding. Built into
// build/usage-units/ by tests/worker/usage_units.py; never deployed.
import { clientPeriodByDay, dailySeries } from "./usage/daily.js";
import { billFor, priceExecution } from "./usage/pricing.js";
import { periodKey } from "./usage/events.js";
import { listAll } from "./kv.js";
import { aggregateEvents, readTotals, rollUp } from "./usage/rollup.js";
import { putWithRetry } from "./usage/store.js";

/** @param {Request} request @param {{KV: any}} env */
async function handle(request, env) {
  const { pathname } = new URL(request.url);
  const body = await request.json();
  if (pathname === "/price") return priceExecution(body.fuel, body.prices);
  if (pathname === "/bill") return billFor(body.totals, body.prices);
  if (pathname === "/put") return put(body, env.KV);
  if (pathname === "/seed") {
    await Promise.all(body.events.map((/** @type {any} */ e) => env.KV.put(e.key, "", { metadata: e.metadata })));
    return { seeded: body.events.length };
  }
  if (pathname === "/list") {
    const names = [];
    for await (const key of listAll(env.KV, body.prefix, body.pageSize)) names.push(key.name);
    return names;
  }
  if (pathname === "/aggregate") return Object.fromEntries(await aggregateEvents(env.KV, body.period, body.clientId));
  if (pathname === "/rollup") return rollUp(env.KV, body.now);
  if (pathname === "/delete") {
    await env.KV.delete(body.key);
    return { deleted: body.key };
  }
  if (pathname === "/daily") {
    const { totals, days } = await clientPeriodByDay(env.KV, body.period, body.closed, body.clientId);
    return { totals, days: dailySeries(body.period, days) };
  }
  if (pathname === "/totals") {
    return { totals: Object.fromEntries(await readTotals(env.KV, body.period)), state: await env.KV.get(periodKey(body.period), { type: "json" }) };
  }
  throw new Error(`no such test endpoint: ${pathname}`);
}

/**
 * Runs putWithRetry against the real KV, made to fail in the way asked, and returns
 * what it logged and what KV holds afterwards.
 * @param {{mode: "flaky" | "failing" | "oversized" | "unbound", failures?: number, key: string}} body
 * @param {any} kv
 */
async function put(body, kv) {
  let calls = 0;
  const flaky = {
    /** @param {string} key @param {string} value @param {any} options */
    put(key, value, options) {
      calls += 1;
      if (body.mode === "failing" || calls <= (body.failures ?? 0)) return Promise.reject(new Error("KV put failed: 503"));
      return kv.put(key, value, options);
    },
  };
  const realCounting = {
    /** @param {string} key @param {string} value @param {any} options */
    put(key, value, options) {
      calls += 1;
      return kv.put(key, value, options);
    },
  };
  const target = body.mode === "unbound" ? undefined : body.mode === "oversized" ? realCounting : flaky;
  // Metadata over KV's 1024-byte limit is refused by KV itself.
  const metadata = body.mode === "oversized" ? { pad: "x".repeat(2000) } : { f: 1 };
  const logged = [];
  const original = { error: console.error, warn: console.warn };
  console.error = (/** @type {string} */ line) => logged.push(JSON.parse(line));
  console.warn = (/** @type {string} */ line) => logged.push(JSON.parse(line));
  let landed;
  try {
    landed = await putWithRetry(target, body.key, "v", { metadata, expirationTtl: 60 }, { delaysMs: [5, 5, 5], what: "test" });
  } finally {
    console.error = original.error;
    console.warn = original.warn;
  }
  const stored = await kv.getWithMetadata(body.key);
  return { landed, calls, logged, stored: stored.value, metadata: stored.metadata };
}

export default {
  /** @param {Request} request @param {any} env */
  async fetch(request, env) {
    try {
      return Response.json(await handle(request, env));
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 500 });
    }
  },
};
