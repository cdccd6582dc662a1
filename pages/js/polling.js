// How long the payment page waits before asking for the order again: quick while something is
// about to happen, slower when the tab is hidden or errors repeat, never after a final status.

import { FINAL, QUIET } from "./statuses.js";

const ACTIVE_MS = 3000;
const WAITING_MS = 15000; // expired or partially paid: a late deposit or the operator may move it
const HIDDEN_MS = 30000;
const MAX_BACKOFF_MS = 60000;

/** Milliseconds until the next poll, or null to stop polling. */
export function nextPollDelay({ status, failures = 0, hidden = false }) {
  if (FINAL.includes(status)) return null;
  if (failures > 0) return Math.min(MAX_BACKOFF_MS, ACTIVE_MS * 2 ** failures);
  if (hidden) return HIDDEN_MS;
  if (QUIET.includes(status)) return WAITING_MS;
  return ACTIVE_MS;
}
