// How figures read on the page. Money arrives as whole micro-units and is shown exactly.

const INTEGER = new Intl.NumberFormat("en-US");
const MONTH_NAME = new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" });

/** @param {number} value */
export function formatInteger(value) {
  return INTEGER.format(value);
}

/**
 * 1_250 µ → "0.00125 EUR" (or "0.00125" without a currency); at least two decimals, at
 * most six (one micro-unit).
 * @param {number} micros
 * @param {string} [currency]
 */
export function formatMoney(micros, currency) {
  const sign = micros < 0 ? "−" : "";
  const magnitude = Math.abs(micros);
  const whole = INTEGER.format(Math.floor(magnitude / 1_000_000));
  const fraction = String(magnitude % 1_000_000).padStart(6, "0").replace(/0{1,4}$/, "");
  return `${sign}${whole}.${fraction}${currency ? ` ${currency}` : ""}`;
}

/** @param {string} period "YYYY-MM" */
export function monthName(period) {
  const [year, month] = period.split("-").map(Number);
  return MONTH_NAME.format(Date.UTC(year, month - 1, 1));
}

/** @param {Date} now */
export function periodOf(now) {
  return now.toISOString().slice(0, 7);
}

/**
 * @param {string} period
 * @param {number} months
 */
export function shiftPeriod(period, months) {
  const [year, month] = period.split("-").map(Number);
  return periodOf(new Date(Date.UTC(year, month - 1 + months, 1)));
}

/** @param {number} part @param {number} whole */
export function percent(part, whole) {
  if (whole <= 0) return 100;
  return Math.min(100, (part / whole) * 100);
}
