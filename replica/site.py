"""The model of the replica: one live section of cafef.vn, its articles and how it answers.

Routes (everything else is 404):

- `/robots.txt`: `User-agent: *` / `Allow: /` (a test may set `robots_txt` to another, or
  script faults for it; soft blocks and jitter leave it be).
- `/<section>.chn`: page 1 of the modelled section (default `doanh-nghiep`, zone 18836). Other
  sections of `newsscraper.sections` answer 404: the replica models one section at a time.
- `/timelinelist/<zone>/<n>.chn`, n ≥ 2: a fragment of `page_size` stream items; empty past the end.
- `/<slug>-<id>.chn`: an article page, found by id (any slug works, as on the live site);
  404 for ids the site does not know.

How the listing splits: the listing is newest first. Page 1 shows the 3 newest as the focus
block, then the next `page_size` as stream items; timeline page n continues right after,
with items `3 + (n-1)*page_size` up to `3 + n*page_size`. With `focus_picks`, the focus block
shows those articles instead, in that order (editors' picks, as on the real section page, where
they are older than the stream's top and out of order) and the stream is every other article,
newest first, from the top: a pick is in no stream page. The "Đọc nhiều" box on page 1 links
`most_read` articles of another section (Thị trường chứng khoán): they are served, but they
are not in the section and a crawler of the section must not follow them.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from newsscraper.sections import SECTION_ZONES

from .articles import VIETNAM, Quirks, SyntheticArticle
from .faults import Fault, SoftBlock
from .render import SOFT_BLOCK_PAGE, error_page, render_article, render_section, render_stream
from .response import Response
from .text import ArticleWriter

DEFAULT_START = dt.datetime(2026, 3, 7, 10, 22, tzinfo=VIETNAM)
FOCUS_SIZE = 3
ROBOTS_TXT = "User-agent: *\nAllow: /\n"
OTHER_SECTION = "thi-truong-chung-khoan"

_ARTICLE_PATH = re.compile(r"^/[a-z0-9-]+-(\d{17,18})\.chn$")
_TIMELINE_PATH = re.compile(r"^/timelinelist/(\d+)/(\d+)\.chn$")


@dataclass
class _Script:
    faults: list[Fault]
    repeat: bool
    next: int = 0


class ReplicaSite:
    """A deterministic section of synthetic articles; thread-safe, mutable while served.

    Data-quality cases are given per article by index (0 = the newest at `start`):
    `nfd`, `no_title`, `soft_block` (its page is always the rate-limit page), `absolute_links`
    (listings link it as `https://cafef.vn/...`), `listed_twice` (it shows again one page
    later, as when the listing shifts), `near_duplicate_of={copy: original}` (the copy has
    the original's body with a few words changed, under another id and title),
    `focus_picks` (up to 3, shown in page 1's focus block and left out of the stream).
    """

    def __init__(
        self,
        articles: int = 40,
        seed: int = 0,
        page_size: int = 20,
        start: dt.datetime = DEFAULT_START,
        *,
        section: str = "doanh-nghiep",
        nfd: Collection[int] = (),
        no_title: Collection[int] = (),
        listed_twice: Collection[int] = (),
        near_duplicate_of: Mapping[int, int] | None = None,
        soft_block: Collection[int] = (),
        absolute_links: Collection[int] = (),
        most_read: int = 8,
        focus_picks: Sequence[int] = (),
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start needs a time zone")
        if section not in SECTION_ZONES:
            raise ValueError(f"unknown section {section!r}")
        self.seed = seed
        self.page_size = page_size
        self.robots_txt = ROBOTS_TXT  # what /robots.txt says; a test may set another
        self.section = section
        self.zone_id = SECTION_ZONES[section]
        self._lock = threading.RLock()
        self._near = dict(near_duplicate_of or {})
        self._quirk_sets = {
            "nfd": set(nfd),
            "no_title": set(no_title),
            "soft_block": set(soft_block),
            "absolute_link": set(absolute_links),
        }
        self._listed_twice = set(listed_twice)
        if not set(self._near.values()) <= set(range(articles)):
            raise ValueError("near_duplicate_of: originals are indexes of the initial articles")
        if len(focus_picks) > FOCUS_SIZE or len(set(focus_picks)) != len(focus_picks):
            raise ValueError(f"focus_picks: up to {FOCUS_SIZE} different articles")
        if not set(focus_picks) <= set(range(articles)):
            raise ValueError("focus_picks: indexes of the initial articles")
        self._focus_picks = list(focus_picks)
        self._times = random.Random(f"replica-times:{seed}")
        self._ids: set[str] = set()
        self._by_id: dict[str, SyntheticArticle] = {}
        self._all: list[SyntheticArticle] = []  # by serial
        self._order: list[int] = []  # serials in the listing, newest first
        self._listing_cache: list[int] | None = None
        self._scripts: dict[str, _Script] = {}
        self._soft_every: int | None = None
        self._soft_until: float | None = None
        self._request_count = 0
        self._jitter: tuple[float, random.Random] | None = None

        # The initial articles' times, by serial, all drawn first: a copy listed above its
        # original is made before it, in the words of the year the original is published in.
        self._initial_times: list[dt.datetime] = []
        moment = start.astimezone(VIETNAM)
        for _ in range(articles):
            self._initial_times.append(moment)
            moment -= self._gap()
        for serial, moment in enumerate(self._initial_times):
            self._add(self._make(serial, moment, self.section))
        self._order = list(range(articles))
        self._newest = start.astimezone(VIETNAM)
        others_at = start.astimezone(VIETNAM) - dt.timedelta(hours=2)
        self._most_read = []
        for k in range(most_read):
            other = self._make(-1 - k, others_at - dt.timedelta(hours=7 * k), OTHER_SECTION)
            self._by_id[other.article_id] = other
            self._most_read.append(other)

    # --- building articles -----------------------------------------------------------------
    def _gap(self) -> dt.timedelta:
        return dt.timedelta(minutes=self._times.randint(7, 95))

    def _make(self, serial: int, published: dt.datetime, section: str) -> SyntheticArticle:
        rng = random.Random(f"replica:{self.seed}:{serial}")
        writer = ArticleWriter(rng, published.year)
        story = writer.story()
        if serial in self._near and self._near[serial] < serial:
            original = self._all[self._near[serial]]
            story = writer.near_copy(original.story)
        elif serial in self._near:
            original = self._near[serial]
            original_rng = random.Random(f"replica:{self.seed}:{original}")
            original_year = self._initial_times[original].year
            story = writer.near_copy(ArticleWriter(original_rng, original_year).story())
        created = published - dt.timedelta(minutes=rng.randint(5, 900))
        article_id = self._new_id(created, rng)
        ymd = f"203337114487263232/{published.year}/{published.month}/{published.day}"
        stamp = int(created.timestamp() * 1000)
        quirks = Quirks(**{name: serial in s for name, s in self._quirk_sets.items()})
        return SyntheticArticle(
            serial=serial,
            article_id=article_id,
            section=section,
            zone_id=SECTION_ZONES[section],
            template="older" if serial % 2 == 0 else "newer",
            story=story,
            published_at=published,
            modified_at=published + dt.timedelta(seconds=rng.randint(30, 3_600)),
            cover_path=f"{ymd}/avatar{stamp}-{stamp}{rng.randint(10**9, 10**10 - 1)}.jpg",
            body_image_path=f"{ymd}/photo-{stamp}-{rng.randint(10**6, 10**7 - 1)}.png",
            quirks=quirks if section == self.section else Quirks(),
        )

    def _new_id(self, created: dt.datetime, rng: random.Random) -> str:
        """`188` + yymmddHHMMSS (creation in the CMS) + 3 digits, or 2 for about one article
        in five (a 17-digit id, like `18826030622484142` of the real section page), unique in
        the site."""
        base = f"188{created:%y%m%d%H%M%S}"
        suffix = rng.randint(100, 999)
        low, high = (10, 99) if suffix % 5 == 0 else (100, 999)
        if low == 10:
            suffix //= 10
        while f"{base}{suffix}" in self._ids:
            suffix = low + (suffix - low + 1) % (high - low + 1)
        article_id = f"{base}{suffix}"
        self._ids.add(article_id)
        return article_id

    def _add(self, article: SyntheticArticle) -> None:
        self._all.append(article)
        self._by_id[article.article_id] = article

    # --- what tests ask of the model --------------------------------------------------------
    def article(self, index: int) -> SyntheticArticle:
        """The article of that serial (0 … articles-1 at start, then published ones)."""
        with self._lock:
            return self._all[index]

    @property
    def articles(self) -> list[SyntheticArticle]:
        """The section's articles in listing order, newest first (each once)."""
        with self._lock:
            return [self._all[serial] for serial in self._order]

    @property
    def most_read(self) -> list[SyntheticArticle]:
        return list(self._most_read)

    def listing(self) -> list[SyntheticArticle]:
        """What page 1 and the timeline pages show in turn, duplicates included."""
        with self._lock:
            return [self._all[serial] for serial in self._listing_serials()]

    def _listing_serials(self) -> list[int]:
        if self._listing_cache is None:
            picks = [serial for serial in self._focus_picks if serial in self._order]
            listing = [serial for serial in self._order if serial not in picks]
            for serial in sorted(self._listed_twice):
                if serial in listing:
                    at = listing.index(serial) + self.page_size + 1
                    listing.insert(min(at, len(listing)), serial)
            self._listing_cache = picks + listing
        return self._listing_cache

    def _focus_size(self) -> int:
        picked = sum(1 for serial in self._focus_picks if serial in self._order)
        return picked or FOCUS_SIZE

    # --- live changes ----------------------------------------------------------------------
    def publish(self, n: int = 1) -> list[SyntheticArticle]:
        """Put `n` new articles at the top of the section, as a live section does."""
        with self._lock:
            new = []
            for _ in range(n):
                self._newest += self._gap()
                article = self._make(len(self._all), self._newest, self.section)
                self._add(article)
                self._order.insert(0, article.serial)
                new.append(article)
            self._listing_cache = None
            return list(reversed(new))

    def publish_at(
        self, moment: dt.datetime, *, under_its_minute: bool = False
    ) -> SyntheticArticle:
        """Put a new article dated `moment` where that date places it in the section (a story
        dated ahead of the others stays above the ones published after it): above the articles
        dated `moment` or earlier, or with `under_its_minute` under every article listed in its
        minute. Listings show minutes only, and the site orders a minute's stories any way."""
        with self._lock:
            article = self._make(len(self._all), moment.astimezone(VIETNAM), self.section)
            self._add(article)

            def above(serial: int) -> bool:
                listed = self._all[serial].published_at
                return listed > moment or (under_its_minute and _minute(listed) == _minute(moment))

            at = 0
            while at < len(self._order) and above(self._order[at]):
                at += 1
            self._order.insert(at, article.serial)
            self._newest = max(self._newest, article.published_at)
            self._listing_cache = None
            return article

    def shift(self, n: int) -> list[SyntheticArticle]:
        """Move the listing under a crawl that pages through it.

        n > 0 publishes n articles: every item moves n places down, so the next timeline page
        repeats the last n items of the one before. n < 0 takes the |n| newest out of the
        listing (their pages stay up): items move up, and a crawl paging on skips some.
        """
        if n >= 0:
            return self.publish(n)
        with self._lock:
            removed = [self._all[serial] for serial in self._order[:-n]]
            del self._order[:-n]
            self._listing_cache = None
            return removed

    def move_to_top(self, index: int) -> SyntheticArticle:
        """Put article `index` back at the top of the section with its old time, as the live
        site does with an old story it updated: it stays listed once, out of order, and comes
        down the pages as articles published after it come in above it."""
        with self._lock:
            self._order.remove(index)
            self._order.insert(0, index)
            self._listing_cache = None
            return self._all[index]

    # --- scripted faults -------------------------------------------------------------------
    def script(self, path: str, faults: Iterable[Fault], *, repeat: bool = False) -> None:
        """The next requests to `path` (no query) get these faults in turn, then normal service."""
        with self._lock:
            self._scripts[path] = _Script(list(faults), repeat)

    def clear_scripts(self) -> None:
        with self._lock:
            self._scripts.clear()

    def jitter(self, max_seconds: float | None, seed: int = 0) -> None:
        """Hold every response (robots.txt apart) for a random 0 to `max_seconds` on top of
        any fault's delay, drawn from `seed` (None: stop): a site or proxy that answers
        unevenly, so responses of concurrent requests come back out of order."""
        with self._lock:
            self._jitter = None if max_seconds is None else (max_seconds, random.Random(seed))

    def _jitter_delay(self) -> float:
        with self._lock:
            if self._jitter is None:
                return 0.0
            most, rng = self._jitter
            return rng.uniform(0, most)

    def soft_block_every(self, n: int | None) -> None:
        """Serve the rate-limit page to every n-th request (None: stop)."""
        with self._lock:
            self._soft_every = n

    def soft_block_all(self, seconds: float | None = None) -> None:
        """Serve the rate-limit page to every request, for `seconds` or until `soft_block_off`."""
        with self._lock:
            self._soft_until = time.monotonic() + seconds if seconds is not None else float("inf")

    def soft_block_off(self) -> None:
        with self._lock:
            self._soft_every = self._soft_until = None

    def _next_fault(self, path: str) -> Fault | None:
        with self._lock:
            if (fault := self._scripted_fault(path)) is not None:
                self._request_count += 1
                return fault
            if path == "/robots.txt":
                return None  # soft blocks leave it be, and count no request
            self._request_count += 1
            if self._soft_until is not None and time.monotonic() < self._soft_until:
                return SoftBlock()
            if self._soft_every and self._request_count % self._soft_every == 0:
                return SoftBlock()
            return None

    def _scripted_fault(self, path: str) -> Fault | None:
        """The next fault scripted for `path` (the lock held), or None."""
        entry = self._scripts.get(path)
        if entry is None:
            return None
        fault = entry.faults[entry.next % len(entry.faults)]
        entry.next += 1
        if not entry.repeat and entry.next >= len(entry.faults):
            del self._scripts[path]
        return fault

    # --- answering -------------------------------------------------------------------------
    def respond(self, method: str, target: str) -> Response:
        """The response to one request for `target` (path and query)."""
        path = target.split("?", 1)[0]
        fault = self._next_fault(path)
        if fault is not None:
            response = fault.apply(target, lambda other=path: self._route(other))
        else:
            response = self._route(path)
        if path != "/robots.txt":  # held by no jitter
            response.delay += self._jitter_delay()
        if method == "HEAD":
            response = replace(response, declared_length=len(response.body), body=b"")
        return response

    def _route(self, path: str) -> Response:
        if path == "/robots.txt":
            return Response(body=self.robots_txt.encode(), content_type="text/plain; charset=utf-8")
        if path == f"/{self.section}.chn":
            return Response.html(self._section_page())
        timeline = _TIMELINE_PATH.match(path)
        if timeline:
            zone, page = int(timeline.group(1)), int(timeline.group(2))
            if zone == self.zone_id and page >= 2:
                return Response.html(self._timeline_page(page))
            return _not_found()
        found = _ARTICLE_PATH.match(path)
        if found:
            article = self._by_id.get(found.group(1))
            if article is None:
                return _not_found()
            if article.quirks.soft_block:
                return Response.html(SOFT_BLOCK_PAGE)
            return Response.html(render_article(article, related=self._related(article)))
        return _not_found()

    def _related(self, article: SyntheticArticle) -> SyntheticArticle | None:
        if not self._most_read:
            return None
        return self._most_read[abs(article.serial) % len(self._most_read)]

    def _section_page(self) -> str:
        with self._lock:
            listing = self.listing()
            focus_size = self._focus_size()
        focus = listing[:focus_size]
        stream = listing[focus_size : focus_size + self.page_size]
        return render_section(self.section, self.zone_id, focus, stream, self._most_read)

    def _timeline_page(self, page: int) -> str:
        with self._lock:
            listing = self.listing()
            start = self._focus_size() + (page - 1) * self.page_size
        items = listing[start : start + self.page_size]
        return render_stream(items, page_one=False) if items else ""


def _minute(moment: dt.datetime) -> dt.datetime:
    """The minute a listing shows `moment` in."""
    return moment.astimezone(VIETNAM).replace(second=0, microsecond=0)


def _not_found() -> Response:
    return Response.html(error_page(404, "Not Found"), status=404)
