"""Find the first listing page that reaches back to a date, by galloping then bisecting.

A deep backfill (`-a until=2024-01-31`) would otherwise walk every newer page first: at about
20 items a page, a year back is hundreds of requests. Listing pages are ordered newest first,
so "this page holds an item on or before `until`" is false for the first pages and true from
some page on (an empty page past the end counts as true, once it came empty twice); probing
pages 1, 2, 4, 8, … and then bisecting finds the first true page in about 2·log2(N) requests.
A site that answers pages past the end with page 1's items (or any page again) would have the
probes double for ever: STALLED_PAGES probes in a row that come no further down the stream than
the probe before each end the search (`above_stalled`), with no page found: the spider then
walks the listing from page 1.

Pure bookkeeping, like ListingWalk: the spider fetches what `next_probe` says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from newsscraper.listing_walk import STALLED_PAGES, page_bottom
from newsscraper.pages.dates import vietnam_date
from newsscraper.pages.section import ListingEntry


def reaches(entries: list[ListingEntry], until: dt.date) -> bool:
    """True when the page holds a stream item listed on or before `until` (or nothing at all).

    The focus block of page 1 is left out: its editors' picks can be days older than the
    stream around them, and would make page 1 look like the first to reach `until`."""
    times = [e.listed_at for e in entries if e.listed_at is not None and e.kind == "stream"]
    if not times:
        return True
    return vietnam_date(min(times)) <= until


@dataclass
class FirstPageSearch:
    until: dt.date
    below: int = 0  # the highest page known not to reach `until` (0: none yet)
    above: int | None = None  # the lowest page known to reach it
    probes: int = 0
    # The probes (1, 2, …) that read `above` and `below`: which of the two was read last.
    above_probe: int = 0
    below_probe: int = 0
    empty_retried: set[int] = field(default_factory=set)
    again: int | None = None  # an empty page to read once more before recording it
    above_is_empty: bool = False  # `above` is a page past the end of the listing
    # The search ended for STALLED_PAGES probes in a row that came no further down the stream
    # (`_stalled`): the site answers past the end with pages it cannot place, and no page is
    # found.
    above_stalled: bool = False
    # Probes in a row, while galloping, that came no further down the stream than the one
    # before each (`_stalled`); the stream entries of the last probe, and the ids of those
    # every probe showed.
    stalled: int = 0
    before: list[ListingEntry] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def record(self, page: int, entries: list[ListingEntry]) -> None:
        self.probes += 1
        self.again = None
        if not entries and page > 1 and page not in self.empty_retried:
            # The live site sometimes serves an empty fragment in the middle of the listing:
            # taken as past the end, it could be the page found, and its entries never read.
            self.empty_retried.add(page)
            self.again = page
            return
        if reaches(entries, self.until):
            if self.above is None or page <= self.above:
                self.above, self.above_probe = page, self.probes
                self.above_is_empty = not entries
        elif self._stalled(entries):
            # Galloping, the probes double: stories published between two of them fill one
            # gap's pages at most, not the next's twice as many, nor STALLED_PAGES such in a row.
            self.above_stalled = True
        elif page >= self.below:
            self.below, self.below_probe = page, self.probes

    def _stalled(self, entries: list[ListingEntry]) -> bool:
        """True when this gallop probe is the STALLED_PAGES-th in a row that came no further
        down the stream than the probe before it: its bottom (`page_bottom`) newer, or as old
        with every stream entry shown by an earlier probe."""
        if self.above is not None:  # bisecting: it ends by itself
            return False
        stream = [e for e in entries if e.kind == "stream"]
        bottom, before = page_bottom(stream), page_bottom(self.before)
        fresh = any(e.article_id not in self.seen for e in stream)
        came_down = bottom is not None and (
            before is None or bottom < before or (bottom == before and fresh)
        )
        self.stalled = 0 if came_down else self.stalled + 1
        self.before = stream
        self.seen |= {e.article_id for e in stream}
        return self.stalled >= STALLED_PAGES

    @property
    def done(self) -> bool:
        return self.above is not None and self.above == self.below + 1

    def next_probe(self) -> int | None:
        """The page to fetch next, or None when `found` is known (or the search stalled)."""
        if self.again is not None:
            return self.again
        if self.done or self.above_stalled:
            return None
        if self.above is None:
            return 1 if self.below == 0 else self.below * 2  # gallop
        return (self.below + self.above) // 2  # bisect

    @property
    def found(self) -> int:
        assert self.done and self.above is not None
        return self.above

    @property
    def found_is_current(self) -> bool:
        """False when the page before `found` was read after `found` itself. Articles published
        in between push every entry down: the first entries of the window may have left the
        page before for `found` after `found` was read, and are in neither response. The walk
        then reads `found` again; read after the page before, it holds them."""
        return self.above_probe > self.below_probe

    @property
    def requests_saved(self) -> int:
        """Requests a plain walk of pages 1 to `found` would have made, less the probes made
        (0 when the search took more)."""
        return max(0, (self.found - 1) - (self.probes - 1))
