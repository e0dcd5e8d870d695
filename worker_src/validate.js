// Turns the body of an execute request into a program to run, or a 4xx naming the field.
import { ServiceError, invalidField, missingField } from "./errors.js";
import { CLIENT_ID_PATTERN } from "stack-config";

const SUPPORTED_LANGUAGES = ["javascript"];
const LIMIT_OVERRIDES = ["fuel", "memoryBytes"];
// The smallest heap cap a request may ask for: below it not even a small program's
// compiled code fits, and an answer of memory_limit would say nothing about the program.
const MIN_MEMORY_BYTES = 65536;
// How deep `input` may nest: the engine parses it with its stack limit, and deeper input
// would end in stack_overflow before any of the program ran.
const MAX_INPUT_DEPTH = 1000;

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

  if (nestingDepth(body.input) > MAX_INPUT_DEPTH) {
    throw invalidField(`"input" nests deeper than ${MAX_INPUT_DEPTH} levels`, "input");
  }

  return {
    code: body.code,
    codeBytes,
    clientId: body.clientId,
    input: body.input,
    limits: parseLimitOverrides(body.limits, stackLimits),
  };
}

/**
 * How many arrays and objects deep a parsed JSON value goes (without recursion: the value
 * is as deep as the body allows).
 * @param {unknown} value
 */
function nestingDepth(value) {
  let deepest = 0;
  /** @type {[unknown, number][]} */
  const pending = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = /** @type {[unknown, number]} */ (pending.pop());
    if (item === null || typeof item !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_INPUT_DEPTH) return deepest;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
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
  const floors = { fuel: 1, memoryBytes: MIN_MEMORY_BYTES };
  const ceilings = { fuel: stackLimits.fuel, memoryBytes: stackLimits.heapBytes };
  /** @type {{fuel?: number, memoryBytes?: number}} */
  const overrides = {};
  for (const [key, value] of Object.entries(limits)) {
    if (!LIMIT_OVERRIDES.includes(key)) {
      throw invalidField(`"limits.${key}" is not a limit; use ${LIMIT_OVERRIDES.join(" or ")}`, `limits.${key}`);
    }
    const floor = floors[/** @type {"fuel" | "memoryBytes"} */ (key)];
    const ceiling = ceilings[/** @type {"fuel" | "memoryBytes"} */ (key)];
    if (!Number.isInteger(value) || value < floor || value > ceiling) {
      throw invalidField(`"limits.${key}" must be a whole number from ${floor} to ${ceiling}`, `limits.${key}`);
    }
    overrides[/** @type {"fuel" | "memoryBytes"} */ (key)] = value;
  }
  return overrides;
}
