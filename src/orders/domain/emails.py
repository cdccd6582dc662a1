"""The customer's emails about their order (docs/emails.md): which change is worth a message,
and what it says. Pure: the event id and the time come in as values. The request that hands a
queued email to the provider is `processors.email_providers`.

An email is queued in the outbox in the same batch as the change it tells of (channel `email`),
so it is never sent for a change that did not happen, nor lost for one that did. It is plain
text, written in full when queued: what the customer reads is what the order was then. It
links to the payment page by the order's id only; the customer's key never leaves the browser
it was given to, except in the one email its customer asks for (`action_link`), which carries a
new key that replaces the old one.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from orders import strict_json
from orders.config import Settings
from orders.domain import money, problems
from orders.domain.changes import WebhookEvent
from orders.domain.currencies import KNOWN, symbol_of
from orders.domain.lifecycle import Status
from orders.domain.order import Order

BRAND = "ONE⚡CASH"
CHANNEL = "email"

# The change an email tells of: `created` is asked for by name, the others follow the status.
CREATED = "created"
KIND_OF_STATUS: dict[Status, str] = {
    Status.CONFIRMING: "deposit_seen",
    Status.PAID: "paid",
    Status.COMPLETED: "payout_sent",
    Status.ACTION_REQUIRED: "action_required",
    Status.REFUNDED: "refunded",
}

# Where a transaction can be looked up, per ticker. pages/js/explorers.js holds the same table
# for the payment page (tests/core/test_emails.py holds the two to each other).
EXPLORERS: dict[str, str] = {
    "btc": "https://mempool.space/tx/",
    "ltc": "https://litecoinspace.org/tx/",
    "eth": "https://etherscan.io/tx/",
    "usdttrc20": "https://tronscan.org/#/transaction/",
    "xrp": "https://livenet.xrpl.org/transactions/",
    "sol": "https://solscan.io/tx/",
}


def explorer_url(currency: str, tx_hash: str | None) -> str | None:
    """The explorer page of `tx_hash` on `currency`'s network (as `explorerUrl` in the site's
    explorers.js builds it), or None for a currency without one."""
    base = EXPLORERS.get(currency.lower())
    # encodeURIComponent's safe set, so both tables give the same link.
    return base + quote(tx_hash, safe="!~*'()") if base and tx_hash else None


def payment_page(settings: Settings, order_id: str) -> str:
    """The order's payment page: the id only, which shows the order and nothing secret."""
    return f"{settings.public_site_url}/payment.html?id={order_id}"


def email_for(
    order: Order, settings: Settings, event_id: str, created_at: str, kind: str | None = None
) -> WebhookEvent | None:
    """The email this change sends the customer, for the outbox; None when emails are not
    configured (the `order.*` webhook carries the address instead), the order has no email, or
    the change is not one we write about. `kind` is "created" for a new order; otherwise the
    order's status (as it is after the change) decides."""
    if not settings.emails_enabled or not order.email:
        return None
    name = _kind(order, kind)
    if name is None:
        return None
    subject, body = _RENDER[name](order, settings)
    link = payment_page(settings, order.id)
    text = (
        f"{body}\n\nYour order: {link}\n\n"
        f"{BRAND} ({settings.public_site_url}). You get this email because this address was "
        f"given with order {order.id}.\n"
    )
    payload = strict_json.dumps({"to": order.email, "subject": subject, "text": text,
                                 "kind": name})  # fmt: skip
    return WebhookEvent(event_id, order.id, f"email.{name}", payload, created_at, CHANNEL)


# The email with a link that can act on the order, sent when its customer asks for one (from
# another device, or after closing the tab): the only email that carries the customer's key.
ACTION_LINK = "action_link"


def action_page(settings: Settings, order_id: str, key: str) -> str:
    """The payment page with the customer's key in its #fragment, which no browser sends to a
    server, as the exchange form leaves it."""
    return f"{payment_page(settings, order_id)}#key={key}"


