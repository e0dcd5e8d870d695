// The month's statement as a table: one row per client, sortable by any figure (the
// header buttons; aria-sort says which), and the total in the footer.
import { formatInteger, formatMoney } from "./format.js";

/**
 * @typedef {object} StatementRow
 * @property {string} clientId
 * @property {number} requests
 * @property {number} fuel
 * @property {number} grossMicros
 * @property {number} freeAllowanceMicros
 * @property {number} dueMicros
 * @property {Record<string, number>} byStatus
 *
 * @typedef {"clientId" | "requests" | "fuel" | "grossMicros" | "freeAllowanceMicros" | "dueMicros"} SortKey
 * @typedef {{key: SortKey, descending: boolean}} Sort
 */

/** @param {any} client one entry of a statement's `clients`, or a /v1/usage answer */
export function rowOf(client) {
  return {
    clientId: client.clientId,
    requests: client.totals.requests,
    fuel: client.totals.fuel,
    grossMicros: client.cost.grossMicros,
    freeAllowanceMicros: client.cost.freeAllowanceMicros,
    dueMicros: client.cost.dueMicros,
    byStatus: client.totals.byStatus,
  };
}

/**
 * @param {StatementRow[]} rows
 * @param {Sort} sort
 */
export function sortRows(rows, sort) {
  const direction = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[sort.key];
    const y = b[sort.key];
    const order = typeof x === "string" ? x.localeCompare(/** @type {string} */ (y)) : x - /** @type {number} */ (y);
    return (order || a.clientId.localeCompare(b.clientId)) * direction;
  });
}

/**
 * @param {string} tag
 * @param {string} text
 * @param {string} [className]
 */
function cell(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

/**
 * @param {string} text
 * @param {number} value the exact figure, for whoever reads the page by machine
 */
function figure(text, value) {
  const element = cell("td", text, "num");
  element.dataset.value = String(value);
  return element;
}

/** @param {Record<string, number>} byStatus */
function statusCell(byStatus) {
  const td = document.createElement("td");
  const list = document.createElement("span");
  list.className = "statuses";
  // The most frequent first (usually ok), then by name.
  for (const [status, count] of Object.entries(byStatus).sort(([a, x], [b, y]) => y - x || a.localeCompare(b))) {
    list.append(cell("span", `${status} ${formatInteger(count)}`, `status status-${status}`));
  }
  td.append(list);
  return td;
}

/**
 * @param {StatementRow} row
 * @param {HTMLTableCellElement} header
 */
function figures(row, header) {
  return [
    header,
    figure(formatInteger(row.requests), row.requests),
    figure(formatInteger(row.fuel), row.fuel),
    figure(formatMoney(row.grossMicros), row.grossMicros),
    figure(formatMoney(row.freeAllowanceMicros), row.freeAllowanceMicros),
    figure(formatMoney(row.dueMicros), row.dueMicros),
    statusCell(row.byStatus),
  ];
}

/**
 * @param {HTMLTableElement} table
 * @param {{rows: StatementRow[], currency: string, sort: Sort, selected: string | null, onSelect: (clientId: string) => void}} view
 */
export function renderStatement(table, view) {
  // Amounts are in the statement's currency, named once in each money column's header.
  for (const unit of table.tHead?.querySelectorAll(".unit") ?? []) unit.textContent = view.currency;
  for (const th of table.tHead?.querySelectorAll("th[data-key]") ?? []) {
    const key = /** @type {HTMLElement} */ (th).dataset.key;
    if (key === view.sort.key) th.setAttribute("aria-sort", view.sort.descending ? "descending" : "ascending");
    else th.removeAttribute("aria-sort");
  }
  const body = table.tBodies[0];
  body.replaceChildren(
    ...sortRows(view.rows, view.sort).map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.clientId = row.clientId;
      if (row.clientId === view.selected) tr.className = "selected";
      const header = document.createElement("th");
      header.scope = "row";
      const button = cell("button", row.clientId);
      button.setAttribute("type", "button");
      button.setAttribute("aria-label", `${row.clientId}: show its days`);
      if (row.clientId === view.selected) button.setAttribute("aria-current", "true");
      button.addEventListener("click", () => view.onSelect(row.clientId));
      header.append(button);
      tr.append(...figures(row, header));
      return tr;
    }),
  );
  const total = totalOf(view.rows);
  const tr = document.createElement("tr");
  const header = /** @type {HTMLTableCellElement} */ (cell("th", `Total (${formatInteger(view.rows.length)} ${view.rows.length === 1 ? "client" : "clients"})`));
  header.scope = "row";
  tr.append(...figures(total, header));
  /** @type {HTMLTableSectionElement} */ (table.tFoot).replaceChildren(tr);
}

/** @param {StatementRow[]} rows @returns {StatementRow} */
export function totalOf(rows) {
  /** @type {StatementRow} */
  const total = { clientId: "", requests: 0, fuel: 0, grossMicros: 0, freeAllowanceMicros: 0, dueMicros: 0, byStatus: {} };
  for (const row of rows) {
    total.requests += row.requests;
    total.fuel += row.fuel;
    total.grossMicros += row.grossMicros;
    total.freeAllowanceMicros += row.freeAllowanceMicros;
    total.dueMicros += row.dueMicros;
    for (const [status, count] of Object.entries(row.byStatus)) total.byStatus[status] = (total.byStatus[status] ?? 0) + count;
  }
  return total;
}
