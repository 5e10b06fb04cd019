"""64-bit simhash of a text, for finding near-duplicate article bodies.

Features are overlapping shingles of `SHINGLE_WORDS` words (NFC, case-folded, punctuation
dropped), each weighing 1. A word hashes to 8 bytes of blake2b, stable across processes and
machines unlike Python's salted `hash()`, and is cached, since a news vocabulary is small; a
shingle's hash mixes its words' hashes (rotate, xor, then the splitmix64 finaliser) in numpy.
The word hashes of each distinct whitespace token, as written, are cached with their rotations,
so a body goes from text to hashes without a Python step per word and without case-folding the
text.

Simhashes are unsigned 64-bit values; Parquet and Arrow store them as int64, so `to_signed` and
`to_unsigned` convert between the two (two's complement, no bits lost).
"""

from __future__ import annotations

import re
import struct
import unicodedata
from functools import lru_cache
from hashlib import blake2b

import numpy as np

SHINGLE_WORDS = 3
BITS = 64
MASK = (1 << BITS) - 1

# Runs of letters and digits, as DATA_FORMAT.md defines the words. Vietnamese tone marks are
# part of their letters once the text is NFC; a combining mark NFC cannot fold into a letter
# (none in Vietnamese) is neither, so it parts a word, and the values stay as documented.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1 << 17)
def word_hash(word: str) -> int:
    return int.from_bytes(blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


_U30, _U27, _U31 = np.uint64(30), np.uint64(27), np.uint64(31)
_C1, _C2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _splitmix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser of each value, computed in place in `z` (a fresh array)."""
    z ^= z >> _U30
    z *= _C1
    z ^= z >> _U27
    z *= _C2
    z ^= z >> _U31
    return z


def _rotl_int(x: int, r: int) -> int:
    return ((x << r) | (x >> (BITS - r))) & MASK


# Word k of a shingle is rotated left by 21*k bits.
_ROTATIONS = tuple(21 * k for k in range(SHINGLE_WORDS))


class _TokenHashes(dict):
    """whitespace token → the word hashes of its words, each with its rotations (`_ROTATIONS`),
    flattened, `(h1, rotl(h1, 21), rotl(h1, 42), h2, …)`, as little-endian uint64 bytes.

    Filled on a miss, emptied when it holds `limit` tokens (a news vocabulary stays far below),
    so a body's tokens are looked up with plain dict hits and joined into one buffer numpy
    reads as it is, with no Python step (nor int conversion) per token or word. A token
    is case-folded here, on its first sight, so the text is never folded as a whole: no
    character folds to or from whitespace (a test checks every code point), so the tokens of the
    folded text are the folded tokens.
    """

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def __missing__(self, token: str) -> bytes:
        if len(self) >= self.limit:
            self.clear()
        hashes = []
        for word in _WORD.findall(token.casefold()):
            h = word_hash(word)
            hashes += [_rotl_int(h, r) for r in _ROTATIONS]
        value = self[token] = struct.pack(f"<{len(hashes)}Q", *hashes)
        return value


_TOKEN_HASHES = _TokenHashes(limit=1 << 17)


def nfc(text: str) -> str:
    """`text` in NFC (returned as is when it already is)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _mix_shingles(rotated: np.ndarray) -> np.ndarray:
    """The shingle hashes of a sequence of words, given as rows `(h, rotl(h, 21), rotl(h, 42))`
    of their word hashes (`_ROTATIONS`): word k of a shingle is rotated by 21*k bits, so word
    order changes the hash, then the words are xor-ed and the result goes through the
    splitmix64 finaliser."""
    words = len(rotated)
    if words == 0:
        return np.empty(0, dtype=np.uint64)
    width = min(SHINGLE_WORDS, words)
    count = words - width + 1
    mixed = rotated[:count, 0].copy()
    for k in range(1, width):
        mixed ^= rotated[k : k + count, k]
    return _splitmix64(mixed)


def simhash(text: str) -> int:
    """Unsigned 64-bit simhash of `text` (0 for a text without words)."""
    return simhash_of_tokens(nfc(text).split())


def simhash_of_tokens(tokens: list[str]) -> int:
    """`simhash` of an NFC text given as its whitespace-separated tokens (`text.split()`), for a
    caller that needs the tokens too (`pipelines.stamp.fingerprint` counts words with them)."""
    flat = b"".join(map(_TOKEN_HASHES.__getitem__, tokens))
    rotated = np.frombuffer(flat, dtype="<u8").astype(np.uint64, copy=False)
    features = _mix_shingles(rotated.reshape(-1, SHINGLE_WORDS))
    if len(features) == 0:
        return 0
    # One row of 64 bits per feature; bit j of the little-endian value sits in column j.
    bits = np.unpackbits(features.astype("<u8", copy=False).view(np.uint8), bitorder="little")
    # Counted in 32 bits (summing into int64 costs twice as much): a body has far fewer than
    # 2**31 shingles.
    ones = bits.reshape(-1, BITS).sum(axis=0, dtype=np.int32)
    majority = ones > len(features) // 2  # more than half: 2 * ones > len(features)
    return int(np.packbits(majority, bitorder="little").view("<u8")[0])


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two simhashes, signed or unsigned."""
    return ((a ^ b) & MASK).bit_count()


def to_signed(value: int) -> int:
    """The int64 that stores the unsigned 64-bit `value`."""
    value &= MASK
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def to_unsigned(value: int) -> int:
    """The unsigned 64-bit value stored as the int64 `value`."""
    return value & MASK
