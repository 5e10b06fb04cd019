"""The address of an image as a browser shows it: a lazy-loaded image's real address rather than
its placeholder, and the largest candidate of a `srcset` or of a `<picture>`'s `<source>`s."""

from __future__ import annotations

import re

# One candidate of a `srcset`, as HTML splits them: an address (no whitespace; commas at its
# end part it from the next), then its descriptor up to the next comma.
_SRCSET_CANDIDATE = re.compile(r"[\s,]*(?P<url>[^\s,][^\s]*?)(?:,+(?=\s|$)|\s+(?P<size>[^,]*),?|$)")
_SRCSET_SIZE = re.compile(r"(\d+(?:\.\d+)?)[wx]", re.I)


def image_source(img) -> str:
    """The address a browser ends up showing: a lazy-loaded image's `data-original` (or
    `data-src`) when it has one, since its `src` may be a placeholder until it scrolls into
    view; else its `src`; else the largest candidate of its (lazy `data-srcset`, or own)
    `srcset`, which a responsive image may be given alone."""
    for name in ("data-original", "data-src", "src"):
        value = (img.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    for name in ("data-srcset", "srcset"):
        value = _largest_candidate(img.get(name) or "")
        if value:
            return value
    return _picture_source(img)


def _picture_source(img) -> str:
    """For an `img` inside a `<picture>`, the largest candidate of the `<source>` a browser
    takes whatever the screen: the first with no `media` (a condition that may not hold) and
    no `type` but an image's; else the first with a candidate. "" outside a `<picture>`.
    libxml2 does not know `<source>` as empty: it nests what follows one inside it."""
    picture = img.getparent()
    while picture is not None and picture.tag == "source":
        picture = picture.getparent()
    if picture is None or picture.tag != "picture":
        return ""
    found = []
    for source in picture.iterdescendants("source"):
        srcset = source.get("data-srcset") or source.get("srcset") or ""
        value = _largest_candidate(srcset)
        if value:
            kind = (source.get("type") or "image/").strip().lower()
            if source.get("media") is None and kind.startswith("image/"):
                return value
            found.append(value)
    return found[0] if found else ""


def _largest_candidate(srcset: str) -> str:
    """The address of the widest (`737w`) or densest (`2x`) candidate of a `srcset` (the first
    of equals; no descriptor is `1x`), not a `data:` one; "" when it has none."""
    best, best_size = "", -1.0
    for match in _SRCSET_CANDIDATE.finditer(srcset):
        url = match["url"]
        size = _SRCSET_SIZE.match((match["size"] or "").strip())
        value = float(size.group(1)) if size else 1.0
        if not url.startswith("data:") and value > best_size:
            best, best_size = url, value
    return best
