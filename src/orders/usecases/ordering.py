"""Orders as people and the operator see them: create (idempotent, all or nothing), read, and
the operator's changes. Plain values in and out: the HTTP side lives in `api.handlers`."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any

from orders import strict_json
from orders.domain import money, views
from orders.domain.changes import Change, check_operator_change
from orders.domain.corrections import check_correction, correction
from orders.domain.exchange import NewOrder, check_order, customer_key_problem
from orders.domain.lifecycle import Source, Status
from orders.domain.order import Event, Order, customer_key_hash
from orders.domain.pricing import Quote
from orders.domain.records import HASH_FIELDS, check_unique, operator_change, spellings
from orders.domain.times import timestamp
from orders.errors import (
    FieldError,
    IdempotencyKeyReused,
    NotFound,
    ProcessorUnavailable,
    ServiceUnavailable,
    ValidationFailed,
)
from orders.ports import Deps
from orders.processors.base import Processor, ProcessorError
from orders.storage.idempotency import IdempotencyStore
from orders.storage.orders import OrderStore
from orders.storage.outbox import Outbox
from orders.usecases.catalog import Catalog
from orders.usecases.changing import Changer, outbox_of

IDEMPOTENCY_WINDOW = timedelta(hours=24)
# A reservation older than this belongs to an attempt that died mid-way; it may be taken over.
ABANDONED_AFTER = timedelta(minutes=2)
REPLAY_WAIT_STEPS = 50
REPLAY_WAIT_SECONDS = 0.1
FORGET_BATCH = 500


@dataclass(frozen=True)
class Created:
    """A created order as answered: `body` is its JSON. A replay answers the first answer's
    bytes again, less the customer's key unless the replay carried it (see `Ordering.create`)."""

    order_id: str
    body: str
    replayed: bool = False