def action_link(
    order: Order, settings: Settings, key: str, event_id: str, created_at: str
) -> WebhookEvent | None:
    """The email that hands the customer a fresh key to `order` (it replaced the old one); None
    when emails are off or the order has no address. It goes only to the address the order was
    placed with, and says that whoever holds the link can act on the order."""
    if not settings.emails_enabled or not order.email:
        return None
    link = action_page(settings, order.id, key)
    text = (
        f"You asked for a link that can act on order {order.id}: choose what happens to a late "
        "or short payment, ask for a refund, or say where a refund goes.\n\n"
        f"{link}\n\n"
        "Whoever has this link can make those choices, so keep it to yourself and do not "
        "forward this email. It replaces the links given before: they still show the order, "
        "but can no longer change it.\n\n"
        "If you did not ask for it, you can ignore this email: nothing happens to the order "
        "unless someone opens the link and makes a choice.\n\n"
        f"{BRAND} ({settings.public_site_url}). You get this email because this address was "
        f"given with order {order.id}.\n"
    )
    payload = strict_json.dumps({"to": order.email, "subject": f"Your link to order {order.id}",
                                 "text": text, "kind": ACTION_LINK})  # fmt: skip
    return WebhookEvent(event_id, order.id, f"email.{ACTION_LINK}", payload, created_at, CHANNEL)


def _kind(order: Order, kind: str | None) -> str | None:
    if kind is not None:
        return "payment_link" if kind == CREATED else None
    return KIND_OF_STATUS.get(order.status)


# --- what each email says ------------------------------------------------------------------------


def _amount(amount: str | None, currency: str) -> str:
    """`945.25 USDT`: the coin's symbol, never the processor's ticker (`usdttrc20`)."""
    return f"{amount} {symbol_of(currency)}"


def _on(currency: str) -> str:
    """` on the TRON network`: where a payout or refund goes, for a coin on several networks."""
    known = KNOWN.get(currency.lower())
    return f" on the {known.network_name} network" if known else ""


def _minutes(count: int) -> str:
    """`60 minutes`, `1 minute`: the payout's promise (PAYOUT_PROMISE_MINUTES)."""
    return f"{count} minute" if count == 1 else f"{count} minutes"


def _when(at: str) -> str:
    """`2026-11-26T12:20:00Z` → `2026-11-26 12:20 UTC`."""
    return f"{at[:10]} {at[11:16]} UTC"


def _address(address: str | None, extra_id: str | None, memo: str = "memo/tag") -> str:
    return f"{address} ({memo} {extra_id})" if extra_id else str(address)


def _tx(currency: str, tx_hash: str | None) -> str:
    lines = [f"Transaction: {tx_hash}"]
    if url := explorer_url(currency, tx_hash):
        lines.append(f"See it on the network: {url}")
    return "\n".join(lines)


def _payment_link(order: Order, settings: Settings) -> tuple[str, str]:
    """Anyone can type any address into the form, so this email carries nothing a stranger could
    use on its reader: no amount, no address, nothing to send anywhere. Only that an order was
    placed with this address, the link to its page (below), and what to do if it wasn't them."""
    lines = [
        f"An exchange order, {order.id}, was placed on {BRAND} with this email address. Its "
        "page, linked below, shows the order and follows it as it goes.",
        "",
        "If this wasn't you, ignore this email: nothing happens unless a payment arrives.",
    ]
    return f"Your order {order.id}", "\n".join(lines)


def _deposit_seen(order: Order, settings: Settings) -> tuple[str, str]:
    seen = (
        f"your deposit of {_amount(order.received_amount, order.pay_currency)}"
        if order.received > 0
        else "your deposit"
    )
    lines = [f"We have seen {seen} for order {order.id}."]
    if order.deposit_tx_hash:
        lines.append(_tx(order.pay_currency, order.deposit_tx_hash))
    lines += ["", "It is waiting for confirmations on its network; there is nothing more for "
              "you to do. We will write again once it is confirmed."]  # fmt: skip
    return f"Deposit seen for order {order.id}", "\n".join(lines)


