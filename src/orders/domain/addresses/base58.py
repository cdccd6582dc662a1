"""Base58 and Base58Check: the encodings of Bitcoin, Litecoin and TRON addresses (one alphabet),
of XRP addresses (another), and of Solana's (Bitcoin's alphabet, without a checksum)."""

from __future__ import annotations

import hashlib

BITCOIN_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
RIPPLE_ALPHABET = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"

CHECKSUM_SIZE = 4


def first_foreign(text: str, alphabet: str) -> str | None:
    """The first character of `text` that `alphabet` lacks, or None."""
    return next((char for char in text if char not in alphabet), None)


def decode(text: str, alphabet: str) -> bytes:
    """The bytes `text` encodes; each leading zero digit stands for one zero byte.

    Raises ValueError for a character outside the alphabet (see `first_foreign` to name it).
    """
    number = 0
    for char in text:
        digit = alphabet.find(char)
        if digit < 0:
            raise ValueError(f"{char!r} is not a Base58 digit")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip(alphabet[0]))
    return bytes(zeros) + number.to_bytes((number.bit_length() + 7) // 8, "big")


def checksum(payload: bytes) -> bytes:
    """Base58Check's checksum: the first four bytes of SHA-256 applied twice."""
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:CHECKSUM_SIZE]


def checksum_ok(raw: bytes) -> bool:
    """True when the last four bytes of `raw` are the checksum of the bytes before them."""
    return len(raw) > CHECKSUM_SIZE and checksum(raw[:-CHECKSUM_SIZE]) == raw[-CHECKSUM_SIZE:]
