// One order in the operator's view, and what may be recorded on it. The cards shown are the ones
// the API offers for the order as it is (`order.due`): a payout (a short order's pro-rata share),
// an excess to refund with it, a refund, a cancellation, a correction of a recorded hash. Every
// final action is confirmed in a dialog that names the order, the amount and coin, the address
// and the transaction, and is sent with the ETag of the order on screen, so it can only apply to
// that order as it was shown. Every form starts empty whenever an order is opened or reloaded.
import { ask, dismiss } from "./confirm.js";
import { $, el, explorerLink, fact, money, say, when } from "./dom.js";
import { eventItem } from "./events.js";
import { api, failed } from "./session.js";
import { PAYS_OUT_NEXT } from "../js/statuses.js";

const STALE_MESSAGE =
  "Someone else changed this order after you opened it, so nothing was changed. " +
  "It is reloaded below: check it, then try again.";
const LEAVING = "The order on screen changed before you confirmed, so nothing was sent. Check it, then try again.";
const WORDS = { late_deposit: "a late deposit", underpaid: "a short payment", payment_failed: "a failed payment holding money" };

const state = { order: null, etag: null, seq: 0 };
let afterChange = () => {};

/** What to run after a change was recorded (the queue's count). */
export function whenChanged(handler) {
  afterChange = handler;
}

/** Shows the order `id`, its forms empty. False when another order was asked for meanwhile. */
export async function openOrder(id, { keepMessage = false } = {}) {
  const seq = ++state.seq;
  dismiss();
  if (!keepMessage) say("");
  const { data, etag } = await api(`/api/admin/orders/${encodeURIComponent(id)}`);
  if (seq !== state.seq) return false;
  state.order = data.order;
  state.etag = etag || data.etag;
  reset();
  render(data);
  return true;
}

/** Another view is shown: nothing asked about this order may still be sent. */
export function leaveOrder() {
  state.seq += 1;
  state.order = null;
  state.etag = null;
  dismiss();
  reset();
}

function reset() {
  const view = $("view-order");
  for (const form of view.querySelectorAll("form")) form.reset();
  for (const box of view.querySelectorAll(".shared")) box.hidden = true;
  for (const details of view.querySelectorAll("details")) details.open = false;
  $("copy-status").textContent = "";
  $("act-status").textContent = "";
}

// ---- showing it -------------------------------------------------------------------------------

function render({ order, webhooks, emails }) {
  $("order-id").textContent = order.id;
  $("order-status").textContent = order.status;
  $("order-status").className = `pill status-${order.status}`;
  $("order-overdue").hidden = !(order.payout_overdue_notified && order.status === "paid");
  renderPayout(order);
  renderRefund(order);
  $("waiting-card").hidden = order.status !== "action_required" || !order.action;
  if (order.action) {
    $("waiting-text").textContent = `${WORDS[order.action.reason] ?? order.action.reason}: the customer chooses on their payment page (${order.action.choices.join(", ") || "nothing left to choose"}).`;
  }
  $("cancel-card").hidden = !order.due.cancel;
  renderSent(order);
  renderFacts(order);
  $("order-notes").replaceChildren(...(order.notes.length ? order.notes.map((n) => el("li", {},
    el("span", { cls: "note" }, when(n.at), ` · ${n.actor || "operator"}`), el("p", { cls: "pre", text: n.note })))
    : [el("li", { cls: "note", text: "No notes yet." })]));
  $("order-timeline").replaceChildren(...order.timeline.map((e) => el("li", {},
    el("strong", { text: e.status }),
    el("span", { cls: "note" }, when(e.at), ` · ${e.source}${e.actor ? ` (${e.actor})` : ""}`),
    ...(e.note ? [el("p", { cls: "pre", text: e.note })] : []))));
  $("order-webhooks").replaceChildren(...webhooks.map((e) => eventItem(e, "webhook")));
  $("order-emails").replaceChildren(...(emails.length ? emails.map((e) => eventItem(e, "email"))
    : [el("li", { cls: "note", text: "No email was queued for this order." })]));
}

function showAddress(prefix, address, extraId) {
  $(`${prefix}-address`).textContent = address || "none yet: the customer's payment page asks for one";
  $(`${prefix}-address-copy`).hidden = !address;
  $(`${prefix}-memo`).textContent = extraId || "";
  $(`${prefix}-memo-row`).hidden = !extraId;
}

function renderPayout(order) {
  const payout = order.due.payout;
  $("pay-card").hidden = !payout;
  if (!payout) return;
  $("payout-amount").textContent = payout.amount;
  $("payout-coin").textContent = payout.currency;
  $("payout-address").textContent = order.to.address;
  $("payout-memo").textContent = order.to.extra_id || "";
  $("memo-row").hidden = !order.to.extra_id;
  $("payout-short").hidden = !payout.short;
  $("payout-short").textContent = payout.short
    ? `Short: ${money(order.payment.received, order.payment.currency)} of ${order.payment.amount} arrived while the customer was sending the rest. Paying out now sends this pro-rata share at the locked rate, not the ${money(order.to.amount, order.to.currency)} quoted for all of it.`
    : "";
  $("payout-sent-coin").textContent = payout.currency;
  $("payout-sent-amount").value = payout.amount;
  const excess = order.due.excess_refund;
  $("excess-part").hidden = !excess;
  $("excess-field").hidden = !excess || !order.refund_address;
  if (excess) {
    $("excess-amount").textContent = excess.amount;
    $("excess-coin").textContent = excess.currency;
    showAddress("excess", order.refund_address, order.refund_extra_id);
  }
}

