"""How far down a listing page goes, as README ("How it works") defines it, worked out the long
way for the models of the walk: every run of the page's times tried, not the walk's own code."""

from __future__ import annotations

import itertools
from typing import TypeVar

T = TypeVar("T")


def page_bottom(times: list[T]) -> T | None:
    """The oldest time two of the page's entries in listing order reach (its only one's), once
    the entries out of order are left out: of the longest runs of `times` that never go up, the
    newest of their second-to-last times; a page mostly out of order, its two oldest times."""
    runs = [
        kept
        for size in range(len(times), 0, -1)
        for kept in itertools.combinations(times, size)
        if list(kept) == sorted(kept, reverse=True)
    ]
    if not runs:
        return None
    longest = [kept for kept in runs if len(kept) == len(runs[0])]
    if 2 * len(runs[0]) < len(times):
        longest = [tuple(sorted(times, reverse=True))]
    return max(kept[-2] if len(kept) > 1 else kept[0] for kept in longest)
