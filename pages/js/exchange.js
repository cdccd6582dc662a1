// The exchange form (index.html): currencies, a live quote, checks as you type, and one order
// per attempt, on the page; what it decides is quote.js. Checks here only help the person; the
// API decides and its field errors are shown next to the fields they name.
import { ApiError, createOrder, getCatalog, getQuote } from "./api.js";
import {
  FIELDS, addressProblem, apiProblems, checksumProblem, checksumProblems,
  normalizeAmount, prepareCurrency, problems,
  sentence,
} from "./checks.js";
import { isDecimal } from "./decimal.js";
import { amountOf, coin, learn, symbol } from "./names.js";
import {
  correctThe, expiryText, messageOf, orderBody, pick, quoteBlocked, quoteLines, randomHex,
  withoutTag as noTagFor,
} from "./quote.js";

const $ = (id) => document.getElementById(id);
const form = $("exchange");
const fromSelect = $("from_currency");
const toSelect = $("to_currency");
const amountInput = $("amount");
const payoutInput = $("payout_address");
const extraInput = $("payout_extra_id");
const refundInput = $("refund_address");
const emailInput = $("email");
const noTagInput = $("payout_no_tag");
const submitButton = $("submit");

const OPTIONAL_FIELDS = new Set(["refund_address", "email"]);
const QUOTE_DELAY_MS = 350;

/** code -> currency from the API, with its patterns compiled once. */
const currencies = new Map();
let quoteTimer = null;
let quoteController = null;
let quoteExpiryTimer = null;
let attempt = null;
let inFlight = false;
let payoutPromise = null; // minutes, from the currencies' answer
let payoutMedian = null; // how long payouts took lately, when measured

// ---- currencies ---------------------------------------------------------------------------

// "Tether USD (TRON network)": the coin and its network, as a person knows them.
const nameOf = coin;

function fillSelect(select, selected) {
  const options = [...currencies.values()].map((currency) => {
    const option = document.createElement("option");
    option.value = currency.code;
    option.textContent = `${symbol(currency.code)} — ${coin(currency.code)}`;
    return option;
  });
  select.replaceChildren(...options);
  select.value = selected;
  select.disabled = false;
}

async function loadCurrencies() {
  hideAlert();
  try {
    const catalog = await getCatalog();
    learn(catalog.currencies);
    payoutPromise = catalog.payout_promise_minutes;
    payoutMedian = catalog.payout_median_minutes;
    for (const currency of catalog.currencies) {
      currencies.set(currency.code, prepareCurrency(currency));
    }
  } catch (error) {
    showAlert(messageOf(error), { retry: loadCurrencies, retryLabel: "Load the currencies again" });
    return;
  }
  const codes = [...currencies.keys()];
  if (codes.length < 2) {
    showAlert("No currencies can be exchanged right now. Please come back later.");
    return;
  }
  const wanted = new URLSearchParams(location.search);
  const from = pick(wanted.get("from"), ["btc"], codes, null, currencies);
  const to = pick(wanted.get("to"), ["usdttrc20", "eth", "usdterc20"], codes, from, currencies);
  fillSelect(fromSelect, from);
  fillSelect(toSelect, to);
  previous = { from, to };
  const amount = wanted.get("amount");
  if (amount && isDecimal(amount)) amountInput.value = amount;
  currencyChanged();
}

// ---- field messages -----------------------------------------------------------------------

function showFieldError(name, message) {
  const input = $(name);
  const box = $(`${name}-error`);
  if (OPTIONAL_FIELDS.has(name)) $("optional").open = true;
  if (name === "payout_extra_id") $("extra-id-field").hidden = false;
  if (name === "payout_address") $("payout_address-check").textContent = "";
  box.textContent = message;
  box.hidden = false;
  input.setAttribute("aria-invalid", "true");
}

function clearFieldError(name) {
  const box = $(`${name}-error`);
  box.textContent = "";
  box.hidden = true;
  $(name).removeAttribute("aria-invalid");
}

function showAlert(message, { retry = null, retryLabel = "Try again", focus = false } = {}) {
  const alert = $("form-alert");
  const text = document.createElement("p");
  text.textContent = message;
  const parts = [text];
  if (retry) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = retryLabel;
    button.addEventListener("click", retry, { once: true });
    parts.push(button);
  }
  alert.replaceChildren(...parts);
  alert.hidden = false;
  if (focus) alert.focus();
}

function hideAlert() {
  const alert = $("form-alert");
  alert.hidden = true;
  alert.replaceChildren();
}

/** Whether the customer said their payout wallet needs no tag, where the currency allows it. */
function withoutTag() {
  return noTagFor(currencies.get(toSelect.value), noTagInput.checked);
}

