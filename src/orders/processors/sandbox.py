"""The sandbox processor: NOWPayments' behaviour on one machine, with no outside service.

Deposit addresses are generated locally in each currency's format (testnet prefixes where a chain
has them) and quotes come from a fixed rate table. Its ledger lives in the `sandbox_payments`
table, so callbacks and reconciliation ask it for the truth just as they would ask NOWPayments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

from orders.domain import money
from orders.domain.currencies import CURRENCIES, Currency
from orders.domain.payment import IN_FLIGHT, NO_MONEY, SETTLED, PaymentStatus
from orders.domain.times import timestamp
from orders.ports import Clock, Database, Tokens
from orders.processors.base import Deposits, Payment
from orders.storage.sandbox_ledger import SandboxLedger

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_RIPPLE58 = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_HEX = "0123456789abcdef"
# Dollar prices behind the fixed local rate table: rate(a → b) = price[a] / price[b].
USD_PRICES: dict[str, Decimal] = {
    "btc": Decimal("95000"),
    "eth": Decimal("3500"),
    "ltc": Decimal("95"),
    "usdttrc20": Decimal("1"),
    "xrp": Decimal("2.2"),
    "sol": Decimal("180"),
}


class SandboxProcessor:
    name = "sandbox"

    def __init__(self, db: Database, clock: Clock, tokens: Tokens) -> None:
        self.ledger = SandboxLedger(db)
        self.clock = clock
        self.tokens = tokens
        # The deposit this instance just recorded: the callback it sends next asks for it, and
        # a real processor would answer from its own memory too, not with a trip to our D1.
        self._just_recorded: Payment | None = None

    async def currencies(self) -> list[Currency]:
        return list(CURRENCIES)

    async def min_amount(self, from_currency: str, to_currency: str) -> Decimal:
        return next(c.min_amount for c in CURRENCIES if c.code == from_currency)

    async def estimate(self, from_currency: str, to_currency: str, amount: Decimal) -> Decimal:
        usd = money.CONTEXT.multiply(amount, USD_PRICES[from_currency])
        return money.CONTEXT.divide(usd, USD_PRICES[to_currency])

    async def create_payment(
        self, *, order_id: str, currency: str, amount: Decimal, callback_url: str
    ) -> Payment:
        payment_id = self._new_payment_id()
        seed = self.tokens(32)
        extra_id = (
            str(int.from_bytes(_digest(seed + "tag"), "big") % 10**9) if currency == "xrp" else None
        )
        payment = Payment(
            processor=self.name,
            payment_id=payment_id,
            status=PaymentStatus.WAITING.value,
            address=deposit_address(currency, seed),
            amount=amount,
            currency=currency,
            extra_id=extra_id,
            order_id=order_id,
        )
        await self.ledger.save(payment, timestamp(self.clock()))
        return payment

    def _new_payment_id(self) -> str:
        """Ten digits, as NOWPayments' payment ids look."""
        return str(int.from_bytes(_digest(self.tokens(16)), "big") % 10**10)

    async def get_payment(self, payment_id: str) -> Payment | None:
        recorded = self._just_recorded
        if recorded is not None and recorded.payment_id == payment_id:
            return recorded
        return await self.ledger.get(payment_id)

    async def deposits(self, asked: Sequence[Deposits]) -> dict[str, list[Payment]]:
        return {a.order_id: await self.ledger.of_order(a.order_id) for a in asked}

    async def record_deposit(
        self, order_id: str, status: str, actually_paid: Decimal | None
    ) -> Payment | None:
        """The chain side of a simulated deposit to the order's address (what is still owed when
        `actually_paid` is None): the processor now reports this state. A deposit after one that
        already settled is a repeat deposit, a payment of its own, as NOWPayments reports it.
        None: no such order."""
        payments = await self.ledger.of_order(order_id)
        if not payments:
            return None
        first = payments[0]
        settled = first.status in SETTLED and first.actually_paid > 0
        last = payments[-1]
        # The deposit this report is about: the order's payment until it settles; after that the
        # latest repeat deposit while it is still confirming, or else a new one.
        if not settled:
            moving: Payment | None = first
        elif last is not first and last.status in IN_FLIGHT and last.actually_paid > 0:
            moving = last
        else:
            moving = None
        # What is still owed, besides the deposit this report is about (a deposit moving from
        # `confirming` to `finished` is still the same money).
        owed = first.amount - money.total(p.actually_paid for p in payments if p is not moving)
        if actually_paid is not None:
            paid = actually_paid
        elif status in NO_MONEY:  # the deposit failed or never came (the amount is then 0)
            paid = Decimal(0)
        else:  # what is owed, and never less than the deposit already on its way
            paid = max(owed, moving.actually_paid if moving else Decimal(0), Decimal(0))
        if moving is None and paid <= 0:
            self._just_recorded = first  # nothing more sent: the processor repeats itself
            return first
        if moving is None:
            target = replace(first, payment_id=self._new_payment_id(), tx_hash=None,
                             parent_payment_id=first.payment_id, paid_at=None)  # fmt: skip
        else:
            target = moving
        # One deposit is one transaction on the chain: it keeps its hash through its statuses,
        # as NOWPayments reports it (a new hash would read as a second transfer).
        tx_hash = target.tx_hash if target.actually_paid > 0 else None
        tx_hash = tx_hash or hashlib.sha256(self.tokens(16).encode()).hexdigest()
        now = self.clock()
        recorded = replace(target, status=status, actually_paid=paid, tx_hash=tx_hash,
                           paid_at=target.paid_at or (now if paid > 0 else None))  # fmt: skip
        await self.ledger.save(recorded, timestamp(now))
        self._just_recorded = recorded
        return recorded


def deposit_address(currency: str, seed: str) -> str:
    """A fresh address in the currency's format; btc and ltc use their testnet prefixes."""
    pick = _picker(seed)
    if currency == "btc":
        return "tb1q" + pick(_BECH32, 38)
    if currency == "ltc":
        return "tltc1q" + pick(_BECH32, 38)
    if currency == "eth":
        return "0x" + pick(_HEX, 40)
    if currency == "usdttrc20":
        return "T" + pick(_BASE58, 33)
    if currency == "xrp":
        return "r" + pick(_RIPPLE58.replace("r", ""), 33)
    return pick(_BASE58, 44)


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _picker(seed: str) -> Callable[[str, int], str]:
    def pick(alphabet: str, length: int) -> str:
        stream = hashlib.shake_256(seed.encode()).digest(length)
        return "".join(alphabet[b % len(alphabet)] for b in stream)

    return pick
