"""The verdict on a payout address or destination tag: ok, not this network's format, or a typo
caught by the address's checksum. `pages/js/addresses.js` gives the same verdicts, word for word.

Each rule runs in a fixed order (the JavaScript follows it step by step), from the coarsest
question to the finest: is it this network's kind of string at all, then its characters, its
length, its version, and last its checksum. A failed checksum on a string of the right shape is
the one answer that means "a character is wrong".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from orders.domain.addresses import base58, bech32
from orders.domain.addresses.keccak import keccak256
from orders.domain.addresses.networks import CURRENCIES, XRP, Network

Status = Literal["ok", "wrong_format", "bad_checksum"]


@dataclass(frozen=True)
class AddressVerdict:
    status: Status
    # Why not, for a person; for an "ok" either empty or a caution that no checksum was there to
    # catch a typo (Solana addresses, and Ethereum addresses written in one case).
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


class UnsupportedCurrency(LookupError):
    """No rules for this currency code: the caller falls back to the processor's pattern."""


CHECKSUM = "This address's checksum does not match: check it for a typo."
NOT_THIS = "{name} addresses {shape}: this is not one."
NOT_ALNUM = (
    "{name} addresses have only Latin letters and digits: remove spaces and other characters."
)
FOREIGN = "{name} addresses never contain “{char}”: check it for a typo."
TOO_SHORT = "This {name} address is too short: check that it is complete."
TOO_LONG = "This {name} address is too long: check that nothing was added to it."
MIXED_CASE = "This {name} address mixes capital and small letters: copy it again from your wallet."
MALFORMED = "This {name} address is not valid: copy it again from your wallet."
TEST_NETWORK = "This is a {name} test network address: payouts are sent on the main network only."
FUTURE = "This {name} address is of a kind no wallet uses yet: coins sent to it could not be spent."
X_ADDRESS = (
    "This is an X-address: enter the classic XRP address (it starts with r) and the destination "
    "tag instead."
)
NO_CHECKSUM = (
    "{name} addresses have no checksum: compare it with your wallet, character by character."
)
ONE_CASE = (
    "This address has no checksum (its letters are all one case): compare it with your wallet, "
    "character by character."
)
TAG = "A destination tag is a whole number from 0 to 4294967295."
NO_TAG = "{name} payouts take no memo or tag."

OK = AddressVerdict("ok")
_ALNUM = re.compile("[0-9A-Za-z]+")
_HEX = "0123456789abcdefABCDEF"
_TAG = re.compile("[0-9]{1,10}")
_BASE58CHECK_SIZE = 25  # a version byte, a 20-byte hash and a 4-byte checksum, on every network
# 25 bytes never take more than 35 Base58 digits, and any 36 decode to 26 bytes or more: longer
# strings are refused before decoding, whose cost grows with the square of the length.
_BASE58CHECK_CHARS = 35


def check_address(currency: str, address: str) -> AddressVerdict:
    """Checks `address` as a payout address for `currency` (a processor ticker such as "btc").

    Raises UnsupportedCurrency for a code without rules (see `supports`).
    """
    network = _network(currency)
    if not address:
        return _wrong(NOT_THIS, network)
    if not _ALNUM.fullmatch(address):
        return _wrong(NOT_ALNUM, network)
    if network.family == "ethereum":
        return _ethereum(network, address)
    if network.family == "solana":
        return _solana(network, address)
    return _bitcoin_like(network, address)


def check_extra_id(currency: str, extra_id: str) -> AddressVerdict:
    """Checks the destination tag (memo) sent with a payout; XRP's is an unsigned 32-bit number."""
    network = _network(currency)
    if not network.tag:
        return _wrong(NO_TAG, network)
    if _TAG.fullmatch(extra_id) and int(extra_id) <= 0xFFFFFFFF:
        return OK
    return AddressVerdict("wrong_format", TAG)


def supports(currency: str) -> bool:
    return currency in CURRENCIES


def eip55(address: str) -> str:
    """The EIP-55 form of an Ethereum address: each hex letter capitalised where the matching
    nibble of keccak256(the lower-case hex) is 8 or more."""
    digits = address.removeprefix("0x").lower()
    digest = keccak256(digits.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if int(nibble, 16) >= 8 else c for c, nibble in zip(digits, digest, strict=False)
    )


def _network(currency: str) -> Network:
    try:
        return CURRENCIES[currency]
    except KeyError:
        raise UnsupportedCurrency(currency) from None


