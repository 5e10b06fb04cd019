"""Scripted faults: what a path answers instead of (or on top of) its normal response.

`site.script("/doanh-nghiep.chn", [status(503, retry_after=2), reset()])` makes the next two
requests to that path fail in those ways, then normal service resumes (`repeat=True` cycles
through the list for good). Each fault gets the normal response lazily, so faults that replace
it cost nothing and faults that damage it start from the real page; `normal(path)` is another
path's normal response, for faults that answer with another page (a cache's mix-up).
"""

from __future__ import annotations

import re
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus

from .render import SOFT_BLOCK_PAGE, error_page
from .response import Response

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

NormalResponse = Callable[..., Response]  # normal() or normal(other_path)


class Fault:
    def apply(self, target: str, normal: NormalResponse) -> Response:
        """The response to a request for `target` (path and query)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Status(Fault):
    code: int
    retry_after: int | None = None

    def apply(self, target: str, normal: NormalResponse) -> Response:
        reason = HTTPStatus(self.code).phrase
        response = Response.html(error_page(self.code, reason), status=self.code)
        if self.retry_after is not None:
            response.headers["Retry-After"] = str(self.retry_after)
        return response


@dataclass(frozen=True)
class Reset(Fault):
    def apply(self, target: str, normal: NormalResponse) -> Response:
        return Response(reset=True)


@dataclass(frozen=True)
class Delay(Fault):
    seconds: float

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.delay = self.seconds
        return response


@dataclass(frozen=True)
class Truncated(Fault):
    """Half the body under a Content-Length for all of it, then the connection closes."""

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.declared_length = len(response.body)
        response.body = response.body[: len(response.body) // 2]
        return response


@dataclass(frozen=True)
class CutWithoutLength(Fault):
    """The body without a Content-Length, the connection closed after `keep` of it (1: all of
    it): how an HTTP/1.0 server, or one answering `Connection: close`, sends a page."""

    keep: float = 0.5

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.body = response.body[: int(len(response.body) * self.keep)]
        response.close_delimited = True
        return response


@dataclass(frozen=True)
class CutCopy(Fault):
    """The page cut at `keep` of it, under a Content-Length for what is sent: a cache's or a
    proxy's cut copy, whose framing is whole."""

    keep: float = 0.5

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.body = response.body[: int(len(response.body) * self.keep)]
        return response


@dataclass(frozen=True)
class TruncatedGzip(Fault):
    """The page gzip-compressed, its stream stopping at `keep` of the page (no end, no
    checksum), under a Content-Length for what is sent: a cache's cut copy."""

    keep: float = 0.4

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        compressor = zlib.compressobj(wbits=31)
        kept = response.body[: int(len(response.body) * self.keep)]
        response.body = compressor.compress(kept) + compressor.flush(zlib.Z_SYNC_FLUSH)
        response.headers["Content-Encoding"] = "gzip"
        return response


@dataclass(frozen=True)
class GzipNamedTwice(Fault):
    """The page gzip-compressed once, under `Content-Encoding: gzip, gzip`: a proxy that says
    it compressed it again."""

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        compressor = zlib.compressobj(wbits=31)
        response.body = compressor.compress(response.body) + compressor.flush()
        response.headers["Content-Encoding"] = "gzip, gzip"
        return response


@dataclass(frozen=True)
class PartialContent(Fault):
    """A 206 Partial Content holding the first `keep` of the page, its Content-Range saying
    so, to a request that asked for no range: a proxy's answer."""

    keep: float = 0.5

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        whole = len(response.body)
        response.body = response.body[: int(whole * self.keep)]
        response.status = 206
        response.headers["Content-Range"] = f"bytes 0-{len(response.body) - 1}/{whole}"
        return response


@dataclass(frozen=True)
class WholeRange(Fault):
    """What `fault` answers, as a 206 Partial Content whose Content-Range holds all of it
    (`bytes 0-N/N+1`), to a request that asked for no range: a proxy's answer, read as a 200."""

    fault: Fault

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = self.fault.apply(target, normal)
        whole = len(response.body)
        response.status = 206
        response.headers["Content-Range"] = f"bytes 0-{whole - 1}/{whole}"
        return response


@dataclass(frozen=True)
class NotModified(Fault):
    """A 304 Not Modified, no body, to a request that asked nothing conditional: a proxy's
    answer, holding no page."""

    def apply(self, target: str, normal: NormalResponse) -> Response:
        return Response(status=304)


@dataclass(frozen=True)
class ShortLength(Fault):
    """The whole page under a Content-Length for `keep` of it (0.1: above the site's header,
    inside the page's head), then the connection closes: a client reads only that many
    bytes."""

    keep: float = 0.1

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.declared_length = int(len(response.body) * self.keep)
        return response


