// One client's month: how close it is to each quota cap, and its days as a chart
// (uPlot: requests as bars, gross cost as a line) and as a table for screen readers.
import uPlot from "uplot";
import { formatInteger, formatMoney, monthName, percent } from "./format.js";

// Request counts are whole: the axis steps through whole numbers only.
const INTEGER_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000];

const HALF_DAY_S = 12 * 3600;
const CHART_HEIGHT = 260;
const CHART_MIN_WIDTH = 320;

// The chart on screen, and what redraws it when its box changes width.
/** @type {uPlot | null} */
let chart = null;
/** @type {ResizeObserver | null} */
let resizer = null;

/**
 * Money in whole currency units as an axis shows it: as many decimals as the step needs.
 * @param {number} value
 * @param {number} step
 */
function costTick(value, step) {
  const digits = Math.min(6, Math.max(2, -Math.floor(Math.log10(step))));
  return value.toFixed(digits);
}

/**
 * @param {string} label
 * @param {number} used
 * @param {number | null} cap
 * @param {(value: number) => string} format
 */
function gauge(label, used, cap, format) {
  const wrap = document.createElement("div");
  wrap.className = "quota";
  const title = document.createElement("div");
  title.className = "quota-label";
  const name = document.createElement("span");
  name.textContent = label;
  const figures = document.createElement("span");
  const bar = document.createElement("div");
  bar.className = "gauge";
  bar.setAttribute("role", "meter");
  bar.setAttribute("aria-label", label);
  if (cap === null) {
    figures.textContent = `${format(used)} · no cap`;
    bar.classList.add("uncapped");
    bar.setAttribute("aria-valuetext", `${format(used)}, no cap`);
  } else {
    const share = percent(used, cap);
    figures.textContent = `${format(used)} of ${format(cap)} (${share.toFixed(share < 10 ? 1 : 0)}%)`;
    const fill = document.createElement("div");
    fill.className = `gauge-fill${share >= 100 ? " danger" : share >= 80 ? " warn" : ""}`;
    fill.style.width = `${share}%`;
    bar.append(fill);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", String(cap));
    bar.setAttribute("aria-valuenow", String(Math.min(used, cap)));
    bar.setAttribute("aria-valuetext", figures.textContent);
  }
  title.append(name, figures);
  wrap.append(title, bar);
  return wrap;
}

/**
 * @param {HTMLElement} target
 * @param {any[]} days
 * @param {string} currency
 */
function drawChart(target, days, currency) {
  chart?.destroy();
  resizer?.disconnect();
  const styles = getComputedStyle(document.documentElement);
  const requestsColour = styles.getPropertyValue("--requests").trim();
  const costColour = styles.getPropertyValue("--cost").trim();
  const x = days.map((day) => Date.parse(`${day.date}T00:00:00Z`) / 1000);
  // Days still ahead in an open month have no figures yet, rather than zeros.
  const today = new Date().toISOString().slice(0, 10);
  const known = (/** @type {any} */ day) => day.date <= today;
  const requests = days.map((day) => (known(day) ? day.requests : null));
  const cost = days.map((day) => (known(day) ? day.grossMicros / 1_000_000 : null));
  const bars = uPlot.paths.bars?.({ size: [0.7, 40], align: 0 });
  /** @type {uPlot.Options} */
  const options = {
    width: Math.max(target.clientWidth, CHART_MIN_WIDTH),
    height: CHART_HEIGHT,
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), "Etc/UTC"),
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: {
      // Half a day either side, so the first and last days' bars are drawn whole.
      x: { time: true, range: (_u, min, max) => [min - HALF_DAY_S, max + HALF_DAY_S] },
      requests: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] },
      cost: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [
      { values: (_u, ticks) => ticks.map((t) => String(new Date(t * 1000).getUTCDate())) },
      { scale: "requests", label: "Requests", size: 56, incrs: INTEGER_STEPS, values: (_u, ticks) => ticks.map((t) => formatInteger(t)) },
      { scale: "cost", side: 1, label: currency, size: 76, grid: { show: false }, values: (_u, ticks, _axis, _space, step) => ticks.map((t) => costTick(t, step)) },
    ],
    series: [
      {},
      { label: "Requests", scale: "requests", fill: `${requestsColour}cc`, stroke: requestsColour, width: 0, paths: bars, points: { show: false } },
      { label: `Gross (${currency})`, scale: "cost", stroke: costColour, width: 2, points: { show: true, size: 5, fill: costColour } },
    ],
  };
  chart = new uPlot(options, [x, requests, cost], target);
  resizer = new ResizeObserver(() => chart?.setSize({ width: Math.max(target.clientWidth, CHART_MIN_WIDTH), height: CHART_HEIGHT }));
  resizer.observe(target);
}

/**
 * @param {HTMLElement} section the #detail section
 * @param {any} usage a /v1/usage?granularity=day answer
 */
export function renderClientDetail(section, usage) {
  const currency = usage.cost.currency;
  const title = /** @type {HTMLElement} */ (section.querySelector("#detail-title"));
  title.textContent = `${usage.clientId} · ${monthName(usage.period)}`;
  const quotas = /** @type {HTMLElement} */ (section.querySelector("#quotas"));
  quotas.replaceChildren(
    gauge("Requests this month", usage.totals.requests, usage.quota.requestsPerMonth ?? null, formatInteger),
    gauge("Spend this month (due)", usage.cost.dueMicros, usage.quota.spendPerMonthMicros ?? null, (micros) => formatMoney(micros, currency)),
  );
  const busiest = usage.days.reduce((/** @type {any} */ best, /** @type {any} */ day) => (day.requests > best.requests ? day : best), usage.days[0]);
  const target = /** @type {HTMLElement} */ (section.querySelector("#chart"));
  target.setAttribute(
    "aria-label",
    `Requests and gross cost per day in ${monthName(usage.period)}: ${formatInteger(usage.totals.requests)} requests in all` +
      (busiest.requests ? `, the busiest day ${busiest.date} with ${formatInteger(busiest.requests)}` : "") +
      ". The same figures are in the table below.",
  );
  drawChart(target, usage.days, currency);
  const rows = /** @type {HTMLElement} */ (section.querySelector("#days-rows"));
  rows.replaceChildren(
    ...usage.days.map((/** @type {any} */ day) => {
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = day.date;
      tr.append(th);
      for (const text of [formatInteger(day.requests), formatInteger(day.fuel), formatMoney(day.grossMicros, currency)]) {
        const td = document.createElement("td");
        td.className = "num";
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
}
