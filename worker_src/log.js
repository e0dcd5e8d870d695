// Structured log lines: one JSON object per line, which `wrangler tail` shows as is.

/**
 * @param {"info" | "warn" | "error"} level
 * @param {string} event
 * @param {Record<string, unknown>} fields never the API key, user code or input
 */
export function logEvent(level, event, fields) {
  const line = JSON.stringify({ level, event, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