function refundLede(order, refund) {
  const held = money(order.payment.received, order.payment.currency);
  if (order.status === "refunding") return "The customer chose a refund of what arrived.";
  if (PAYS_OUT_NEXT.includes(order.status)) return `Instead of the payout, ${held} goes back to the customer.`;
  if (order.status === "action_required") return `Without waiting for the customer's choice, ${held} goes back to them.`;
  if (refund.status === null) return `This ${order.status} order still holds money (an excess, or a deposit after it ended): it goes back, and the order stays ${order.status}.`;
  return `This ${order.status} order holds ${held}: it goes back.`;
}

function renderRefund(order) {
  const refund = order.due.refund;
  $("refund-card").hidden = !refund;
  if (!refund) return;
  const instead = Boolean(order.due.payout) || order.status === "action_required";
  $("refund-title").textContent = instead ? "Or refund it instead" : "Refund";
  $("refund-lede").textContent = refundLede(order, refund);
  $("refund-due").textContent = refund.amount;
  $("refund-coin").textContent = refund.currency;
  showAddress("refund", order.refund_address, order.refund_extra_id);
  $("refund-no-address").hidden = Boolean(order.refund_address);
  $("refund-amount-coin").textContent = refund.currency;
  $("refund-amount").value = refund.amount;
  $("refund-note-field").hidden = refund.status === null; // a public note goes with a status change
}

function renderSent(order) {
  const payout = order.payout.tx_hash;
  const refund = order.refund.tx_hash;
  $("sent-card").hidden = !payout && !refund;
  $("payout-sent").hidden = !payout;
  $("refund-sent").hidden = !refund;
  if (payout) $("payout-tx").replaceWith(explorerLink(order.to.currency, payout, "payout-tx"));
  if (refund) {
    $("refund-tx").replaceWith(explorerLink(order.payment.currency, refund, "refund-tx"));
    $("refund-sent-amount").textContent = `(${money(order.refund.amount, order.payment.currency)} refunded in all)`;
  }
}

function renderFacts(order) {
  const facts = $("order-facts");
  facts.replaceChildren();
  fact(facts, "Customer sends", money(order.from.amount, order.from.currency));
  fact(facts, "Customer receives", money(order.to.amount, order.to.currency));
  fact(facts, "Rate / fee", `${order.rate} · ${order.fee_percent} %`);
  fact(facts, "Email", order.email);
  fact(facts, "Deposit address", order.payment.address);
  fact(facts, "Received", money(order.payment.received, order.payment.currency));
  for (const [id, amount] of Object.entries(order.deposits)) fact(facts, `Deposit ${id}`, amount);
  fact(facts, "Processor payment id", `${order.payment.processor} ${order.payment.id}`);
  fact(facts, "Payout address", order.to.address);
  fact(facts, "Refund address", order.refund_address);
  if (order.refund_extra_id) fact(facts, "Refund memo / tag", order.refund_extra_id);
  if (order.excess) fact(facts, "Paid in excess (to refund)", money(order.excess, order.payment.currency));
  if (order.payment.tx_hash) fact(facts, "Deposit transaction", explorerLink(order.payment.currency, order.payment.tx_hash));
  if (order.refund.tx_hash) fact(facts, "Refund amount", money(order.refund.amount, order.payment.currency));
  fact(facts, "Created", when(order.created_at));
  fact(facts, "Rate lock ends", when(order.expires_at), order.late ? " (paid late)" : "");
  fact(facts, "Last changed", when(order.updated_at));
}

// ---- acting on it -----------------------------------------------------------------------------

/** Asks to confirm a final change of the order on screen, then sends it for that order only. */
function confirmThen(form, { title, lede, facts, confirm, body, saved }) {
  const target = { id: state.order.id, etag: state.etag, seq: state.seq };
  ask({ title, lede, confirm, facts: [["Order", target.id], ...facts], run: () => send(target, body, form, saved) });
}

async function send(target, body, form, saved) {
  if (target.seq !== state.seq || target.etag !== state.etag) {
    say(LEAVING);
    return;
  }
  say("");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api(`/api/order/${encodeURIComponent(target.id)}`, {
      method: "PUT",
      body,
      headers: { "If-Match": target.etag },
    });
    if (target.seq === state.seq && await openOrder(target.id)) $("act-status").textContent = saved;
    afterChange();
  } catch (error) {
    if (error.status === 412) {
      say(STALE_MESSAGE);
      if (target.seq === state.seq) await openOrder(target.id, { keepMessage: true }).catch(() => {});
    } else if (error.code === "duplicate_tx_hash") {
      say(error.message); // nothing changed: the form keeps what was typed, to check or to share
      const shared = form.querySelector(".shared");
      if (shared) shared.hidden = false;
    } else {
      failed(error);
    }
  } finally {
    button.disabled = false;
  }
}

