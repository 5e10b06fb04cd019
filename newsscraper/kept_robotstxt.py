"""The robots.txt a run got, kept in OUTPUT_DIR/.robots/ so that later runs of the same dataset
need not ask for it again while it is young.

RFC 9309 (2.4) lets a crawler cache robots.txt under HTTP's caching rules, for no more than 24
hours: a cron run every ten minutes then asks for it once a day instead of 144 times. One file
per origin (scheme, host and port), `.robots/<scheme>_<host>_<port>.json`, names its origin,
the instant it was fetched, the HTTP status, how long the response itself said it may be kept,
and the body, byte for byte, so that a kept copy reads exactly as the response it keeps.

A copy is written whole under `.staging/` and renamed into place, as part files are; one that
cannot be read or makes no sense is logged and read as no copy (robots.txt is asked again),
never an error of the run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from newsscraper.dataset import robots_dir, staging_dir
from newsscraper.httpdates import delta_seconds, http_date

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9.-]")


@dataclass(frozen=True)
class KeptRobotsTxt:
    origin: str  # scheme://host:port, as origin_of gives it
    status: int
    body: bytes
    fetched_at: dt.datetime  # by the crawl's clock, UTC
    lifetime: float | None  # seconds the response said it may be kept; None: it said nothing

    def is_fresh(self, now: dt.datetime, max_age: float) -> bool:
        """Younger than `max_age` seconds and than its own lifetime. A copy fetched after
        `now` (a clock set back since, a NEWSSCRAPER_NOW behind it) has no age to trust."""
        age = (now - self.fetched_at).total_seconds()
        limit = max_age if self.lifetime is None else min(max_age, self.lifetime)
        return 0 <= age < limit


def origin_of(url: str) -> str:
    """`scheme://host:port` of `url`, the default port spelled out: http://x and http://x:80
    are one origin, https://x another."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{parts.scheme}://{host}:{parts.port or DEFAULT_PORTS.get(parts.scheme, 0)}"


def own_lifetime(headers: Mapping[str, str], fetched_at: dt.datetime) -> float | None:
    """Seconds a response with these headers (names in lower case) may be kept, as HTTP
    caching (RFC 9111) reads them: 0 when it may not be (no-store; no-cache, which asks to
    check with the site before each use: asking again is that check), None when it says
    nothing. Cache-Control's max-age wins over Expires; the Age the response already had
    counts against either. A directive given twice counts as given first (RFC 9111, 4.2.1): a
    later max-age never lengthens the first one's lifetime."""
    directives = {}
    for directive in headers.get("cache-control", "").split(","):
        name, _, value = directive.partition("=")
        directives.setdefault(name.strip().lower(), value.strip().strip('"'))
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    if "max-age" in directives:
        lifetime = _seconds(directives["max-age"])
    elif "expires" in headers:
        expires = http_date(headers["expires"])
        since = http_date(headers.get("date", "")) or fetched_at
        # An Expires that is no date means already expired (RFC 9111, 5.3).
        lifetime = (expires - since).total_seconds() if expires else 0.0
    else:
        return None
    return max(0.0, lifetime - _seconds(headers.get("age", "0")))


def keep(output_dir, kept: KeptRobotsTxt) -> None:
    """Write `kept` as its origin's copy, replacing the one there; OSError when the disk
    refuses, the copy there left as it was."""
    record = {
        "origin": kept.origin,
        "fetched_at": kept.fetched_at.isoformat(),
        "status": kept.status,
        "lifetime": kept.lifetime,
        # Bytes that are no UTF-8 ride as lone surrogates, which JSON escapes: exact both ways.
        "body": kept.body.decode("utf-8", errors="surrogateescape"),
    }
    final = _path(output_dir, kept.origin)
    tmp = staging_dir(output_dir) / f"robots-{final.name}.{os.getpid()}.tmp"
    try:
        tmp.parent.mkdir(parents=True, exist_ok=True)
        final.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="ascii") as fh:
            json.dump(record, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def forget(output_dir, origin: str) -> None:
    """Remove the copy of `origin`: the site's newest answer may not be kept, and an older one
    must not be used in its place."""
    _path(output_dir, origin).unlink(missing_ok=True)


def read_kept(output_dir, origin: str) -> KeptRobotsTxt | None:
    """The copy kept for `origin`, or None: none kept, or one that cannot be used (logged)."""
    path = _path(output_dir, origin)
    try:
        record = json.loads(path.read_text(encoding="ascii"))
        kept = KeptRobotsTxt(
            origin=record["origin"],
            status=int(record["status"]),
            body=record["body"].encode("utf-8", errors="surrogateescape"),
            fetched_at=dt.datetime.fromisoformat(record["fetched_at"]).astimezone(dt.UTC),
            lifetime=None if record["lifetime"] is None else float(record["lifetime"]),
        )
        if kept.origin != origin:
            raise ValueError(f"it is the copy of {kept.origin}")
    except FileNotFoundError:
        return None
    except (
        OSError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        OverflowError,  # a status of JSON's Infinity, a fetch instant past a date's years in UTC
        RecursionError,  # JSON nested deeper than Python's stack
    ) as error:
        logger.warning("robots.txt kept in %s cannot be used (%s): asked again", path, error)
        return None
    return kept


def _path(output_dir, origin: str) -> Path:
    scheme, _, rest = origin.partition("://")
    host, _, port = rest.rpartition(":")
    name = _UNSAFE_IN_NAME.sub("_", f"{scheme}_{host.strip('[]')}_{port}")
    return robots_dir(output_dir) / f"{name}.json"


def _seconds(value: str) -> float:
    """A delta-seconds value; one that is none (a sign, a fraction) reads as 0 (a max-age:
    stale at once; an Age: none)."""
    return delta_seconds(value) or 0.0
