// Turns an order (GET /api/order/{id}, docs/api.md) into the payment page's text: headline,
// status line, step timeline, outcome and history. Everything from the server goes in as text.
// Coins are named as a person knows them (names.js), and the history is told in plain
// sentences written here: the timeline's own notes are the operator's record, in its language.
import { isPositive } from "./decimal.js";
import { explorerUrl } from "./explorers.js";
import { amountOf, coin, network, networkWarning, payoutLately, symbol } from "./names.js";
import { CONFIRMED_OFF_PATH, NOTHING_SEEN, OFF_THE_PATH, STEPS, WENT_AHEAD } from "./statuses.js";
import { showSupport } from "./support.js";

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


const $ = (id) => document.getElementById(id);
const money = (part) => amountOf(part?.amount, part?.currency);

// How long a payout takes once the payment is final (PAYOUT_PROMISE_MINUTES, served with the
// currencies), and how long payouts took lately (their median); unknown until they have loaded.
let payoutPromise = null;
let payoutMedian = null;

const minutesOrNull = (minutes) => (Number.isInteger(minutes) && minutes > 0 ? minutes : null);

export function setPayoutPromise(minutes, median = null) {
  payoutPromise = minutesOrNull(minutes);
  payoutMedian = minutesOrNull(median);
}


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

function clockTime(ms) {
  return new Intl.DateTimeFormat(undefined, { timeStyle: "short" }).format(ms);
}

/** When the order last became `status`, by its timeline (ms), or null. */
function since(order, status) {
  const event = [...(order.timeline ?? [])].reverse().find((e) => e.status === status);
  const at = Date.parse(event?.at ?? "");
  return Number.isFinite(at) ? at : null;
}

/** What to expect of a paid order's payout: by when, from the payout promise. */
function payoutExpected(order) {
  const paidAt = since(order, "paid");
  if (!payoutPromise || paidAt === null) return "";
  const by = paidAt + payoutPromise * 60_000;
  if (Date.now() > by) return " It is taking longer than usual: if it has not arrived soon, contact support with the order id below.";
  return ` Expect it by ${clockTime(by)} (within ${payoutPromise} minutes of your payment being final).${payoutLately(payoutMedian, payoutPromise)}`;
}

/** Where a refund goes: "address (memo 123)", or "" without a refund address. */
export function refundDestination(order) {
  const memo = order.refund_extra_id ? ` (memo ${order.refund_extra_id})` : "";
  return order.refund_address ? order.refund_address + memo : "";
}

/** What the person reads for each status: headline, live status line, and the outcome box. */
function copyFor(order) {
  const pay = order.payment ?? {};
  const unit = symbol(pay.currency ?? order.from?.currency);
  const send = `${pay.amount ?? order.from?.amount} ${unit}`;
  const got = `${pay.received ?? "part"} ${unit}`;
  const get = money(order.to);
  const to = refundDestination(order);
  const refund = to && ` to your refund address ${to}`;
  const action = order.action ?? {};
  const copy = base(order, { pay, unit, send, got, get, refund, action });
  if (order.excess && WENT_AHEAD.includes(order.status)) {
    const text = `We received ${got}, ${order.excess} ${unit} more than the ${send} due. Your exchange goes ahead as quoted; the extra ${order.excess} ${unit} goes back${refund || ": tell us where below"}.`;
    copy.outcome = copy.outcome ? [copy.outcome[0], `${copy.outcome[1]} ${text}`] : ["You sent more than needed", text];
  }
  return copy;
}

