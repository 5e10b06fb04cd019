"""64-bit simhash of a text, for finding near-duplicate article bodies.

Features are overlapping shingles of `SHINGLE_WORDS` words (NFC, case-folded, punctuation
dropped), each weighing 1. A word hashes to 8 bytes of blake2b, stable across processes and
machines unlike Python's salted `hash()`, and is cached, since a news vocabulary is small; a
shingle's hash mixes its words' hashes (rotate, xor, then the splitmix64 finaliser) in numpy.
The word hashes of each distinct whitespace token, as written, are cached as well, so a body
goes from text to hashes without a Python step per word and without case-folding the text.

Simhashes are unsigned 64-bit values; Parquet and Arrow store them as int64, so `to_signed` and
`to_unsigned` convert between the two (two's complement, no bits lost).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from hashlib import blake2b
from itertools import chain

import numpy as np

SHINGLE_WORDS = 3
BITS = 64
MASK = (1 << BITS) - 1

# Letters, digits and marks (Vietnamese tone marks survive NFC as combined letters, but an
# NFD leftover must not split a word).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _folded_tokens(text: str) -> list[str]:
    """The NFC, case-folded, whitespace-separated tokens of `text`.

    Words never cross whitespace, so the words of a text are its tokens' words in order.
    """
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.casefold().split()


def words(text: str) -> list[str]:
    """The lower-cased NFC words of `text`, punctuation dropped."""
    return [word for token in _folded_tokens(text) for word in _WORD.findall(token)]


def shingles(tokens: list[str], size: int = SHINGLE_WORDS) -> list[tuple[str, ...]]:
    """Overlapping runs of `size` words; a text shorter than that is one shingle."""
    if len(tokens) <= size:
        return [tuple(tokens)] if tokens else []
    return [tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)]


@lru_cache(maxsize=1 << 17)
def word_hash(word: str) -> int:
    return int.from_bytes(blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return x if r == 0 else (x << np.uint64(r)) | (x >> np.uint64(BITS - r))


def _splitmix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@lru_cache(maxsize=1 << 17)
def _token_word_hashes(token: str) -> tuple[int, ...]:
    """`word_hash` of each word of one whitespace token of an NFC text, case-folded here (most
    tokens are one word), cached: a news vocabulary is small, so nearly every token of a body
    is a cache hit, and the text is never case-folded as a whole.

    Folding token by token gives the words of the folded text: no character folds to or from
    whitespace (a test checks every code point), so the tokens line up.
    """
    return tuple(map(word_hash, _WORD.findall(token.casefold())))


def nfc(text: str) -> str:
    """`text` in NFC (returned as is when it already is)."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def shingle_hashes(tokens: list[str], size: int = SHINGLE_WORDS) -> np.ndarray:
    """uint64 hash of every shingle of `tokens` (see `shingles`), in order."""
    hashes = np.fromiter(map(word_hash, tokens), dtype=np.uint64, count=len(tokens))
    return _mix_shingles(hashes, size)


def _mix_shingles(hashes: np.ndarray, size: int = SHINGLE_WORDS) -> np.ndarray:
    """The shingle hashes of a sequence of word hashes."""
    if len(hashes) == 0:
        return np.empty(0, dtype=np.uint64)
    width = min(size, len(hashes))
    count = len(hashes) - width + 1
    # Word k of a shingle is rotated by 21*k bits, so word order changes the hash.
    mixed = hashes[:count].copy()
    for k in range(1, width):
        mixed ^= _rotl(hashes[k : k + count], 21 * k)
    return _splitmix64(mixed)


def simhash(text: str) -> int:
    """Unsigned 64-bit simhash of `text` (0 for a text without words)."""
    return simhash_of_tokens(nfc(text).split())


def simhash_of_tokens(tokens: list[str]) -> int:
    """`simhash` of an NFC text given as its whitespace-separated tokens (`text.split()`), for a
    caller that needs the tokens too (`pipelines.stamp.fingerprint` counts words with them)."""
    per_token = map(_token_word_hashes, tokens)
    features = _mix_shingles(np.fromiter(chain.from_iterable(per_token), dtype=np.uint64))
    if len(features) == 0:
        return 0
    # One row of 64 bits per feature; bit j of the little-endian value sits in column j.
    bits = np.unpackbits(features.astype("<u8", copy=False).view(np.uint8), bitorder="little")
    ones = bits.reshape(-1, BITS).sum(axis=0, dtype=np.int64)
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
