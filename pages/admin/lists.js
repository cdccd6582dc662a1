// The console's lists: the queue (what waits on the operator, each row saying what is due: a
// payout, or a refund with its coin, amount and address), the orders search, and the numbers.
import { $, age, el, fact, money, when } from "./dom.js";
import { route } from "./router.js";
import { api } from "./session.js";

const REASONS = {
  payout: "Pay out",
  payout_and_refund: "Pay out and refund the excess",
  refund: "Refund",
  refund_excess: "Refund the excess",
  customer_choice: "Waiting for the customer",
};

function to(address) {
  return address ? ` to ${address}` : " (no refund address yet)";
}

/** What a queue row says is due: the payout, or the refund (never the exchange for a refund). */
function dueText(reason, order) {
  const { payout, excess_refund: excess, refund } = order.due;
  if ((reason === "payout" || reason === "payout_and_refund") && payout) {
    const rest = excess ? `, and refund ${money(excess.amount, excess.currency)}${to(order.refund_address)}` : "";
    return `${money(payout.amount, payout.currency)} to ${order.to.address}${rest}`;
  }
  if ((reason === "refund" || reason === "refund_excess") && refund) {
    return `${money(refund.amount, refund.currency)}${to(order.refund_address)}`;
  }
  if (reason === "customer_choice" && order.action) return `${order.action.reason.replace("_", " ")}: ${order.action.choices.join(", ")}`;
  return `${money(order.from.amount, order.from.currency)} → ${money(order.to.amount, order.to.currency)}`;
}

function orderRow(order, { reason, ageSeconds } = {}) {
  const link = el("a", { cls: "row-open", attrs: { href: route("order", order.id) } });
  if (reason) {
    link.append(el("strong", { cls: "age", text: `${REASONS[reason] ?? reason} · waiting ${age(ageSeconds)}` }));
  }
  link.append(
    el("span", { cls: "mono row-id", text: order.id }),
    el("span", { cls: `pill status-${order.status}`, text: order.status }),
    el("span", { cls: "row-due", text: reason ? dueText(reason, order) : dueText("", order) }),
    el("span", { cls: "note", text: order.email || "no email" }),
    el("span", { cls: "note" }, "created ", when(order.created_at)));
  return el("li", {}, link);
}

export async function loadQueue() {
  const { data } = await api("/api/admin/queue");
  $("queue-list").replaceChildren(...data.items.map((item) =>
    orderRow(item.order, { reason: item.reason, ageSeconds: item.age_seconds })));
  $("queue-empty").hidden = data.items.length > 0;
  $("queue-more").textContent = data.total > data.items.length
    ? `Showing the ${data.items.length} waiting longest of ${data.total}.` : "";
  $("queue-count").textContent = data.total ? String(data.total) : "";
}

const FILTERS = ["q", "status", "from", "to"];
const search = { key: null, cursor: null };

/** The search the route names, shown in the form and listed; the same search again (Back from
 * an order) keeps the list as it was left, with the pages shown. */
export async function loadOrders(query, { more = false, force = false } = {}) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, query.get(name) || ""]));
  const key = JSON.stringify(filters);
  $("q").value = filters.q;
  $("status-filter").value = filters.status;
  $("from-date").value = filters.from;
  $("to-date").value = filters.to;
  if (!more && !force && key === search.key) return;
  const page = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
  page.set("limit", "50");
  if (more && search.cursor) page.set("cursor", search.cursor);
  const { data } = await api(`/api/admin/orders?${page}`);
  const rows = data.orders.map((order) => orderRow(order));
  if (more) $("orders-list").append(...rows);
  else $("orders-list").replaceChildren(...rows);
  search.key = key;
  search.cursor = data.next_cursor;
  $("more-orders").hidden = !data.next_cursor;
  $("orders-empty").hidden = more || data.orders.length > 0;
}

/** The search as the form has it, for its route. */
export function searchForm() {
  return { q: $("q").value.trim(), status: $("status-filter").value, from: $("from-date").value, to: $("to-date").value };
}

export async function loadStats(query) {
  const period = new URLSearchParams();
  for (const name of ["from", "to"]) if (query.get(name)) period.set(name, query.get(name));
  $("stats-from").value = query.get("from") || "";
  $("stats-to").value = query.get("to") || "";
  const { data } = await api(`/api/admin/stats?${period}`);
  const list = $("stats");
  list.replaceChildren();
  const sums = (per) => Object.entries(per).map(([c, v]) => money(v, c)).join(", ") || "—";
  fact(list, "Orders", String(data.orders));
  fact(list, "By status", Object.entries(data.by_status).filter(([, n]) => n).map(([s, n]) => `${s} ${n}`).join(", ") || "—");
  fact(list, "Received", sums(data.volume_in));
  fact(list, "Paid out", sums(data.volume_out));
  fact(list, "Refunded", sums(data.refunds));
  fact(list, "Fees earned", sums(data.fees));
  fact(list, "Queue", `${data.queue.length}${data.queue.oldest_age_seconds !== null ? `, oldest waiting ${age(data.queue.oldest_age_seconds)}` : ""}`);
  fact(list, "Webhooks", `${data.webhooks.pending} pending, ${data.webhooks.dead} dead`);
}

/** The export of the search the orders view shows. */
export function exportQuery() {
  return new URLSearchParams(Object.entries(searchForm()).filter(([, v]) => v));
}
