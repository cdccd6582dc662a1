// Turns an order (GET /api/order/{id}, docs/api.md) into the payment page's text: headline,
// status line, step timeline, outcome and history. Everything from the server goes in as text.
import { explorerUrl } from "./explorers.js";
import { showSupport } from "./support.js";

const STEPS = ["awaiting_payment", "confirming", "paid", "completed"];

const STATUS_NAMES = {
  awaiting_payment: "Awaiting payment",
  confirming: "Confirming",
  partially_paid: "Partially paid",
  paid: "Paid",
  completed: "Completed",
  expired: "Expired",
  failed: "Failed",
  refunded: "Refunded",
  cancelled: "Cancelled",
};

// Where the customer may need a person: the outcome box carries the support links.
const PROBLEMS = new Set(["partially_paid", "expired", "failed", "refunded", "cancelled", "action_required"]);

const SOURCES = {
  api: "order created",
  processor: "payment processor",
  scheduler: "automatic",
  operator: "support",
};

const $ = (id) => document.getElementById(id);
const upper = (code) => String(code ?? "").toUpperCase();
const money = (part) => `${part?.amount ?? "—"} ${upper(part?.currency)}`;

export function statusName(status) {
  return STATUS_NAMES[status] ?? status;
}

export function formatTime(iso) {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" }).format(time);
}

/** What the person reads for each status: headline, live status line, and the outcome box. */
function copyFor(order) {
  const pay = order.payment ?? {};
  const send = `${pay.amount ?? order.from?.amount} ${upper(pay.currency ?? order.from?.currency)}`;
  const get = money(order.to);
  const refund = order.refund_address ? ` to your refund address ${order.refund_address}` : "";
  switch (order.status) {
    case "awaiting_payment":
      return { headline: `Send ${send}`, line: "Waiting for your payment." };
    case "confirming":
      return {
        headline: "Payment on its way",
        line: "Your payment has been seen. It becomes final after enough network confirmations, usually within minutes.",
      };
    case "paid":
      return {
        headline: "Payment received",
        line: `Your payment is final. We are sending ${get} to your address.`,
      };
    case "completed":
      return {
        headline: "Exchange completed",
        line: `We sent ${get} to your address.`,
        outcome: ["Payout sent", `${get} went to ${order.to?.address ?? "your address"}. The transaction hash below lets you follow it on the ${upper(order.to?.currency)} network.`],
      };
    case "partially_paid":
      return {
        headline: "Partial payment received",
        line: `We received ${pay.received ?? "part"} of the ${send} due.`,
        outcome: ["Less than the full amount arrived", `We received ${pay.received ?? "part"} of ${send}. Please do not send more to this address. Contact support with your order id: we will either complete the exchange for the amount received or refund it${refund}.`],
      };
    case "expired":
      return {
        headline: "Payment window ended",
        line: "No payment arrived in time, so this order expired.",
        outcome: ["This order expired", "No payment arrived before the deadline, so the quoted rate no longer holds. If you have not sent anything, start a new exchange. If you did send funds, they are not lost: this page keeps checking and updates when they arrive, and support can help with the order id below."],
        again: true,
      };
    case "failed":
      return {
        headline: "Payment failed",
        line: "The payment processor reported a problem with this payment.",
        outcome: ["Something went wrong with the payment", `Nothing more will happen automatically. Contact support with the order id below and we will sort it out${order.refund_address ? ", refunding" + refund + " if needed" : ""}.`],
        again: true,
      };
    case "refunded":
      return {
        headline: "Payment refunded",
        line: "Your payment was sent back.",
        outcome: ["Your funds were returned", `We sent your payment back${refund}. This order is closed.`],
        again: true,
      };
    case "cancelled":
      return {
        headline: "Order cancelled",
        line: "This order was cancelled before any payment.",
        outcome: ["This order was cancelled", "Do not send anything to its deposit address. Start a new exchange if you still want to swap."],
        again: true,
      };
    default:
      return { headline: statusName(order.status), line: `Status: ${statusName(order.status)}.` };
  }
}

