// The usage dashboard: asks for an API key (kept in this tab's sessionStorage only),
// finds out whether it is the admin key or a client key, and shows the month.
import { ApiError, getBlob, getJson } from "./api.js";
import { renderClientDetail } from "./client-detail.js";
import { csvOfUsage, saveBlob } from "./csv.js";
import { formatInteger, formatMoney, monthName, periodOf, shiftPeriod } from "./format.js";
import { renderStatement, rowOf, totalOf } from "./statement-table.js";

const KEY_STORAGE = "codeexec.dashboard.apiKey";

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const monthInput = /** @type {HTMLInputElement} */ ($("month"));
const keyInput = /** @type {HTMLInputElement} */ ($("api-key"));
const table = /** @type {HTMLTableElement} */ ($("statement"));

/**
 * @type {{
 *   apiKey: string | null, role: "admin" | "client" | null, period: string,
 *   sort: import("./statement-table.js").Sort, rows: import("./statement-table.js").StatementRow[],
 *   currency: string, selected: string | null, ownUsage: any, generation: number, retry: () => void,
 *   prefetched: any,
 * }}
 */
const state = {
  apiKey: null,
  role: null,
  period: periodOf(new Date()),
  sort: { key: "clientId", descending: false },
  rows: [],
  currency: "",
  selected: null,
  ownUsage: null,
  generation: 0,
  retry: () => {},
  // The statement read while finding out the key's role, used by the first loadMonth.
  prefetched: null,
};

/** @param {string} text */
function setLoading(text) {
  $("loading").textContent = text;
  $("statement-wrap").setAttribute("aria-busy", text ? "true" : "false");
}

/** @param {string | null} text */
function showFailure(text, retry = state.retry) {
  state.retry = retry;
  $("failure").hidden = text === null;
  $("failure-text").textContent = text ?? "";
}

/** @param {ApiError} error a 401 */
function refusedKey(error) {
  return `This key was not accepted (${error.code ?? "401"}): ${error.message}`;
}

/**
 * @param {string | null} message
 * @param {boolean} [keyRefused] the message is about the key itself
 */
function showSignIn(message, keyRefused = false) {
  state.apiKey = null;
  state.role = null;
  sessionStorage.removeItem(KEY_STORAGE);
  $("usage").hidden = true;
  $("who").hidden = true;
  showFailure(null);
  $("sign-in").hidden = false;
  const error = $("sign-in-error");
  error.hidden = message === null;
  error.textContent = message ?? "";
  keyInput.setAttribute("aria-invalid", keyRefused ? "true" : "false");
  keyInput.focus();
}

/**
 * What the page says about a failed request; a refused key goes back to the sign-in.
 * @param {unknown} error
 * @param {() => void} retry
 */
function handleFailure(error, retry) {
  setLoading("");
  $("detail-loading").textContent = "";
  if (error instanceof ApiError && error.kind === "unauthorized") {
    showSignIn(refusedKey(error), true);
    return;
  }
  const text = error instanceof ApiError ? error.message : `Something went wrong on this page: ${String(error)}`;
  showFailure(text, retry);
}

/** @param {string} apiKey */
async function signIn(apiKey) {
  const button = /** @type {HTMLButtonElement} */ ($("sign-in-button"));
  button.disabled = true;
  button.textContent = "Checking the key…";
  try {
    state.apiKey = apiKey;
    state.role = await roleOf(apiKey);
    sessionStorage.setItem(KEY_STORAGE, apiKey);
    keyInput.value = "";
    $("sign-in").hidden = true;
    $("usage").hidden = false;
    $("who").hidden = false;
    $("who-label").textContent = state.role === "admin" ? "Admin key: every client" : "Client key";
    $("sum-clients-card").hidden = state.role !== "admin";
    monthInput.value = state.period;
    monthInput.max = periodOf(new Date());
    /** @type {HTMLButtonElement} */ ($("month-next")).disabled = state.period >= monthInput.max;
    await loadMonth();
    $("main").focus();
  } catch (error) {
    if (error instanceof ApiError && error.kind === "unauthorized") showSignIn(refusedKey(error), true);
    else if (!$("sign-in").hidden) showSignIn(error instanceof ApiError ? error.message : String(error));
    else handleFailure(error, () => signIn(apiKey));
  } finally {
    button.disabled = false;
    button.textContent = "Open dashboard";
  }
}

