// The operator's back office: sign-in, and each view at its own address (router.js): the queue,
// the orders, one order and what to do with it (order.js), the webhook and email logs, the
// numbers. It calls only the operator API; everything it shows goes on the page as textContent.
import { wireConfirm } from "./confirm.js";
import { $, el, say } from "./dom.js";
import { loadOutbox } from "./events.js";
import { exportQuery, loadOrders, loadQueue, loadStats, searchForm } from "./lists.js";
import { leaveOrder, openOrder, whenChanged, wireOrder } from "./order.js";
import { go, parse, route } from "./router.js";
import { api, failed, forget, keep, token, whenRefused } from "./session.js";

const REFRESH_MS = 15_000;
const state = { view: null, back: "#/queue" };

function show(view) {
  state.view = view;
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  for (const tab of document.querySelectorAll(".tab[data-view]")) {
    if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
}

/** Shows the view the address names. An order's "Back" leads to the list it was opened from. */
async function navigate() {
  if (!token()) return;
  const { view, id, query } = parse(location.hash);
  if (view !== "order") {
    leaveOrder();
    state.back = location.hash || "#/queue";
  }
  say("");
  try {
    if (view === "order") {
      $("back").href = state.back;
      if (await openOrder(id)) show("order");
      return;
    }
    show(view);
    if (view === "queue") await loadQueue();
    if (view === "orders") await loadOrders(query);
    if (view === "webhooks") {
      $("webhook-status").value = query.get("status") || "pending";
      await loadOutbox("webhook", $("webhook-status").value);
    }
    if (view === "emails") {
      $("email-status").value = query.get("status") || "pending";
      await loadOutbox("email", $("email-status").value);
    }
    if (view === "stats") await loadStats(query);
  } catch (error) {
    failed(error);
  }
}

async function refresh() {
  if (!token()) return;
  try {
    await loadQueue();
    // A list on screen is read again; an order is not, so nothing typed into it is lost.
    const { view, query } = parse(location.hash);
    if (view === "webhooks" || view === "emails") await loadOutbox(view === "webhooks" ? "webhook" : "email", query.get("status") || "pending");
    if (view === "stats") await loadStats(query);
    $("refreshed").textContent = `Up to date as of ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    failed(error);
  }
}

function signedOut(message) {
  leaveOrder();
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
  await navigate();
  if (state.view !== "queue") loadQueue().catch(() => {}); // the tab's count
  $("refreshed").textContent = `Up to date as of ${new Date().toLocaleTimeString()}.`;
}

async function downloadCsv() {
  try {
    const response = await api(`/api/admin/orders.csv?${exportQuery()}`, { raw: true });
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
  const source = $(button.dataset.copy);
  try {
    await navigator.clipboard.writeText(source.textContent);
    $("copy-status").textContent = `Copied the ${button.dataset.copyName}.`;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    $("copy-status").textContent = `Selected the ${button.dataset.copyName}: press Ctrl+C or ⌘C.`;
  }
}

// ---- wiring -----------------------------------------------------------------------------------

whenRefused(signedOut);
whenChanged(() => loadQueue().catch(() => {}));
wireConfirm();
wireOrder();
$("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault();
  keep($("token").value.trim());
  $("token").value = "";
  say("");
  signedIn();
});
$("sign-out").addEventListener("click", () => {
  forget();
  signedOut("Signed out.");
});
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const hash = route("orders", searchForm());
  if (location.hash === hash) loadOrders(parse(hash).query, { force: true }).catch(failed);
  else go(hash);
});
$("more-orders").addEventListener("click", () => loadOrders(parse(location.hash).query, { more: true }).catch(failed));
$("download-csv").addEventListener("click", downloadCsv);
$("webhook-status").addEventListener("change", () => go(route("webhooks", { status: $("webhook-status").value })));
$("email-status").addEventListener("change", () => go(route("emails", { status: $("email-status").value })));
$("stats-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const hash = route("stats", { from: $("stats-from").value, to: $("stats-to").value });
  if (location.hash === hash) loadStats(parse(hash).query).catch(failed);
  else go(hash);
});
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", () => copy(button));
}
for (const tab of document.querySelectorAll(".tab[data-view]")) {
  // The view already shown, asked for again: read it again (no address change to follow).
  tab.addEventListener("click", () => {
    if (tab.getAttribute("href") === location.hash) {
      if (tab.dataset.view === "orders") loadOrders(parse(location.hash).query, { force: true }).catch(failed);
      else navigate();
    }
  });
}
window.addEventListener("hashchange", navigate);
setInterval(refresh, REFRESH_MS);
document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
if (token()) signedIn();
else signedOut();
