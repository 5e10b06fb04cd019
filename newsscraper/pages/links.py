"""What an article link of cafef.vn looks like: `/<ascii-slug>-<17 or 18 digit id>.chn`."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from newsscraper.sections import CANONICAL_BASE_URL, CANONICAL_HOST

# ASCII only: case-blind, `[a-z]` would also take `ſ`, `ı`, `İ` and the Kelvin sign, and `\d`
# takes the digits of every script (fullwidth `１`, Arabic-Indic `١`), no id CafeF writes.
# The slug is any run of letters, digits and hyphens: a title's " - " or a leading "-" may
# leave two hyphens in a row or one at an end, and such an article is still the section's.
ARTICLE_PATH = re.compile(r"^/(?P<slug>[a-z0-9-]+?)-(?P<id>[0-9]{17,18})\.chn$", re.I | re.ASCII)

_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.I)
# The slashes opening another host's address, three or more (`///host`, `https:////host`).
_EXTRA_SLASHES = re.compile(r"^((?:https?:)?)/{3,}", re.I)

# Hosts that serve the same articles as the canonical one.
CAFEF_HOSTS = frozenset({CANONICAL_HOST, f"www.{CANONICAL_HOST}"})
# Hosts whose article links name the site's articles, by the same path: these and the mobile
# site, which serves each article at the desktop path (the article page's `alternate` link).
# Only the path of such a link is asked for, on the crawl's host.
LINKED_HOSTS = CAFEF_HOSTS | {f"m.{CANONICAL_HOST}"}


def is_site_link(parts: SplitResult, own_host: str | None) -> bool:
    """True for an http(s) address on a host of LINKED_HOSTS or on `own_host` (the crawl's)."""
    return parts.scheme in ("http", "https") and (
        parts.hostname in LINKED_HOSTS or parts.hostname == own_host
    )


def article_path_match(url: str | None) -> re.Match[str] | None:
    """The ARTICLE_PATH match of `url`'s path (absolute or relative), or None."""
    if not url:
        return None
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return None
    return ARTICLE_PATH.match(path)


def article_id_from_url(url: str | None) -> str | None:
    match = article_path_match(url)
    return match.group("id") if match else None


def canonical_article_url(url: str | None) -> str | None:
    """`https://cafef.vn/<slug>-<id>.chn` for any URL whose path is an article path.

    The host is dropped on purpose: the same path on www.cafef.vn, on a replica or on a test
    server names the same article.
    """
    match = article_path_match(url)
    return f"{CANONICAL_BASE_URL}{match.group(0)}" if match else None


def with_slashes(src: str) -> str:
    """`src` as a browser reads an http(s) link (WHATWG URL): a backslash before the query (or
    the fragment) is a slash (`https:\\\\cafefcdn.com\\a.jpg`), and the three or more slashes
    opening an address on another host are two (`https:///cafefcdn.com`). A link of another
    scheme (`data:`, `mailto:`) is left as it is."""
    scheme = _SCHEME.match(src)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return src
    end = len(src.split("?", 1)[0].split("#", 1)[0])
    src = src[:end].replace("\\", "/") + src[end:]
    return _EXTRA_SLASHES.sub(r"\1//", src, count=1)
