// GET /health: no auth, nothing secret; what is deployed where.
import { STACK } from "stack-config";
import { jsonResponse } from "./http.js";

/** @type {import("./router.js").Handler} */
export async function handleHealth(_request, _env, _ctx, requestId) {
  return jsonResponse(
    200,
    { status: "ok", service: STACK.service, version: STACK.version, engine: STACK.engine, stack: STACK.name },
    requestId,
  );
}
