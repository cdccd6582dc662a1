// The payment page (payment.html?id=ord_…#key=…): loads the order, follows it by polling with
// If-None-Match until a final status, counts down the rate lock, copies, lets the customer choose
// what happens to a problem payment, and in sandbox mode lets a tester play the processor.
// The key that allows the choices lives only in the URL fragment (never sent in a URL, never
// stored): without it the page is read-only, and offers to email a new link to the order's
// address, which works on any device.
import { ApiError, chooseForOrder, getCatalog, getOrder, requestLink, simulatePayment } from "./api.js";
import { addressProblem, checksumProblem, extraIdProblem, prepareCurrency, sentence } from "./checks.js";
import { half } from "./decimal.js";
import { SANDBOX } from "../env.js";
import "./find.js";
import { coin, learn, symbol } from "./names.js";
import { nextPollDelay } from "./polling.js";
import { due, renderOrder, setPayoutPromise } from "./order-view.js";
import { qrSvg } from "./qr.js";
import { ENDS_WITH_LOCK, FINAL, OPEN_FOR_PAYMENT, WENT_AHEAD } from "./statuses.js";
import { showSupport } from "./support.js";

const $ = (id) => document.getElementById(id);
const ORDER_ID = /^ord_[A-Za-z0-9_-]{8,128}$/;
const orderId = new URLSearchParams(location.search).get("id") ?? "";
const key = new URLSearchParams(location.hash.slice(1)).get("key");

let order = null;
let etag = null;
let failures = 0;
let pollTimer = null;
let countdownTimer = null;
let qrText = null;
let readOnly = !key;
let busy = false;
let refundMode = null; // "refund" or "refund_address" while the refund form is open
let offerLive = false;
let currencies = null; // code -> currency with its patterns compiled, once the list has loaded
let linkSent = false;
// Where a deposit may still arrive and settle (OPEN_FOR_PAYMENT): where a problem, and so a
// choice, may still come, and where the sandbox's simulated deposits mean something.

// The currencies give the coins their plain names and the payout its promise; the first render
// waits for them (or for their failure: the tickers stand in), so no raw ticker flashes by.
const catalog = getCatalog().then((answer) => {
  learn(answer.currencies);
  setPayoutPromise(answer.payout_promise_minutes, answer.payout_median_minutes);
  currencies = new Map(answer.currencies.map((c) => [c.code, prepareCurrency(c)]));
}, () => {
  currencies = new Map(); // the API still checks a refund address
});

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
    await catalog;
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
  if (!document.hidden && order && !FINAL.includes(order.status) && pollTimer !== null) poll();
});

// ---- rendering ----------------------------------------------------------------------------

function update(next) {
  if (next.status !== order?.status) $("choice-status").textContent = "";
  order = next;
  renderOrder(order);
  drawQr(order);
  renderChoices();
  tick();
  countdownTimer ??= setInterval(tick, 1000);
  renderSandbox();
  show("order");
}

function drawQr(order) {
  const pay = order.payment ?? {};
  const text = pay.uri || pay.address; // its amount is what to send now
  if (!text || text === qrText) return;
  qrText = text;
  try {
    $("qr").replaceChildren(qrSvg(text, `QR code of the payment to ${pay.address ?? "the deposit address"}`));
  } catch {
    $("qr").replaceChildren(); // too long to encode: the address and amount are still there to copy
  }
}

function secondsTo(iso) {
  const end = Date.parse(iso);
  return Number.isFinite(end) ? Math.max(0, Math.floor((end - Date.now()) / 1000)) : null;
}

