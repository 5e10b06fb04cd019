"""Field accuracy of an extraction against the expected JSON of a fixture page.

The same rules for every extractor: title exact, publication instant to the minute and with
its zone, author and source exact (both absent counts as right), body by token F1 and by a
difflib ratio over the words.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections import Counter

FIELDS = ("title", "published_at", "author", "source", "body")
# Body similarity at or above this counts the body as right.
BODY_RIGHT_AT = 0.98

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str | None) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text or "").lower())


def token_f1(got: str | None, expected: str | None) -> float:
    """Harmonic mean of word precision and recall, words counted as a multiset."""
    got_words, expected_words = Counter(words(got)), Counter(words(expected))
    common = sum((got_words & expected_words).values())
    if not common:
        return 1.0 if not got_words and not expected_words else 0.0
    precision = common / sum(got_words.values())
    recall = common / sum(expected_words.values())
    return 2 * precision * recall / (precision + recall)


def sequence_ratio(got: str | None, expected: str | None) -> float:
    """difflib's ratio over the word sequences: penalises order and repeated chrome too."""
    return difflib.SequenceMatcher(None, words(got), words(expected), autojunk=False).ratio()


def as_instant(value) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO text; None for dates, naive times and junk."""
    if isinstance(value, str):
        text = value.strip()
        if len(text) <= 10:  # a date alone says nothing about the minute
            return None
        try:
            value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        return None
    return value


def same_minute(got, expected) -> bool:
    got_instant, expected_instant = as_instant(got), as_instant(expected)
    if got_instant is None or expected_instant is None:
        return False
    return got_instant.replace(second=0, microsecond=0) == expected_instant.replace(
        second=0, microsecond=0
    )


def _same_text(got: str | None, expected: str | None) -> bool:
    norm = lambda s: unicodedata.normalize("NFC", s).strip() if s else None  # noqa: E731
    return norm(got) == norm(expected)


def score(got: dict, expected: dict) -> dict:
    """Per-field verdicts of one page: booleans, plus the two body similarity figures."""
    f1 = token_f1(got.get("body"), expected.get("body"))
    return {
        "title": _same_text(got.get("title"), expected.get("title")),
        "published_at": same_minute(got.get("published_at"), expected.get("published_at")),
        "author": _same_text(got.get("author"), expected.get("author")),
        "source": _same_text(got.get("source"), expected.get("source")),
        "body": f1 >= BODY_RIGHT_AT,
        "body_token_f1": round(f1, 4),
        "body_sequence_ratio": round(sequence_ratio(got.get("body"), expected.get("body")), 4),
    }


def from_trafilatura(document: dict) -> dict:
    """trafilatura's JSON in our field names.

    It has no field for the outlet a story was taken from: its site name (`source-hostname`)
    is the nearest, so that is what is compared with `source`.
    """
    return {
        "title": document.get("title"),
        "published_at": document.get("date"),
        "author": document.get("author"),
        "source": document.get("source-hostname"),
        "body": document.get("text"),
    }
