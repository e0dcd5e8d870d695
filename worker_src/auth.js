// Who is calling: the holder of the API_KEY secret (the admin), or a client through
// one of its own keys (see clients/keys.js). Keys never appear in errors or logs.
import { verifyClientKey, looksLikeClientKey } from "./clients/keys.js";
import { secretsEqual } from "./crypto.js";
import { ServiceError, missingField } from "./errors.js";

/**
 * @typedef {{kind: "admin"}} AdminPrincipal
 * @typedef {{kind: "client", clientId: string, keyId: string}} ClientPrincipal
 * @typedef {AdminPrincipal | ClientPrincipal} Principal
 */

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/**
 * @param {Request} request
 * @param {import("./env.js").Env} env
 * @returns {Promise<Principal>}
 */
export async function authenticate(request, env) {
  const header = request.headers.get("authorization");
  if (!header) {
    throw new ServiceError(401, "missing_api_key", 'send your API key as "Authorization: Bearer <key>"', {
      headers: { "www-authenticate": 'Bearer realm="code-execution"' },
    });
  }
  const invalid = new ServiceError(401, "invalid_api_key", "the API key is not valid", {
    headers: { "www-authenticate": 'Bearer realm="code-execution", error="invalid_token"' },
  });
  const token = BEARER.exec(header)?.[1];
  if (!token) throw invalid;
  if (!env.API_KEY) {
    throw new ServiceError(500, "not_configured", "the service has no API key configured", {
      detail: "API_KEY secret is missing",
    });
  }
  if (looksLikeClientKey(token) && env.API_KEYS) {
    const record = await verifyClientKey(env.API_KEYS, token);
    if (!record) throw invalid;
    return { kind: "client", clientId: record.clientId, keyId: record.keyId };
  }
  if (!(await secretsEqual(token, env.API_KEY))) throw invalid;
  return { kind: "admin" };
}

/**
 * @param {Principal} principal
 * @returns {asserts principal is AdminPrincipal}
 */
export function requireAdmin(principal) {
  if (principal.kind !== "admin") {
    throw new ServiceError(403, "admin_only", "this endpoint needs the admin key");
  }
}

/**
 * The client a request acts for. A client key fixes it (naming another is a 403);
 * the admin key names it in the body, as the historical API did.
 * @param {Principal} principal
 * @param {string | undefined} requested the body's clientId, if any
 * @returns {string}
 */
export function actingClient(principal, requested) {
  if (principal.kind === "client") {
    if (requested !== undefined && requested !== principal.clientId) {
      throw new ServiceError(403, "client_mismatch", "this key belongs to another client than the one named", {
        field: "clientId",
      });
    }
    return principal.clientId;
  }
  if (requested === undefined) throw missingField("clientId");
  return requested;
}