function readBody() {
  return orderBody({
    from: fromSelect.value,
    to: toSelect.value,
    amount: amountInput.value,
    payoutAddress: payoutInput.value,
    extraId: extraInput.value,
    refundAddress: refundInput.value,
    email: emailInput.value,
    noTag: noTagInput.checked,
  }, currencies);
}

function tagChanged() {
  const none = withoutTag();
  extraInput.disabled = none;
  extraInput.required = Boolean(currencies.get(toSelect.value)?.needs_extra_id) && !none;
  $("payout_no_tag-hint").hidden = !none;
  if (none) {
    extraInput.value = "";
    clearFieldError("payout_extra_id");
  }
}

// ---- live feedback ------------------------------------------------------------------------

async function checkPayoutAsYouType() {
  const hint = $("payout_address-check");
  const address = payoutInput.value.trim();
  const code = toSelect.value;
  const show = (text, kind) => {
    hint.classList.remove("ok", "warn");
    if (kind) hint.classList.add(kind);
    hint.textContent = text;
  };
  if (!address) return show("Where we send what you get.");
  if (addressProblem(address, currencies.get(code), true)) {
    return show(`Not a valid ${nameOf(code)} address yet.`, "warn");
  }
  const problem = await checksumProblem(address, currencies.get(code));
  // Typing may have gone on while the checksum was computed: only the latest verdict shows.
  if (payoutInput.value.trim() !== address || toSelect.value !== code) return;
  if (problem) return show(problem, "warn");
  show(`Looks like a valid ${nameOf(code)} address.`, "ok");
}

function currencyChanged() {
  const from = fromSelect.value;
  const to = toSelect.value;
  const target = currencies.get(to);
  $("amount-unit").textContent = symbol(from);
  $("payout-name").textContent = nameOf(to);
  $("refund-name").textContent = nameOf(from);
  const min = currencies.get(from)?.min_amount;
  $("amount-hint").textContent = min ? `Minimum ${amountOf(min, from)}.` : "";
  $("extra-id-field").hidden = !target?.needs_extra_id;
  $("payout-no-tag-field").hidden = !target?.extra_id_optional;
  if (!target?.extra_id_optional) noTagInput.checked = false;
  tagChanged();
  for (const name of ["from_currency", "to_currency", "payout_address", "payout_extra_id", "refund_address"]) {
    clearFieldError(name);
  }
  checkPayoutAsYouType();
  scheduleQuote(0);
}

let previous = { from: "", to: "" };
function keepDifferent(changed) {
  // Picking the other side's currency swaps the two instead of making an impossible pair.
  if (fromSelect.value === toSelect.value) {
    if (changed === fromSelect) toSelect.value = previous.from;
    else fromSelect.value = previous.to;
  }
  previous = { from: fromSelect.value, to: toSelect.value };
  currencyChanged();
}

// ---- quote --------------------------------------------------------------------------------

function quoteState(text) {
  $("quote-state").textContent = text;
  $("quote-state").hidden = false;
  $("quote-details").hidden = true;
  stopQuoteExpiry();
}

function scheduleQuote(delay = QUOTE_DELAY_MS) {
  clearTimeout(quoteTimer);
  quoteController?.abort();
  quoteTimer = setTimeout(fetchQuote, delay);
}

async function fetchQuote() {
  const from = fromSelect.value;
  const to = toSelect.value;
  const amount = normalizeAmount(amountInput.value);
  if (!from || !to || from === to) return;
  const problem = quoteBlocked(amount, currencies.get(from));
  if (problem) {
    quoteState(problem);
    return;
  }
  const controller = new AbortController();
  quoteController = controller;
  $("quote").setAttribute("aria-busy", "true");
  try {
    renderQuote(await getQuote(from, to, amount, controller.signal));
  } catch (error) {
    if (error.name === "AbortError") return;
    const detail = error instanceof ApiError ? error.details.find((d) => d.field === "amount") : null;
    quoteState(detail ? sentence("amount", String(detail.message)) : messageOf(error));
  } finally {
    if (quoteController === controller) $("quote").removeAttribute("aria-busy");
  }
}

function renderQuote(quote) {
  const lines = quoteLines(quote, fromSelect.value, toSelect.value, payoutPromise, payoutMedian);
  $("quote-receive").textContent = lines.receive;
  $("quote-rate").textContent = lines.rate;
  $("quote-fee").textContent = lines.fee;
  $("quote-min").textContent = lines.min;
  $("quote-payout-row").hidden = !payoutPromise;
  $("quote-payout").textContent = lines.payout;
  $("quote-state").hidden = true;
  $("quote-details").hidden = false;
  startQuoteExpiry(quote.expires_at, quote.rate_lock_minutes ?? 20);
}

function startQuoteExpiry(expiresAt, lock) {
  stopQuoteExpiry();
  const end = Date.parse(expiresAt);
  if (!Number.isFinite(end)) return;
  const line = $("quote-expiry");
  const tick = () => {
    const seconds = Math.round((end - Date.now()) / 1000);
    if (seconds <= 0) {
      stopQuoteExpiry();
      fetchQuote();
      return;
    }
    line.textContent = expiryText(seconds, lock);
  };
  tick();
  line.hidden = false;
  quoteExpiryTimer = setInterval(tick, 1000);
}

