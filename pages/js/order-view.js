// Turns an order (GET /api/order/{id}, docs/api.md) into the payment page's text: headline,
// status line, step timeline, outcome and history. Everything from the server goes in as text.
import { explorerUrl } from "./explorers.js";
import { showSupport } from "./support.js";

const STEPS = ["awaiting_payment", "confirming", "paid", "completed"];

const STATUS_NAMES = {
  awaiting_payment: "Awaiting payment",
  confirming: "Confirming",
  partially_paid: "Partially paid",
  action_required: "Your choice needed",
  paid: "Paid",
  completed: "Completed",
  expired: "Expired",
  failed: "Failed",
  refunding: "Refund requested",
  refunded: "Refunded",
  cancelled: "Cancelled",
};

// Where the customer may need a person: the outcome box carries the support links.
const PROBLEMS = new Set(["partially_paid", "expired", "failed", "refunding", "refunded", "cancelled", "action_required"]);

const SOURCES = {
  api: "order created",
  processor: "payment processor",
  scheduler: "automatic",
  operator: "support",
};

const $ = (id) => document.getElementById(id);
const upper = (code) => String(code ?? "").toUpperCase();
const money = (part) => `${part?.amount ?? "—"} ${upper(part?.currency)}`;

/** What to send now, as the API says (`payment.to_send`): the rest of a part payment, else the
 * whole amount. */
export const due = (order) => order.payment?.to_send ?? order.payment?.amount ?? "";

export function statusName(status) {
  return STATUS_NAMES[status] ?? status;
}

export function formatTime(iso) {
  const time = Date.parse(iso);
  if (!Number.isFinite(time)) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" }).format(time);
}

/** Where a refund goes: "address (memo 123)", or "" without a refund address. */
export function refundDestination(order) {
  const memo = order.refund_extra_id ? ` (memo ${order.refund_extra_id})` : "";
  return order.refund_address ? order.refund_address + memo : "";
}

/** What the person reads for each status: headline, live status line, and the outcome box. */
function copyFor(order) {
  const pay = order.payment ?? {};
  const coin = upper(pay.currency ?? order.from?.currency);
  const send = `${pay.amount ?? order.from?.amount} ${coin}`;
  const got = `${pay.received ?? "part"} ${coin}`;
  const get = money(order.to);
  const to = refundDestination(order);
  const refund = to && ` to your refund address ${to}`;
  const action = order.action ?? {};
  const copy = base(order, { pay, coin, send, got, get, refund, action });
  if (order.excess && ["paid", "completed"].includes(order.status)) {
    const text = `We received ${got}, ${order.excess} ${coin} more than the ${send} due. Your exchange goes ahead as quoted; the extra ${order.excess} ${coin} goes back${refund || ": tell us where below"}.`;
    copy.outcome = copy.outcome ? [copy.outcome[0], `${copy.outcome[1]} ${text}`] : ["You sent more than needed", text];
  }
  return copy;
}

function base(order, { pay, coin, send, got, get, refund, action }) {
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
        headline: `Send the remaining ${due(order)} ${coin}`,
        line: `We received ${got} of the ${send} due. Send the rest to the same address while the rate is locked.`,
      };
    case "action_required":
      return action.reason === "late_deposit"
        ? {
          headline: "Your payment arrived late",
          line: "Your payment arrived after the rate lock ended: choose what happens next.",
          outcome: ["Your payment arrived after the rate lock ended", `We received ${got}, but the rate was locked only until the payment window closed. Get a fresh quote for the amount received and continue, or have it refunded.`],
        }
        : {
          headline: "Partial payment received",
          line: `We received ${got} of the ${send} due: choose what happens next.`,
          outcome: ["Less than the full amount arrived", `We received ${got} of ${send}. You can either complete the exchange by sending the remaining ${action.remaining ?? ""} ${coin}, take a smaller payout for what arrived, or have it refunded.`],
        };
    case "expired":
      return {
        headline: "Payment window ended",
        line: "No payment arrived in time, so this order expired.",
        outcome: ["This order expired", "No payment arrived before the rate lock ended, so the quoted rate no longer holds. If you have not sent anything, start a new exchange. If you did send funds, they are not lost: this page keeps checking and updates when they arrive, and support can help with the order id below."],
        again: true,
      };
    case "failed":
      return {
        headline: "Payment failed",
        line: "The payment processor reported a problem with this payment.",
        outcome: ["Something went wrong with the payment", `Nothing more will happen automatically. Contact support with the order id below and we will sort it out${refund ? ", refunding" + refund + " if needed" : ""}.`],
        again: true,
      };
    case "refunding":
      return {
        headline: "Refund requested",
        line: "Your refund is waiting to be sent.",
        outcome: ["Your refund is on its way", `We will send ${order.refund?.amount ?? pay.received} ${coin} back${refund}. This page shows the transaction once it is sent.`],
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
  const items = (order.timeline ?? []).map((event, index) => {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = statusName(event.status);
    const when = document.createElement("time");
    when.dateTime = event.at ?? "";
    when.textContent = formatTime(event.at);
    const source = document.createElement("span");
    source.className = "source";
    source.textContent = index && event.source === "api" ? "your choice" : SOURCES[event.source] ?? event.source ?? "";
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
  setRow("d-refund", refundDestination(order));
  setRow("d-email", order.email);
  $("d-created").textContent = formatTime(order.created_at);
  $("order-id").textContent = order.id;
  showSupport($("help-support"), order.id);
}

function renderPay(order) {
  const pay = order.payment ?? {};
  const rest = order.status === "partially_paid";
  $("pay").hidden = !rest && order.status !== "awaiting_payment";
  $("pay-title").textContent = rest ? "Send the rest, exactly" : "Send exactly";
  $("pay-amount-value").textContent = due(order);
  $("pay-currency").textContent = upper(pay.currency);
  $("pay-address").textContent = pay.address ?? "";
  $("memo-block").hidden = !pay.extra_id;
  $("pay-extra").textContent = pay.extra_id ?? "";
}

function showHash(name, hash, currency) {
  $(`${name}-block`).hidden = !hash;
  $(`${name}-hash`).textContent = hash ?? "";
  const url = explorerUrl(currency, hash);
  if (url) $(`${name}-link`).href = url;
  else $(`${name}-link`).removeAttribute("href");
}

function renderOutcome(order, copy) {
  const late = order.late && ["paid", "completed"].includes(order.status);
  const refundHash = order.refund?.tx_hash;
  $("outcome").hidden = !copy.outcome && !late && !refundHash;
  $("outcome-title").textContent = copy.outcome?.[0] ?? (late ? "Late payment recorded" : "Refund sent");
  $("outcome-text").textContent = copy.outcome?.[1] ?? "";
  $("outcome-text").hidden = !copy.outcome;
  $("late-note").hidden = !late;
  showHash("payout", order.status === "completed" ? order.payout?.tx_hash : null, order.to?.currency);
  showHash("refund", refundHash, order.payment?.currency);
  $("outcome-new").hidden = !copy.again;
  if (PROBLEMS.has(order.status) || order.excess) showSupport($("outcome-support"), order.id);
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