/**
 * The admin key may read the statement; a client key is refused it (403 admin_only).
 * @param {string} apiKey
 * @returns {Promise<"admin" | "client">}
 */
async function roleOf(apiKey) {
  try {
    state.prefetched = await getJson(`/v1/usage/statement?period=${state.period}`, apiKey);
    return "admin";
  } catch (error) {
    if (error instanceof ApiError && error.kind === "forbidden") return "client";
    throw error;
  }
}

async function loadMonth() {
  const apiKey = /** @type {string} */ (state.apiKey);
  const period = state.period;
  const generation = ++state.generation;
  showFailure(null);
  setLoading(`Loading ${monthName(period)}…`);
  $("usage-title").textContent = `${state.role === "admin" ? "Statement" : "Usage"} · ${monthName(period)}`;
  try {
    if (state.role === "admin") {
      const prefetched = state.prefetched?.period === period ? state.prefetched : null;
      state.prefetched = null;
      const statement = prefetched ?? (await getJson(`/v1/usage/statement?period=${period}`, apiKey));
      if (generation !== state.generation) return;
      state.currency = statement.currency;
      state.rows = statement.clients.map(rowOf);
      state.ownUsage = null;
      showPeriodState(statement);
      if (state.rows.length === 0) await showEmptyForAdmin(apiKey, period, generation);
    } else {
      const usage = await getJson(`/v1/usage?period=${period}&granularity=day`, apiKey);
      if (generation !== state.generation) return;
      state.currency = usage.cost.currency;
      state.rows = usage.totals.requests > 0 ? [rowOf(usage)] : [];
      state.ownUsage = usage;
      $("who-label").textContent = `Client key: ${usage.clientId}`;
      showPeriodState(usage);
      if (state.rows.length === 0) showEmpty(`No usage in ${monthName(period)}`, "Programs run with this key show up here within about a minute.");
    }
    if (generation !== state.generation) return;
    setLoading("");
    renderMonth();
  } catch (error) {
    if (generation !== state.generation) return;
    clearMonth();
    handleFailure(error, loadMonth);
  }
}

/** Nothing of another month stays on screen under this month's title. */
function clearMonth() {
  state.rows = [];
  for (const id of ["sum-clients", "sum-requests", "sum-gross", "sum-due"]) $(id).textContent = "–";
  $("period-state").textContent = "";
  $("period-state").className = "badge";
  $("statement-wrap").hidden = true;
  $("empty").hidden = true;
  $("detail").hidden = true;
  /** @type {HTMLButtonElement} */ ($("download")).disabled = true;
}

/** @param {{state: string, source: string}} period */
function showPeriodState(period) {
  const badge = $("period-state");
  badge.textContent = period.state === "closed" ? "Closed" : "Open";
  badge.className = `badge ${period.state}`;
  badge.title = period.state === "closed" ? "Final: the month's statement will not change" : "Still counting: figures as of now";
}

/**
 * @param {string} apiKey
 * @param {string} period
 * @param {number} generation
 */
async function showEmptyForAdmin(apiKey, period, generation) {
  const { clients } = await getJson("/v1/admin/clients", apiKey);
  if (generation !== state.generation) return;
  if (clients.length === 0) {
    showEmpty("No clients yet", "Create one with ", { code: "codeexec keys create <client-id>" }, "; its programs show up here as they run.");
  } else {
    const count = `${formatInteger(clients.length)} ${clients.length === 1 ? "client" : "clients"}`;
    showEmpty(`No usage in ${monthName(period)}`, `None of the ${count} ran a program this month. Pick another month above.`);
  }
}

/**
 * @param {string} title
 * @param {...(string | {code: string})} parts the text, with commands set as code
 */
function showEmpty(title, ...parts) {
  $("empty-title").textContent = title;
  $("empty-text").replaceChildren(
    ...parts.map((part) => {
      if (typeof part === "string") return part;
      const code = document.createElement("code");
      code.textContent = part.code;
      return code;
    }),
  );
}

