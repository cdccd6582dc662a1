// One outbox event as the operator sees it, a webhook to their automation or an email to the
// customer: what it is, its state, its attempts, and a button to send it again.
import { $, el, when } from "./dom.js";
import { route } from "./router.js";
import { api, failed } from "./session.js";

const REDELIVER = { webhook: "webhooks", email: "emails" };

export function eventItem(event, channel, { withOrder = false } = {}) {
  const redeliver = el("button", { cls: "secondary", text: "Redeliver", attrs: { type: "button" } });
  redeliver.addEventListener("click", async () => {
    try {
      await api(`/api/admin/${REDELIVER[channel]}/${encodeURIComponent(event.event_id)}/redeliver`, { method: "POST" });
      redeliver.textContent = "Queued ✓";
      redeliver.disabled = true;
    } catch (error) {
      failed(error);
    }
  });
  const attempts = event.attempt_log.map((a) => el("span", {},
    when(a.at), ` ${a.status_code ?? a.error ?? ""} (${a.duration_ms} ms)`));
  const order = withOrder
    ? [el("a", { text: event.order_id, cls: "mono", attrs: { href: route("order", event.order_id) } })]
    : [];
  return el("li", {},
    el("strong", { text: event.type }),
    el("span", { cls: `pill status-${event.status}`, text: event.status }),
    ...order,
    el("span", { cls: "note" }, when(event.created_at),
      ` · ${event.attempts} attempt(s)${event.last_error ? ` · ${event.last_error}` : ""}`),
    el("span", { cls: "mono note", text: event.event_id }),
    ...(attempts.length ? [el("p", { cls: "note attempts" }, ...attempts)] : []),
    redeliver);
}

/** The outbox of one channel, in one state: `GET /api/admin/webhooks` or `/api/admin/emails`. */
export async function loadOutbox(channel, status) {
  const { data } = await api(`/api/admin/${REDELIVER[channel]}?status=${encodeURIComponent(status)}`);
  const notes = [];
  if (channel === "webhook") {
    if (!data.webhook_url_configured) notes.push("WEBHOOK_URL is not set: events wait in the outbox.");
    if (data.endpoint_disabled_by_410) notes.push("The receiver answered 410 Gone: redeliver an event to switch it back on.");
  } else if (!data.emails_configured) {
    notes.push("No email provider is set (EMAIL_PROVIDER, EMAIL_API_KEY, EMAIL_FROM): nothing is queued, and the order webhooks carry the customer's address.");
  }
  const prefix = channel === "webhook" ? "webhook" : "email";
  $(`${prefix}-state`).textContent = notes.join(" ") || `${data.events.length} ${status} ${channel}${data.events.length === 1 ? "" : "s"}.`;
  $(`${prefix}-list`).replaceChildren(...data.events.map((e) => eventItem(e, channel, { withOrder: true })));
}
