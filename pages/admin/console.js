// The operator's back office: the queue, the orders, one order and what to do with it, the
// webhook log and the numbers. The token stays in this tab's sessionStorage and goes out only in
// the Authorization header; everything the API says is put on the page with textContent.
import { call } from "../js/api.js";
import { explorerUrl } from "../js/explorers.js";

const TOKEN_KEY = "onecash.operator-token";
const REFRESH_MS = 15_000;
const STALE_MESSAGE =
  "Someone else changed this order after you opened it, so nothing was changed. " +
  "It is reloaded below: check it, then try again.";

// What the operator does for each queue reason, and the statuses each form may act on.
const REASONS = { payout: "Pay out", payout_and_refund: "Pay out and refund the excess", refund: "Refund" };
const PAYABLE = new Set(["paid", "partially_paid"]);
const REFUNDABLE = new Set(["paid", "partially_paid", "action_required", "refunding"]);
const $ = (id) => document.getElementById(id);
const state = { view: "queue", from: "queue", cursor: null, order: null, etag: null, filters: {} };

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function api(path, { headers = {}, ...options } = {}) {
  const answer = await call(path, { ...options, headers: { Authorization: `Bearer ${token()}`, ...headers } });
  return options.raw ? answer : { data: answer.data, etag: answer.headers.get("ETag") };
}

function el(tag, { text, cls, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function say(text) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
}

function age(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}

function explorerLink(currency, hash) {
  const url = explorerUrl(currency, hash);
  const link = el("a", { text: hash, cls: "mono" });
  if (url) {
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
  }
  return link;
}

function failed(error) {
  if (error.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    signedOut("That operator token was refused. Paste a valid one.");
    return;
  }
  // The API answers 429 only to a wrong token (a right one is always let in), once this address
  // has sent too many: the token is dropped as on a 401, and the wait is said.
  if (error.status === 429) {
    sessionStorage.removeItem(TOKEN_KEY);
    const minutes = Math.ceil((error.retryAfter ?? 600) / 60);
    signedOut(`That operator token was refused, and too many wrong ones came from this address: a valid one still works, another wrong one is refused for ${minutes} more minutes.`);
    return;
  }
  say(error.message);
}

// ---- views ------------------------------------------------------------------------------------

function show(view) {
  if (view === "order" && state.view !== "order") state.from = state.view;
  state.view = view;
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  for (const tab of document.querySelectorAll(".tab[data-view]")) {
    if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
}

function orderRow(order, extra) {
  const open = el("button", { cls: "row-open", attrs: { type: "button" } },
    el("span", { cls: "mono row-id", text: order.id }),
    el("span", { cls: `pill status-${order.status}`, text: order.status }),
    el("span", { text: `${order.from.amount} ${order.from.currency} → ${order.to.amount} ${order.to.currency}` }),
    el("span", { cls: "note", text: order.email || "no email" }),
    el("span", { cls: "note", text: `created ${order.created_at}` }));
  if (extra) open.prepend(extra);
  open.addEventListener("click", () => openOrder(order.id));
  return el("li", {}, open);
}

async function loadQueue() {
  const { data } = await api("/api/admin/queue");
  const list = $("queue-list");
  list.replaceChildren(...data.items.map((item) => orderRow(item.order, el("strong", {
    cls: "age",
    text: `${REASONS[item.reason] ?? item.reason} · waiting ${age(item.age_seconds)}`,
  }))));
  $("queue-empty").hidden = data.items.length > 0;
  $("queue-more").textContent = data.total > data.items.length
    ? `Showing the ${data.items.length} waiting longest of ${data.total}.` : "";
  $("queue-count").textContent = data.total ? String(data.total) : "";
}

function searchQuery(withPage) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(state.filters)) if (value) query.set(name, value);
  if (withPage) {
    query.set("limit", "50");
    if (state.cursor) query.set("cursor", state.cursor);
  }
  return query;
}

