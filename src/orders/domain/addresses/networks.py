"""What an address looks like on each network we pay out on, and which currency code uses which.

Mainnet only: a payout goes out on the main network, so a test network address is refused with a
message that says so rather than read as a typo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from orders.domain.addresses import base58

Family = Literal["base58check", "ethereum", "solana"]


@dataclass(frozen=True)
class Network:
    name: str
    family: Family
    shape: str  # completes "{name} addresses …: this is not one." for a string of another kind
    alphabet: str = base58.BITCOIN_ALPHABET
    prefixes: str = ""  # the first characters of its Base58Check addresses
    versions: frozenset[int] = frozenset()  # their version bytes
    hrp: str | None = None  # SegWit addresses' human-readable part
    test_versions: frozenset[int] = frozenset()
    test_hrps: tuple[str, ...] = ()
    tag: bool = False  # payouts may carry a destination tag


BITCOIN = Network(
    "Bitcoin", "base58check", "start with 1, 3 or bc1",
    prefixes="13", versions=frozenset({0x00, 0x05}), hrp="bc",
    test_versions=frozenset({0x6F, 0xC4}), test_hrps=("tb", "bcrt"),
)  # fmt: skip
# Litecoin's P2SH addresses began with 3 (version 0x05, Bitcoin's) before M (0x32) replaced it;
# its wallets still pay to both. A Bitcoin P2SH address therefore also passes as Litecoin's.
LITECOIN = Network(
    "Litecoin", "base58check", "start with L, M, 3 or ltc1",
    prefixes="LM3", versions=frozenset({0x30, 0x32, 0x05}), hrp="ltc",
    test_versions=frozenset({0x6F, 0x3A, 0xC4}), test_hrps=("tltc", "rltc"),
)  # fmt: skip
TRON = Network(
    "TRON", "base58check", "start with T and are 34 characters long",
    prefixes="T", versions=frozenset({0x41}),
)  # fmt: skip
XRP = Network(
    "XRP", "base58check", "start with r and are 25 to 35 characters long",
    alphabet=base58.RIPPLE_ALPHABET, prefixes="r", versions=frozenset({0x00}), tag=True,
)  # fmt: skip
ETHEREUM = Network("Ethereum", "ethereum", "are 0x followed by 40 hexadecimal characters")
SOLANA = Network("Solana", "solana", "are 32 to 44 letters and digits of Base58")

# The processor's tickers (NOWPayments' codes) for the chains above; a token pays out to an
# address of the chain it lives on.
CURRENCIES: dict[str, Network] = {
    "btc": BITCOIN,
    "ltc": LITECOIN,
    "eth": ETHEREUM,
    "usdterc20": ETHEREUM,
    "trx": TRON,
    "usdttrc20": TRON,
    "xrp": XRP,
    "sol": SOLANA,
}
