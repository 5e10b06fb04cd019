"""`newsscraper extract FILE... [--url URL]`: one JSON object per saved article page.

Each line holds every column of the data contract (`Article` fields, in order) as the crawl
would store it, minus what only a crawl knows: extraction, `normalize_item`, then the body's
fingerprint; `scraped_at`, `run_id` and `duplicate_of` are null. A file that is not an article
page, or is one cut short (a download that stopped early, which a crawl would fetch again), gets
an error line on stderr; the others are still printed, and the exit code is 1. So does
a page the crawl's validation would reject (no title, a body too short, a date ahead of the
clock): its line is printed, and stderr names the reason and detail its reject would carry.
A FILE of `-` is the page on stdin.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import datetime as dt
import gzip
import io
import json
import re
import sys
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.http import HtmlResponse, Request

from newsscraper.charsets import Utf8ResponseMiddleware
from newsscraper.cut_short import is_cut_copy
from newsscraper.items import Article
from newsscraper.pages.article import ArticlePage
from newsscraper.pages.links import canonical_article_url
from newsscraper.rejects import Rejected
from pipelines.normalize import normalize_item
from pipelines.stamp import stamp_item
from pipelines.validate import ValidationRules, validate_item

COLUMNS = [field.name for field in dataclasses.fields(Article)]
UTF8_BOM = codecs.BOM_UTF8  # an editor's save of an empty page holds only this
GZIP_MAGIC = b"\x1f\x8b"
GZIP_MAX_LAYERS = 3
GZIP_MAX_BYTES = 64 * 1024 * 1024  # a page is well under 1 MB; a gzip bomb stops here


class NotAnArticle(Exception):
    pass


def is_absolute_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
        _ = parts.port  # `:99999`, `:abc` raise, as the request made of the URL would
    except ValueError:  # `http://[::1`
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


STDIN = "-"
# What savers add after `<slug>-<id>.chn`: wget's `.1` for a second copy, `.html` of its
# --adjust-extension (or a browser's), `.gz`.
SAVER_SUFFIXES = re.compile(r"(?<=\.chn)(?:\.\d+)?(?:\.html?)?(?:\.\d+)?(?:\.gz)?$", re.IGNORECASE)


def page_url(path: Path | None, url: str | None) -> str:
    """The URL the page is read as: --url, else a file named `<slug>-<id>.chn` (or so named
    with what a saver adds: `.gz`, wget's `.1` and `.html`), else file:// (`file:///dev/stdin`
    for stdin, a `path` of None).

    An article URL read so decides `article_id` (and `url`) before the page's canonical link,
    as the URL a crawl asked for does; with file://, the canonical link (else og:url) decides.
    """
    if url:
        return url
    if path is None:
        return "file:///dev/stdin"
    name = SAVER_SUFFIXES.sub("", path.name)
    return canonical_article_url(f"/{name}") or path.resolve().as_uri()


def page_bytes(path: Path | None) -> bytes:
    """The file's bytes (stdin's for a `path` of None); a gzip-compressed page (`wget
    --compression`, `.html.gz`, plain `curl` of a gzipped body) unpacked, a gzip inside it too
    (`curl --compressed` of a body gzipped twice), up to GZIP_MAX_LAYERS layers and
    GZIP_MAX_BYTES."""
    body = sys.stdin.buffer.read() if path is None else path.read_bytes()
    for _ in range(GZIP_MAX_LAYERS):
        if not body.startswith(GZIP_MAGIC):
            break
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as packed:
                body = packed.read(GZIP_MAX_BYTES + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise NotAnArticle(f"a gzip file that does not unpack ({error})") from None
        if len(body) > GZIP_MAX_BYTES:
            raise NotAnArticle(f"gzip that unpacks to more than {GZIP_MAX_BYTES} bytes")
    if not body.removeprefix(UTF8_BOM).strip():
        raise NotAnArticle("an empty file")
    if body.startswith(GZIP_MAGIC):
        raise NotAnArticle(f"gzip nested more than {GZIP_MAX_LAYERS} deep, not unpacked")
    return body


def extract_file(path: Path | None, url: str | None = None) -> Article:
    """The normalized, fingerprinted Article of one saved page (None: the page on stdin);
    NotAnArticle if it is none."""
    # Read first: a path that cannot be read (a link to itself) is named as such, not asked for
    # the file:// URL it cannot resolve to.
    body = page_bytes(path)
    request_url = page_url(path, url)
    request = Request(request_url)
    if is_cut_copy("article", body):
        # A download or save that stopped early: its body ends where the copy does, while the
        # rest (tags, author, dates from the page's head) would make the row look whole.
        raise NotAnArticle(
            "the page is cut short (it stops before the site's footer, without </html>): "
            "a crawl would fetch it again; save it again"
        )
    response = HtmlResponse(url=request_url, body=body, request=request)
    # Decoded as the crawl decodes it: UTF-8 when its bytes are (a stray byte aside), whatever
    # the page declares; else (a page saved in windows-1258) in the charset its BOM or <meta>
    # names, else in windows-1252.
    response = Utf8ResponseMiddleware().process_response(request, response)
    page = ArticlePage(response)
    if not page.has_article_markup():
        raise NotAnArticle("not an article page (no article body, no article breadcrumb)")
    return extracted_item(page)


def extracted_item(page: ArticlePage) -> Article:
    """The page's item as the crawl's pipelines would make it, without what only a crawl knows
    (its clock and run id): extraction, `normalize_item`, then the body's fingerprint."""
    return stamp_item(normalize_item(page.to_item()), scraped_at=None, run_id=None)