function shared(form, body, facts) {
  if (form.elements.shared_tx?.checked) {
    body.shared_tx = true;
    facts.push(["One transaction for several orders", "yes: it is recorded on other orders too"]);
  }
}

function value(id) {
  return $(id).value.trim();
}

function addressFacts(facts, address, extraId) {
  facts.push(["To address", address || "none on the order"]);
  if (extraId) facts.push(["Memo / tag", extraId]);
}

function completeSubmitted(form) {
  const order = state.order;
  const payout = order.due.payout;
  const excess = order.due.excess_refund;
  const amount = value("payout-sent-amount");
  const hash = value("payout-hash");
  const body = { status: "completed", payout_tx_hash: hash, payout_amount: amount };
  const facts = [["Marks it", `${order.status} → completed`], ["Pay out", money(amount, payout.currency)]];
  addressFacts(facts, order.to.address, order.to.extra_id);
  facts.push(["Payout transaction", hash]);
  if (excess && value("excess-hash")) {
    body.refund_tx_hash = value("excess-hash");
    body.refund_amount = excess.amount;
    facts.push(["And the excess refund", money(excess.amount, excess.currency)]);
    addressFacts(facts, order.refund_address, order.refund_extra_id);
    facts.push(["Refund transaction", body.refund_tx_hash]);
  } else if (excess) {
    facts.push(["The excess refund", `${money(excess.amount, excess.currency)}: not recorded now; the order waits in the queue until it is`]);
  }
  if (value("complete-note")) {
    body.note = value("complete-note");
    facts.push(["Note to the customer", body.note]);
  }
  shared(form, body, facts);
  confirmThen(form, {
    title: `Record the payout of ${money(amount, payout.currency)}?`,
    lede: "Check each line against the transaction in your wallet. Nothing is recorded until you confirm; a payout is final.",
    facts, confirm: "Record payout", body, saved: "Payout recorded.",
  });
}

function refundSubmitted(form) {
  const order = state.order;
  const refund = order.due.refund;
  const amount = value("refund-amount");
  const hash = value("refund-hash");
  const body = { refund_tx_hash: hash, refund_amount: amount };
  const facts = [refund.status
    ? ["Marks it", `${order.status} → ${refund.status}`]
    : ["Status", `stays ${order.status}: the refund is recorded on its own`]];
  if (refund.status) body.status = refund.status;
  facts.push(["Refund", money(amount, refund.currency)]);
  addressFacts(facts, order.refund_address, order.refund_extra_id);
  facts.push(["Refund transaction", hash]);
  if (refund.status && value("refund-note")) {
    body.note = value("refund-note");
    facts.push(["Note to the customer", body.note]);
  }
  shared(form, body, facts);
  confirmThen(form, {
    title: `Record the refund of ${money(amount, refund.currency)}?`,
    lede: "Check each line against the transaction in your wallet. Nothing is recorded until you confirm.",
    facts, confirm: "Record refund", body, saved: "Refund recorded.",
  });
}

function cancelSubmitted(form) {
  const order = state.order;
  const body = { status: "cancelled" };
  const facts = [["Marks it", `${order.status} → cancelled`],
    ["Deposit address", `${order.payment.address} (${money(order.payment.received, order.payment.currency)} received)`]];
  if (value("cancel-note")) {
    body.note = value("cancel-note");
    facts.push(["Note to the customer", body.note]);
  }
  confirmThen(form, {
    title: `Cancel order ${order.id}?`,
    lede: "Its payment page will say it is cancelled. This cannot be undone.",
    facts, confirm: "Cancel the order", body, saved: "Order cancelled.",
  });
}

function correctSubmitted(form) {
  const order = state.order;
  const field = form.dataset.field;
  const what = field === "payout_tx_hash" ? "payout" : "refund";
  const old = order[what].tx_hash;
  const hash = form.elements.tx_hash.value.trim();
  const reason = form.elements.reason.value.trim();
  const body = { correct: field, [field]: hash, reason };
  const facts = [["Corrects", `the ${what} transaction`], ["From", old], ["To", hash], ["Reason", reason]];
  shared(form, body, facts);
  confirmThen(form, {
    title: `Correct the ${what} transaction?`,
    lede: "The old hash stays in the timeline with your reason, which the customer sees there too.",
    facts, confirm: "Record the correction", body, saved: `The ${what} hash is corrected.`,
  });
}

export function wireOrder() {
  const on = (id, handler) => $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    if (state.order) handler(event.target);
  });
  on("complete-form", completeSubmitted);
  on("refund-form", refundSubmitted);
  on("cancel-form", cancelSubmitted);
  on("correct-payout-form", correctSubmitted);
  on("correct-refund-form", correctSubmitted);
  // A note is not final and records no money: it is sent as it is, with If-Match all the same.
  on("note-form", (form) => send({ id: state.order.id, etag: state.etag, seq: state.seq },
    { internal_note: value("internal-note") }, form, "Note added."));
}
