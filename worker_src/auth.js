// Who is calling. Today one principal exists: the holder of the API_KEY secret (the
// admin key). Per-client keys will resolve to a client principal here as well.
import { ServiceError } from "./errors.js";

/**
 * @typedef {{kind: "admin"}} Principal
 */

/**
 * @param {Request} request
 * @param {{API_KEY?: string}} env
 * @returns {Promise<Principal>}
 */
export async function authenticate(request, env) {
  const header = request.headers.get("authorization");
  if (!header) {
    throw new ServiceError(401, "missing_api_key", 'send your API key as "Authorization: Bearer <key>"', {
      headers: { "www-authenticate": 'Bearer realm="code-execution"' },
    });
  }
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  const invalid = new ServiceError(401, "invalid_api_key", "the API key is not valid", {
    headers: { "www-authenticate": 'Bearer realm="code-execution", error="invalid_token"' },
  });
  if (!match) throw invalid;
  if (!env.API_KEY) {
    throw new ServiceError(500, "not_configured", "the service has no API key configured", {
      detail: "API_KEY secret is missing",
    });
  }
  if (!(await constantTimeEqual(match[1], env.API_KEY))) throw invalid;
  return { kind: "admin" };
}

const encoder = new TextEncoder();

/**
 * Compares two secrets in time that depends on neither's content: both are hashed
 * first, so the comparison is always of 32 bytes and the lengths do not leak.
 * @param {string} given
 * @param {string} expected
 */
export async function constantTimeEqual(given, expected) {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  // timingSafeEqual is a Workers extension of SubtleCrypto.
  return /** @type {any} */ (crypto.subtle).timingSafeEqual(a, b);
}
