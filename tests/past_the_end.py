"""What a site answers for a listing page past the end of its listing, for the models of the
walk: drawn among what sites (or a cache, or a proxy in front of them) do."""

from __future__ import annotations

from typing import TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

# "whole page": page 1 or a redirect to it, as HTML, which no model reads: the spider reads it
# as an empty fragment (`CafefSpider.listing_entries`), and so does `past_the_end`.
answers = st.sampled_from(["empty", "whole page", "page 1", "last page"])


def past_the_end(answer: str, stream: list[T], page_size: int) -> list[T]:
    """The main list a page past the end of `stream` (the listing's, newest first, in pages of
    `page_size`) shows the walk, the site answering it with `answer`."""
    if answer == "page 1":  # page 1's items as a fragment: its main list, no focus block
        return stream[:page_size]
    if answer == "last page":
        return stream[(len(stream) - 1) // page_size * page_size :]
    return []
