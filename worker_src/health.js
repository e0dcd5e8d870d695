// GET /health: no auth, nothing secret; what is deployed where. The version is the API's,
// from its published spec, so the two cannot disagree.
import { STACK } from "stack-config";
import { jsonResponse } from "./http.js";
import spec from "./openapi.json";

/** @type {import("./router.js").Handler} */
export async function handleHealth(_request, _env, _ctx, requestId) {
  return jsonResponse(
    200,
    { status: "ok", service: STACK.service, version: spec.info.version, engine: STACK.engine, stack: STACK.name },
    requestId,
  );
}