def _wrong(template: str, network: Network, char: str = "") -> AddressVerdict:
    text = template.format(name=network.name, shape=network.shape, char=char)
    return AddressVerdict("wrong_format", text)


def _bitcoin_like(network: Network, address: str) -> AddressVerdict:
    lowered = address.lower()
    if network.hrp and lowered.startswith(network.hrp + "1"):
        return _segwit(network, network.hrp, address)
    if any(lowered.startswith(hrp + "1") for hrp in network.test_hrps):
        return _wrong(TEST_NETWORK, network)
    if address[0] not in network.prefixes:
        return _elsewhere(network, address)
    if foreign := base58.first_foreign(address, network.alphabet):
        return _wrong(FOREIGN, network, foreign)
    if len(address) > _BASE58CHECK_CHARS:
        return _wrong(TOO_LONG, network)
    raw = base58.decode(address, network.alphabet)
    if len(raw) != _BASE58CHECK_SIZE:
        return _wrong(TOO_SHORT if len(raw) < _BASE58CHECK_SIZE else TOO_LONG, network)
    if raw[0] not in network.versions:
        return _wrong(NOT_THIS, network)
    if not base58.checksum_ok(raw):
        return AddressVerdict("bad_checksum", CHECKSUM)
    return OK


def _elsewhere(network: Network, address: str) -> AddressVerdict:
    """A string that does not start like this network's addresses: say what it is if we can."""
    if network is XRP and address.startswith("X") and len(address) == 47:
        return AddressVerdict("wrong_format", X_ADDRESS)
    if (
        network.test_versions
        and len(address) <= _BASE58CHECK_CHARS
        and base58.first_foreign(address, network.alphabet) is None
    ):
        raw = base58.decode(address, network.alphabet)
        if len(raw) == _BASE58CHECK_SIZE and raw[0] in network.test_versions:
            return _wrong(TEST_NETWORK, network)
    return _wrong(NOT_THIS, network)


def _segwit(network: Network, hrp: str, address: str) -> AddressVerdict:
    data = address[len(hrp) + 1 :]
    if len(address) > bech32.MAX_LENGTH:
        return _wrong(TOO_LONG, network)
    if address != address.lower() and address != address.upper():
        return _wrong(MIXED_CASE, network)
    # Before decoding: a "1", "b", "i" or "o" typed into the data is named, not taken for
    # a separator or reported as a broken checksum.
    if foreign := next((c for c in data if c.lower() not in bech32.CHARSET), None):
        return _wrong(FOREIGN, network, foreign)
    if len(data) < 1 + bech32.CHECKSUM_LENGTH:  # a witness version and the checksum, at least
        return _wrong(TOO_SHORT, network)
    try:
        version, program = bech32.decode_segwit(hrp, address)
    except bech32.Bech32Error as error:
        if error.reason == "checksum":
            return AddressVerdict("bad_checksum", CHECKSUM)
        return _wrong(MALFORMED, network)
    # Versions 2 to 16 and other v1 lengths are valid to BIP-350 but no wallet can spend them yet:
    # whoever gave one gave it by mistake, and what is sent there is lost.
    if version == 0 or (version == 1 and len(program) == 32):
        return OK
    return _wrong(FUTURE, network)


def _ethereum(network: Network, address: str) -> AddressVerdict:
    if not address.startswith("0x"):
        return _wrong(NOT_THIS, network)
    digits = address[2:]
    if foreign := next((c for c in digits if c not in _HEX), None):
        return _wrong(FOREIGN, network, foreign)
    if len(digits) != 40:
        return _wrong(TOO_SHORT if len(digits) < 40 else TOO_LONG, network)
    if digits in (digits.lower(), digits.upper()):
        return AddressVerdict("ok", ONE_CASE)
    if eip55(digits) != address:
        return AddressVerdict("bad_checksum", CHECKSUM)
    return OK


def _solana(network: Network, address: str) -> AddressVerdict:
    # Any 32 bytes encode to 32 to 44 digits; fewer or more cannot be an address.
    if len(address) < 32:
        return _wrong(TOO_SHORT, network)
    if len(address) > 44:
        return _wrong(TOO_LONG, network)
    if foreign := base58.first_foreign(address, network.alphabet):
        return _wrong(FOREIGN, network, foreign)
    if len(base58.decode(address, network.alphabet)) != 32:
        return _wrong(MALFORMED, network)
    return AddressVerdict("ok", NO_CHECKSUM.format(name=network.name))
