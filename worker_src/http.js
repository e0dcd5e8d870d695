// Small HTTP helpers shared by every handler: JSON responses, bounded body reading.
import { ServiceError } from "./errors.js";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };
// A body over the limit is still read (and thrown away) up to this many times the
// limit before answering 413: answering before reading makes many clients see a broken
// pipe instead of the 413.
const DRAIN_FACTOR = 8;

/**
 * @param {number} status
 * @param {unknown} body
 * @param {string} requestId
 * @param {Record<string, string>} [headers]
 */
export function jsonResponse(status, body, requestId, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...JSON_HEADERS, "x-request-id": requestId, ...headers },
  });
}

/**
 * @param {ServiceError} error
 * @param {string} requestId
 */
export function errorResponse(error, requestId) {
  /** @type {Record<string, unknown>} */
  const body = { code: error.code, message: error.message, requestId };
  if (error.field !== undefined) body.field = error.field;
  if (error.details !== undefined) body.details = error.details;
  return jsonResponse(error.status, { error: body }, requestId, error.headers);
}

/**
 * Reads the whole body as text, refusing more than maxBytes with a 413 after reading
 * (and discarding) a bounded amount of the rest.
 * @param {Request} request
 * @param {number} maxBytes
 * @returns {Promise<string>}
 */
export async function readBoundedText(request, maxBytes) {
  const tooLarge = () =>
    new ServiceError(413, "body_too_large", `the request body is larger than ${maxBytes} bytes`);
  if (!request.body) return "";
  const declared = Number(request.headers.get("content-length"));
  const reader = request.body.getReader();
  const chunks = [];
  let received = 0;
  let overflowed = Number.isFinite(declared) && declared > maxBytes;
  for (;;) {
    const { done, value } = await readChunk(reader);
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) overflowed = true;
    if (overflowed) {
      if (received > maxBytes * DRAIN_FACTOR) {
        await reader.cancel();
        break;
      }
      continue;
    }
    chunks.push(value);
  }
  if (overflowed) throw tooLarge();
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ServiceError(400, "invalid_encoding", "the request body is not valid UTF-8");
  }
}

/**
 * One chunk of the body. The body fails to read only when the client went away before
 * sending all of it: not a bug, and nobody is left to read the answer.
 * @param {ReadableStreamDefaultReader<Uint8Array>} reader
 */
async function readChunk(reader) {
  try {
    return await reader.read();
  } catch (error) {
    throw new ServiceError(400, "client_disconnected", "the client disconnected before sending the whole body", {
      detail: String(error),
    });
  }
}

/**
 * @param {Request} request
 */
export function requireJsonContentType(request) {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") {
    throw new ServiceError(415, "unsupported_media_type", 'send the body as JSON with "Content-Type: application/json"');
  }
}