function base(order, { pay, unit, send, got, get, refund, action }) {
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
        line: `Your payment is final. We are sending ${get} to your address.${payoutExpected(order)}`,
      };
    case "completed":
      return {
        headline: "Exchange completed",
        line: `We sent ${get} to your address.`,
        outcome: ["Payout sent", `${get} went to ${order.to?.address ?? "your address"}. The transaction hash below lets you follow it on the ${network(order.to?.currency) || coin(order.to?.currency)} network.`],
      };
    case "partially_paid":
      return {
        headline: `Send the remaining ${due(order)} ${unit}`,
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
          outcome: ["Less than the full amount arrived", `We received ${got} of ${send}. You can either complete the exchange by sending the remaining ${action.remaining ?? ""} ${unit}, take a smaller payout for what arrived, or have it refunded.`],
        };
    case "expired":
      return {
        headline: "Payment window ended",
        line: "No payment arrived in time, so this order expired.",
        outcome: ["This order expired", "No payment arrived before the rate lock ended, so the quoted rate no longer holds. If you have not sent anything, start a new exchange. If you did send funds, they are not lost: this page keeps checking and updates when they arrive, and support can help with the order id below."],
        again: true,
      };
    case "failed":
      // Money that reached a failed payment goes back when its customer asks (action.choices).
      return action.reason === "payment_failed"
        ? {
          headline: "Payment failed",
          line: "The payment processor reported a problem with this payment.",
          outcome: ["Your payment failed, and your money is safe", `The exchange cannot go ahead, but ${got} reached us. Ask for it back below and we send it to the address you give.`],
          again: true,
        }
        : {
          headline: "Payment failed",
          line: "The payment processor reported a problem with this payment.",
          outcome: ["Something went wrong with the payment", `Nothing more will happen automatically. Contact support with the order id below and we will sort it out${refund ? ", refunding" + refund + " if needed" : ""}.`],
          again: true,
        };
    case "refunding":
      return {
        headline: "Refund requested",
        line: "Your refund is waiting to be sent.",
        outcome: ["Your refund is on its way", `We will send ${order.refund?.amount ?? pay.received} ${unit} back${refund}. This page shows the transaction once it is sent.`],
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

// The progress bar tells what happened: once money arrived, the first step is behind whatever
// came next, and an order off the usual path stops at the step it did not reach.
const ON_TRACK = { awaiting_payment: 0, partially_paid: 0, confirming: 1, paid: 2, completed: 4 };

/** Each step's state (done, current, stopped or "") and the first step's name, for `order`. */
export function progress(order) {
  const money = isPositive(order.payment?.received ?? "");
  const reached = new Set((order.timeline ?? []).map((event) => event.status));
  let done;
  let current = null;
  let stopped = null;
  if (order.status in ON_TRACK) {
    done = ON_TRACK[order.status];
    if (done < STEPS.length) current = done;
  } else {
    // Final money waits for a choice or goes back: the confirmations are behind it. A payment that
    // failed stopped while it was confirming.
    const settled = CONFIRMED_OFF_PATH.includes(order.status) && !reached.has("failed");
    done = !money ? 0 : reached.has("paid") ? 3 : settled ? 2 : 1;
    stopped = done;
  }
  const first = order.status === "partially_paid" ? "Awaiting the rest"
    : done > 0 ? "Payment sent" : "Awaiting payment";
  const states = STEPS.map((_, index) => (index < done ? "done" : index === current ? "current" : index === stopped ? "stopped" : ""));
  return { states, first };
}

function renderSteps(order) {
  const { states, first } = progress(order);
  [...$("steps").children].forEach((item, index) => {
    const state = states[index];
    item.className = state;
    if (state === "current") item.setAttribute("aria-current", "step");
    else item.removeAttribute("aria-current");
    if (index === 0) item.querySelector(".step-name").textContent = first;
    const said = { done: " (done)", current: " (current step)", stopped: ` (stopped: ${statusName(order.status).toLowerCase()})` };
    item.querySelector(".step-state").textContent = said[state] ?? "";
  });
}

/** What an event of the timeline means to the customer, as a sentence; `before` is the status it
 * came from (none for the first). */
export function historyText(event, before) {
  const { status, source } = event;
  if (!before) return "Order placed. The rate is locked while you pay.";
  if (before === status) {
    // A change that keeps the status: a refund address, money after the end, a re-pricing, a
    // refund recorded on its own.
    if (source === "api") return "You set the address a refund goes to.";
    if (source === "processor") return "More money arrived after this order ended. It is kept for you and sent back.";
    if (source === "scheduler") return "The rate lock ended before you chose: what arrived can now take a fresh quote, or go back to you.";
    return "Support recorded a refund.";
  }
  if (source === "api") {
    const chosen = { partially_paid: "You chose to send the rest.", paid: "You accepted the new amount for what arrived.", refunding: "You asked for your money back." };
    if (chosen[status]) return chosen[status];
  }
  switch (status) {
    case "confirming":
      return NOTHING_SEEN.includes(before)
        ? "Your payment was seen on its network. It becomes final after enough confirmations."
        : "More of your payment was seen on its network.";
    case "partially_paid":
      return "Part of your payment arrived.";
    case "action_required":
      return source === "scheduler"
        ? "The rate lock ended before the rest arrived: choose a fresh quote for what arrived, or a refund."
        : "Your payment arrived late or short of the amount, so it waits for your choice.";
    case "paid":
      return source === "operator" ? "Support confirmed your payment." : "Your payment is final.";
    case "completed":
      return "We sent your payout.";
    case "expired":
      return "The payment window ended with nothing received.";
    case "failed":
      return source === "operator" ? "Support marked this payment as failed." : "The payment processor reported this payment as failed.";
    case "refunding":
      return "A refund was asked for.";
    case "refunded":
      return "We sent your refund.";
    case "cancelled":
      return "This order was cancelled.";
    default:
      return statusName(status);
  }
}

function renderHistory(order) {
  const timeline = order.timeline ?? [];
  const items = timeline.map((event, index) => {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = statusName(event.status);
    const when = document.createElement("time");
    when.dateTime = event.at ?? "";
    when.textContent = formatTime(event.at);
    const text = document.createElement("p");
    text.className = "note";
    text.textContent = historyText(event, index ? timeline[index - 1].status : null);
    item.append(name, " ", when, text);
    // An operator's note is written for the customer (docs/api.md); the others are system notes.
    if (event.source === "operator" && event.note) {
      const note = document.createElement("p");
      note.className = "note";
      note.textContent = `From support: ${event.note}`;
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
  $("d-send").textContent = `${money(order.from)} · ${coin(order.from?.currency)}`;
  $("d-get").textContent = `${money(order.to)} · ${coin(order.to?.currency)}`;
  $("d-payout").textContent = order.to?.address ?? "";
  setRow("d-payout-extra", order.to?.extra_id);
  $("d-deposit").textContent = pay.address ?? "";
  setRow("d-deposit-extra", pay.extra_id);
  $("d-rate").textContent = `1 ${symbol(order.from?.currency)} = ${order.rate} ${symbol(order.to?.currency)}`;
  $("d-fee").textContent = `${order.fee_percent} %`;
  const received = pay.received && /[1-9]/.test(pay.received) ? amountOf(pay.received, pay.currency) : null;
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
  $("pay-currency").textContent = symbol(pay.currency);
  $("pay-address-label").textContent = `To this ${coin(pay.currency)} address`;
  $("pay-address").textContent = pay.address ?? "";
  const warning = networkWarning(pay.currency);
  $("network-warning").hidden = !warning;
  $("network-warning-text").textContent = warning;
  $("memo-block").hidden = !pay.extra_id;
  $("pay-extra").textContent = pay.extra_id ?? "";
  const uri = walletUri(pay);
  $("wallet-link").hidden = !uri;
  if (uri) $("wallet-link").href = uri;
  else $("wallet-link").removeAttribute("href");
}

// The wallets' own schemes (docs/api.md, payment.uri), and the ticker a currency without one
// falls back to: a link never takes another scheme (javascript:, data:, http:) from the network.
const WALLET_SCHEMES = new Set(["bitcoin", "ethereum", "litecoin", "tron", "ripple", "solana"]);

/** The payment URI for a wallet app to open, when it is one of those. */
export function walletUri(pay) {
  const uri = String(pay?.uri ?? "");
  const scheme = uri.slice(0, Math.max(uri.indexOf(":"), 0)).toLowerCase();
  const ours = WALLET_SCHEMES.has(scheme) || (scheme && scheme === String(pay?.currency ?? "").toLowerCase());
  return ours && /^[a-z0-9]+$/.test(scheme) ? uri : null;
}

function showHash(name, hash, currency) {
  $(`${name}-block`).hidden = !hash;
  $(`${name}-hash`).textContent = hash ?? "";
  const url = explorerUrl(currency, hash);
  if (url) $(`${name}-link`).href = url;
  else $(`${name}-link`).removeAttribute("href");
}

function renderOutcome(order, copy) {
  const late = order.late && WENT_AHEAD.includes(order.status);
  const refundHash = order.refund?.tx_hash;
  $("outcome").hidden = !copy.outcome && !late && !refundHash;
  $("outcome-title").textContent = copy.outcome?.[0] ?? (late ? "Late payment recorded" : "Refund sent");
  $("outcome-text").textContent = copy.outcome?.[1] ?? "";
  $("outcome-text").hidden = !copy.outcome;
  $("late-note").hidden = !late;
  showHash("payout", order.status === "completed" ? order.payout?.tx_hash : null, order.to?.currency);
  showHash("refund", refundHash, order.payment?.currency);
  $("outcome-new").hidden = !copy.again;
  if (OFF_THE_PATH.includes(order.status) || order.excess) showSupport($("outcome-support"), order.id);
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
