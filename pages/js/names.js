// The names a first-time customer reads for the processor's tickers, from GET /api/currencies
// (`name`, `symbol`, `network_name`): "931 USDT" and "Tether USD (TRON network)", never
// "USDTTRC20". Until the list has loaded (or if it cannot), a ticker in capitals stands in.
const upper = (code) => String(code ?? "").toUpperCase();
let known = new Map();

/** Remembers the currencies of `GET /api/currencies` (its `currencies` list). */
export function learn(currencies) {
  known = new Map((currencies ?? []).map((currency) => [currency.code, currency]));
}

/** "USDT" for usdttrc20: what an amount is written with. */
export const symbol = (code) => known.get(code)?.symbol || upper(code);

/** "931 USDT". */
export const amountOf = (value, code) => `${value ?? "—"} ${symbol(code)}`;

/** "TRON" for usdttrc20, or "" when the list does not say. */
export const network = (code) => known.get(code)?.network_name || "";

/** "Tether USD (TRON network)"; a coin named after its own network is just "Bitcoin". */
export function coin(code) {
  const currency = known.get(code);
  if (!currency) return upper(code);
  const where = currency.network_name;
  return where && where !== currency.name ? `${currency.name} (${where} network)` : currency.name;
}

/** The warning that goes with a deposit address: coins sent on another network are lost. */
export function networkWarning(code) {
  const currency = known.get(code);
  if (!currency?.network_name) return "";
  const sign = symbol(code);
  return `Send only ${currency.name} (${sign}) on the ${currency.network_name} network. ${sign} sent on another network, or any other coin, is lost: it cannot be recovered.`;
}

/** " Lately they took about 12 minutes." when payouts were measured (their median) and came in
 * under the promise; "" otherwise, so the promise stands alone. */
export function payoutLately(median, promise) {
  if (!median || (promise && median >= promise)) return "";
  return ` Lately they took about ${median} minute${median === 1 ? "" : "s"}.`;
}