@dataclass(frozen=True)
class ZstdStray(Fault):
    """The page zstd-compressed (`Content-Encoding: zstd`), followed by `stray` bytes that
    start no frame (zeros a proxy padded it with)."""

    stray: bytes = b"\0\0\0\0"

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.body = zstd.compress(response.body) + self.stray
        response.headers["Content-Encoding"] = "zstd"
        return response


@dataclass(frozen=True)
class EncodingNamedPlain(Fault):
    """The page as it is, under `Content-Encoding: gzip`: a proxy that decompressed it and
    kept the header."""

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.headers["Content-Encoding"] = "gzip"
        return response


@dataclass(frozen=True)
class SoftBlock(Fault):
    """A 200 page with none of the site's markup, like the live site's rate-limit page; `bare`,
    a rate-limit line without any <html> shell, where a timeline fragment is due."""

    bare: bool = False

    def apply(self, target: str, normal: NormalResponse) -> Response:
        return Response.html("<p>Too many requests</p>" if self.bare else SOFT_BLOCK_PAGE)


@dataclass(frozen=True)
class MetaRefresh(Fault):
    """A 200 page that sends a browser on to `location` at once, as challenge pages do."""

    location: str

    def apply(self, target: str, normal: NormalResponse) -> Response:
        return Response.html(
            f'<html><head><meta http-equiv="refresh" content="0;url={self.location}"></head>'
            "<body></body></html>\n"
        )


@dataclass(frozen=True)
class Redirect(Fault):
    location: str
    code: int = 302

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = Response.html(
            error_page(self.code, HTTPStatus(self.code).phrase), status=self.code
        )
        response.headers["Location"] = self.location
        return response


@dataclass(frozen=True)
class PageOf(Fault):
    """The page at `path` (its status too), under the URL asked for: a cache's or a proxy's
    mix-up (an article's URL answered with another article's page), or a site answering the
    timeline pages past the end with page 1."""

    path: str

    def apply(self, target: str, normal: NormalResponse) -> Response:
        return normal(self.path)


_STREAM_ITEM = re.compile(
    rb'<div class="tlitem box-category-item" data-id="\d+">.*?</div>\s*</div>\s*</div>', re.DOTALL
)


@dataclass(frozen=True)
class ItemsOf(Fault):
    """The stream items of the page at `path`, sent as a timeline fragment: a site that
    answers the pages past the end with page 1's items (`path` the section page)."""

    path: str

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal(self.path)
        response.body = b"\n".join(_STREAM_ITEM.findall(response.body)) + b"\n"
        return response


@dataclass(frozen=True)
class RedirectLoop(Fault):
    """A redirect to the very URL asked for (script it with `repeat=True` for a real loop)."""

    def apply(self, target: str, normal: NormalResponse) -> Response:
        return Redirect(target).apply(target, normal)


@dataclass(frozen=True)
class RedirectOffsite(Fault):
    host: str = "example.invalid"

    def apply(self, target: str, normal: NormalResponse) -> Response:
        return Redirect(f"http://{self.host}{target}").apply(target, normal)


@dataclass(frozen=True)
class Oversized(Fault):
    """The normal page padded with an HTML comment to at least `size` bytes."""

    size: int

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        missing = self.size - len(response.body)
        if missing > 0:
            response.body += b"<!--" + b"x" * missing + b"-->"
        return response


@dataclass(frozen=True)
class WrongCharset(Fault):
    """UTF-8 bytes declared as ISO-8859-1 in the Content-Type header."""

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.content_type = "text/html; charset=iso-8859-1"
        return response


@dataclass(frozen=True)
class Empty(Fault):
    def apply(self, target: str, normal: NormalResponse) -> Response:
        return Response(body=b"")


_CONTENT_OPEN = b'data-role="content">'


@dataclass(frozen=True)
class MalformedHtml(Fault):
    """The page with unclosed and stray tags, its content still all there."""

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        body = response.body
        start = body.find(_CONTENT_OPEN)
        if start >= 0:
            head, rest = body[:start], body[start:]
            rest = rest.replace(b"</p>", b"", 12)  # paragraphs never closed
            rest = rest.replace(_CONTENT_OPEN, _CONTENT_OPEN + b'<b><font color="#333"></i>', 1)
            body = head + rest
        body = body.replace(b"</h1>", b"</h2>", 1)  # a mismatched close
        cut = body.rfind(b"</body>")
        response.body = body[:cut] if cut > 0 else body  # no </body></html>
        return response


_JSON_LD = re.compile(rb'(<script type="application/ld\+json">\s*\{)(.*?)(</script>)', re.DOTALL)


