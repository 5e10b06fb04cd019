"""Is a response's body all of the page the crawl asked for?

Not when it is a 206 Partial Content to a request that asked for no range (a proxy's answer,
part of the page), when its compressed stream stopped before its end, when it ended with its
connection (no Content-Length: Scrapy flags it "partial") before the page's end, nor when it is
a cut copy: a cache's or a proxy's copy that stops early under a Content-Length for what it
holds.
`PoliteRetryMiddleware` (`newsscraper/retries.py`) retries such a page, never reading it as
the page.
"""

from __future__ import annotations

import re

from newsscraper.compressed import COMPRESSED_CUT_SHORT_FLAG, ZSTD_STRAY_BYTES_FLAG
from newsscraper.pages.section import ends_inside_an_item

# A Content-Range for a whole representation: `bytes 0-<last>/<length>`, last = length - 1.
_WHOLE_RANGE = re.compile(rb"\s*bytes\s+0-([0-9]+)/([0-9]+)\s*", re.IGNORECASE)
PARTIAL_CONTENT = "206 Partial Content, no range asked for"  # what a retry of one says
_HTML_END = re.compile(rb"</html\s*>", re.IGNORECASE)
# The site's header ("MỚI NHẤT" list) and footer, on its every page: below the header and above
# the footer lie the article and the listing.
_SITE_HEADER = re.compile(rb"""id\s*=\s*["']?listNewHeader\b""", re.IGNORECASE)
_SITE_FOOTER = re.compile(rb"""class\s*=\s*["']footer[\s"']""", re.IGNORECASE)
# Above the header: the site's name in the page's <head>, and the head's own tags. Its meta's
# attributes in either order, others between them within the tag
# (`<meta content="cafef" property="og:site_name">`).
_SITE_NAME = re.compile(
    rb"""property\s*=\s*["']?og:site_name["'\s][^<>]*?content\s*=\s*["']?cafef["'\s/>]"""
    rb"""|content\s*=\s*["']?cafef["'\s][^<>]*?property\s*=\s*["']?og:site_name["'\s/>]""",
    re.IGNORECASE,
)
_HEAD_OPEN = re.compile(rb"<head[\s>]", re.IGNORECASE)
_HEAD_CLOSE = re.compile(rb"</head\s*>", re.IGNORECASE)


def cut_short_reason(request, response) -> str | None:
    """Why the body of `response` is not all of the page (see `is_cut_short`), or None."""
    if is_unasked_part(request, response):
        return PARTIAL_CONTENT
    for flag in response.flags:
        if flag.startswith(ZSTD_STRAY_BYTES_FLAG):
            stray = flag.removeprefix(ZSTD_STRAY_BYTES_FLAG)
            return f"zstd body followed by {stray} bytes no frame starts"
    return "body cut short" if is_cut_short(request, response) else None


def is_unasked_part(request, response) -> bool:
    """True for a 206 Partial Content to a request without a Range header (the crawl sends
    none), unless its Content-Range says it holds the whole page: a proxy answering a range
    nobody asked for. Its status is 2xx, so Scrapy passes it on as the page, read by the
    spider as all of an article or a listing when it holds its first part only."""
    if response.status != 206 or request.headers.get("Range"):
        return False
    whole = _WHOLE_RANGE.fullmatch(response.headers.get("Content-Range") or b"")
    return whole is None or int(whole.group(1)) + 1 != int(whole.group(2))


def is_read_as_200(request, response) -> bool:
    """True for a 200, and for a 206 read as one: every check of a 200 (a body cut short, a
    soft block) is made on it. A 206 no range was asked for is one only when its Content-Range
    says it holds the whole page (else it is cut short, `is_unasked_part`)."""
    return response.status == 200 or (
        response.status == 206 and not is_unasked_part(request, response)
    )


def is_cut_short(request, response) -> bool:
    """True for a response whose compressed body stopped before the end of its stream, for
    a full page (section or article) whose body ended with its connection before its
    `</html>`, and for a timeline fragment whose body ended with its connection inside a tag
    or inside a stream item. A body without a Content-Length (an HTTP/1.0 server,
    `Connection: close`) ends when the connection does, and Scrapy passes it on flagged
    "partial" whether the server closed it or the connection was reset in the middle: without
    this, a page cut after its first paragraphs would be stored as the article, and a
    fragment cut after its first items would be read as all the listing holds there.

    A fragment has no `</html>` to wait for, nor a number of items to count on: one that ended
    between two of its items is taken as whole (see `ends_inside_an_item`). A body under a
    Content-Length for what it holds can be a cut copy too (see `is_cut_copy`). A 206 is
    judged as a 200, but one no range was asked for is cut short (`is_unasked_part`) unless
    its Content-Range says it holds the whole page. Any other answer (a 404, a redirect to an
    address that is not http(s)) is never cut short unless its compressed stream stopped: an
    error page ending with its connection before any `</html>` is that answer, read by its
    status."""
    if COMPRESSED_CUT_SHORT_FLAG in response.flags:
        return True  # whatever the page, not all of it came
    if is_unasked_part(request, response):
        return True
    if not is_read_as_200(request, response):
        return False  # a 404, a redirect not followed: its status says what came, not its body
    kind = request.meta.get("cafef_page")
    if "partial" not in response.flags:
        return is_cut_copy(kind, response.body)
    if kind in ("article", "section"):
        return _HTML_END.search(response.body) is None
    if kind == "timeline":
        return ends_inside_an_item(response.body)
    return False


def is_cut_copy(kind: str | None, body: bytes) -> bool:
    """True for a page that came whole by its framing (a Content-Length for all it holds) yet
    stops before its end: a cache's or a proxy's cut copy, or a page under a Content-Length
    shorter than it. A section or article page is cut when it has the site's header but
    neither its footer nor `</html>` (a page whose content all came, its closing tags missing,
    is whole), or stops above that header without `</html>`, its head naming the site
    (`og:site_name` cafef) or never closed; a timeline fragment when it stops inside a
    tag, a comment or one of its items, as for a body without a Content-Length."""
    if kind in ("article", "section"):
        if _HTML_END.search(body):
            return False
        header = _SITE_HEADER.search(body)
        if header is None:
            # Cut above the header (a Content-Length far short of the body): the site's page
            # when its head names the site; any page when its head never closed, as no whole
            # page's does. Else not the site's page at all (a soft block, an error page).
            head_open = _HEAD_OPEN.search(body) and not _HEAD_CLOSE.search(body)
            return bool(head_open or _SITE_NAME.search(body))
        return _SITE_FOOTER.search(body, header.end()) is None
    if kind == "timeline":
        return ends_inside_an_item(body)
    return False
