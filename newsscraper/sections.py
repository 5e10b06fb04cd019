"""The sections of cafef.vn the spider knows, by slug, with the zone id of each one's
`/timelinelist/<zone>/<n>.chn` pages (the section page's own `hdZoneId` wins over it)."""

from __future__ import annotations

SECTION_ZONES: dict[str, int] = {
    "doanh-nghiep": 18836,
    "thi-truong-chung-khoan": 18831,
    "tai-chinh-quoc-te": 18832,
    "vi-mo-dau-tu": 18833,
    "tai-chinh-ngan-hang": 18834,
    "bat-dong-san": 18835,
    "thi-truong": 18839,
}

DEFAULT_SECTION = "doanh-nghiep"


def unknown_section(slug: str) -> str | None:
    """What is wrong with `slug` as a section (naming the valid ones), or None."""
    if slug in SECTION_ZONES:
        return None
    return f"unknown section {slug!r}; valid sections: {', '.join(sorted(SECTION_ZONES))}"


CANONICAL_HOST = "cafef.vn"
CANONICAL_BASE_URL = "https://cafef.vn"


def section_path(slug: str) -> str:
    """Page 1 of a section: `/doanh-nghiep.chn`."""
    return f"/{slug}.chn"


def timeline_path(zone_id: int, page: int) -> str:
    """Pages 2, 3, … of a section: an HTML fragment of stream items."""
    return f"/timelinelist/{zone_id}/{page}.chn"
