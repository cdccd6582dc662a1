// What the exchange form decides, apart from the page: which currencies it starts on, the body
// of an order, whether a quote can be asked for, the quote's lines, and each message it shows.
// Pure: no DOM, no requests; exchange.js (the form) puts it on the page.
import { ApiError } from "./api.js";
import { amountProblem, normalizeAmount } from "./checks.js";
import { payoutLately, symbol } from "./names.js";

/** The first of the requested, the preferred and any code the catalog has, other than `avoid`. */
export function pick(requested, preferred, codes, avoid, currencies) {
  for (const code of [requested, ...preferred, ...codes]) {
    if (code && code !== avoid && currencies.has(code)) return code;
  }
  return codes[0];
}

/** What the person reads for an error: the API's message, with what it means for them. */
export function messageOf(error) {
  if (!(error instanceof ApiError)) return "Something went wrong on this page. Please reload it.";
  if (error.code === "rate_limited") {
    const wait = error.retryAfter ? ` Please wait ${error.retryAfter} seconds and` : " Please wait a moment and";
    return `Too many attempts from your connection.${wait} try again.`;
  }
  if (error.code === "processor_unavailable") {
    return `${error.message} No order was created and nothing was charged.`;
  }
  return error.message;
}

/** Whether the payout goes without a tag: ticked, and the payout currency allows it. */
export function withoutTag(currency, ticked) {
  return Boolean(currency?.extra_id_optional && ticked);
}

/** The order's body from the form's values (strings as typed, `noTag` the tick box). */
export function orderBody(values, currencies) {
  const noTag = withoutTag(currencies.get(values.to), values.noTag);
  const needsExtra = Boolean(currencies.get(values.to)?.needs_extra_id) && !noTag;
  const optional = (value) => value.trim() || null;
  const body = {
    from_currency: values.from,
    to_currency: values.to,
    amount: normalizeAmount(values.amount),
    payout_address: values.payoutAddress.trim(),
    payout_extra_id: needsExtra ? optional(values.extraId) : null,
    refund_address: optional(values.refundAddress),
    email: optional(values.email),
  };
  // Sent only when ticked, so an order without it fingerprints as before (Idempotency-Key).
  if (noTag) body.payout_no_tag = true;
  return body;
}

/** Why no quote is asked for `amount` (already normalized) of `currency`, or null. */
export function quoteBlocked(amount, currency) {
  if (!amount) return "Enter an amount to see what you get.";
  return amountProblem(amount, currency);
}

/** The quote's lines as shown, with the form's currencies where the quote names none. */
export function quoteLines(quote, fromCode, toCode, payoutPromise, payoutMedian) {
  const from = symbol(quote.from?.currency ?? fromCode);
  const to = symbol(quote.to?.currency ?? toCode);
  return {
    receive: `${quote.to?.amount ?? "—"} ${to}`,
    rate: `1 ${from} = ${quote.rate} ${to}`,
    fee: `${quote.fee_percent} %`,
    min: quote.min_amount ? `${quote.min_amount} ${from}` : "—",
    payout: `Sent within ${payoutPromise} minutes of your payment being final.${payoutLately(payoutMedian, payoutPromise)}`,
  };
}

/** The countdown line of a quote with `seconds` left, whose order locks the rate `lock` minutes. */
export function expiryText(seconds, lock) {
  const minutes = Math.floor(seconds / 60);
  return `Quote refreshes in ${minutes}:${String(seconds % 60).padStart(2, "0")}. Once you place the order, the rate is locked for ${lock} minutes: pay within that time.`;
}

/** What the alert says above `count` fields marked wrong. */
export function correctThe(count) {
  return count === 1 ? "Please correct the field marked below." : `Please correct the ${count} fields marked below.`;
}

/** `count` random bytes in hex: the Idempotency-Key and the customer key. */
export function randomHex(count) {
  const bytes = crypto.getRandomValues(new Uint8Array(count));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
