// The Worker's entry: every request gets a request id, a handler, and JSON back, even
// when something fails; internals go to the log, never to the client.
import { ServiceError } from "./errors.js";
import { errorResponse } from "./http.js";
import { logEvent } from "./log.js";
import { route } from "./router.js";
import { rollUp } from "./usage/rollup.js";

export default {
  /**
   * @param {Request} request
   * @param {any} env
   * @param {import("./router.js").ExecutionContext} ctx
   */
  async fetch(request, env, ctx) {
    const requestId = crypto.randomUUID();
    try {
      return await route(request)(request, env, ctx, requestId);
    } catch (error) {
      if (error instanceof ServiceError) {
        if (error.status >= 500) logEvent("error", "service_error", { requestId, code: error.code, detail: error.detail });
        return errorResponse(error, requestId);
      }
      logEvent("error", "unhandled", { requestId, detail: String(error), stack: error instanceof Error ? error.stack : undefined });
      return errorResponse(new ServiceError(500, "internal_error", "something went wrong; quote the request id when reporting it"), requestId);
    }
  },

  /**
   * The cron trigger: rolls usage events up into per-client period totals.
   * @param {{scheduledTime: number, cron: string}} controller
   * @param {any} env
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
