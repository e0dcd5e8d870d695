// Which handler answers which path and method; 404 and 405 for the rest.
import { ServiceError } from "./errors.js";
import { handleExecute } from "./execute.js";
import { handleHealth } from "./health.js";
import { handleStatement, handleUsage } from "./usage/handlers.js";

/**
 * @typedef {(request: Request, env: any, ctx: ExecutionContext, requestId: string) => Promise<Response>} Handler
 * @typedef {{waitUntil(promise: Promise<unknown>): void}} ExecutionContext
 */

/** @type {Record<string, Record<string, Handler>>} */
const ROUTES = {
  "/": { POST: handleExecute },
  "/v1/execute": { POST: handleExecute },
  "/health": { GET: handleHealth },
  "/v1/usage": { GET: handleUsage },
  "/v1/usage/statement": { GET: handleStatement },
};

/**
 * @param {Request} request
 * @returns {Handler}
 */
export function route(request) {
  const { pathname } = new URL(request.url);
  const methods = ROUTES[pathname];
  if (!methods) throw new ServiceError(404, "not_found", `no such path: ${pathname}`);
  const handler = methods[request.method];
  if (!handler) {
    const allowed = Object.keys(methods).join(", ");
    throw new ServiceError(405, "method_not_allowed", `${pathname} accepts ${allowed}`, { headers: { allow: allowed } });
  }
  return handler;
}
