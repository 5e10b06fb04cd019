"""64-bit simhash of a text, for finding near-duplicate article bodies.

Features are overlapping shingles of `SHINGLE_WORDS` words (NFC, case-folded, punctuation
dropped), each hashed with blake2b to 8 bytes: stable across processes and machines, unlike
Python's salted `hash()`. Every feature weighs 1. The bit counting is vectorised with numpy so a
body of a thousand words takes well under a millisecond.

Simhashes are unsigned 64-bit values; Parquet and Arrow store them as int64, so `to_signed` and
`to_unsigned` convert between the two (two's complement, no bits lost).
"""

from __future__ import annotations

import re
import unicodedata
from hashlib import blake2b

import numpy as np

SHINGLE_WORDS = 3
BITS = 64
MASK = (1 << BITS) - 1

# Letters, digits and marks (Vietnamese tone marks survive NFC as combined letters, but an
# NFD leftover must not split a word).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """The lower-cased NFC words of `text`, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


def shingles(tokens: list[str], size: int = SHINGLE_WORDS) -> list[str]:
    """Overlapping runs of `size` words; a text shorter than that is one shingle."""
    if len(tokens) <= size:
        return [" ".join(tokens)] if tokens else []
    return [" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


def simhash(text: str) -> int:
    """Unsigned 64-bit simhash of `text` (0 for a text without words)."""
    features = shingles(words(text))
    if not features:
        return 0
    digests = b"".join(blake2b(f.encode("utf-8"), digest_size=8).digest() for f in features)
    # One row of 64 bits per feature; bit j of the little-endian value sits in column j.
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8), bitorder="little")
    ones = bits.reshape(-1, BITS).sum(axis=0, dtype=np.int64)
    majority = (2 * ones > len(features)).astype(np.uint8)
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
