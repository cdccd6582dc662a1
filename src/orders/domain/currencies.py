"""A currency as the exchange sees it: how to check its addresses and memos, its limits, and how
to write a payment URI for it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from orders.domain import addresses, money, text

# BIP-21-style schemes wallets understand; other currencies fall back to their ticker.
URI_SCHEMES = {
    "btc": "bitcoin",
    "eth": "ethereum",
    "ltc": "litecoin",
    "usdttrc20": "tron",
    "xrp": "ripple",
    "sol": "solana",
}


@dataclass(frozen=True)
class Currency:
    code: str
    name: str
    network: str
    address_pattern: str
    min_amount: Decimal
    max_amount: Decimal
    decimals: int = 8
    needs_extra_id: bool = False
    extra_id_pattern: str | None = None
    # What a person reads (docs/api.md, "Currencies"): the coin's own symbol ("USDT", where the
    # processor's ticker is "usdttrc20") and its network's plain name ("TRON", for "trx").
    symbol: str = ""
    network_name: str = ""
    # A tag the network lets a payout go without: a personal XRP wallet needs none (an exchange's
    # deposit address does, and the ledger refuses a payment without it), so a customer who says
    # so is paid without one (`payout_no_tag`, `refund_no_tag`).
    extra_id_optional: bool = False

    def __post_init__(self) -> None:
        # Names for a currency the processor lists but this table does not know.
        if not self.symbol:
            object.__setattr__(self, "symbol", self.code.upper())
        if not self.network_name:
            plain = NETWORK_NAMES.get(self.network.lower(), self.network.upper())
            object.__setattr__(self, "network_name", plain)

    def address_problem(self, address: str) -> str | None:
        """Why `address` cannot receive this currency, or None. Checked the way the network's
        wallets check it (checksums included: payouts are sent by hand and cannot be undone);
        a currency without such rules falls back to its pattern."""
        # A processor's pattern may be as loose as `\S+`: hidden characters are refused anyway.
        if not text.is_plain(address):
            return f"is not a valid {self.name} address"
        if addresses.supports(self.code):
            verdict = addresses.check_address(self.code, address)
            return None if verdict.ok else verdict.message
        if re.fullmatch(self.address_pattern, address) is None:
            return f"is not a valid {self.name} address"
        return None

    def extra_id_problem(self, extra_id: str) -> str | None:
        """Why `extra_id` is not a memo or tag this currency takes, or None."""
        if addresses.supports(self.code) and text.is_plain(extra_id):
            verdict = addresses.check_extra_id(self.code, extra_id)
            return None if verdict.ok else verdict.message
        if text.is_plain(extra_id) and (
            self.extra_id_pattern is None or re.fullmatch(self.extra_id_pattern, extra_id)
        ):
            return None
        return "is not a valid destination tag"

    def public(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "network": self.network,
            "needs_extra_id": self.needs_extra_id,
            "address_pattern": _anchored(self.address_pattern),
            "extra_id_pattern": _anchored(self.extra_id_pattern) if self.extra_id_pattern else None,
            "min_amount": money.to_text(self.min_amount),
            "max_amount": money.to_text(self.max_amount),
            "decimals": self.decimals,
            "symbol": self.symbol,
            "network_name": self.network_name,
            "extra_id_optional": self.extra_id_optional,
        }

    @classmethod
    def from_public(cls, data: dict[str, Any]) -> Currency:
        """Rebuilds a currency from `public()` (how it is cached in KV)."""
        return cls(
            code=data["code"],
            name=data["name"],
            network=data["network"],
            address_pattern=data["address_pattern"],
            min_amount=Decimal(data["min_amount"]),
            max_amount=Decimal(data["max_amount"]),
            decimals=int(data["decimals"]),
            needs_extra_id=bool(data["needs_extra_id"]),
            extra_id_pattern=data.get("extra_id_pattern"),
            symbol=str(data.get("symbol") or ""),
            network_name=str(data.get("network_name") or ""),
            extra_id_optional=bool(data.get("extra_id_optional")),
        )


def _anchored(pattern: str) -> str:
    """A pattern a browser's `new RegExp(p).test(s)` applies to the whole string."""
    if pattern.startswith("^") and pattern.endswith("$"):
        return pattern
    return f"^(?:{pattern})$"


def payment_uri(code: str, address: str, amount: Decimal, extra_id: str | None) -> str:
    """What a wallet scans: `bitcoin:<address>?amount=0.01`, with the memo or tag when needed."""
    uri = f"{URI_SCHEMES.get(code, code)}:{address}?amount={money.to_text(amount)}"
    if extra_id:
        uri += f"&dt={extra_id}" if code == "xrp" else f"&memo={extra_id}"
    return uri


# Networks by the processor's code, as a first-time customer knows them.
NETWORK_NAMES = {
    "btc": "Bitcoin",
    "eth": "Ethereum",
    "ltc": "Litecoin",
    "trx": "TRON",
    "xrp": "XRP Ledger",
    "sol": "Solana",
    "bsc": "BNB Smart Chain",
}

# The currencies this exchange knows, with the limits and formats it applies. The sandbox offers
# exactly these; NOWPayments' live list is matched against them (its own regexes are looser).
_B58 = "[1-9A-HJ-NP-Za-km-z]"

CURRENCIES: tuple[Currency, ...] = (
    Currency(
        "btc", "Bitcoin", "btc",
        r"(bc1|tb1)[02-9ac-hj-np-z]{11,71}|[13mn2]" + _B58 + "{25,34}",
        Decimal("0.0005"), Decimal("5"), 8, symbol="BTC",
    ),
    Currency(
        "eth", "Ethereum", "eth", r"0x[0-9a-fA-F]{40}", Decimal("0.005"), Decimal("100"), 8,
        symbol="ETH",
    ),
    Currency(
        "ltc", "Litecoin", "ltc",
        r"(ltc1|tltc1)[02-9ac-hj-np-z]{11,71}|[LM3]" + _B58 + "{26,33}",
        Decimal("0.05"), Decimal("500"), 8, symbol="LTC",
    ),
    # The processor's ticker names the token and its chain at once; a person knows Tether USD,
    # and that it lives on several networks, of which this one is TRON's (TRC-20).
    Currency(
        "usdttrc20", "Tether USD", "trx", "T" + _B58 + "{33}",
        Decimal("10"), Decimal("100000"), 6, symbol="USDT",
    ),
    Currency(
        "xrp", "XRP", "xrp", "r" + _B58 + "{24,34}", Decimal("10"), Decimal("200000"), 6,
        needs_extra_id=True, extra_id_pattern=r"[0-9]{1,10}", symbol="XRP",
        extra_id_optional=True,
    ),
    Currency(
        "sol", "Solana", "sol", _B58 + "{32,44}", Decimal("0.1"), Decimal("2000"), 9,
        symbol="SOL",
    ),
)  # fmt: skip
KNOWN: dict[str, Currency] = {c.code: c for c in CURRENCIES}


def symbol_of(code: str) -> str:
    """The symbol a person reads for a ticker ("USDT" for "usdttrc20"); the ticker in capitals
    for one this table does not know."""
    known = KNOWN.get(code.lower())
    return known.symbol if known else code.upper()
