// Finds an order without its link (the not-found page, and the payment page's "can't find this
// order"): by its id, or by the transaction hash of its deposit (GET /api/lookup), then opens its
// payment page. The page found shows the order; changing it needs a key (a link by email).
import { ApiError, findByDeposit, getOrder } from "./api.js";

const ORDER_ID = /^ord_[A-Za-z0-9_-]{8,128}$/;
const TX_HASH = /^(0x)?[0-9A-Za-z]{16,128}$/;

const form = document.getElementById("find-form");

function pageOf(id) {
  return `/payment.html?id=${encodeURIComponent(id)}`;
}

async function find(text) {
  if (ORDER_ID.test(text)) {
    await getOrder(text); // a 404 says there is no such order
    return pageOf(text);
  }
  if (TX_HASH.test(text)) return pageOf((await findByDeposit(text)).id);
  throw new Error("That is neither an order id (it starts with ord_) nor a transaction hash.");
}

if (form) {
  const input = document.getElementById("find-query");
  const status = document.getElementById("find-status");
  const submit = document.getElementById("find-submit");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Pasted text often brings spaces or a line break along.
    const text = input.value.trim();
    if (!text) {
      status.textContent = "Enter the order id, or the transaction hash of your payment.";
      input.focus();
      return;
    }
    submit.disabled = true;
    status.textContent = "Looking…";
    try {
      location.assign(await find(text));
    } catch (error) {
      const missing = error instanceof ApiError && error.status === 404;
      status.textContent = missing && ORDER_ID.test(text)
        ? "No order has this id. Check that you copied all of it."
        : error instanceof ApiError && error.code === "rate_limited"
          ? `Too many searches just now. Please wait ${error.retryAfter ?? 60} seconds and try again.`
          : error.message;
      input.setAttribute("aria-invalid", "true");
    } finally {
      submit.disabled = false;
    }
  });
  input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
}