function renderMonth() {
  const empty = state.rows.length === 0;
  $("empty").hidden = !empty;
  $("statement-wrap").hidden = empty;
  /** @type {HTMLButtonElement} */ ($("download")).disabled = empty;
  const total = totalOf(state.rows);
  $("sum-clients").textContent = formatInteger(state.rows.length);
  $("sum-requests").textContent = formatInteger(total.requests);
  $("sum-gross").textContent = formatMoney(total.grossMicros, state.currency);
  $("sum-due").textContent = formatMoney(total.dueMicros, state.currency);
  $("statement-caption").textContent = `Usage and cost of each client in ${monthName(state.period)}`;
  if (empty) {
    $("detail").hidden = true;
    return;
  }
  if (!state.rows.some((row) => row.clientId === state.selected)) state.selected = firstRow();
  renderTable();
  void showDetail(/** @type {string} */ (state.selected));
}

function firstRow() {
  const [first] = [...state.rows].sort((a, b) => b.dueMicros - a.dueMicros || b.requests - a.requests || a.clientId.localeCompare(b.clientId));
  return first.clientId;
}

function renderTable() {
  renderStatement(table, { rows: state.rows, currency: state.currency, sort: state.sort, selected: state.selected, onSelect: selectClient });
}

/** @param {string} clientId */
function selectClient(clientId) {
  state.selected = clientId;
  renderTable();
  void showDetail(clientId);
}

/** @param {string} clientId */
async function showDetail(clientId) {
  const detail = $("detail");
  detail.hidden = false;
  const generation = state.generation;
  if (state.ownUsage) {
    renderClientDetail(detail, state.ownUsage);
    return;
  }
  $("detail-loading").textContent = `Loading the days of ${clientId}…`;
  detail.setAttribute("aria-busy", "true");
  try {
    const query = new URLSearchParams({ period: state.period, clientId, granularity: "day" });
    const usage = await getJson(`/v1/usage?${query}`, /** @type {string} */ (state.apiKey));
    if (generation !== state.generation || clientId !== state.selected) return;
    $("detail-loading").textContent = "";
    renderClientDetail(detail, usage);
  } catch (error) {
    if (generation === state.generation) handleFailure(error, () => showDetail(clientId));
  } finally {
    detail.setAttribute("aria-busy", "false");
  }
}

async function download() {
  const filename = `usage-${state.period}.csv`;
  try {
    if (state.ownUsage) saveBlob(csvOfUsage(state.ownUsage), filename);
    else saveBlob(await getBlob(`/v1/usage/statement?period=${state.period}&format=csv`, /** @type {string} */ (state.apiKey)), filename);
  } catch (error) {
    handleFailure(error, download);
  }
}

/** @param {string} period */
function goTo(period) {
  if (!/^\d{4}-\d{2}$/.test(period)) return;
  state.period = period;
  monthInput.value = period;
  /** @type {HTMLButtonElement} */ ($("month-next")).disabled = period >= monthInput.max;
  void loadMonth();
}

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const apiKey = keyInput.value.trim();
  if (!apiKey) showSignIn("Paste an API key first.");
  else void signIn(apiKey);
});
$("sign-out").addEventListener("click", () => showSignIn(null));
$("retry").addEventListener("click", () => state.retry());
$("download").addEventListener("click", () => void download());
$("month-previous").addEventListener("click", () => goTo(shiftPeriod(state.period, -1)));
$("month-next").addEventListener("click", () => goTo(shiftPeriod(state.period, 1)));
monthInput.addEventListener("change", () => goTo(monthInput.value));
for (const th of table.querySelectorAll("th[data-key]")) {
  th.querySelector("button")?.addEventListener("click", () => {
    const key = /** @type {import("./statement-table.js").SortKey} */ (/** @type {HTMLElement} */ (th).dataset.key);
    // A new column sorts text up and figures down (the largest first); the same one flips.
    state.sort = key === state.sort.key ? { key, descending: !state.sort.descending } : { key, descending: key !== "clientId" };
    renderTable();
  });
}

const stored = sessionStorage.getItem(KEY_STORAGE);
if (stored) {
  // A reload: the tab still holds the key, so open straight on the month.
  $("usage").hidden = false;
  setLoading("Opening the dashboard…");
  void signIn(stored);
} else {
  showSignIn(null);
}
