// How a customer reaches support about one order: a mailto: with the order id in the subject and
// a support page with ?order=…, from SUPPORT_EMAIL and SUPPORT_URL in env.js. Built with DOM
// calls, so nothing from the address bar or the network becomes markup.
import { SUPPORT_EMAIL, SUPPORT_URL } from "../env.js";

function supportPage(orderId) {
  try {
    const url = new URL(SUPPORT_URL);
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    if (orderId) url.searchParams.set("order", orderId);
    return url.href;
  } catch {
    return null; // unset or not a URL: no link rather than a broken one
  }
}

/** The support links for `orderId` (may be empty): [] when neither is configured. */
export function supportLinks(orderId) {
  const links = [];
  if (SUPPORT_EMAIL) {
    const subject = orderId ? `Order ${orderId}` : "My order";
    const mail = document.createElement("a");
    mail.href = `mailto:${SUPPORT_EMAIL}?subject=${encodeURIComponent(subject)}`;
    mail.textContent = `Email ${SUPPORT_EMAIL}`;
    links.push(mail);
  }
  const page = supportPage(orderId);
  if (page) {
    const link = document.createElement("a");
    link.href = page;
    link.rel = "noopener noreferrer";
    link.textContent = "Open a support request";
    links.push(link);
  }
  return links;
}

/** Fills `container` with "Contact support: <links>", or hides it when none is configured. */
export function showSupport(container, orderId) {
  const links = supportLinks(orderId);
  container.hidden = links.length === 0;
  if (!links.length) return container.replaceChildren();
  const parts = ["Contact support: "];
  links.forEach((link, index) => {
    if (index) parts.push(" or ");
    parts.push(link);
  });
  container.replaceChildren(...parts, ".");
}
