// Per-client request rate, through the Workers rate-limiting binding (Miniflare
// provides the same binding locally). Counts are per location and approximate, as the
// platform documents: this keeps one client from starving the others, it is not billing.
import { RATE_LIMIT } from "stack-config";
import { ServiceError } from "./errors.js";

/**
 * @param {import("./env.js").Env} env
 * @param {string} clientId
 */
export async function enforceRateLimit(env, clientId) {
  if (!env.CLIENT_RATE_LIMIT) return;
  const { success } = await env.CLIENT_RATE_LIMIT.limit({ key: clientId });
  if (success) return;
  throw new ServiceError(
    429,
    "rate_limited",
    `client ${clientId} sent more than ${RATE_LIMIT.limit} requests in ${RATE_LIMIT.periodSeconds} s; retry later`,
    {
      headers: {
        "retry-after": String(RATE_LIMIT.periodSeconds),
        "ratelimit-limit": String(RATE_LIMIT.limit),
        "ratelimit-remaining": "0",
        "ratelimit-reset": String(RATE_LIMIT.periodSeconds),
        "ratelimit-policy": `${RATE_LIMIT.limit};w=${RATE_LIMIT.periodSeconds}`,
      },
    },
  );
}