@dataclass(frozen=True)
class BadJsonLd(Fault):
    """The NewsArticle JSON-LD made invalid: an unescaped quote and a trailing comma."""

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()

        def damage(match: re.Match[bytes]) -> bytes:
            inner = match.group(2).replace(b'"headline": "', b'"headline": ""', 1)
            inner = inner.rstrip()
            if inner.endswith(b"}"):
                inner = inner[:-1].rstrip() + b",\n}\n"
            return match.group(1) + inner + match.group(3)

        response.body = _JSON_LD.sub(damage, response.body, count=1)
        return response


@dataclass(frozen=True)
class ExtraItems(Fault):
    """Stream items put in front of a listing's own: `(id, href, text)` each, with a listing
    time when `listed_at` is given."""

    items: tuple[tuple[str, str, str], ...]
    listed_at: str | None = None

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        time = ""
        if self.listed_at:
            time = f'<span class="time time-ago" title="{self.listed_at}"></span>'

        extra = "".join(
            f'<div class="tlitem box-category-item" data-id="{article_id}"><h3>'
            f'<a href="{href}">{text}</a></h3>{time}</div>\n'
            for article_id, href, text in self.items
        ).encode()
        at = response.body.find(b'<div class="tlitem box-category-item"')
        at = at if at >= 0 else len(response.body)
        response.body = response.body[:at] + extra + response.body[at:]
        return response


@dataclass(frozen=True)
class RenamedEntries(Fault):
    """The listing with its stream items' class renamed (`to`), as a new layout of the site
    would: the same page otherwise, its links to the articles all there."""

    to: str = "story-item news-stream-item"

    def apply(self, target: str, normal: NormalResponse) -> Response:
        response = normal()
        response.body = response.body.replace(
            b'class="tlitem box-category-item"', f'class="{self.to}"'.encode()
        )
        return response


# --- the names tests write ---------------------------------------------------------------------


def status(code: int, retry_after: int | None = None) -> Fault:
    return Status(code, retry_after)


def reset() -> Fault:
    return Reset()


def delay(seconds: float) -> Fault:
    return Delay(seconds)


def truncated() -> Fault:
    return Truncated()


def cut_without_length(keep: float = 0.5) -> Fault:
    return CutWithoutLength(keep)


def cut_copy(keep: float = 0.5) -> Fault:
    return CutCopy(keep)


def truncated_gzip(keep: float = 0.4) -> Fault:
    return TruncatedGzip(keep)


def gzip_named_twice() -> Fault:
    return GzipNamedTwice()


def partial_content(keep: float = 0.5) -> Fault:
    return PartialContent(keep)


def whole_range(fault: Fault) -> Fault:
    return WholeRange(fault)


def not_modified() -> Fault:
    return NotModified()


def short_length(keep: float = 0.1) -> Fault:
    return ShortLength(keep)


def zstd_stray() -> Fault:
    return ZstdStray()


def encoding_named_plain() -> Fault:
    return EncodingNamedPlain()


def soft_block(bare: bool = False) -> Fault:
    return SoftBlock(bare)


def redirect(location: str, code: int = 302) -> Fault:
    return Redirect(location, code)


def meta_refresh(location: str) -> Fault:
    return MetaRefresh(location)


def page_of(path: str) -> Fault:
    return PageOf(path)


def items_of(path: str) -> Fault:
    return ItemsOf(path)


def redirect_loop() -> Fault:
    return RedirectLoop()


def redirect_offsite() -> Fault:
    return RedirectOffsite()


def oversized(size: int) -> Fault:
    return Oversized(size)


def wrong_charset() -> Fault:
    return WrongCharset()


def empty() -> Fault:
    return Empty()


def malformed_html() -> Fault:
    return MalformedHtml()


def bad_json_ld() -> Fault:
    return BadJsonLd()


def extra_items(items, listed_at: str | None = None) -> Fault:
    return ExtraItems(tuple(items), listed_at)


def renamed_entries(to: str = "story-item news-stream-item") -> Fault:
    return RenamedEntries(to)


def junk_items() -> Fault:
    """Two stream items more: one links `javascript:;`, one a page off the site."""
    return extra_items(
        [
            ("188990101000000002", "javascript:;", "Bấm để xem thêm"),
            (
                "188990101000000003",
                "https://example.invalid/tin-tai-tro-188990101000000003.chn",
                "Tin tài trợ",
            ),
        ]
    )


__all__ = [
    "Fault",
    "bad_json_ld",
    "cut_copy",
    "cut_without_length",
    "delay",
    "empty",
    "encoding_named_plain",
    "extra_items",
    "gzip_named_twice",
    "items_of",
    "junk_items",
    "malformed_html",
    "meta_refresh",
    "not_modified",
    "oversized",
    "page_of",
    "partial_content",
    "redirect",
    "redirect_loop",
    "redirect_offsite",
    "reset",
    "short_length",
    "soft_block",
    "status",
    "truncated",
    "truncated_gzip",
    "wrong_charset",
    "zstd_stray",
]
