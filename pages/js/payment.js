// The payment page (payment.html?id=ord_…): loads the order, follows it by polling with
// If-None-Match until a final status, counts down the payment window, copies, and in sandbox mode
// lets a tester play the payment processor.
import { ApiError, getOrder, simulatePayment } from "./api.js";
import { half } from "./decimal.js";
import { SANDBOX } from "../env.js";
import { FINAL_STATUSES, nextPollDelay } from "./polling.js";
import { renderOrder } from "./order-view.js";
import { qrSvg } from "./qr.js";
import { showSupport } from "./support.js";

const $ = (id) => document.getElementById(id);
const ORDER_ID = /^ord_[A-Za-z0-9_-]{8,128}$/;
const orderId = new URLSearchParams(location.search).get("id") ?? "";

let order = null;
let etag = null;
let failures = 0;
let pollTimer = null;
let countdownTimer = null;
let qrText = null;

function show(section) {
  for (const id of ["loading", "not-found", "load-error", "order"]) $(id).hidden = id !== section;
  // An id that is not one of ours stays out of the support links.
  const known = ORDER_ID.test(orderId) ? orderId : null;
  if (section === "not-found") showSupport($("not-found-support"), known);
  if (section === "load-error") showSupport($("load-error-support"), known);
}

// ---- polling ------------------------------------------------------------------------------

async function poll() {
  clearTimeout(pollTimer);
  pollTimer = null;
  try {
    const answer = await getOrder(orderId, etag);
    failures = 0;
    $("connection").hidden = true;
    if (answer.order) {
      etag = answer.etag;
      update(answer.order);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      stopAll();
      show("not-found");
      document.title = "Order not found — ONE⚡CASH";
      return;
    }
    failures += 1;
    if (!order) {
      $("load-error-text").textContent = error instanceof ApiError ? error.message : String(error);
      show("load-error");
      return;
    }
    reportTrouble(error);
  }
  schedule();
}

function schedule() {
  clearTimeout(pollTimer);
  const delay = nextPollDelay({ status: order?.status, failures, hidden: document.hidden });
  pollTimer = delay === null ? null : setTimeout(poll, delay);
}

function reportTrouble(error) {
  const delay = nextPollDelay({ status: order.status, failures, hidden: document.hidden });
  if (failures < 2 || delay === null) return;
  const line = $("connection");
  const reason = error instanceof ApiError && error.status === 0 ? "Connection lost" : "The exchange is not answering";
  line.textContent = `${reason}. Trying again in ${Math.round(delay / 1000)} seconds; your order is safe.`;
  line.hidden = false;
}

function stopAll() {
  clearTimeout(pollTimer);
  pollTimer = null;
  clearInterval(countdownTimer);
  countdownTimer = null;
}

document.addEventListener("visibilitychange", () => {
  // Coming back to the tab: look now rather than wait out the slower hidden-tab delay.
  if (!document.hidden && order && !FINAL_STATUSES.has(order.status) && pollTimer !== null) poll();
});

// ---- rendering ----------------------------------------------------------------------------

function update(next) {
  order = next;
  renderOrder(order);
  drawQr(order.payment ?? {});
  startCountdown();
  renderSandbox();
  show("order");
}

function drawQr(payment) {
  const text = payment.uri || payment.address;
  if (!text || text === qrText) return;
  qrText = text;
  try {
    $("qr").replaceChildren(qrSvg(text, `QR code of the payment to ${payment.address ?? "the deposit address"}`));
  } catch {
    $("qr").replaceChildren(); // too long to encode: the address and amount are still there to copy
  }
}

function startCountdown() {
  clearInterval(countdownTimer);
  countdownTimer = null;
  const line = $("countdown");
  const end = Date.parse(order.expires_at);
  if (order.status !== "awaiting_payment" || !Number.isFinite(end)) {
    line.textContent = "";
    return;
  }
  const tick = () => {
    const seconds = Math.max(0, Math.floor((end - Date.now()) / 1000));
    if (seconds === 0) {
      line.textContent = "The payment window has ended. Checking for your payment…";
      clearInterval(countdownTimer);
      countdownTimer = null;
      return;
    }
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = String(seconds % 60).padStart(2, "0");
    const clock = h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
    line.textContent = `Time left to pay: ${clock}`;
  };
  tick();
  countdownTimer = setInterval(tick, 1000);
}

// ---- copy buttons -------------------------------------------------------------------------

async function copy(button) {
  const target = $(button.dataset.copy);
  const text = target.textContent.trim();
  const name = button.dataset.copyName ?? "text";
  const status = $("copy-status");
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = `Copied the ${name}.`;
    const label = button.textContent;
    button.textContent = "Copied ✓";
    setTimeout(() => { button.textContent = label; }, 1500);
  } catch {
    // No clipboard access (an old browser, or permission refused): select it for a manual copy.
    const range = document.createRange();
    range.selectNodeContents(target);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    status.textContent = `Selected the ${name}: press Ctrl+C or ⌘C to copy it.`;
  }
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", () => copy(button));
}

// ---- sandbox ------------------------------------------------------------------------------

function renderSandbox() {
  $("sandbox").hidden = !SANDBOX || FINAL_STATUSES.has(order.status);
}

async function simulate(button) {
  const status = button.dataset.simulate;
  const due = order.payment?.amount ?? order.from?.amount;
  const amount = status === "partially_paid" ? half(due) : due;
  const buttons = document.querySelectorAll("button[data-simulate]");
  const line = $("sandbox-status");
  for (const each of buttons) each.disabled = true;
  line.textContent = `Sending a simulated "${status}" callback for ${amount}…`;
  try {
    await simulatePayment(order.id, amount, status);
    line.textContent = `Simulated "${status}" sent.`;
  } catch (error) {
    line.textContent = error instanceof ApiError ? error.message : String(error);
  } finally {
    for (const each of buttons) each.disabled = false;
  }
  poll();
}

for (const button of document.querySelectorAll("button[data-simulate]")) {
  button.addEventListener("click", () => simulate(button));
}

// ---- start --------------------------------------------------------------------------------

$("load-retry").addEventListener("click", () => {
  show("loading");
  poll();
});

if (ORDER_ID.test(orderId)) {
  poll();
} else {
  show("not-found");
  document.title = "Order not found — ONE⚡CASH";
}
