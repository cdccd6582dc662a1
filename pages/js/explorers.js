// Where a transaction can be looked up, per processor ticker: one table for the payment page and
// the operator's console. Links are plain navigation, which the CSP allows to any https origin.
export const EXPLORERS = {
  btc: "https://mempool.space/tx/",
  ltc: "https://litecoinspace.org/tx/",
  eth: "https://etherscan.io/tx/",
  usdttrc20: "https://tronscan.org/#/transaction/",
  xrp: "https://livenet.xrpl.org/transactions/",
  sol: "https://solscan.io/tx/",
};

/** The explorer page of `hash` on `currency`'s network, or null for a currency without one. */
export function explorerUrl(currency, hash) {
  const base = EXPLORERS[String(currency ?? "").toLowerCase()];
  return base && hash ? base + encodeURIComponent(hash) : null;
}
