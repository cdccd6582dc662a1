"""The customer's way back to their order from any device (issue 16): a fresh link that can act
on it, emailed to the address the order was placed with, and an order found by its deposit's
transaction hash when its link is lost (docs/api.md, "The customer's key").

A new key replaces the old one: only its SHA-256 is stored, the key itself is in the email
alone (in the link's #fragment), and the links before it can still show the order but no longer
change it. Asking reveals nothing: the answer is the same whether or not the order has an
address, and for one without, nothing is written.
"""

from __future__ import annotations

from orders.domain.changes import Change
from orders.domain.emails import action_link, payment_page
from orders.domain.exchange import check_tx_hash
from orders.domain.lifecycle import Source
from orders.domain.order import Order, customer_key_hash
from orders.domain.times import timestamp
from orders.errors import FieldError, NotFound, ServiceUnavailable, ValidationFailed
from orders.ports import Deps
from orders.storage.orders import OrderStore
from orders.usecases.changing import Changer

# What the answer says, the same for every order: whether an email went out is for the inbox
# to show, not the answer.
SENT = (
    "If this order was placed with an email address, a new link that can act on it is on its "
    "way there. It replaces the links given before."
)
KEY_BYTES = 24  # as the exchange form's own keys: 32 URL-safe characters, 192 bits


class Links:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.store = OrderStore(deps.db)

    async def email_link(self, order_id: str) -> str:
        """Emails the order's address a link with a new key, which replaces the old one; the
        message to answer with. 503 when this exchange sends no emails, 404 for no such order."""
        settings = self.deps.settings
        if not settings.emails_enabled:
            raise ServiceUnavailable(
                "This exchange does not send emails, so it cannot email you a link. Contact "
                "support with the order id: they can help you with the order."
            )
        order = await self.store.get(order_id)
        if order is None:
            raise NotFound("No order with this id.")
        if not order.email:
            return SENT  # nowhere to send it: the old key stays, and the answer is the same
        key = self.deps.tokens(KEY_BYTES)

        now = timestamp(self.deps.clock())
        email = action_link(order, settings, key, self.deps.new_id("msg"), now)

        def decide(current: Order) -> Change:
            # Data only: no status moves, nothing on the timeline; the operator sees the email
            # among the order's emails (email.action_link), written in the same guarded batch.
            return Change(None, Source.API, fields={"customer_key_hash": customer_key_hash(key)},
                          outbox=(email,) if email else ())  # fmt: skip

        await Changer(self.deps).change(order.id, decide, current=order)
        return SENT

    async def find(self, tx_hash: str | None) -> dict[str, str]:
        """The order whose deposit is the transaction `tx_hash` (exactly as written): its id and
        its payment page, which shows it without the power to change it."""
        if not tx_hash:
            raise ValidationFailed([FieldError("tx_hash", "is required")])
        check_tx_hash(tx_hash, "tx_hash")
        found = await self.store.find_by_deposit_tx(tx_hash)
        if found is None:
            raise NotFound(
                "No order has a deposit with this transaction hash. Check that it is the whole "
                "hash of the transaction you sent, or contact support."
            )
        return {"id": found, "page": payment_page(self.deps.settings, found)}