function stopQuoteExpiry() {
  clearInterval(quoteExpiryTimer);
  quoteExpiryTimer = null;
  $("quote-expiry").hidden = true;
}

// ---- submit -------------------------------------------------------------------------------

function setBusy(busy) {
  inFlight = busy;
  $("form-body").disabled = busy;
  submitButton.disabled = busy;
  submitButton.classList.toggle("busy", busy);
  submitButton.textContent = busy ? "Creating your order…" : "Create exchange";
  form.setAttribute("aria-busy", String(busy));
  $("submit-status").textContent = busy ? "Creating your order and its deposit address…" : "";
}

function showProblems(found, summary) {
  for (const { field, message } of found) showFieldError(field, message);
  const count = found.length;
  showAlert(summary ?? correctThe(count));
  $(found[0].field).focus();
}

async function submit(event) {
  event.preventDefault();
  if (inFlight) return;
  hideAlert();
  for (const name of FIELDS) clearFieldError(name);
  const body = readBody();
  inFlight = true; // the checksums take a moment: a second click waits for this one
  const found = problems(body, currencies);
  found.push(...(await checksumProblems(body, currencies, new Set(found.map((p) => p.field)))));
  inFlight = false;
  if (found.length) {
    showProblems(found);
    return;
  }
  // Same body, same key: a retry after a lost answer returns the first order instead of a second.
  // The order's customer key is made here too and sent with it: the API keeps only its hash and
  // answers a replay with it only when the replay sends it again (docs/api.md, "Idempotent
  // creates"), so a retry after a lost answer still gets a link that can make the choices.
  const serialized = JSON.stringify(body);
  if (!attempt || attempt.body !== serialized) {
    attempt = { body: serialized, key: randomHex(16), customerKey: randomHex(24) };
  }
  const { customerKey } = attempt;
  setBusy(true);
  let order;
  try {
    order = await createOrder({ ...body, customer_key: customerKey }, attempt.key);
  } catch (error) {
    setBusy(false);
    showSubmitError(error);
    return;
  }
  attempt = null;
  $("submit-status").textContent = "Order created. Opening the payment page…";
  // The customer key (for the choices of a problem payment) rides in the #fragment: the browser
  // never sends it to a server, so it stays out of every log.
  const key = `#key=${encodeURIComponent(order.customer_key ?? customerKey)}`;
  location.assign(`payment.html?id=${encodeURIComponent(order.id)}${key}`);
}

function showSubmitError(error) {
  if (error instanceof ApiError && error.code === "validation_error") {
    const found = apiProblems(error.details);
    if (found.length) {
      showProblems(found);
      return;
    }
  }
  const reference = error instanceof ApiError && error.requestId ? ` (reference ${error.requestId})` : "";
  showAlert(`${messageOf(error)}${reference}`, { focus: true });
}

// ---- wiring -------------------------------------------------------------------------------

fromSelect.addEventListener("change", () => keepDifferent(fromSelect));
toSelect.addEventListener("change", () => keepDifferent(toSelect));
fromSelect.addEventListener("focus", () => { previous = { from: fromSelect.value, to: toSelect.value }; });
toSelect.addEventListener("focus", () => { previous = { from: fromSelect.value, to: toSelect.value }; });
$("swap").addEventListener("click", () => {
  const from = fromSelect.value;
  fromSelect.value = toSelect.value;
  toSelect.value = from;
  previous = { from: fromSelect.value, to: toSelect.value };
  currencyChanged();
});
amountInput.addEventListener("input", () => {
  clearFieldError("amount");
  scheduleQuote();
});
payoutInput.addEventListener("input", () => {
  clearFieldError("payout_address");
  checkPayoutAsYouType();
});
payoutInput.addEventListener("blur", (event) => {
  // Leaving for the submit button: submit reports it, and a message appearing now would move the
  // button away from under the pointer before the click lands.
  if (event.relatedTarget === submitButton) return;
  const address = payoutInput.value.trim();
  const currency = currencies.get(toSelect.value);
  const problem = addressProblem(address, currency, false);
  if (problem) return showFieldError("payout_address", problem);
  checksumProblem(address, currency).then((message) => {
    if (message && payoutInput.value.trim() === address) showFieldError("payout_address", message);
  });
});
for (const input of [extraInput, refundInput, emailInput]) {
  input.addEventListener("input", () => clearFieldError(input.id));
}
noTagInput.addEventListener("change", tagChanged);
form.addEventListener("submit", submit);
// Back from the payment page the browser may restore this page as it was when it left: busy.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) setBusy(false);
});

loadCurrencies();
