"""How a response is judged before it is read, checked with hypothesis on the real saved pages
and on generated bodies: cut short or whole (`newsscraper/cut_short.py`), its text encoding
(`Utf8ResponseMiddleware`), a soft block or the page (`newsscraper/softblock.py`), and its
compressed layers (`newsscraper/compressed.py`)."""

from __future__ import annotations

import codecs
import functools
import gzip
import re
import unicodedata
import zlib
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from newsscraper.charsets import Utf8ResponseMiddleware
from newsscraper.compressed import COMPRESSED_CUT_SHORT_FLAG, CompressedBodyMiddleware, brotli, zstd
from newsscraper.cut_short import is_cut_short
from newsscraper.pages.article import ArticlePage
from newsscraper.pages.section import SectionPage, ends_inside_an_item
from newsscraper.softblock import is_soft_block

PAGES = Path(__file__).parent / "fixtures" / "pages"
SAVED = {
    name: (name.split("_")[0], (PAGES / name).read_bytes())
    for name in (
        "article_18826030622484142.html",
        "article_188260704171525847_trimmed.html",
        "section_thi-truong-chung-khoan.html",
    )
}
FULL_PAGES = sorted(SAVED)  # drawn by name: a failure shows which page, not 100 kB of it
URLS = {
    "article": "http://127.0.0.1:8123/chu-tich-dang-ky-mua-co-phieu-188260704171525847.chn",
    "section": "http://127.0.0.1:8123/thi-truong-chung-khoan.chn",
    "timeline": "http://127.0.0.1:8123/timelinelist/18831/2.chn",
}
# Where the site's header ends and its footer starts, on every saved page.
HEADER = re.compile(rb'<div[^>]*id="listNewHeader"[^>]*>')
FOOTER = b'<div class="footer'

