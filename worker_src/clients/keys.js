// Per-client API keys in the API_KEYS KV namespace. Only a SHA-256 of each key's
// secret is stored; the key itself is shown once, when it is issued.
//
//   client:<clientId>                 {clientId, createdAt}
//   key:<keyId>                       {keyId, clientId, secretSha256, createdAt}  (live keys only)
//   client-key:<clientId>:<keyId>     "" with metadata {keyId, createdAt, revokedAt}
//
// A key reads `cek_<keyId>_<secret>`: the id finds the record, the secret proves it.
import { sha256Hex, secretsEqual } from "../crypto.js";
import { listAll } from "../kv.js";

const KEY_PREFIX = "cek_";
const KEY_PATTERN = /^cek_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * @typedef {{clientId: string, createdAt: string}} ClientRecord
 * @typedef {{keyId: string, clientId: string, secretSha256: string, createdAt: string}} KeyRecord
 * @typedef {{keyId: string, createdAt: string, revokedAt: string | null}} KeySummary
 * @typedef {import("../kv.js").KvNamespace} KvNamespace
 */

/** Whether an id has the shape of the ids issueKey makes. @param {string} keyId */
export const isKeyId = (keyId) => KEY_ID_PATTERN.test(keyId);

/** @param {string} token */
export const looksLikeClientKey = (token) => token.startsWith(KEY_PREFIX);

/**
 * The client a presented key belongs to, or undefined when it is unknown or revoked.
 * @param {KvNamespace} store
 * @param {string} token
 * @returns {Promise<KeyRecord | undefined>}
 */
export async function verifyClientKey(store, token) {
  const match = KEY_PATTERN.exec(token);
  if (!match) return undefined;
  const [, keyId, secret] = match;
  /** @type {KeyRecord | null} */
  const record = await store.get(`key:${keyId}`, { type: "json" });
  if (!record) return undefined;
  return (await secretsEqual(await sha256Hex(secret), record.secretSha256)) ? record : undefined;
}

/**
 * @param {KvNamespace} store
 * @param {string} clientId
 * @returns {Promise<ClientRecord | null>}
 */
export const findClient = (store, clientId) => store.get(`client:${clientId}`, { type: "json" });

/**
 * @param {KvNamespace} store
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
 * @param {KvNamespace} store
 * @returns {Promise<ClientRecord[]>}
 */
export async function listClients(store) {
  const names = await keysUnder(store, "client:");
  const records = await Promise.all(names.map(({ name }) => store.get(name, { type: "json" })));
  return records.filter(Boolean);
}

/**
 * Issues a new key for a client: the returned `key` is the only copy of the secret.
 * @param {KvNamespace} store
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
 * @param {KvNamespace} store
 * @param {string} clientId
 * @returns {Promise<KeySummary[]>}
 */
export async function listKeys(store, clientId) {
  const entries = await keysUnder(store, `client-key:${clientId}:`);
  return entries.map(({ metadata }) => ({
    keyId: metadata.keyId,
    createdAt: metadata.createdAt,
    revokedAt: metadata.revokedAt ?? null,
  }));
}

/**
 * Revokes a key: its record goes, so it stops authenticating as soon as KV propagates
 * the delete; the client's listing keeps it, marked revoked.
 * @param {KvNamespace} store
 * @param {string} keyId
 * @param {Date} now
 * @returns {Promise<KeySummary | undefined>} undefined when no live key has that id
 */
export async function revokeKey(store, keyId, now) {
  /** @type {KeyRecord | null} */
  const record = await store.get(`key:${keyId}`, { type: "json" });
  if (!record) return undefined;
  const revokedAt = now.toISOString();
  await store.delete(`key:${keyId}`);
  await store.put(`client-key:${record.clientId}:${keyId}`, "", {
    metadata: { keyId, createdAt: record.createdAt, revokedAt },
  });
  return { keyId, createdAt: record.createdAt, revokedAt };
}

/**
 * @param {KvNamespace} store
 * @param {string} prefix
 */
async function keysUnder(store, prefix) {
  const entries = [];
  for await (const key of listAll(store, prefix)) entries.push(key);
  return entries;
}

/** @param {Uint8Array} bytes */
const toHex = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

/** @param {Uint8Array} bytes */
const toBase64Url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
