// What an execution and a month cost, in whole micro-units of the stack's currency.
// Integer arithmetic only (BigInt where a product could pass 2^53); never a float.

const MILLION = 1_000_000n;

/**
 * @typedef {object} Prices
 * @property {string} currency
 * @property {number} pricePerExecutionMicros
 * @property {number} pricePerMillionFuelMicros
 * @property {number} freeAllowanceMicros taken off each client's monthly total
 *
 * @typedef {object} ExecutionCost
 * @property {string} currency
 * @property {number} executionMicros the flat price of one execution
 * @property {number} fuelMicros fuel * price per million / 1e6, rounded half up to a whole micro-unit
 * @property {number} micros executionMicros + fuelMicros
 */

/**
 * The cost of one execution. Each execution is rounded on its own, so a month's bill is
 * exactly the sum of the costs its responses showed.
 * @param {number} fuel
 * @param {Prices} prices
 * @returns {ExecutionCost}
 */
export function priceExecution(fuel, prices) {
  const fuelMicros = Number((BigInt(fuel) * BigInt(prices.pricePerMillionFuelMicros) + MILLION / 2n) / MILLION);
  const executionMicros = prices.pricePerExecutionMicros;
  return { currency: prices.currency, executionMicros, fuelMicros, micros: executionMicros + fuelMicros };
}

/**
 * @typedef {object} LineItem
 * @property {"executions" | "fuel" | "free_allowance"} item
 * @property {string} description
 * @property {number} quantity
 * @property {number} amountMicros negative for the allowance
 *
 * @typedef {object} Bill
 * @property {string} currency
 * @property {LineItem[]} lineItems
 * @property {number} grossMicros
 * @property {number} freeAllowanceMicros the part of the allowance used (never more than gross)
 * @property {number} dueMicros
 */

/**
 * A client's bill for a period from its totals. The amounts come from the events
 * (each priced when it ran), the allowance from today's prices.
 * @param {{requests: number, fuel: number, executionMicros: number, fuelMicros: number}} totals
 * @param {Prices} prices
 * @returns {Bill}
 */
export function billFor(totals, prices) {
  const grossMicros = totals.executionMicros + totals.fuelMicros;
  const allowance = Math.min(grossMicros, prices.freeAllowanceMicros);
  return {
    currency: prices.currency,
    lineItems: [
      { item: "executions", description: "executions", quantity: totals.requests, amountMicros: totals.executionMicros },
      { item: "fuel", description: "fuel units", quantity: totals.fuel, amountMicros: totals.fuelMicros },
      { item: "free_allowance", description: "monthly free allowance", quantity: 1, amountMicros: -allowance },
    ],
    grossMicros,
    freeAllowanceMicros: allowance,
    dueMicros: grossMicros - allowance,
  };
}
