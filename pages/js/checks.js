// The exchange form's checks as plain functions of the values and the API's currency list: no
// DOM, no network. They only spare the person a round trip; the API decides.
import { checkAddress, supports } from "./addresses.js";
import { compare, isDecimal, isPositive } from "./decimal.js";

export const FIELDS = ["from_currency", "to_currency", "amount", "payout_address",
  "payout_extra_id", "refund_address", "email"];

const LABELS = {
  from_currency: "The currency you send",
  to_currency: "The currency you get",
  amount: "The amount",
  payout_address: "The payout address",
  payout_extra_id: "The memo / tag",
  refund_address: "The refund address",
  email: "The email",
};

// Only obvious typos: the API has the real rule and its answer is shown at the field.
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export const upper = (code) => String(code ?? "").toUpperCase();

function compile(pattern) {
  if (typeof pattern !== "string" || !pattern) return null;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return null; // a pattern JS cannot read: the API still checks the address
  }
}

/** A currency from `GET /api/currencies` with its patterns compiled once. */
export function prepareCurrency(currency) {
  return { ...currency, address: compile(currency.address_pattern), extra: compile(currency.extra_id_pattern) };
}

export function normalizeAmount(text) {
  // A decimal comma is how much of the world types amounts.
  const trimmed = text.trim();
  return /^\d+,\d+$/.test(trimmed) ? trimmed.replace(",", ".") : trimmed;
}

export function amountProblem(amount, currency) {
  if (!amount) return "Enter the amount you send.";
  if (!isDecimal(amount) || !isPositive(amount)) return "Enter a positive number, like 0.05.";
  if (!currency) return null;
  const code = upper(currency.code);
  const decimals = Number(currency.decimals);
  const written = amount.includes(".") ? amount.length - amount.indexOf(".") - 1 : 0;
  if (Number.isInteger(decimals) && written > decimals) {
    return `${code} amounts have at most ${decimals} decimals.`;
  }
  const { min_amount: min, max_amount: max } = currency;
  if (isDecimal(String(min ?? "")) && compare(amount, min) < 0) return `The minimum is ${min} ${code}.`;
  if (isDecimal(String(max ?? "")) && compare(amount, max) > 0) return `The maximum is ${max} ${code}.`;
  return null;
}

export function addressProblem(address, currency, required) {
  const name = currency?.name ?? "payout";
  if (!address) return required ? `Enter your ${name} address.` : null;
  if (currency?.address && !currency.address.test(address)) return `This is not a valid ${name} address.`;
  return null;
}

/** The network's own check (checksums: a typo sends coins to nobody), where it has one: the
 * API's message for the address, or null when it passes. */
export async function checksumProblem(address, currency) {
  if (!address || !currency || !supports(currency.code)) return null;
  const verdict = await checkAddress(currency.code, address);
  return verdict.ok ? null : verdict.message;
}

/** Checksum problems of an order body's addresses, leaving out fields in `skip`. */
export async function checksumProblems(body, currencies, skip = new Set()) {
  const found = [];
  const addresses = [["payout_address", body.to_currency], ["refund_address", body.from_currency]];
  for (const [field, code] of addresses) {
    if (skip.has(field)) continue;
    const message = await checksumProblem(body[field], currencies.get(code));
    if (message) found.push({ field, message });
  }
  return found;
}

export function extraIdProblem(extraId, currency) {
  if (!currency?.needs_extra_id) return null;
  if (!extraId) {
    const unless = currency.extra_id_optional ? " If your wallet needs none, tick “My wallet needs no tag”." : "";
    return `${currency.name} needs a memo or tag to credit your payout.${unless}`;
  }
  if (currency.extra && !currency.extra.test(extraId)) return "This memo or tag has the wrong format.";
  return null;
}

/** Every problem in an order body, as `{field, message}`, in the form's order. */
export function problems(body, currencies) {
  const source = currencies.get(body.from_currency);
  const target = currencies.get(body.to_currency);
  const found = [];
  const add = (field, message) => message && found.push({ field, message });
  if (!source) add("from_currency", "Choose the currency you send.");
  if (!target) add("to_currency", "Choose the currency you get.");
  if (source && source === target) add("to_currency", "Choose two different currencies.");
  add("amount", amountProblem(body.amount, source));
  add("payout_address", addressProblem(body.payout_address, target, true));
  if (!body.payout_no_tag) add("payout_extra_id", extraIdProblem(body.payout_extra_id, target));
  add("refund_address", addressProblem(body.refund_address, source, false));
  if (body.email && !EMAIL.test(body.email)) add("email", "Enter an email address like name@example.com.");
  return found;
}

/** The API's `details[]` as `{field, message}` for the fields this form has. */
export function apiProblems(details) {
  return details
    .map((detail) => ({ field: fieldName(detail.field), message: String(detail.message ?? "") }))
    .filter((detail) => detail.field)
    .map((detail) => ({ field: detail.field, message: sentence(detail.field, detail.message) }));
}

function fieldName(raw) {
  const last = String(raw ?? "").split(".").pop();
  return FIELDS.includes(last) ? last : null;
}

/** An API field message ("is not a valid email address") as a sentence about the field. */
export function sentence(field, message) {
  const text = message.trim();
  const label = LABELS[field];
  let full = `${label}: ${text}`;
  if (/^(is|are|must|has|have|cannot|should)\b/.test(text)) full = `${label} ${text}`;
  else if (/^(below|above)\b/.test(text)) full = `${label} is ${text}`;
  return /[.!?]$/.test(full) ? full : `${full}.`;
}