def _paid(order: Order, settings: Settings) -> tuple[str, str]:
    lines = [
        f"Your payment of {_amount(order.received_amount, order.pay_currency)} for order "
        f"{order.id} is confirmed.",
        "",
        f"We are now sending {_amount(order.to_amount, order.to_currency)} to "
        f"{_address(order.payout_address, order.payout_extra_id)}{_on(order.to_currency)}, "
        f"within {_minutes(settings.payout_promise_minutes)}. You will get another email with "
        "the transaction once it is sent.",
    ]
    if excess := problems.excess(order):
        where = (
            _address(order.refund_address, order.refund_extra_id)
            if order.refund_address
            else "the refund address you give on the payment page"
        )
        lines += ["", f"You sent {_amount(money.to_text(excess), order.pay_currency)} more than "
                  f"the order asked for; it will be refunded to {where}."]  # fmt: skip
    return f"Payment received for order {order.id}", "\n".join(lines)


def _payout_sent(order: Order, settings: Settings) -> tuple[str, str]:
    to = _amount(order.to_amount, order.to_currency)
    lines = [
        f"We have sent {to} to {_address(order.payout_address, order.payout_extra_id)}"
        f"{_on(order.to_currency)} for order {order.id}.",
        "",
        _tx(order.to_currency, order.payout_tx_hash),
        "",
        f"Thank you for exchanging with {BRAND}.",
    ]
    return f"{to} sent for order {order.id}", "\n".join(lines)


def _action_required(order: Order, settings: Settings) -> tuple[str, str]:
    action = problems.action(order) or {}
    pay = order.pay_currency
    received = _amount(action.get("received", order.received_amount), pay)
    if action.get("reason") == problems.LATE:
        what = (
            f"Your deposit of {received} for order {order.id} arrived after the rate lock "
            f"ended ({_when(order.expires_at)}), so it cannot be exchanged at the rate we "
            "quoted. Your money is safe with us.\n\nYou can choose:\n"
            f"- take a fresh quote for the {received} that arrived, at today's rate, or\n"
            f"- have the {received} refunded."
        )
    elif action.get("reason") == problems.UNDERPAID:
        remaining = _amount(action.get("remaining"), pay)
        partial = _amount((action.get("partial_payout") or {}).get("amount"), order.to_currency)
        what = (
            f"We received {received} of the {_amount(order.pay_amount, pay)} order {order.id} "
            f"asked for: {remaining} is missing. Your money is safe with us.\n\nYou can "
            f"choose:\n- send the remaining {remaining} to the same address,\n"
            f"- take a payout of {partial} for what arrived, at the locked rate, or\n"
            f"- have the {received} refunded."
        )
    else:
        what = f"Order {order.id} needs a decision from you before it can go on."
    # The link below carries no key: on any device but the one that placed the order, the page
    # shows the order and offers to email a link that can act on it.
    text = (
        f"{what}\n\nMake your choice on your order's payment page (below). Nothing moves "
        'until you choose. If the page says it can only show the order, press "Email me a '
        'link" there: we send a link that can make the choice, on any device.'
    )
    return f"Action needed on order {order.id}", text


def _refunded(order: Order, settings: Settings) -> tuple[str, str]:
    amount = _amount(order.refund_amount or order.received_amount, order.pay_currency)
    lines = [
        f"We have refunded {amount} for order {order.id} to "
        f"{_address(order.refund_address, order.refund_extra_id)}.",
        "",
        _tx(order.pay_currency, order.refund_tx_hash),
    ]
    return f"Refund sent for order {order.id}", "\n".join(lines)


_RENDER: dict[str, Callable[[Order, Settings], tuple[str, str]]] = {
    "payment_link": _payment_link,
    "deposit_seen": _deposit_seen,
    "paid": _paid,
    "payout_sent": _payout_sent,
    "action_required": _action_required,
    "refunded": _refunded,
}
