// The Worker's entry: every request gets a request id, a handler, JSON back even when
// something fails, and one structured log line; internals go to the log, never to the
// client.
import { ServiceError } from "./errors.js";
import { errorResponse } from "./http.js";
import { logEvent } from "./log.js";
import { route } from "./router.js";
import { rollUp } from "./usage/rollup.js";

export default {
  /**
   * @param {Request} request
   * @param {import("./env.js").Env} env
   * @param {import("./router.js").ExecutionContext} ctx
   */
  async fetch(request, env, ctx) {
    const requestId = crypto.randomUUID();
    const startedAt = Date.now();
    const { response, errorCode } = await respond(request, env, ctx, requestId);
    logEvent(response.status >= 500 ? "error" : "info", "request", {
      requestId,
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      ...(errorCode && { errorCode }),
      durationMs: Date.now() - startedAt,
    });
    return response;
  },

  /**
   * The cron trigger: rolls usage events up into per-client period totals.
   * @param {{scheduledTime: number, cron: string}} controller
   * @param {import("./env.js").Env} env
   */
  async scheduled(controller, env) {
    try {
      await rollUp(env.USAGE_TRACKING, controller.scheduledTime);
    } catch (error) {
      logEvent("error", "usage_rollup_failed", { cron: controller.cron, detail: String(error), stack: error instanceof Error ? error.stack : undefined });
      throw error;
    }
  },
};

/**
 * @param {Request} request
 * @param {import("./env.js").Env} env
 * @param {import("./router.js").ExecutionContext} ctx
 * @param {string} requestId
 * @returns {Promise<{response: Response, errorCode?: string}>} errorCode names an error answer, for the log
 */
async function respond(request, env, ctx, requestId) {
  try {
    const { handler, params } = route(request);
    return { response: await handler(request, env, ctx, requestId, params) };
  } catch (error) {
    if (error instanceof ServiceError) {
      if (error.status >= 500) logEvent("error", "service_error", { requestId, code: error.code, detail: error.detail });
      return { response: errorResponse(error, requestId), errorCode: error.code };
    }
    logEvent("error", "unhandled", { requestId, detail: String(error), stack: error instanceof Error ? error.stack : undefined });
    const internal = new ServiceError(500, "internal_error", "something went wrong; quote the request id when reporting it");
    return { response: errorResponse(internal, requestId), errorCode: internal.code };
  }
}