async function loadOrders(more = false) {
  if (!more) state.cursor = null;
  const { data } = await api(`/api/admin/orders?${searchQuery(true)}`);
  const rows = data.orders.map((order) => orderRow(order));
  if (more) $("orders-list").append(...rows);
  else $("orders-list").replaceChildren(...rows);
  state.cursor = data.next_cursor;
  $("more-orders").hidden = !data.next_cursor;
  $("orders-empty").hidden = more || data.orders.length > 0;
}

function fact(list, name, value) {
  list.append(el("div", {}, el("dt", { text: name }), el("dd", { text: value ?? "—" })));
}

function renderOrder(order) {
  $("order-id").textContent = order.id;
  $("order-status").textContent = order.status;
  $("order-status").className = `pill status-${order.status}`;
  $("order-overdue").hidden = !(order.payout_overdue_notified && order.status === "paid");
  $("payout-amount").textContent = order.to.amount;
  $("payout-address").textContent = order.to.address;
  $("payout-memo").textContent = order.to.extra_id || "";
  $("memo-row").hidden = !order.to.extra_id;
  $("payout-tx-row").hidden = !order.payout.tx_hash;
  if (order.payout.tx_hash) $("payout-tx").replaceWith(Object.assign(explorerLink(order.to.currency, order.payout.tx_hash), { id: "payout-tx" }));
  $("complete-form").hidden = !PAYABLE.has(order.status);
  $("refund-form").hidden = !REFUNDABLE.has(order.status) || Boolean(order.excess);
  $("excess-field").hidden = !order.excess;
  $("excess-amount").textContent = order.excess ? `${order.excess} ${order.payment.currency}` : "";

  const facts = $("order-facts");
  facts.replaceChildren();
  fact(facts, "Customer sends", `${order.from.amount} ${order.from.currency}`);
  fact(facts, "Customer receives", `${order.to.amount} ${order.to.currency}`);
  fact(facts, "Rate / fee", `${order.rate} · ${order.fee_percent} %`);
  fact(facts, "Email", order.email);
  fact(facts, "Deposit address", order.payment.address);
  fact(facts, "Received", `${order.payment.received} ${order.payment.currency}`);
  for (const [id, amount] of Object.entries(order.deposits)) fact(facts, `Deposit ${id}`, amount);
  fact(facts, "Processor payment id", `${order.payment.processor} ${order.payment.id}`);
  fact(facts, "Refund address", order.refund_address);
  if (order.refund_extra_id) fact(facts, "Refund memo / tag", order.refund_extra_id);
  if (order.excess) fact(facts, "Paid in excess (to refund)", `${order.excess} ${order.payment.currency}`);
  if (order.action) fact(facts, "Waiting for the customer", order.action.reason.replace("_", " "));
  if (order.payment.tx_hash) {
    facts.append(el("div", {}, el("dt", { text: "Deposit transaction" }),
      el("dd", {}, explorerLink(order.payment.currency, order.payment.tx_hash))));
  }
  if (order.refund.tx_hash) {
    facts.append(el("div", {}, el("dt", { text: "Refund transaction" }),
      el("dd", {}, explorerLink(order.payment.currency, order.refund.tx_hash))));
    fact(facts, "Refund amount", order.refund.amount);
  }
  fact(facts, "Created / expires", `${order.created_at} / ${order.expires_at}${order.late ? " (paid late)" : ""}`);

  $("order-notes").replaceChildren(...(order.notes.length ? order.notes.map((n) =>
    el("li", {}, el("span", { cls: "note", text: `${n.at} · ${n.actor || "operator"}` }), el("p", { cls: "pre", text: n.note })))
    : [el("li", { cls: "note", text: "No notes yet." })]));
  $("order-timeline").replaceChildren(...order.timeline.map((e) => el("li", {},
    el("strong", { text: e.status }),
    el("span", { cls: "note", text: ` ${e.at} · ${e.source}${e.actor ? ` (${e.actor})` : ""}` }),
    ...(e.note ? [el("p", { cls: "pre", text: e.note })] : []))));
}