function renderSteps(order) {
  const reached = new Set((order.timeline ?? []).map((event) => event.status));
  reached.add(order.status);
  let furthest = 0;
  STEPS.forEach((step, index) => {
    if (reached.has(step)) furthest = index;
  });
  const onTrack = STEPS.includes(order.status);
  for (const item of $("steps").children) {
    const index = STEPS.indexOf(item.dataset.step);
    const current = onTrack && item.dataset.step === order.status;
    const done = index < furthest || (index === furthest && order.status === "completed");
    const stopped = !onTrack && index === furthest;
    item.className = done ? "done" : current ? "current" : stopped ? "stopped" : "";
    if (current) item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
    const state = done ? " (done)" : current ? " (current step)" : stopped ? ` (stopped: ${statusName(order.status).toLowerCase()})` : "";
    item.querySelector(".step-state").textContent = state;
  }
}

function renderHistory(order) {
  const items = (order.timeline ?? []).map((event) => {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = statusName(event.status);
    const when = document.createElement("time");
    when.dateTime = event.at ?? "";
    when.textContent = formatTime(event.at);
    const source = document.createElement("span");
    source.className = "source";
    source.textContent = SOURCES[event.source] ?? event.source ?? "";
    item.append(name, " ", when, " ", source);
    if (event.note) {
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = event.note;
      item.append(note);
    }
    return item;
  });
  $("history").replaceChildren(...items);
}

function setRow(id, value) {
  $(`${id}-row`).hidden = !value;
  $(id).textContent = value ?? "";
}

function renderDetails(order) {
  const pay = order.payment ?? {};
  $("d-send").textContent = money(order.from);
  $("d-get").textContent = money(order.to);
  $("d-payout").textContent = order.to?.address ?? "";
  setRow("d-payout-extra", order.to?.extra_id);
  $("d-deposit").textContent = pay.address ?? "";
  setRow("d-deposit-extra", pay.extra_id);
  $("d-rate").textContent = `1 ${upper(order.from?.currency)} = ${order.rate} ${upper(order.to?.currency)}`;
  $("d-fee").textContent = `${order.fee_percent} %`;
  const received = pay.received && /[1-9]/.test(pay.received) ? `${pay.received} ${upper(pay.currency)}` : null;
  setRow("d-received", received);
  setRow("d-refund", order.refund_address);
  setRow("d-email", order.email);
  $("d-created").textContent = formatTime(order.created_at);
  $("order-id").textContent = order.id;
  showSupport($("help-support"), order.id);
}

function renderPay(order) {
  const pay = order.payment ?? {};
  const open = order.status === "awaiting_payment";
  $("pay").hidden = !open;
  $("pay-amount-value").textContent = pay.amount ?? "";
  $("pay-currency").textContent = upper(pay.currency);
  $("pay-address").textContent = pay.address ?? "";
  $("memo-block").hidden = !pay.extra_id;
  $("pay-extra").textContent = pay.extra_id ?? "";
}

function renderOutcome(order, copy) {
  const box = $("outcome");
  box.hidden = !copy.outcome && !order.late;
  $("outcome-title").textContent = copy.outcome ? copy.outcome[0] : "Late payment recorded";
  $("outcome-text").textContent = copy.outcome ? copy.outcome[1] : "";
  $("outcome-text").hidden = !copy.outcome;
  $("late-note").hidden = !order.late;
  const hash = order.status === "completed" ? order.payout?.tx_hash : null;
  $("payout-block").hidden = !hash;
  $("payout-hash").textContent = hash ?? "";
  const url = hash ? explorerUrl(order.to?.currency, hash) : null;
  if (url) $("payout-link").href = url;
  else $("payout-link").removeAttribute("href");
  $("outcome-new").hidden = !copy.again;
  if (PROBLEMS.has(order.status)) showSupport($("outcome-support"), order.id);
  else $("outcome-support").hidden = true;
}

/** Renders the whole order; returns the status line so the caller can tell when it changed. */
export function renderOrder(order) {
  const copy = copyFor(order);
  $("headline").textContent = copy.headline;
  const line = $("status-line");
  if (line.textContent !== copy.line) line.textContent = copy.line;
  document.title = `${statusName(order.status)} — ONE⚡CASH order`;
  renderSteps(order);
  renderOutcome(order, copy);
  renderPay(order);
  renderDetails(order);
  renderHistory(order);
}
