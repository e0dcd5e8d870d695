// The page's only way to the service: same-origin GETs with the key as a Bearer token.
// Failures become an ApiError whose kind the page shows: a refused key, a service that
// did not answer, or an answer the page did not expect.

export class ApiError extends Error {
  /**
   * @param {"unauthorized" | "forbidden" | "unavailable" | "failed"} kind
   * @param {string} message
   * @param {{status?: number, code?: string}} [details]
   */
  constructor(kind, message, details = {}) {
    super(message);
    this.kind = kind;
    this.status = details.status;
    this.code = details.code;
  }
}

/**
 * @param {string} path
 * @param {string} apiKey
 * @returns {Promise<Response>}
 */
async function send(path, apiKey) {
  let response;
  try {
    response = await fetch(path, { headers: { authorization: `Bearer ${apiKey}` }, cache: "no-store", credentials: "omit" });
  } catch {
    throw new ApiError("unavailable", "The service did not answer: check your connection, then try again.");
  }
  if (response.ok) return response;
  /** @type {{error?: {code?: string, message?: string}}} */
  let body = {};
  try {
    body = await response.json();
  } catch {
    // Not the service's JSON error (a proxy's page, a gateway timeout): said below.
  }
  const code = body.error?.code;
  const message = body.error?.message ?? `HTTP ${response.status}`;
  if (response.status === 401) throw new ApiError("unauthorized", message, { status: 401, code });
  if (response.status === 403) throw new ApiError("forbidden", message, { status: 403, code });
  if (response.status >= 500 || !code) {
    throw new ApiError("unavailable", `The service answered HTTP ${response.status}${code ? ` (${code})` : ""}; try again in a moment.`, { status: response.status, code });
  }
  throw new ApiError("failed", `${message} (${code})`, { status: response.status, code });
}

/**
 * @param {string} path
 * @param {string} apiKey
 * @returns {Promise<any>}
 */
export async function getJson(path, apiKey) {
  return (await send(path, apiKey)).json();
}

/**
 * @param {string} path
 * @param {string} apiKey
 * @returns {Promise<Blob>}
 */
export async function getBlob(path, apiKey) {
  return (await send(path, apiKey)).blob();
}
