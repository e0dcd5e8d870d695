// GET /dashboard and its parts (script, style sheet, icon): the usage dashboard, served by the
// Worker itself so that the page needs nothing from another origin. The script and
// style sheet are bundled from page/ by the build (infra/build/bundle.py); the page reads the
// JSON API with the key the user pastes, so these answers need no key.
import pageScript from "dashboard-script";
import pageStyle from "dashboard-style";
import { ServiceError } from "../errors.js";
import pageHtml from "./page/index.html";
import pageIcon from "./page/icon.svg";

// No inline script or style anywhere on the page, so nothing looser than 'self' is needed.
const CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * @param {string} body
 * @param {string} contentType
 * @param {string} requestId
 */
function asset(body, contentType, requestId) {
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": contentType,
      "content-security-policy": CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-cache",
      "x-request-id": requestId,
    },
  });
}

/** @type {Record<string, {body: string, type: string}>} */
const ASSETS = {
  "app.js": { body: pageScript, type: "text/javascript; charset=utf-8" },
  "app.css": { body: pageStyle, type: "text/css; charset=utf-8" },
  "icon.svg": { body: pageIcon, type: "image/svg+xml" },
};

/** @type {import("../router.js").Handler} */
export async function handleDashboardPage(_request, _env, _ctx, requestId) {
  return asset(pageHtml, "text/html; charset=utf-8", requestId);
}

/** @type {import("../router.js").Handler} */
export async function handleDashboardAsset(_request, _env, _ctx, requestId, params) {
  const found = Object.hasOwn(ASSETS, params.asset) ? ASSETS[params.asset] : undefined;
  if (!found) throw new ServiceError(404, "not_found", `no such path: /dashboard/${params.asset}`);
  return asset(found.body, found.type, requestId);
}