function webhookItem(event) {
  const redeliver = el("button", { cls: "secondary", text: "Redeliver", attrs: { type: "button" } });
  redeliver.addEventListener("click", async () => {
    try {
      await api(`/api/admin/webhooks/${encodeURIComponent(event.event_id)}/redeliver`, { method: "POST" });
      redeliver.textContent = "Queued ✓";
      redeliver.disabled = true;
    } catch (error) {
      failed(error);
    }
  });
  const attempts = event.attempt_log.map((a) => `${a.at} ${a.status_code ?? a.error ?? ""} (${a.duration_ms} ms)`);
  return el("li", {},
    el("strong", { text: event.type }),
    el("span", { cls: `pill status-${event.status}`, text: event.status }),
    el("span", { cls: "note", text: ` ${event.created_at} · ${event.attempts} attempt(s)${event.last_error ? ` · ${event.last_error}` : ""}` }),
    el("span", { cls: "mono note", text: ` ${event.event_id}` }),
    ...(attempts.length ? [el("p", { cls: "note mono", text: attempts.join(" · ") })] : []),
    redeliver);
}

async function openOrder(id, keepMessage = false) {
  if (!keepMessage) say("");
  const { data, etag } = await api(`/api/admin/orders/${encodeURIComponent(id)}`).catch((e) => { failed(e); throw e; });
  state.order = data.order;
  state.etag = etag || data.etag;
  renderOrder(data.order);
  $("order-webhooks").replaceChildren(...data.webhooks.map(webhookItem));
  $("act-status").textContent = "";
  show("order");
}

async function act(body, form) {
  say("");
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api(`/api/order/${encodeURIComponent(state.order.id)}`, {
      method: "PUT",
      body,
      headers: { "If-Match": state.etag },
    });
    form.reset();
    await openOrder(state.order.id);
    $("act-status").textContent = "Saved.";
    loadQueue().catch(() => {});
  } catch (error) {
    if (error.status === 412) {
      say(STALE_MESSAGE);
      await openOrder(state.order.id, true).catch(() => {});
    } else {
      failed(error);
    }
  } finally {
    button.disabled = false;
  }
}

async function loadWebhooks() {
  const { data } = await api(`/api/admin/webhooks?status=${$("webhook-status").value}`);
  const notes = [];
  if (!data.webhook_url_configured) notes.push("WEBHOOK_URL is not set: events wait in the outbox.");
  if (data.endpoint_disabled_by_410) notes.push("The receiver answered 410 Gone: redeliver an event to switch it back on.");
  $("webhook-state").textContent = notes.join(" ") || `${data.events.length} event(s).`;
  $("webhook-list").replaceChildren(...data.events.map(webhookItem));
}

async function loadStats() {
  const query = new URLSearchParams();
  if ($("stats-from").value) query.set("from", $("stats-from").value);
  if ($("stats-to").value) query.set("to", $("stats-to").value);
  const { data } = await api(`/api/admin/stats?${query}`);
  const list = $("stats");
  list.replaceChildren();
  const money = (sums) => Object.entries(sums).map(([c, v]) => `${v} ${c}`).join(", ") || "—";
  fact(list, "Orders", String(data.orders));
  fact(list, "By status", Object.entries(data.by_status).filter(([, n]) => n).map(([s, n]) => `${s} ${n}`).join(", ") || "—");
  fact(list, "Received", money(data.volume_in));
  fact(list, "Paid out", money(data.volume_out));
  fact(list, "Refunded", money(data.refunds));
  fact(list, "Fees earned", money(data.fees));
  fact(list, "Queue", `${data.queue.length}${data.queue.oldest_age_seconds !== null ? `, oldest waiting ${age(data.queue.oldest_age_seconds)}` : ""}`);
  fact(list, "Webhooks", `${data.webhooks.pending} pending, ${data.webhooks.dead} dead`);
}

