// The sets of order statuses the pages speak of, each named once: the same names and members as
// src/orders/domain/lifecycle.py, held to it by tests/core/test_lifecycle.py.

// Where the exchange is over: the payment page stops asking for news.
export const FINAL = ["completed", "failed", "refunded", "cancelled"];
// Where a deposit may still arrive and settle (and so a problem and its choice may still come).
export const OPEN_FOR_PAYMENT = ["awaiting_payment", "confirming", "partially_paid", "action_required", "expired"];
// Where nothing has been seen of a deposit yet.
export const NOTHING_SEEN = ["awaiting_payment", "expired"];
// Where the end of the rate lock changes the order: the page counts down to it.
export const ENDS_WITH_LOCK = ["awaiting_payment", "partially_paid"];
// Where the order went ahead: money beyond its amount is an excess to refund.
export const WENT_AHEAD = ["paid", "completed"];
// Where the payout may be sent next: a refund recorded now goes instead of it.
export const PAYS_OUT_NEXT = ["partially_paid", "paid"];
// The payment page's progress steps: the usual path of an order.
export const STEPS = ["awaiting_payment", "confirming", "paid", "completed"];
// Off the usual path: the customer may need a person (the page shows the support links).
export const OFF_THE_PATH = ["partially_paid", "action_required", "expired", "failed", "refunding", "refunded", "cancelled"];
// Off the path with the money final: it waits for a choice or goes back, confirmations behind it.
export const CONFIRMED_OFF_PATH = ["action_required", "refunding", "refunded"];
// Where the order may wait a while (a late deposit, the rest, the operator): asked less often.
export const QUIET = ["expired", "partially_paid"];
