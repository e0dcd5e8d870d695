// Admin endpoints: clients and their API keys. Every one needs the admin key.
import { authenticate, requireAdmin } from "./auth.js";
import { createClient, findClient, isKeyId, issueKey, listClients, listKeys, revokeKey } from "./clients/keys.js";
import { ServiceError, missingField } from "./errors.js";
import { jsonResponse, readBoundedText, requireJsonContentType } from "./http.js";
import { logEvent } from "./log.js";
import { checkClientId, isClientId } from "./validate.js";

const MAX_ADMIN_BODY_BYTES = 4096;
const MAX_QUOTED_ID = 64;

/**
 * @param {Request} request
 * @param {import("./env.js").Env} env
 */
async function adminStore(request, env) {
  requireAdmin(await authenticate(request, env));
  if (!env.API_KEYS) throw new ServiceError(500, "not_configured", "client keys are not configured", { detail: "API_KEYS binding missing" });
  return env.API_KEYS;
}

/** @param {string} clientId @param {import("./kv.js").KvNamespace} store */
async function existingClient(store, clientId) {
  // An id no client can have is not looked up (a KV key is at most 512 bytes).
  const client = isClientId(clientId) ? await findClient(store, clientId) : null;
  if (!client) throw new ServiceError(404, "unknown_client", `no client ${shortId(clientId)}`);
  return client;
}

/** An id as error messages quote it: whole when it is short, else its start. @param {string} id */
const shortId = (id) => (id.length <= MAX_QUOTED_ID ? id : `${id.slice(0, MAX_QUOTED_ID)}…`);

/** POST /v1/admin/clients {"clientId": "..."} → the client and its first key (shown once).
 * @type {import("./router.js").Handler} */
export async function handleCreateClient(request, env, _ctx, requestId) {
  const store = await adminStore(request, env);
  requireJsonContentType(request);
  let body;
  try {
    body = JSON.parse(await readBoundedText(request, MAX_ADMIN_BODY_BYTES));
  } catch (error) {
    if (error instanceof ServiceError) throw error;
    throw new ServiceError(400, "invalid_json", "the body is not valid JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ServiceError(400, "invalid_body", "the body must be a JSON object");
  }
  if (!("clientId" in body)) throw missingField("clientId");
  checkClientId(body.clientId, "clientId");
  if (await findClient(store, body.clientId)) {
    throw new ServiceError(409, "client_exists", `client ${body.clientId} exists; issue it another key instead`, { field: "clientId" });
  }
  const now = new Date();
  const client = await createClient(store, body.clientId, now);
  const key = await issueKey(store, client.clientId, now);
  logEvent("info", "client_created", { requestId, clientId: client.clientId, keyId: key.keyId });
  return jsonResponse(201, { client, key }, requestId);
}

/** GET /v1/admin/clients @type {import("./router.js").Handler} */
export async function handleListClients(request, env, _ctx, requestId) {
  const store = await adminStore(request, env);
  return jsonResponse(200, { clients: await listClients(store) }, requestId);
}

/** POST /v1/admin/clients/:clientId/keys → a new key (shown once).
 * @type {import("./router.js").Handler} */
export async function handleIssueKey(request, env, _ctx, requestId, params) {
  const store = await adminStore(request, env);
  const client = await existingClient(store, params.clientId);
  const key = await issueKey(store, client.clientId, new Date());
  logEvent("info", "key_issued", { requestId, clientId: client.clientId, keyId: key.keyId });
  return jsonResponse(201, { key }, requestId);
}

/** GET /v1/admin/clients/:clientId/keys → ids and dates, never keys or hashes.
 * @type {import("./router.js").Handler} */
export async function handleListKeys(request, env, _ctx, requestId, params) {
  const store = await adminStore(request, env);
  const client = await existingClient(store, params.clientId);
  return jsonResponse(200, { clientId: client.clientId, keys: await listKeys(store, client.clientId) }, requestId);
}

/** DELETE /v1/admin/keys/:keyId @type {import("./router.js").Handler} */
export async function handleRevokeKey(request, env, _ctx, requestId, params) {
  const store = await adminStore(request, env);
  const revoked = isKeyId(params.keyId) ? await revokeKey(store, params.keyId, new Date()) : undefined;
  if (!revoked) throw new ServiceError(404, "unknown_key", `no live key ${shortId(params.keyId)}`);
  logEvent("info", "key_revoked", { requestId, keyId: revoked.keyId });
  return jsonResponse(200, { key: revoked }, requestId);
}
