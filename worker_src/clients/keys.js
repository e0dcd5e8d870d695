// Per-client API keys in the API_KEYS KV namespace. Only a SHA-256 of each key's
// secret is stored; the key itself is shown once, when it is issued.
//
//   client:<clientId>                 {clientId, createdAt}
//   key:<keyId>                       {keyId, clientId, secretSha256, createdAt}  (live keys only)
//   client-key:<clientId>:<keyId>     "" with metadata {keyId, createdAt, revokedAt}
//
// A key reads `cek_<keyId>_<secret>`: the id finds the record, the secret proves it.
import { sha256Hex, secretsEqual } from "../crypto.js";

const KEY_PREFIX = "cek_";
const KEY_PATTERN = /^cek_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * @typedef {{clientId: string, createdAt: string}} ClientRecord
 * @typedef {{keyId: string, clientId: string, secretSha256: string, createdAt: string}} KeyRecord
 * @typedef {{keyId: string, createdAt: string, revokedAt: string | null}} KeySummary
 * @typedef {{get(key: string, type: "json"): Promise<any>, put(key: string, value: string, options?: object): Promise<void>, delete(key: string): Promise<void>, list(options: {prefix: string, cursor?: string}): Promise<{keys: {name: string, metadata?: any}[], list_complete: boolean, cursor?: string}>}} KVNamespace
 */

/** Whether an id has the shape of the ids issueKey makes. @param {string} keyId */
export const isKeyId = (keyId) => KEY_ID_PATTERN.test(keyId);

/** @param {string} token */
export const looksLikeClientKey = (token) => token.startsWith(KEY_PREFIX);

/**
 * The client a presented key belongs to, or undefined when it is unknown or revoked.
 * @param {KVNamespace} store
 * @param {string} token
 * @returns {Promise<KeyRecord | undefined>}
 */
export async function verifyClientKey(store, token) {
  const match = KEY_PATTERN.exec(token);
  if (!match) return undefined;
  const [, keyId, secret] = match;
  /** @type {KeyRecord | null} */
  const record = await store.get(`key:${keyId}`, "json");
  if (!record) return undefined;
  return (await secretsEqual(await sha256Hex(secret), record.secretSha256)) ? record : undefined;
}

/**
 * @param {KVNamespace} store
 * @param {string} clientId
 * @returns {Promise<ClientRecord | null>}
 */
export const findClient = (store, clientId) => store.get(`client:${clientId}`, "json");

/**
 * @param {KVNamespace} store
 * @param {string} clientId
 * @param {Date} now
 */
export async function createClient(store, clientId, now) {
  /** @type {ClientRecord} */
  const record = { clientId, createdAt: now.toISOString() };
  await store.put(`client:${clientId}`, JSON.stringify(record));
  return record;
}

/**
 * @param {KVNamespace} store
 * @returns {Promise<ClientRecord[]>}
 */
export async function listClients(store) {
  const names = await listAll(store, "client:");
  const records = await Promise.all(names.map(({ name }) => store.get(name, "json")));
  return records.filter(Boolean);
}

/**
 * Issues a new key for a client: the returned `key` is the only copy of the secret.
 * @param {KVNamespace} store
 * @param {string} clientId
 * @param {Date} now
 */
export async function issueKey(store, clientId, now) {
  const keyId = toHex(crypto.getRandomValues(new Uint8Array(8)));
  const secret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const createdAt = now.toISOString();
  /** @type {KeyRecord} */
  const record = { keyId, clientId, secretSha256: await sha256Hex(secret), createdAt };
  await store.put(`key:${keyId}`, JSON.stringify(record));
  await store.put(`client-key:${clientId}:${keyId}`, "", { metadata: { keyId, createdAt, revokedAt: null } });
  return { keyId, clientId, createdAt, key: `${KEY_PREFIX}${keyId}_${secret}` };
}

/**
 * @param {KVNamespace} store
 * @param {string} clientId
 * @returns {Promise<KeySummary[]>}
 */
export async function listKeys(store, clientId) {
  const entries = await listAll(store, `client-key:${clientId}:`);
  return entries.map(({ metadata }) => ({
    keyId: metadata.keyId,
    createdAt: metadata.createdAt,
    revokedAt: metadata.revokedAt ?? null,
  }));
}

/**
 * Revokes a key: its record goes, so it stops authenticating as soon as KV propagates
 * the delete; the client's listing keeps it, marked revoked.
 * @param {KVNamespace} store
 * @param {string} keyId
 * @param {Date} now
 * @returns {Promise<KeySummary | undefined>} undefined when no live key has that id
 */
export async function revokeKey(store, keyId, now) {
  /** @type {KeyRecord | null} */
  const record = await store.get(`key:${keyId}`, "json");
  if (!record) return undefined;
  const revokedAt = now.toISOString();
  await store.delete(`key:${keyId}`);
  await store.put(`client-key:${record.clientId}:${keyId}`, "", {
    metadata: { keyId, createdAt: record.createdAt, revokedAt },
  });
  return { keyId, createdAt: record.createdAt, revokedAt };
}

/**
 * @param {KVNamespace} store
 * @param {string} prefix
 */
async function listAll(store, prefix) {
  /** @type {{name: string, metadata?: any}[]} */
  const entries = [];
  /** @type {string | undefined} */
  let cursor;
  do {
    const page = await store.list({ prefix, cursor });
    entries.push(...page.keys);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return entries;
}

/** @param {Uint8Array} bytes */
const toHex = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

/** @param {Uint8Array} bytes */
const toBase64Url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
