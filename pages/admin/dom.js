// Building the console's nodes. Everything the API says goes on the page as textContent (or an
// attribute), never as HTML: an order's fields are typed by strangers.
import { explorerUrl } from "../js/explorers.js";

export const $ = (id) => document.getElementById(id);

export function el(tag, { text, cls, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function say(text) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
}

const LOCAL = new Intl.DateTimeFormat(undefined, {
  year: "numeric", month: "short", day: "numeric",
  hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
});

/** A time the API wrote (UTC, ISO 8601) in the operator's own time zone, with the UTC time it
 * was on hover and in `datetime`, so nobody converts in their head or misreads a date. */
export function when(iso) {
  if (!iso) return el("span", { text: "—" });
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return el("span", { text: iso });
  return el("time", {
    text: LOCAL.format(date),
    attrs: { datetime: iso, title: `${iso.replace("T", " ").replace("Z", "")} UTC` },
  });
}

export function age(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d ${Math.floor((seconds % 86400) / 3600)} h`;
}

export function explorerLink(currency, hash, id) {
  const url = explorerUrl(currency, hash);
  const link = el("a", { text: hash, cls: "mono" });
  if (id) link.id = id;
  if (url) {
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
  }
  return link;
}

/** "<amount> <coin>", the way every amount is said to the operator: never without its coin. */
export function money(amount, currency) {
  return `${amount} ${currency}`;
}

/** A row of the order's facts: a name and its value (text, or nodes). */
export function fact(list, name, ...value) {
  const dd = value.some((v) => v instanceof Node)
    ? el("dd", {}, ...value)
    : el("dd", { text: value.filter((v) => v !== null && v !== undefined).join("") || "—" });
  list.append(el("div", {}, el("dt", { text: name }), dd));
}