# A page-sized example parses a page of 100 kB: a few dozen of them keep the file fast.
PAGE_EXAMPLES = settings(max_examples=max(1, settings.default.max_examples // 5))


def ask(kind: str, body: bytes, flags=(), headers=None, status: int = 200):
    """(request, response) for a page of `kind` answered with `body`."""
    request = Request(URLS[kind], meta={"cafef_page": kind})
    if headers is None:
        return request, HtmlResponse(
            URLS[kind],
            body=body,
            flags=list(flags),
            encoding="utf-8",
            request=request,
            status=status,
        )
    response = HtmlResponse(URLS[kind], body=body, headers=headers, request=request, status=status)
    return request, response


def judged_cut(kind: str, body: bytes) -> tuple[bool, bool]:
    """(cut with its connection, cut under a Content-Length for what it holds)."""
    return is_cut_short(*ask(kind, body, ["partial"])), is_cut_short(*ask(kind, body))


# --- cut short ---------------------------------------------------------------------------------


@pytest.mark.parametrize("page", FULL_PAGES)
def test_a_whole_saved_page_is_never_judged_cut(page):
    assert judged_cut(*SAVED[page]) == (False, False)


@given(
    page=st.sampled_from(FULL_PAGES),
    kind=st.sampled_from(["article", "section"]),
    where=st.floats(0, 1, exclude_max=True),
)
def test_a_saved_page_cut_between_the_sites_header_and_footer_is_cut(page, kind, where):
    """Cut between the site's header and its footer, the article or listing did not all come,
    whether the connection ended or a Content-Length said the body was all."""
    body = SAVED[page][1]
    start, end = HEADER.search(body).end(), body.index(FOOTER)
    cut = start + int(where * (end - start))
    assert judged_cut(kind, body[:cut]) == (True, True)


@given(page=st.sampled_from(FULL_PAGES), where=st.floats(0, 1, exclude_max=True))
def test_a_saved_page_cut_below_its_footer_is_cut_only_when_its_connection_ended(page, where):
    """README: a page whose content all came, its closing tags missing, is whole under a
    Content-Length; with no Content-Length it is held to its `</html>`."""
    kind, body = SAVED[page]
    start = body.index(FOOTER) + len(FOOTER) + 1
    end = body.rindex(b"</html>")
    cut = start + int(where * (end - start))
    assert judged_cut(kind, body[:cut]) == (True, False)


def stream_items(page: bytes) -> list[bytes]:
    """The section page's stream items, byte for byte, each to the end of its own `</div>`."""
    items = []
    for found in re.finditer(rb'<div class="tlitem box-category-item"', page):
        depth = 0
        for tag in re.finditer(rb"<(/?)div\b[^>]*>", page[found.start() :]):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                items.append(page[found.start() : found.start() + tag.end()])
                break
    return items


ITEMS = stream_items(SAVED["section_thi-truong-chung-khoan.html"][1])
GAP = b"\n            \n                \n\n            \n    "  # between two items on the page


def fragment_of(count: int, junk: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """A timeline fragment of the first `count` stream items, `junk` after them (as the replica
    ends its fragments), and where each item starts and ends in it."""
    body, spans = b"", []
    for item in ITEMS[:count]:
        if body:
            body += GAP
        spans.append((len(body), len(body) + len(item)))
        body += item
    return body + junk, spans


JUNK = [
    b"",
    b"\n",
    (
        '\n<div class="tlitem-ads"><a href="https://example.invalid/a.chn" rel="nofollow">'
        'Nội dung được tài trợ</a> <a href="javascript:;" class="btn-viewmore">Xem thêm</a></div>\n'
    ).encode(),
    b"<!-- box: stream --><script>var a = 1 < 2;</script>\n",
]


def inside_a_tag(body: bytes) -> bool:
    """The body stops inside a tag or a comment, as a reader of its bytes sees it."""
    comment = body.rfind(b"<!--")
    if comment >= 0 and body.find(b"-->", comment + 4) < 0:
        return True
    script = body.rfind(b"<script")
    if script >= 0 and body.find(b"</script>", script) < 0:
        return True
    return body.rfind(b"<") > body.rfind(b">")


def test_the_section_pages_stream_items_are_read_as_a_fragment():
    body, _ = fragment_of(len(ITEMS), JUNK[2])
    entries = SectionPage(HtmlResponse(URLS["timeline"], body=body, encoding="utf-8")).entries()
    assert [entry.article_id for entry in entries] == [
        re.search(rb'data-id="(\d+)"', item).group(1).decode() for item in ITEMS
    ]


@given(
    count=st.integers(1, len(ITEMS)),
    junk=st.sampled_from(JUNK),
    where=st.floats(0, 1),
)
def test_a_fragment_cut_anywhere_is_cut_exactly_inside_a_tag_comment_or_item(count, junk, where):
    """README: a timeline fragment is cut when it stops inside a tag or a comment, or inside
    one of its items; one that stops between two items, or after the last, reads as whole."""
    body, spans = fragment_of(count, junk)
    cut = int(where * len(body))
    expected = any(start < cut < end for start, end in spans) or inside_a_tag(body[:cut])
    assert ends_inside_an_item(body[:cut]) is expected
    assert judged_cut("timeline", body[:cut]) == (expected, expected)


# --- the text encoding -------------------------------------------------------------------------

# What each charset label names, as browsers read it (WHATWG Encoding): latin-1 is
# windows-1252; a label no page can be read in is none. A <meta> naming UTF-16 is none too.
LABELS = {
    "utf-8": "utf-8",
    "UTF8": "utf-8",
    "windows-1258": "cp1258",
    "windows-1252": "cp1252",
    "iso-8859-1": "cp1252",
    "x-no-such-charset": None,
    "hex": None,
}
META_LABELS = {**LABELS, "utf-16": None}
TONES = "\u0300\u0301\u0303\u0309\u0323"  # the combining tone marks of windows-1258


def encoded(text: str, charset: str) -> bytes:
    """`text` as a page saved in `charset` holds it: windows-1258 writes a Vietnamese letter as
    its base letter and a combining tone mark; what a charset lacks is a character reference."""
    if charset == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode()
    if charset != "cp1258":
        return text.encode(charset, errors="xmlcharrefreplace")
    out = []
    for char in text:
        letters = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in letters if c not in TONES))
        tones = "".join(c for c in letters if c in TONES)
        for spelled in (char, base + tones):
            try:
                out.append(spelled.encode("cp1258"))
                break
            except UnicodeEncodeError:
                pass
        else:
            out.append(char.encode("cp1258", errors="xmlcharrefreplace"))
    return b"".join(out)


SAVED_META = '<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'


def what_is_read(response) -> tuple:
    """What the page objects read off `response`: the title, or the listing's entries."""
    if response.meta["cafef_page"] == "article":
        title = ArticlePage(response).title()
        return ("title", unicodedata.normalize("NFC", title) if title else title)
    return tuple(
        (entry.article_id, unicodedata.normalize("NFC", entry.title), entry.listed_at)
        for entry in SectionPage(response).entries()
    )


EXPECTED_READ = {page: what_is_read(ask(*SAVED[page])[1]) for page in FULL_PAGES}


@PAGE_EXAMPLES
@given(
    page=st.sampled_from(FULL_PAGES),
    charset=st.sampled_from(["utf-8", "utf-8-sig", "cp1258", "cp1252"]),
    meta_form=st.sampled_from(["none", "charset", "http-equiv"]),
    meta_label=st.sampled_from(sorted(META_LABELS)),
    header=st.sampled_from([None, "", *sorted(LABELS)]),
)
def test_a_saved_page_in_another_encoding_is_read_in_the_charset_the_rule_gives(
    page, charset, meta_form, meta_label, header
):
    """UTF-8 if the bytes are; else the header's charset, but for a header saying UTF-8 of
    bytes that are not, which gives way to the page's <meta>; with no charset in the header
    (or one no page is read in), the <meta>'s, else windows-1252. Read in its own charset, the
    page gives the page objects what the saved page gives them."""
    kind, saved = SAVED[page]
    meta = {
        "none": "",
        "charset": f'<meta charset="{meta_label}">',
        "http-equiv": (
            f'<meta http-equiv="Content-Type" content="text/html; charset={meta_label}" />'
        ),
    }[meta_form]
    text = saved.decode().replace(SAVED_META, meta)
    body = encoded(text, charset)
    headers = {}
    if header is not None:
        headers["Content-Type"] = f"text/html; charset={header}" if header else "text/html"
    request, response = ask(kind, body, headers=headers)
    read = Utf8ResponseMiddleware().process_response(request, response)

    in_header = LABELS.get(header) if header else None
    in_meta = META_LABELS[meta_label] if meta_form != "none" else None
    if charset.startswith("utf-8"):
        expected = "utf-8"
    elif in_header == "utf-8":
        expected = in_meta or "utf-8"
    else:
        expected = in_header or in_meta or "cp1252"
    assert codecs.lookup(read.encoding).name == expected
    if expected == codecs.lookup(charset).name.removesuffix("-sig"):
        assert what_is_read(read) == EXPECTED_READ[page]


# --- soft blocks -------------------------------------------------------------------------------

# Text that is not markup: a tag-like `<` or `>` inside it is no tag.
NOT_MARKUP = re.compile(
    rb"<!--.*?-->|<(script|style|textarea|title)\b[^>]*>.*?</\1\s*>", re.S | re.I
)
TAG_END = re.compile(rb"<[a-zA-Z/][^<>]*>")
SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
ATTRIBUTES = re.compile(rb'<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z-]+="[^"<>]*")+)\s*>')
ATTRIBUTE = re.compile(rb'[a-zA-Z-]+="[^"<>]*"')


def between_tags(body: bytes) -> list[int]:
    """The offsets right after a tag, outside comments, scripts, styles and titles."""
    skipped = [found.span() for found in NOT_MARKUP.finditer(body)]
    ends, at = [], 0
    for tag in TAG_END.finditer(body):
        while at < len(skipped) and skipped[at][1] <= tag.start():
            at += 1
        if at == len(skipped) or tag.end() <= skipped[at][0]:
            ends.append(tag.end())
    return ends


SPOTS = {page: between_tags(SAVED[page][1]) for page in FULL_PAGES}
HARMLESS = st.sampled_from(
    [
        b"<!-- -->",
        b"<!-- box: tin moi -->",
        b"\r\n   \t",
        b"<script>var a = '<div class=\"listchungkhoannew\">';</script>",
        b'<script type="text/javascript">if (a < b && c > d) {}</script>',
        b'<script type="application/ld+json">{"@type": "WebPage"}</script>',
    ]
)


def harmlessly_changed(data, page: str) -> bytes:
    """The saved page with what a browser reads the same: comments, whitespace and scripts
    inserted between tags, some of its scripts removed, the attributes of some tags
    reordered."""
    body = SAVED[page][1]
    spots = data.draw(st.lists(st.sampled_from(SPOTS[page]), max_size=8, unique=True))
    for spot in sorted(spots, reverse=True):
        body = body[:spot] + data.draw(HARMLESS) + body[spot:]
    scripts = list(SCRIPT.finditer(body))
    gone = data.draw(st.sets(st.sampled_from(range(len(scripts))), max_size=10))
    for index in sorted(gone, reverse=True):
        body = body[: scripts[index].start()] + body[scripts[index].end() :]
    randoms = data.draw(st.randoms(use_true_random=False))

    def reorder(tag):
        attributes = ATTRIBUTE.findall(tag.group(2))
        randoms.shuffle(attributes)
        return b"<" + tag.group(1) + b" " + b" ".join(attributes) + b">"

    return ATTRIBUTES.sub(reorder, body)


@PAGE_EXAMPLES
@given(page=st.sampled_from(FULL_PAGES), data=st.data())
def test_a_saved_page_harmlessly_changed_is_no_soft_block_and_whole(page, data):
    kind = SAVED[page][0]
    body = harmlessly_changed(data, page)
    assert (is_soft_block(*ask(kind, body)), judged_cut(kind, body)) == (False, (False, False))


# Markup that counts for neither an article (a body container, or a breadcrumb with a title
# heading or an article id) nor a listing (its containers, stream items).
CHROME = [
    '<div id="listNewHeader"><a href="/tin-moi.chn">Mới nhất</a></div>',
    '<div class="footer hide-loading"><p>© CafeF</p></div>',
    "<p>{}</p>",
    "<h1>{}</h1>",
    '<div class="breadcrumb"><a href="/">Trang chủ</a></div>',
    '<script>location.href = "/captcha"</script>',
    '<meta http-equiv="refresh" content="5">',
    '<div class="tlitem-ads"><a href="/quang-cao.chn">{}</a></div>',
    '<div class="list-news"><a href="/a-188260307102244359.chn">{}</a></div>',
]


@given(
    parts=st.lists(
        st.tuples(
            st.sampled_from(CHROME),
            st.text(st.characters(exclude_categories=["Cs"], exclude_characters="<>&")),
        ),
        max_size=6,
    ),
    kind=st.sampled_from(["article", "section", "timeline"]),
)
def test_a_page_without_article_or_listing_markup_is_a_soft_block(parts, kind):
    body = "".join(part.format(text) for part, text in parts)
    page = f"<html><head><title>CafeF</title></head><body>{body}</body></html>".encode()
    assert is_soft_block(*ask(kind, page))


# --- compressed bodies -------------------------------------------------------------------------


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


# Each coding Scrapy undoes, as a server may apply it.
CODINGS = {
    b"gzip": gzip.compress,
    b"x-gzip": gzip.compress,
    b"deflate": zlib.compress,
    b"deflate, raw": raw_deflate,
    b"br": brotli.compress,
    b"zstd": zstd.compress,
}


@functools.cache
def middlewares(max_size: int):
    """Ours, then Scrapy's decompression, in the order Scrapy calls them."""
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": max_size})
    return (
        CompressedBodyMiddleware.from_crawler(crawler),
        HttpCompressionMiddleware.from_crawler(crawler),
    )


def through_both(body: bytes, codings: list[bytes], max_size: int = 0):
    """`body` sent under `codings` through our middleware, then Scrapy's decompression."""
    ours, scrapys = middlewares(max_size)
    url = URLS["article"]
    request = Request(url)
    header = b", ".join(coding.split(b",")[0] for coding in codings)
    response = Response(url, body=body, headers={"Content-Encoding": header}, request=request)
    response = ours.process_response(request, response)
    return scrapys.process_response(request, response)


def compressed(data: bytes, codings: list[bytes], cut: tuple[int, float] | None = None):
    """`data` under each of `codings` in turn, and the size of each layer before it was
    compressed; `cut` (layer, where) cuts that layer's stream short."""
    sizes = []
    for layer, coding in enumerate(codings):
        sizes.append(len(data))
        data = CODINGS[coding](data)
        if cut is not None and cut[0] == layer:
            assume(len(data) > 1)  # a stream of one byte cut is an empty body, no stream
            data = data[: 1 + int(cut[1] * (len(data) - 1))]
    return data, sizes


STACKS = st.lists(st.sampled_from(sorted(CODINGS)), min_size=1, max_size=3)
DATA = st.binary(max_size=1000) | st.text(max_size=500).map(str.encode)


@given(data=DATA, codings=STACKS)
def test_any_stack_of_codings_over_any_bytes_decodes_back_to_them_when_whole(data, codings):
    body, _ = compressed(data, codings)
    response = through_both(body, codings)
    assert (response.body, response.flags) == (data, [])


@given(
    data=DATA,
    codings=STACKS,
    layer=st.integers(0, 2),
    where=st.floats(0, 1, exclude_max=True),
)
def test_a_stream_cut_in_any_layer_is_flagged_never_read_as_whole(data, codings, layer, where):
    """A cut layer is flagged, its body never read as the page. A body cut to nothing is
    left aside: an empty body is what a HEAD or an empty fragment is, and no stream at all."""
    assume(layer < len(codings))
    body, _ = compressed(data, codings, cut=(layer, where))
    response = through_both(body, codings)
    assert (response.body, response.flags) == (b"", [COMPRESSED_CUT_SHORT_FLAG])


@given(data=DATA, codings=STACKS, max_size=st.integers(1, 2100))
def test_a_layer_that_comes_out_past_download_maxsize_is_dropped(data, codings, max_size):
    """README: a body that comes out larger than DOWNLOAD_MAXSIZE, in any layer, is dropped as
    too large; one within it in every layer reaches the page."""
    body, sizes = compressed(data, codings)
    if max(sizes) > max_size:
        with pytest.raises(IgnoreRequest, match="exceeded DOWNLOAD_MAXSIZE"):
            through_both(body, codings, max_size)
    else:
        assert through_both(body, codings, max_size).body == data
