// Each view of the console has its own address in the fragment (#/queue, #/orders?q=…,
// #/order/ord_…, #/webhooks?status=dead, #/emails, #/stats?from=…), so a link opens it, the
// browser's Back and Forward move between views, and a reload stays where it was. The fragment
// never reaches a server; the token is never in it.

export const VIEWS = ["queue", "orders", "order", "webhooks", "emails", "stats"];

/** `{view, id, query}` for a fragment; an unknown one is the queue. */
export function parse(hash) {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?", 2);
  const [view, id] = path.split("/", 2);
  const query = new URLSearchParams(search);
  if (view === "order" && id && /^ord_[A-Za-z0-9_-]+$/.test(decodeURIComponent(id))) {
    return { view, id: decodeURIComponent(id), query };
  }
  return { view: VIEWS.includes(view) && view !== "order" ? view : "queue", id: null, query };
}

/** The fragment of a view: `route("orders", {q: "alice"})`, `route("order", "ord_…")`. */
export function route(view, arg) {
  if (view === "order") return `#/order/${encodeURIComponent(arg)}`;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(arg || {})) if (value) query.set(name, value);
  const search = query.toString();
  return search ? `#/${view}?${search}` : `#/${view}`;
}

export function go(hash) {
  if (location.hash !== hash) location.hash = hash;
}
