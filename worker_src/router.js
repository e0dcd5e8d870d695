// Which handler answers which path and method; 404 and 405 for the rest.
// Patterns may hold `:name` segments, handed to the handler as params.
import {
  handleCreateClient,
  handleIssueKey,
  handleListClients,
  handleListKeys,
  handleRevokeKey,
} from "./admin.js";
import { handleDashboardAsset, handleDashboardPage } from "./dashboard/handlers.js";
import { ServiceError } from "./errors.js";
import { handleExecute } from "./execute.js";
import { handleHealth } from "./health.js";
import { handleOpenApi } from "./openapi.js";
import { handleStatement, handleUsage } from "./usage/handlers.js";

/**
 * @typedef {(request: Request, env: import("./env.js").Env, ctx: ExecutionContext, requestId: string, params: Record<string, string>) => Promise<Response>} Handler
 * @typedef {{waitUntil(promise: Promise<unknown>): void}} ExecutionContext
 */

/** @type {Record<string, Record<string, Handler>>} */
const ROUTES = {
  "/": { POST: handleExecute },
  "/v1/execute": { POST: handleExecute },
  "/health": { GET: handleHealth },
  "/openapi.json": { GET: handleOpenApi },
  "/v1/admin/clients": { GET: handleListClients, POST: handleCreateClient },
  "/v1/admin/clients/:clientId/keys": { GET: handleListKeys, POST: handleIssueKey },
  "/v1/admin/keys/:keyId": { DELETE: handleRevokeKey },
  "/v1/usage": { GET: handleUsage },
  "/v1/usage/statement": { GET: handleStatement },
  "/dashboard": { GET: handleDashboardPage },
  "/dashboard/:asset": { GET: handleDashboardAsset },
};

const COMPILED = Object.entries(ROUTES).map(([pattern, methods]) => ({
  matcher: new RegExp(`^${pattern.replace(/:(\w+)/g, "(?<$1>[^/]+)")}$`),
  methods,
}));

/**
 * @param {Request} request
 * @returns {{handler: Handler, params: Record<string, string>}}
 */
export function route(request) {
  const { pathname } = new URL(request.url);
  for (const { matcher, methods } of COMPILED) {
    const match = matcher.exec(pathname);
    if (!match) continue;
    const handler = methods[request.method] ?? (request.method === "HEAD" && methods.GET ? headOf(methods.GET) : undefined);
    if (!handler) {
      const allowed = [...Object.keys(methods), ...(methods.GET ? ["HEAD"] : [])].join(", ");
      throw new ServiceError(405, "method_not_allowed", `${pathname} accepts ${allowed}`, { headers: { allow: allowed } });
    }
    const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([name, value]) => [name, decodeSegment(value, pathname)]));
    return { handler, params };
  }
  throw new ServiceError(404, "not_found", `no such path: ${pathname}`);
}

/** @param {string} segment @param {string} pathname */
function decodeSegment(segment, pathname) {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ServiceError(404, "not_found", `no such path: ${pathname}`);
  }
}

/**
 * HEAD answers as GET does, headers and status alike, without the body (monitors use it).
 * @param {Handler} handler
 * @returns {Handler}
 */
function headOf(handler) {
  return async (...args) => {
    const response = await handler(...args);
    return new Response(null, { status: response.status, headers: response.headers });
  };
}