async function downloadCsv() {
  try {
    const response = await api(`/api/admin/orders.csv?${searchQuery(false)}`, { raw: true });
    const blob = await response.blob();
    const link = el("a", { attrs: { download: `onecash-orders-${new Date().toISOString().slice(0, 10)}.csv` } });
    link.href = URL.createObjectURL(blob);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    failed(error);
  }
}

async function copy(button) {
  const text = $(button.dataset.copy).textContent;
  try {
    await navigator.clipboard.writeText(text);
    $("copy-status").textContent = `Copied the ${button.dataset.copyName}.`;
  } catch {
    const range = document.createRange();
    range.selectNodeContents($(button.dataset.copy));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    $("copy-status").textContent = `Selected the ${button.dataset.copyName}: press Ctrl+C or ⌘C.`;
  }
}

const LOADERS = { queue: loadQueue, orders: () => loadOrders(false), webhooks: loadWebhooks, stats: loadStats };

async function refresh() {
  if (!token()) return;
  try {
    await loadQueue();
    if (state.view === "webhooks" || state.view === "stats") await LOADERS[state.view]();
    $("refreshed").textContent = `Up to date as of ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    failed(error);
  }
}

function signedOut(message) {
  $("nav").hidden = true;
  for (const section of document.querySelectorAll(".view")) section.hidden = true;
  $("sign-in").hidden = false;
  $("refreshed").textContent = "";
  say(message || "");
  $("token").focus();
}

async function signedIn() {
  $("sign-in").hidden = true;
  $("nav").hidden = false;
  show("queue");
  await refresh();
}

// ---- wiring -----------------------------------------------------------------------------------

$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
  $("token").value = "";
  say("");
  signedIn();
});
$("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  signedOut("Signed out.");
});
for (const tab of document.querySelectorAll(".tab[data-view]")) {
  tab.addEventListener("click", () => {
    say("");
    show(tab.dataset.view);
    LOADERS[tab.dataset.view]().catch(failed);
  });
}
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.filters = {
    q: $("q").value.trim(),
    status: $("status-filter").value,
    from: $("from-date").value,
    to: $("to-date").value,
  };
  loadOrders(false).catch(failed);
});
$("more-orders").addEventListener("click", () => loadOrders(true).catch(failed));
$("download-csv").addEventListener("click", downloadCsv);
$("back").addEventListener("click", () => {
  say("");
  show(state.from);
  // The list came back as it was left (its filters and pages); the queue is read afresh.
  if (state.from === "webhooks" || state.from === "stats") LOADERS[state.from]().catch(failed);
  loadQueue().catch(failed);
});
$("webhook-status").addEventListener("change", () => loadWebhooks().catch(failed));
$("stats-form").addEventListener("submit", (event) => {
  event.preventDefault();
  loadStats().catch(failed);
});
$("complete-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = { status: "completed", payout_tx_hash: $("payout-hash").value.trim() };
  if ($("complete-note").value.trim()) body.note = $("complete-note").value.trim();
  if (state.order?.excess && $("excess-hash").value.trim()) {
    body.refund_tx_hash = $("excess-hash").value.trim();
    body.refund_amount = state.order.excess;
  }
  act(body, event.target);
});
$("refund-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = { status: "refunded", refund_tx_hash: $("refund-hash").value.trim() };
  if ($("refund-amount").value.trim()) body.refund_amount = $("refund-amount").value.trim();
  act(body, event.target);
});
$("note-form").addEventListener("submit", (event) => {
  event.preventDefault();
  act({ internal_note: $("internal-note").value.trim() }, event.target);
});
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", () => copy(button));
}

setInterval(refresh, REFRESH_MS);
document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
if (token()) signedIn();
else signedOut();
