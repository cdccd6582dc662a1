"""Keccak-256 as Ethereum uses it, in pure Python: hashlib's SHA3-256 pads differently.

Keccak-256 is the Keccak[c=512] sponge of the original submission, with the pad10*1 padding whose
first byte is 0x01; FIPS 202's SHA3-256 is the same permutation with 0x06. EIP-55 checksums are
Keccak-256, and Pyodide offers no C extension that has it, so it is written out here.
"""

from __future__ import annotations

_RATE = 136  # bytes absorbed per permutation: 1600 bits of state less the 512-bit capacity
_MASK = (1 << 64) - 1

# Keccak-f[1600]'s iota constants, one per round (FIPS 202 §3.2.5 derives them with an LFSR).
_ROUND_CONSTANTS = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)  # fmt: skip

# The rho rotation of the lane at (x, y), stored at index x + 5 * y like the lanes themselves.
_ROTATIONS = (
    0, 1, 62, 28, 27,
    36, 44, 6, 55, 20,
    3, 10, 43, 25, 39,
    41, 45, 15, 21, 8,
    18, 2, 61, 56, 14,
)  # fmt: skip


def _rotl(lane: int, shift: int) -> int:
    return ((lane << shift) | (lane >> (64 - shift))) & _MASK if shift else lane


def _permute(state: list[int]) -> None:
    """Keccak-f[1600] in place over 25 lanes of 64 bits, lane (x, y) at index x + 5 * y."""
    for constant in _ROUND_CONSTANTS:
        # theta: each lane takes the parity of two neighbouring columns
        columns = [state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20]
                   for x in range(5)]  # fmt: skip
        for x in range(5):
            mix = columns[(x - 1) % 5] ^ _rotl(columns[(x + 1) % 5], 1)
            for y in range(0, 25, 5):
                state[x + y] ^= mix
        # rho and pi: rotate each lane and move (x, y) to (y, 2x + 3y)
        moved = [0] * 25
        for x in range(5):
            for y in range(5):
                lane = x + 5 * y
                moved[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl(state[lane], _ROTATIONS[lane])
        # chi: the only non-linear step, along each row
        for y in range(0, 25, 5):
            row = moved[y : y + 5]
            for x in range(5):
                state[x + y] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5])
        # iota: break the symmetry between rounds
        state[0] ^= constant


def keccak256(data: bytes) -> bytes:
    """The 32-byte Keccak-256 digest of `data`."""
    padded = bytearray(data)
    padded.append(0x01)
    padded.extend(bytes(-len(padded) % _RATE))
    padded[-1] |= 0x80  # a one-byte pad makes this 0x81, as the padding rule requires
    state = [0] * 25
    for start in range(0, len(padded), _RATE):
        block = padded[start : start + _RATE]
        for index in range(_RATE // 8):
            state[index] ^= int.from_bytes(block[8 * index : 8 * index + 8], "little")
        _permute(state)
    return b"".join(lane.to_bytes(8, "little") for lane in state[:4])