class Ordering:
    def __init__(self, deps: Deps, processor: Processor, catalog: Catalog) -> None:
        self.deps = deps
        self.processor = processor
        self.catalog = catalog
        self.store = OrderStore(deps.db)
        self.outbox = Outbox(deps.db)
        self.keys = IdempotencyStore(deps.db)

    async def create(
        self, request: NewOrder, key: str | None = None, customer_key: str | None = None
    ) -> Created:
        """A new order, or with `key` the one this key already made (same request, 24 hours).

        `customer_key` is the client's own secret for the order (else one is made here). A
        replay is decided on pure checks alone, before the catalog or the processor is asked
        anything: a stored answer needs neither, and must not fail because either moved on.
        The stored answer never holds the customer's key; a replay gives it back only to a
        caller that sent it (docs/api.md, "Idempotent creates")."""
        if customer_key is not None and (problem := customer_key_problem(customer_key)):
            raise ValidationFailed([FieldError("customer_key", problem)])
        if key is None:
            return await self._create(request, await self._quote(request), customer_key)
        if not 1 <= len(key) <= 255:
            raise ValidationFailed([FieldError("Idempotency-Key", "must be 1 to 255 characters")])
        asked: dict[str, object] = asdict(request)
        for flag in ("payout_no_tag", "refund_no_tag"):
            if not asked[flag]:
                del asked[flag]  # unset, the fingerprints made before the flags existed hold
        if customer_key is not None:  # a key proven by its hash; absent, the old fingerprints hold
            asked["customer_key"] = customer_key_hash(customer_key)
        fingerprint = hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()
        return await self._create_once(key, fingerprint, request, customer_key)

    async def _quote(self, request: NewOrder) -> Quote:
        """The exchange's rules, then the price: both ask the catalog (KV, then the processor)."""
        currencies = await self.catalog.currencies()
        source, target, amount = check_order(request, currencies)
        return await self.catalog.quote(source, target, amount, "amount")

    async def _create_once(
        self, key: str, fingerprint: str, request: NewOrder, customer_key: str | None
    ) -> Created:
        for _ in range(REPLAY_WAIT_STEPS):
            now = self.deps.clock()
            taken, held = await self.keys.reserve(
                key, fingerprint, timestamp(now), timestamp(now - IDEMPOTENCY_WINDOW)
            )
            if taken:
                # Ours: judged and priced now. A refusal or a failure frees the key again.
                try:
                    return await self._create(
                        request, await self._quote(request), customer_key, key
                    )
                except BaseException:
                    await self.keys.release(key)
                    raise
            if held is None:
                continue  # released by a failed attempt in between: try again
            if not hmac.compare_digest(held["request_hash"], fingerprint):
                raise IdempotencyKeyReused()
            if held["state"] == "done":
                # The same fingerprint: the same fields, and the same customer key if one was
                # sent. A key made here was never stored, so it is not in the replay.
                stored = _without_customer_key(str(held["response_body"]))
                body = stored if customer_key is None else _with_customer_key(stored, customer_key)
                return Created(str(held["order_id"]), body, replayed=True)
            if held["created_at"] < timestamp(now - ABANDONED_AFTER):
                await self.keys.release(key)
                continue
            # The first request with this key is still being served: wait for its answer.
            await self.deps.sleep(REPLAY_WAIT_SECONDS)
        raise ServiceUnavailable(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            headers={"Retry-After": "2"},
        )

    async def _create(
        self,
        body: NewOrder,
        quote: Quote,
        customer_key: str | None = None,
        key: str | None = None,
    ) -> Created:
        deps = self.deps
        order_id = deps.new_id("ord")
        customer_key = customer_key or deps.tokens(24)
        callback = f"{deps.settings.public_api_url}/api/ipn/{self.processor.name}"
        try:
            payment = await self.processor.create_payment(
                order_id=order_id,
                currency=quote.from_currency.code,
                amount=quote.amount,
                callback_url=callback,
            )
        except ProcessorError as exc:
            raise ProcessorUnavailable(
                f"We could not get a deposit address from our payment processor "
                f"({exc.message}). No order was created; please try again in a few minutes."
            ) from None
        now = deps.clock()
        created = timestamp(now)
        # The rate is locked for the window to pay in, and no longer (docs/api.md, "Rate lock").
        expires = now + timedelta(minutes=deps.settings.rate_lock_minutes)
        if payment.expires_at and now < payment.expires_at < expires:
            expires = payment.expires_at  # never promise longer than the processor will wait
        event = Event(to_status=Status.AWAITING_PAYMENT.value, at=created, source=Source.API.value)
        order = Order(
            id=order_id,
            status=Status.AWAITING_PAYMENT,
            version=1,
            created_at=created,
            updated_at=created,
            expires_at=timestamp(expires),
            late=False,
            from_currency=quote.from_currency.code,
            from_amount=money.to_text(quote.amount),
            to_currency=quote.to_currency.code,
            to_amount=money.to_text(quote.to_amount),
            payout_address=body.payout_address,
            payout_extra_id=body.payout_extra_id,
            refund_address=body.refund_address,
            refund_extra_id=body.refund_extra_id if body.refund_address else None,
            email=body.email,
            rate=money.to_text(quote.rate),
            fee_percent=money.to_text(quote.fee_percent),
            processor=self.processor.name,
            payment_id=payment.payment_id,
            pay_address=payment.address,
            pay_extra_id=payment.extra_id,
            pay_amount=money.to_text(payment.amount),
            pay_currency=payment.currency,
            received_amount="0",
            deposits="{}",
            deposit_tx_hash=None,
            payout_tx_hash=None,
            processor_seen_at=created,
            change_id=deps.tokens(12),
            customer_key_hash=customer_key_hash(customer_key),
            min_amount=money.to_text(quote.min_amount),
            events=(event,),
        )
        # The customer's key is in this answer only: it is what lets them make the choices of
        # a problem payment. The answer kept for replays is the order without it.
        stored = strict_json.dumps(views.public(order))
        statements = [
            *self.store.insert(order, event),
            *self.outbox.with_change(order, outbox_of(deps, order, created=True)),
        ]
        if key is not None:
            statements.append(self.keys.complete(key, order.id, 201, stored))
        await deps.db.batch(statements)
        return Created(order.id, _with_customer_key(stored, customer_key))

    async def forget_old_keys(self) -> int:
        """The cron's clean-up: Idempotency-Keys past their 24 hours go, and with them the
        stored answers a replay gives; a bounded batch."""
        return await self.keys.forget(
            timestamp(self.deps.clock() - IDEMPOTENCY_WINDOW), FORGET_BATCH
        )

    async def read(self, order_id: str) -> Order:
        order = await self.store.get(order_id) if order_id.startswith("ord_") else None
        if order is None:
            raise NotFound("No order with this id. Check the link you were given.")
        return order

    async def change(
        self,
        order_id: str,
        target: Status | None,
        *,
        payout_tx_hash: str | None = None,
        refund_tx_hash: str | None = None,
        refund_amount: str | None = None,
        payout_amount: str | None = None,
        note: str | None = None,
        internal_note: str | None = None,
        shared_tx: bool = False,
        correct: str | None = None,
        reason: str | None = None,
        actor: str | None = None,
        expected_version: int | None = None,
    ) -> Order:
        """The operator moves an order (or, with no `target`, adds an internal note or records
        a refund on its own; with `correct`, replaces a recorded hash, saying why).
        `expected_version` is the version of the order the operator last saw (If-Match): at
        another version, or moved on before the write, it changes nothing (VersionConflict).
        `shared_tx`: one transaction pays several orders, so a hash another order holds is
        taken. `actor` names the operator in the timeline."""
        hashes = {"payout_tx_hash": payout_tx_hash, "refund_tx_hash": refund_tx_hash}
        if correct is not None:
            fields = check_correction(correct, hashes, reason, status=target, others={
                "refund_amount": refund_amount, "payout_amount": payout_amount, "note": note,
            })  # fmt: skip
        else:
            if reason is not None:
                raise ValidationFailed([FieldError("reason", "goes with correct")])
            fields = check_operator_change(
                target, payout_tx_hash, refund_tx_hash, refund_amount, note, internal_note
            )
        if payout_amount is not None:
            try:
                money.parse_amount(payout_amount)
            except money.NotAnAmount as exc:
                raise ValidationFailed([FieldError("payout_amount", str(exc))]) from None
        if internal_note is not None and correct is not None:  # a note's own rules, alone
            check_operator_change(None, None, None, None, None, internal_note)
        recorded = {f: str(fields[f]) for f in HASH_FIELDS if f in fields}
        order, holders = await self._read_with_holders(order_id, recorded)
        unique = () if shared_tx else tuple(spellings(recorded.values()))

        def decide(current: Order) -> Change:
            check_unique(current, recorded, holders, shared_tx)
            if correct is not None:
                made = correction(current, fields, str(reason), internal_note=internal_note,
                                  actor=actor)  # fmt: skip
            else:
                made = operator_change(
                    current, target, fields, payout_amount=payout_amount, note=note,
                    internal_note=internal_note, actor=actor,
                )  # fmt: skip
            return replace(made, unique_tx=unique)

        # Changer refuses a move off the lifecycle's edges, judged on the order as it is; the
        # amounts are checked against what it then holds. A hash another order took meanwhile
        # loses the write like a stale version (the `unique_tx` guard).
        changed, _ = await Changer(self.deps).change(
            order_id,
            decide,
            expected_version=expected_version,
            current=order,
        )
        return changed

    async def _read_with_holders(
        self, order_id: str, recorded: dict[str, str]
    ) -> tuple[Order, list[dict[str, Any]]]:
        """The order, and the orders that already hold a hash in `recorded`, in one round
        trip."""
        if not recorded or not order_id.startswith("ord_"):
            return await self.read(order_id), []
        found, holders = await self.store.read_with(
            order_id, self.store.holding(spellings(recorded.values()))
        )
        if found is None:
            raise NotFound("No order with this id. Check the link you were given.")
        return found, holders


def _with_customer_key(stored: str, customer_key: str) -> str:
    """The answer to its creator: the stored order with the customer's key last, byte for byte
    the same whether it is the first answer or a replay that carried the key."""
    return strict_json.dumps({**json.loads(stored), "customer_key": customer_key})


def _without_customer_key(stored: str) -> str:
    """A stored answer as a replay may show it: answers stored before keys were left out of
    them still hold one, and lose it here."""
    if '"customer_key":' not in stored:
        return stored
    answer = json.loads(stored)
    answer.pop("customer_key", None)
    return strict_json.dumps(answer)
