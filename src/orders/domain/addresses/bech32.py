"""Bech32 (BIP-173) and Bech32m (BIP-350) strings, and the SegWit addresses written in them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
MAX_LENGTH = 90
CHECKSUM_LENGTH = 6

Reason = Literal[
    "too_long", "too_short", "mixed_case", "character", "separator", "hrp", "checksum",
    "version", "padding", "program",
]  # fmt: skip


class Variant(Enum):
    """Which checksum a string carries: the value its polymod must come out at."""

    BECH32 = 1
    BECH32M = 0x2BC830A3


class Bech32Error(ValueError):
    """Why a string is not a valid Bech32(m) string or SegWit address."""

    def __init__(self, reason: Reason, character: str | None = None) -> None:
        super().__init__(reason if character is None else f"{reason}: {character!r}")
        self.reason: Reason = reason
        self.character = character


@dataclass(frozen=True)
class Decoded:
    hrp: str
    data: tuple[int, ...]  # 5-bit values, checksum removed
    variant: Variant


def _polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    check = 1
    for value in values:
        top = check >> 25
        check = (check & 0x1FFFFFF) << 5 ^ value
        for bit in range(5):
            check ^= generator[bit] if (top >> bit) & 1 else 0
    return check


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def decode(text: str) -> Decoded:
    """Splits and verifies a Bech32 or Bech32m string; raises Bech32Error saying why not."""
    if outside := next((c for c in text if not 33 <= ord(c) <= 126), None):
        raise Bech32Error("character", outside)
    if len(text) > MAX_LENGTH:
        raise Bech32Error("too_long")
    if text != text.lower() and text != text.upper():
        raise Bech32Error("mixed_case")
    lowered = text.lower()
    separator = lowered.rfind("1")
    if separator < 1:  # no separator, or an empty human-readable part
        raise Bech32Error("separator")
    hrp, rest = lowered[:separator], lowered[separator + 1 :]
    if len(rest) < CHECKSUM_LENGTH:
        raise Bech32Error("too_short")
    if foreign := next((c for c in rest if c not in CHARSET), None):
        raise Bech32Error("character", foreign)
    values = [CHARSET.index(c) for c in rest]
    constant = _polymod(_hrp_expand(hrp) + values)
    variant = next((v for v in Variant if v.value == constant), None)
    if variant is None:
        raise Bech32Error("checksum")
    return Decoded(hrp, tuple(values[:-CHECKSUM_LENGTH]), variant)


def _to_bytes(values: tuple[int, ...]) -> bytes | None:
    """Regroups 5-bit values into bytes; None when the leftover bits are not a short zero pad."""
    accumulator = bits = 0
    out = bytearray()
    for value in values:
        accumulator = accumulator << 5 | value
        bits += 5
        if bits >= 8:
            bits -= 8
            out.append(accumulator >> bits & 0xFF)
    if bits >= 5 or accumulator & ((1 << bits) - 1):
        return None
    return bytes(out)


def decode_segwit(hrp: str, address: str) -> tuple[int, bytes]:
    """The witness version and program of a SegWit address for `hrp` (e.g. "bc"), per BIP-173
    and BIP-350: version 0 with a Bech32 checksum, versions 1 to 16 with a Bech32m one."""
    decoded = decode(address)
    if decoded.hrp != hrp:
        raise Bech32Error("hrp")
    if not decoded.data:
        raise Bech32Error("too_short")
    version = decoded.data[0]
    if version > 16:
        raise Bech32Error("version")
    # BIP-350: the checksum is part of the version's rules, so the wrong one is a bad checksum.
    if decoded.variant is not (Variant.BECH32 if version == 0 else Variant.BECH32M):
        raise Bech32Error("checksum")
    program = _to_bytes(decoded.data[1:])
    if program is None:
        raise Bech32Error("padding")
    if not 2 <= len(program) <= 40 or (version == 0 and len(program) not in (20, 32)):
        raise Bech32Error("program")
    return version, program
