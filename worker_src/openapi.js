// GET /openapi.json: the API's OpenAPI 3.1 description (worker_src/openapi.json).
import spec from "./openapi.json";
import { jsonResponse } from "./http.js";

/** @type {import("./router.js").Handler} */
export async function handleOpenApi(_request, _env, _ctx, requestId) {
  return jsonResponse(200, spec, requestId);
}
