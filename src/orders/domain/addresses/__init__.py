"""Payout addresses and destination tags checked the way each network's wallets check them.

`check_address("btc", "bc1q…")` answers with an `AddressVerdict`: "ok", "wrong_format" (not this
network's kind of address, or a test network's) or "bad_checksum" (the right shape, but a
character is wrong: a typo). Bitcoin and Litecoin (Base58Check, Bech32, Bech32m), Ethereum and
its tokens (EIP-55), TRON, XRP and Solana. Plain Python and `hashlib` only, so it runs in Pyodide
at the edge; `pages/js/addresses.js` gives the site the same verdicts and messages, and
`tests/fixtures/addresses.json` holds the vectors both are held to.
"""

from orders.domain.addresses.checks import (
    AddressVerdict,
    UnsupportedCurrency,
    check_address,
    check_extra_id,
    supports,
)

__all__ = ["AddressVerdict", "UnsupportedCurrency", "check_address", "check_extra_id", "supports"]
