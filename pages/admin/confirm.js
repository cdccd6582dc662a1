// The confirmation every final action goes through: a modal dialog that says exactly what will be
// recorded (the order, the amount and coin, the address, the transaction) before anything is
// sent, and only its confirm button sends. It is asked once per click: a second click on
// confirm, Escape, Cancel or leaving the order drops what was asked, so nothing is sent twice.
import { $, el } from "./dom.js";

const dialog = () => $("confirm");
let pending = null;

/** Asks to confirm `run`: `{title, lede, facts: [[name, value], …], confirm, run}`. */
export function ask({ title, lede, facts, confirm, run }) {
  $("confirm-title").textContent = title;
  $("confirm-lede").textContent = lede || "";
  $("confirm-facts").replaceChildren(...facts.map(([name, value]) =>
    el("div", {}, el("dt", { text: name }), el("dd", { text: value }))));
  const ok = $("confirm-ok");
  ok.textContent = confirm;
  ok.disabled = false;
  pending = run;
  dialog().showModal();
  $("confirm-cancel").focus(); // Enter on a fresh dialog cancels; confirming is a deliberate click
}

/** Drops what was asked and closes the dialog (Cancel, Escape, another view). */
export function dismiss() {
  pending = null;
  if (dialog().open) dialog().close();
}

async function confirmed() {
  const run = pending;
  pending = null;
  if (!run) return;
  $("confirm-ok").disabled = true;
  try {
    await run();
  } finally {
    if (dialog().open) dialog().close();
  }
}

export function wireConfirm() {
  $("confirm-ok").addEventListener("click", confirmed);
  $("confirm-cancel").addEventListener("click", dismiss);
  dialog().addEventListener("cancel", () => { pending = null; });
}