def verdict(item: Article, now: dt.datetime) -> Rejected | None:
    """What the crawl's validation (its default rules, its clock at `now`) says of `item`: the
    `Rejected` it would store in rejects/, or None when it would store the row. `item` is left
    as the crawl would store it (a `modified_at` ahead of `now` cleared)."""
    try:
        validate_item(item, now, ValidationRules())
    except Rejected as rejected:
        return rejected
    return None


def _json_value(value):
    return value.isoformat() if isinstance(value, dt.date) else value  # datetimes too


def to_json_line(item: Article) -> str:
    row = {name: _json_value(getattr(item, name)) for name in COLUMNS}
    return json.dumps(row, ensure_ascii=False)


def run(args) -> int:
    if args.url and len(args.files) > 1:
        print("newsscraper extract: --url needs exactly one FILE", file=sys.stderr)
        return 2
    if args.url is not None and not is_absolute_http(args.url):
        print(
            f"newsscraper extract: --url needs an absolute http(s) URL, such as "
            f"https://cafef.vn/<slug>-<id>.chn, not {args.url!r}",
            file=sys.stderr,
        )
        return 2
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        with contextlib.suppress(ValueError, OSError):
            out.reconfigure(encoding="utf-8")  # real UTF-8 even under a C locale
    status = 0
    for name in args.files:
        # Only `-` itself is stdin: `./-`, a file named `-`, is that file (Path("./-") is "-").
        path = None if name == STDIN else Path(name)
        try:
            item = extract_file(path, args.url)
        except (OSError, NotAnArticle) as error:
            reason = error.strerror if isinstance(error, OSError) and error.strerror else error
            print(f"newsscraper extract: {name}: {reason}", file=sys.stderr)
            status = 1
            continue
        # Judged before it is printed: validation clears a `modified_at` ahead of the clock.
        rejected = verdict(item, dt.datetime.now(dt.UTC))
        print(to_json_line(item), file=out)
        if rejected is not None:
            if rejected.reason in ("missing_article_id", "missing_url") and args.url:
                problem = (
                    f"--url {args.url} is no article URL (https://cafef.vn/<slug>-<id>.chn) "
                    "and the page does not say its own"
                )
            elif rejected.reason in ("missing_article_id", "missing_url"):
                # A crawl has the URL it asked for; a saved page must say it.
                problem = "the page does not say its article URL (give it with --url)"
            else:
                problem = f"a crawl would reject it as {rejected.reason}: {rejected.detail}"
            print(f"newsscraper extract: {name}: {problem}", file=sys.stderr)
            status = 1
    return status