function clock(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

// The rate lock (the payment window) and a late payment's fresh quote, counted down each second.
function tick() {
  const lock = ENDS_WITH_LOCK.includes(order.status) ? secondsTo(order.expires_at) : null;
  $("countdown").textContent = lock === null ? ""
    : lock ? `Rate locked for ${clock(lock)}: pay within this time.`
      : "The rate lock has ended. Checking for your payment…";
  const left = secondsTo(order.action?.offer?.expires_at);
  $("offer-countdown").textContent = left ? `Valid for ${clock(left)}` : "This quote has expired: ask for a fresh one.";
  if (Boolean(left) !== offerLive) renderChoices();
}

// ---- problem payments: the customer's choices ---------------------------------------------

const unit = () => symbol(order.payment?.currency);

function renderChoices() {
  // A late or short payment's choices, or a failed payment's refund (action.reason).
  const action = order.action ?? null;
  // Only while the API takes one: an excess not yet refunded (its refund recorded, the form would be refused).
  const askAddress = Boolean(order.excess) && !order.refund_address && !order.refund?.tx_hash
    && WENT_AHEAD.includes(order.status);
  if (!action && !askAddress) refundMode = null;
  else if (askAddress && !refundMode && !readOnly) openRefund("refund_address");
  const offer = action?.offer;
  offerLive = Boolean(secondsTo(offer?.expires_at));
  $("offer").hidden = !offer;
  const to = symbol(order.to?.currency);
  if (offer) $("offer-text").textContent = `Fresh quote: ${offer.amount} ${unit()} → ${offer.to_amount} ${to}, at 1 ${unit()} = ${offer.rate} ${to}.`;
  $("choices").hidden = !action || Boolean(refundMode);
  const labels = {
    send_rest: `Send the remaining ${action?.remaining} ${unit()}`,
    partial_payout: `Accept ${action?.partial_payout?.amount} ${to} for what arrived`,
  };
  for (const button of document.querySelectorAll("button[data-choice]")) {
    const choice = button.dataset.choice;
    button.hidden = !action?.choices?.includes(choice) || (choice === "fresh_quote" && offerLive) || (choice === "continue" && !offerLive);
    button.disabled = busy || readOnly;
    if (labels[choice]) button.textContent = labels[choice];
  }
  $("refund-form").hidden = !refundMode || readOnly;
  $("refund-submit").disabled = busy;
  // Without the key: say so wherever there is, or may yet be, something to choose.
  $("read-only").hidden = !readOnly || (!action && !askAddress && !OPEN_FOR_PAYMENT.includes(order.status));
  renderLinkOffer();
}

// ---- a new link by email: the choices from any device -------------------------------------

function renderLinkOffer() {
  // Only an order placed with an email can be sent one (the API answers alike either way).
  const email = order.email;
  $("link-offer").hidden = linkSent;
  $("link-request").hidden = !email;
  $("link-text").textContent = email
    ? `We can email a new link to ${email}, the address this order was placed with. It replaces the links given before.`
    : "This order was placed without an email address, so no link can be sent: contact support with the order id below.";
}

$("link-request").addEventListener("click", async () => {
  const button = $("link-request");
  const line = $("link-status");
  button.disabled = true;
  line.textContent = "Sending…";
  try {
    await requestLink(order.id);
    linkSent = true;
    line.textContent = `Sent. Open the link in the email to ${order.email} on this device or any other: that page can make the choices. It may take a minute to arrive; check your spam folder too.`;
  } catch (error) {
    line.textContent = error instanceof ApiError && error.code === "rate_limited"
      ? `Too many links asked for just now. Please wait ${error.retryAfter ?? 60} seconds and try again.`
      : error.message ?? String(error);
  } finally {
    button.disabled = false;
    renderLinkOffer();
  }
});

async function choose(choice, fields = {}) {
  if (busy || readOnly) return;
  busy = true;
  renderChoices();
  const line = $("choice-status");
  line.textContent = "";
  try {
    const answer = await chooseForOrder(order.id, { key, choice, ...fields });
    etag = answer.etag;
    refundMode = null;
    busy = false;
    update(answer.order);
    schedule(); // a failed order's polling had stopped: its refund now moves on
  } catch (error) {
    busy = false;
    readOnly ||= error.code === "forbidden";
    let marked = 0;
    for (const { field, message } of (refundMode && error.details) || []) {
      const name = String(field).split(".").pop();
      if (!name.startsWith("refund_")) continue;
      fieldError(name, sentence(name === "refund_extra_id" ? "payout_extra_id" : name, String(message)));
      marked += 1;
    }
    line.textContent = marked ? "Please correct the field marked above." : error.message ?? String(error);
    renderChoices();
    poll();
  }
}

for (const button of document.querySelectorAll("button[data-choice]")) {
  const choice = button.dataset.choice;
  button.addEventListener("click", () => (choice === "refund" ? openRefund("refund", true) : choose(choice)));
}

// ---- the refund address form --------------------------------------------------------------

const addressInput = $("refund_address");
const extraInput = $("refund_extra_id");
const noTagInput = $("refund_no_tag");
const currencyOf = () => currencies?.get(order.payment?.currency);
const withoutTag = () => Boolean(currencyOf()?.extra_id_optional && noTagInput.checked);

function fieldError(name, message) {
  const box = $(`${name}-error`);
  box.textContent = message ?? "";
  box.hidden = !message;
  if (!message) return $(name).removeAttribute("aria-invalid");
  $(name).setAttribute("aria-invalid", "true");
  $("refund_address-check").textContent = ""; // the error says it
}

async function openRefund(mode, focus = false) {
  refundMode = mode;
  addressInput.value = order.refund_address ?? "";
  extraInput.value = order.refund_extra_id ?? "";
  noTagInput.checked = false;
  $("refund-submit").textContent = mode === "refund" ? "Refund to this address" : "Save refund address";
  $("refund-back").hidden = mode !== "refund";
  fieldError("refund_extra_id");
  renderChoices();
  if (focus) addressInput.focus();
  await catalog;
  const currency = currencyOf();
  $("refund-name").textContent = coin(order.payment?.currency);
  $("refund-extra-field").hidden = !currency?.needs_extra_id;
  $("refund-no-tag-field").hidden = !currency?.extra_id_optional;
  tagChanged();
  checkAsYouType();
}

// "My wallet needs no tag": a personal XRP wallet takes a refund without one (where the currency
// lets the tag be left out, `extra_id_optional`); the tag's field goes away while it is ticked.
function tagChanged() {
  const none = withoutTag();
  extraInput.disabled = none;
  if (none) {
    extraInput.value = "";
    fieldError("refund_extra_id");
  }
}
noTagInput.addEventListener("change", tagChanged);

async function checkAsYouType() {
  const hint = $("refund_address-check");
  const address = addressInput.value.trim();
  const currency = currencyOf();
  const name = coin(order.payment?.currency);
  const say = (text, kind = "") => {
    hint.className = `hint ${kind}`;
    hint.textContent = text;
  };
  fieldError("refund_address");
  if (!address) return say(`Where we send your ${name} back.`);
  if (addressProblem(address, currency, true)) return say(`Not a valid ${name} address yet.`, "warn");
  const problem = await checksumProblem(address, currency);
  if (addressInput.value.trim() !== address) return; // typing went on meanwhile
  say(problem ?? `Looks like a valid ${name} address.`, problem ? "warn" : "ok");
}

$("refund-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const currency = currencyOf();
  const address = addressInput.value.trim();
  const none = withoutTag();
  const extra = currency?.needs_extra_id && !none ? extraInput.value.trim() : "";
  const addressWrong = address ? addressProblem(address, currency, true) ?? (await checksumProblem(address, currency))
    : "Enter the address to send the refund to.";
  const extraWrong = none ? null : extraIdProblem(extra, currency)?.replace("payout", "refund");
  fieldError("refund_address", addressWrong);
  fieldError("refund_extra_id", extraWrong);
  if (addressWrong || extraWrong) return $(addressWrong ? "refund_address" : "refund_extra_id").focus();
  const tag = none ? { refund_no_tag: true } : {};
  choose(refundMode, { refund_address: address, refund_extra_id: extra || null, ...tag });
});
addressInput.addEventListener("input", checkAsYouType);
extraInput.addEventListener("input", () => fieldError("refund_extra_id"));
$("refund-back").addEventListener("click", () => {
  refundMode = null;
  renderChoices();
});

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
  // Only where a deposit can still settle something: on a paid or ended order its buttons would
  // act on nothing the page shows.
  $("sandbox").hidden = !SANDBOX || !OPEN_FOR_PAYMENT.includes(order.status);
}

async function simulate(button) {
  const kind = button.dataset.simulate;
  const owed = due(order);
  const body = { status: ["over", "late"].includes(kind) ? "finished" : kind, late: kind === "late" };
  if (kind === "partially_paid") body.amount = half(owed);
  if (kind === "over") body.amount = owed.includes(".") ? `${owed}5` : `${owed}.5`;
  const buttons = document.querySelectorAll("button[data-simulate]");
  const line = $("sandbox-status");
  for (const each of buttons) each.disabled = true;
  line.textContent = `Sending a simulated "${button.textContent}"…`;
  try {
    await simulatePayment(order.id, body);
    line.textContent = `Simulated "${button.textContent}" sent.`;
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
