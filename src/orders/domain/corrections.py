"""Correcting a transaction hash the operator recorded by mistake (a typo, another order's hash
pasted): the order's payout or refund hash is replaced, with a reason, and the timeline keeps
the old one in its note, so what was recorded before is never lost. Pure: the checked request
comes in as values (docs/api.md, "Correcting a recorded hash")."""

from __future__ import annotations

from orders.domain import text
from orders.domain.changes import Change
from orders.domain.exchange import check_tx_hash
from orders.domain.lifecycle import Source, Status
from orders.domain.order import Order
from orders.domain.records import HASH_FIELDS, tx_key
from orders.errors import FieldError, InvalidTransition, ValidationFailed

TX_HASH_CORRECTED = "order.tx_hash_corrected"
MAX_REASON = 500


def check_correction(
    correct: str,
    hashes: dict[str, str | None],
    reason: str | None,
    *,
    status: Status | None,
    others: dict[str, str | None],
) -> dict[str, str]:
    """The field a correction writes (`correct` → its new hash), or every reason it cannot be
    made. `hashes`: the two hash fields as sent; `others`: the fields that may not go with it."""
    errors: list[FieldError] = []
    if correct not in HASH_FIELDS:
        errors.append(FieldError("correct", f"must be one of {', '.join(HASH_FIELDS)}"))
    new = hashes.get(correct)
    if correct in HASH_FIELDS and not new:
        errors.append(FieldError(correct, "is required: the hash it is corrected to"))
    for field, value in hashes.items():
        if value and field != correct:
            errors.append(FieldError(field, f"goes in its own correction, not with {correct}"))
    if status is not None:
        errors.append(FieldError("status", "a correction changes no status; send it alone"))
    for field, value in others.items():
        if value is not None:
            errors.append(FieldError(field, "does not go with a correction"))
    if not reason or len(reason) > MAX_REASON or not text.is_plain_note(reason):
        errors.append(FieldError("reason", f"is required with correct: plain text of 1 to "
                                 f"{MAX_REASON} characters"))  # fmt: skip
    if new and not errors:
        check_tx_hash(new, correct)
    if errors:
        raise ValidationFailed(errors)
    assert new is not None
    return {correct: new}


def correction(
    order: Order,
    fields: dict[str, str],
    reason: str,
    *,
    internal_note: str | None = None,
    actor: str | None = None,
) -> Change:
    """The change that replaces the hash in `fields` on `order`: the status stays, the timeline
    says what it was, what it is now and why, and `order.tx_hash_corrected` tells the operator's
    automation (which may have acted on the old one)."""
    ((field, new),) = fields.items()
    what = field.removesuffix("_tx_hash")
    old = getattr(order, field)
    if not old:
        raise InvalidTransition(f"No {what} is recorded on this order, so there is no "
                                f"{what} transaction to correct.")  # fmt: skip
    if tx_key(old) == tx_key(new):
        raise ValidationFailed([FieldError(field, "is the transaction already recorded")])
    note = f"{what} transaction corrected from {old} to {new}: {reason}"
    return Change(None, Source.OPERATOR, note, dict(fields), actor, internal_note,
                  notify=TX_HASH_CORRECTED)  # fmt: skip
