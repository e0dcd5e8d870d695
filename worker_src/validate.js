// Turns the body of an execute request into a program to run, or a 4xx naming the field.
import { ServiceError, invalidField, missingField } from "./errors.js";

export const SUPPORTED_LANGUAGES = ["javascript"];
const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const LIMIT_OVERRIDES = ["fuel", "memoryBytes"];

/**
 * @typedef {object} ExecuteRequest
 * @property {string} code
 * @property {number} codeBytes the code's size in UTF-8, as limited and billed
 * @property {string | undefined} clientId required with the admin key; a client key implies it
 * @property {unknown} input undefined when the body had none
 * @property {{fuel?: number, memoryBytes?: number}} limits the client's own, lower limits
 */

/**
 * @param {string} text the raw body
 * @param {{maxCodeBytes: number, fuel: number, heapBytes: number}} stackLimits
 * @returns {ExecuteRequest}
 */
export function parseExecuteRequest(text, stackLimits) {
  let body;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ServiceError(400, "invalid_json", `the body is not valid JSON: ${error instanceof Error ? error.message : error}`);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new ServiceError(400, "invalid_body", "the body must be a JSON object");
  }

  if (!("code" in body)) throw missingField("code");
  if (typeof body.code !== "string") throw invalidField('"code" must be a string of JavaScript', "code");
  const codeBytes = new TextEncoder().encode(body.code).byteLength;
  if (codeBytes > stackLimits.maxCodeBytes) {
    throw new ServiceError(413, "code_too_large", `"code" is ${codeBytes} bytes; the limit is ${stackLimits.maxCodeBytes}`, { field: "code" });
  }

  if (!("language" in body)) throw missingField("language");
  if (typeof body.language !== "string") throw invalidField('"language" must be a string', "language");
  if (!SUPPORTED_LANGUAGES.includes(body.language)) {
    throw new ServiceError(422, "unsupported_language", `"language" must be one of: ${SUPPORTED_LANGUAGES.join(", ")}`, { field: "language" });
  }

  if ("clientId" in body) checkClientId(body.clientId, "clientId");

  return {
    code: body.code,
    codeBytes,
    clientId: body.clientId,
    input: body.input,
    limits: parseLimitOverrides(body.limits, stackLimits),
  };
}

/**
 * @param {unknown} value
 * @returns {value is string}
 */
export const isClientId = (value) => typeof value === "string" && CLIENT_ID_PATTERN.test(value);

/**
 * @param {unknown} value
 * @param {string} field
 * @returns {asserts value is string}
 */
export function checkClientId(value, field) {
  if (!isClientId(value)) {
    throw invalidField(`"${field}" must be 1-128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit`, field);
  }
}

/**
 * @param {unknown} limits
 * @param {{fuel: number, heapBytes: number}} stackLimits
 */
function parseLimitOverrides(limits, stackLimits) {
  if (limits === undefined) return {};
  if (limits === null || typeof limits !== "object" || Array.isArray(limits)) {
    throw invalidField('"limits" must be an object', "limits");
  }
  const ceilings = { fuel: stackLimits.fuel, memoryBytes: stackLimits.heapBytes };
  /** @type {{fuel?: number, memoryBytes?: number}} */
  const overrides = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!LIMIT_OVERRIDES.includes(key)) {
      throw invalidField(`"limits.${key}" is not a limit; use ${LIMIT_OVERRIDES.join(" or ")}`, `limits.${key}`);
    }
    const ceiling = ceilings[/** @type {"fuel" | "memoryBytes"} */ (key)];
    if (!Number.isInteger(value) || value < 1 || value > ceiling) {
      throw invalidField(`"limits.${key}" must be a whole number from 1 to ${ceiling}`, `limits.${key}`);
    }
    overrides[/** @type {"fuel" | "memoryBytes"} */ (key)] = value;
  }
  return overrides;
}
