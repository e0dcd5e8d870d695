// Saving the statement as a file. The admin's CSV is the service's own
// (/v1/usage/statement?format=csv); a client key may not read the statement, so its
// one row is written here in the same columns.

const COLUMNS = [
  "clientId", "requests", "fuel", "wallMs", "codeBytes", "outputBytes", "peakMemoryBytes",
  "executionMicros", "fuelMicros", "grossMicros", "freeAllowanceMicros", "dueMicros", "currency",
];

/** @param {any} usage a /v1/usage answer */
export function csvOfUsage(usage) {
  const t = usage.totals;
  const c = usage.cost;
  const row = [usage.clientId, t.requests, t.fuel, t.wallMs, t.codeBytes, t.outputBytes, t.peakMemoryBytes, t.executionMicros, t.fuelMicros, c.grossMicros, c.freeAllowanceMicros, c.dueMicros, c.currency];
  return new Blob([`${COLUMNS.join(",")}\r\n${row.join(",")}\r\n`], { type: "text/csv" });
}

/**
 * @param {Blob} blob
 * @param {string} filename
 */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
