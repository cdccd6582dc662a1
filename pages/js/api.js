// The one place that talks to api.onncx.com: every call returns parsed JSON or throws ApiError,
// whose message is safe to show (the API's own message, or ours when the network failed).
import { API_BASE } from "../env.js";

export class ApiError extends Error {
  constructor({ status, code, message, details = [], requestId = null, retryAfter = null }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
    this.requestId = requestId;
    this.retryAfter = retryAfter;
  }
}

const NETWORK_MESSAGE =
  "We could not reach the exchange. Check your connection and try again in a moment.";

/** One call to the API: `{status, data, headers}`, or with `raw` the successful Response itself
 * (a CSV download); throws ApiError. The operator console calls it too, with its token. */
export async function call(path, { method = "GET", body, headers = {}, signal, raw = false } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, cache: "no-store" };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(`${API_BASE}${path}`, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError({ status: 0, code: "network_error", message: NETWORK_MESSAGE });
  }
  if (response.status === 304) return { status: 304, data: null, headers: response.headers };
  if (raw && response.ok) return response;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw toError(response, data);
  if (data === null) {
    throw new ApiError({ status: response.status, code: "bad_response", message: NETWORK_MESSAGE });
  }
  return { status: response.status, data, headers: response.headers };
}

function toError(response, data) {
  const error = data && typeof data.error === "object" ? data.error : {};
  const retryAfter = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return new ApiError({
    status: response.status,
    code: typeof error.code === "string" ? error.code : "http_error",
    message:
      typeof error.message === "string" && error.message
        ? error.message
        : `The exchange answered with an error (${response.status}). Please try again.`,
    details: Array.isArray(error.details) ? error.details : [],
    requestId: (data && data.request_id) || response.headers.get("X-Request-Id"),
    retryAfter: Number.isFinite(retryAfter) ? retryAfter : null,
  });
}

/** The currencies and what goes with them: `{currencies, payout_promise_minutes,
 * payout_median_minutes}` (the median of recent payouts, null before the first). */
export async function getCatalog() {
  const { data } = await call("/api/currencies");
  return {
    currencies: Array.isArray(data.currencies) ? data.currencies : [],
    payout_promise_minutes: data.payout_promise_minutes ?? null,
    payout_median_minutes: data.payout_median_minutes ?? null,
  };
}

export async function getQuote(from, to, amount, signal) {
  const query = new URLSearchParams({ from, to, amount });
  const { data } = await call(`/api/quote?${query}`, { signal });
  return data;
}

export async function createOrder(body, idempotencyKey) {
  const { data } = await call("/api/order", {
    method: "POST",
    body,
    headers: { "Idempotency-Key": idempotencyKey },
  });
  return data;
}

/** The order, or null when it has not changed since `etag` (304). */
export async function getOrder(id, etag) {
  const headers = etag ? { "If-None-Match": etag } : {};
  const { status, data, headers: answer } = await call(`/api/order/${encodeURIComponent(id)}`, {
    headers,
  });
  if (status === 304) return { order: null, etag };
  return { order: data, etag: answer.get("ETag") };
}

/** A customer's choice for a problem payment; `body.key` is the order's customer_key (in the
 * body, never the URL). The order as it now is, with its ETag. */
export async function chooseForOrder(id, body) {
  const { data, headers } = await call(`/api/order/${encodeURIComponent(id)}/choice`, {
    method: "POST",
    body,
  });
  return { order: data, etag: headers.get("ETag") };
}

/** Asks for a new link that can act on the order, emailed to its address (the same answer
 * whether or not it has one): `{id, message}`. */
export async function requestLink(id) {
  const { data } = await call(`/api/order/${encodeURIComponent(id)}/link`, { method: "POST" });
  return data;
}

/** The order whose deposit is the transaction `txHash`: `{id, page}`; a 404 ApiError if none. */
export async function findByDeposit(txHash) {
  const { data } = await call(`/api/lookup?${new URLSearchParams({ tx_hash: txHash })}`);
  return data;
}

/** The sandbox processor's deposit: `{amount?, status?, late?}` (amount omitted: what is owed). */
export async function simulatePayment(id, body) {
  const { data } = await call(`/api/sandbox/pay/${encodeURIComponent(id)}`, {
    method: "POST",
    body,
  });
  return data;
}
