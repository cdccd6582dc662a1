"""What the operator records about money that left: a payout, a refund, checked against what the
order holds, on the order as it is when written. Pure: the checked request comes in as values.

A payout of a short order is its pro-rata share unless the operator states another amount; a
refund never exceeds what arrived and is not already paid out or refunded; a refund recorded
after the fact (an excess completed without it, money that reached a closed order) keeps the
earlier refund in the timeline's note (docs/api.md, "Changing an order"). One transaction is
recorded once: a hash another order already holds is refused unless the operator says the
transaction pays several orders (`check_unique`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from orders.domain import money, problems
from orders.domain.changes import Change, refuse_transition
from orders.domain.due import is_short
from orders.domain.lifecycle import CALLED_OFF, Source, Status, can_move
from orders.domain.order import Order
from orders.errors import DuplicateTxHash, FieldError, InvalidTransition, ValidationFailed

REFUND_RECORDED = "order.refund_recorded"


def operator_change(
    order: Order,
    target: Status | None,
    checked: dict[str, str],
    *,
    payout_amount: str | None = None,
    note: str | None = None,
    internal_note: str | None = None,
    actor: str | None = None,
) -> Change:
    """The change an operator's checked request (`checked`: from `check_operator_change`) makes
    to `order`, or every reason the amounts cannot be recorded on it."""
    if target is not None and not can_move(order.status, target):
        raise refuse_transition(order, target)  # the move first: amounts are for a move made
    fields: dict[str, object] = dict(checked)
    notes: list[str] = [note] if note else []
    if payout_amount is not None and target is not Status.COMPLETED:
        _refuse("payout_amount", "goes only with status completed")
    if target is Status.COMPLETED:
        notes.extend(_payout(order, payout_amount, fields))
    if target is Status.REFUNDED and order.received <= 0:
        raise InvalidTransition("Nothing arrived on this order, so there is nothing to refund.")
    paying_out = target is Status.COMPLETED or order.status is Status.COMPLETED
    if "refund_tx_hash" in fields:
        notes.extend(_refund(order, target, paying_out, fields))
    if "refund_tx_hash" in fields or target is Status.REFUNDED:
        fields["refund_owed"] = False  # a refund recorded settles what it was for
    elif target is Status.COMPLETED and problems.excess(order):
        fields["refund_owed"] = True  # the excess, completed without its refund, waits
    elif target in CALLED_OFF and order.received > 0:
        fields["refund_owed"] = True  # an order ended holding money: it goes back
    kind = REFUND_RECORDED if target is None and "refund_tx_hash" in fields else None
    return Change(target, Source.OPERATOR, "; ".join(notes) or None, fields, actor,
                  internal_note, notify=kind)  # fmt: skip


def _payout(order: Order, stated: str | None, fields: dict[str, object]) -> list[str]:
    """A short order's payout is its pro-rata share unless the operator states one; no payout
    is more than was quoted."""
    quoted = Decimal(order.to_amount)
    short = is_short(order)
    payout = Decimal(stated) if stated is not None else None
    if payout is not None and (payout <= 0 or payout > quoted):
        _refuse("payout_amount", f"must be more than 0 and at most the quoted {order.to_amount} "
                f"{order.to_currency}")  # fmt: skip
    if not short and payout in (None, quoted):
        return []
    if payout is None:
        payout = problems.partial_payout(order)
        if payout <= 0:  # what arrived buys nothing at the locked rate: no payout to record
            got = f"{order.received_amount} {order.pay_currency}"
            _refuse("payout_amount", f"the pro-rata share of the {got} received is 0; refund it")
    text = money.to_text(payout)
    fields["to_amount"] = text
    if short:
        fields |= {"from_amount": order.received_amount, "pay_amount": order.received_amount}
    return [
        f"payout {text} {order.to_currency} for the {order.received_amount} "
        f"{order.pay_currency} received (quoted {order.to_amount} for {order.pay_amount})"
    ]


def _refund(
    order: Order, target: Status | None, paying_out: bool, fields: dict[str, object]
) -> list[str]:
    """A refund recorded now: never more than the order can still refund; without an amount,
    all of it. A second refund adds to the first, which its note keeps."""
    if target is None and not order.refund_owed:
        raise InvalidTransition(
            "This order holds nothing more to refund; record a refund with status refunded, or "
            "with completed for an over-payment's excess."
        )
    most = problems.refundable(order, paying_out)
    amount = Decimal(str(fields["refund_amount"])) if "refund_amount" in fields else most
    if amount <= 0 or amount > most:
        _refuse("refund_amount", f"must be more than 0 and at most the {money.to_text(most)} "
                f"{order.pay_currency} this order can still refund")  # fmt: skip
    earlier = problems.refunded(order)
    fields["refund_amount"] = money.to_text(earlier + amount)
    recorded = f"refund of {money.to_text(amount)} {order.pay_currency} recorded"
    if earlier:
        recorded += (f" (after the earlier {order.refund_amount} {order.pay_currency}, "
                     f"transaction {order.refund_tx_hash})")  # fmt: skip
    return [recorded]


HASH_FIELDS = ("payout_tx_hash", "refund_tx_hash")


def tx_key(tx_hash: str) -> str:
    """A transaction hash as compared: wallets and explorers write hex in either case, with or
    without `0x`, and each spelling names the same transaction."""
    return tx_hash.lower().removeprefix("0x")


def spellings(hashes: Iterable[str]) -> list[str]:
    """The lowercase spellings a stored hash of one of `hashes` may have (with and without
    `0x`), for the storage's lookup."""
    return sorted({form for h in hashes for form in (tx_key(h), "0x" + tx_key(h))})


def check_unique(
    order: Order,
    recorded: Mapping[str, str],
    holders: Iterable[Mapping[str, Any]],
    shared: bool,
) -> None:
    """Refuses to record a transaction twice: `recorded` (field → hash) against this order's own
    payout and refund, each other, and `holders`, the other orders that hold one of them (rows
    with `id`, `payout_tx_hash`, `refund_tx_hash`). `shared`: the operator says one transaction
    pays several orders (a batched payout), so other orders may hold it; this one never twice."""
    keys = {field: tx_key(value) for field, value in recorded.items()}
    if len(set(keys.values())) < len(keys):
        raise DuplicateTxHash("The payout and the refund cannot be one transaction.")
    own = {tx_key(h): f for f in HASH_FIELDS if (h := getattr(order, f))}
    for field, key in keys.items():
        if key in own and own[key] != field:
            raise DuplicateTxHash(f"{field}: this transaction is already recorded on this order "
                                  f"as its {own[key].removesuffix('_tx_hash')}.")  # fmt: skip
        if field == "refund_tx_hash" and own.get(key) == field:
            raise DuplicateTxHash("refund_tx_hash: this refund is already recorded on this "
                                  "order; a refund is never recorded twice.")  # fmt: skip
    if shared:
        return
    found = sorted({
        str(row["id"]) for row in holders if row["id"] != order.id
        and set(keys.values()) & {tx_key(str(row[f])) for f in HASH_FIELDS if row.get(f)}
    })  # fmt: skip
    if found:
        raise DuplicateTxHash(
            f"This transaction is already recorded on {', '.join(found)}. If one transaction "
            "pays several orders, say so (shared_tx: true); otherwise check the hash."
        )


def _refuse(field: str, problem: str) -> None:
    raise ValidationFailed([FieldError(field, problem)])
