// Billing periods are calendar months in UTC, named "YYYY-MM".

const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY_MS = 24 * 3600 * 1000;

/** @param {number} ms epoch milliseconds */
export function periodOf(ms) {
  return new Date(ms).toISOString().slice(0, 7);
}

/** @param {string} text */
export function isPeriod(text) {
  return PERIOD_PATTERN.test(text);
}

/**
 * First and first-after-last instants of a period, epoch milliseconds.
 * @param {string} period
 */
export function periodBounds(period) {
  const match = PERIOD_PATTERN.exec(period);
  if (!match) throw new RangeError(`not a period: ${period}`);
  const year = Number(match[1]);
  const month = Number(match[2]) - 1;
  return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
}

/** @param {string} period */
export function previousPeriod(period) {
  return periodOf(periodBounds(period).start - 1);
}

/** @param {number} ms epoch milliseconds @returns {string} the UTC day, "YYYY-MM-DD" */
export function dayOf(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Every day of a period, in order, "YYYY-MM-DD".
 * @param {string} period
 */
export function daysOf(period) {
  const { start, end } = periodBounds(period);
  const days = [];
  for (let at = start; at < end; at += DAY_MS) days.push(dayOf(at));
  return days;
}
