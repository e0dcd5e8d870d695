// KV writes that are retried and, when they still fail, logged with everything needed
// to replay them by hand: usage is never dropped silently.
import { logEvent } from "../log.js";

// KV allows one write per second to a key; the later waits respect that.
const RETRY_DELAYS_MS = [100, 1000, 2000];

/**
 * @param {Pick<import("../kv.js").KvNamespace, "put"> | undefined} kv
 * @param {string} key
 * @param {string} value
 * @param {import("../kv.js").KvPutOptions} options
 * @param {{delaysMs?: number[], what?: string}} [policy]
 * @returns {Promise<boolean>} whether the write landed
 */
export async function putWithRetry(kv, key, value, options, policy = {}) {
  const delays = policy.delaysMs ?? RETRY_DELAYS_MS;
  let lastError = "no USAGE_TRACKING KV binding";
  if (kv) {
    for (let attempt = 0; attempt <= delays.length; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, delays[attempt - 1]));
      try {
        await kv.put(key, value, options);
        if (attempt > 0) logEvent("warn", "usage_write_retried", { key, attempts: attempt + 1 });
        return true;
      } catch (error) {
        lastError = String(error);
      }
    }
  }
  logEvent("error", "usage_write_failed", {
    what: policy.what ?? "usage",
    key,
    attempts: kv ? delays.length + 1 : 0,
    error: lastError,
    metadata: options.metadata,
  });
  return false;
}
