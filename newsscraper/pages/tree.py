"""The lxml tree of a response's HTML: parsed once, straight from the bytes, shared per response.

A crawled page is read twice: by the soft-block check in the downloader middleware and by the
spider's callback. Both ask `html_root(response)` and get the same tree.

Why not `response.selector`: Scrapy's selector decodes the body to text, and parsel encodes the
text back to UTF-8 to parse it (plus a scan for `<base href>`). CafeF serves UTF-8, so when the
response's encoding is UTF-8 the bytes go to libxml2 as they are: declared so, or set so by
`newsscraper.charsets.Utf8ResponseMiddleware` for bytes that are UTF-8 (a stray byte aside)
whether the header names no charset or another one. Any other encoding (or invalid UTF-8)
takes parsel's road: the response's decoded text, re-encoded. Elements are plain `lxml.etree`
elements, not `lxml.html.HtmlElement`: the same tree, but without a Python class lookup for
every element touched, which costs more than the XPath that found it.

Why a `WeakKeyDictionary` keyed by the response, and not `request.meta` or `response.meta`:
meta is the request's dict. It outlives the response (the request sits in the scheduler and in
the spider's references), is copied into every retry (a retried soft-block page would carry
the blocked page's tree into the next response), and is pickled by disk queues (`JOBDIR`),
which an lxml tree cannot be. Scrapy's responses are slotted objects with `__weakref__`, so a
weak key ties the tree's life to the response's exactly, without setting attributes on
Scrapy's object. Crawls are single-threaded (Twisted/asyncio), so the dict needs no lock.
"""

from __future__ import annotations

import codecs
import weakref

from lxml import etree

_ENCODING_ERRORS = frozenset(
    {etree.ErrorTypes.ERR_INVALID_CHAR, etree.ErrorTypes.ERR_INVALID_ENCODING}
)

_ROOTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def html_root(response) -> etree._Element:
    """The root element of a `TextResponse`'s HTML, parsed on first use, cached with it."""
    root = _ROOTS.get(response)
    if root is None:
        root = _ROOTS[response] = _parse(response)
    return root


def _parse(response) -> etree._Element:
    if _is_utf8(response.encoding):
        root = parse_utf8(response.body)
        if root is not None:
            return root
    # parsel's road: the response's text (undecodable bytes already U+FFFD), re-encoded.
    root = parse_utf8(response.text.encode("utf-8"))
    return root if root is not None else etree.fromstring(b"<html/>", _parser())


def parse_utf8(body: bytes) -> etree._Element | None:
    """The tree of UTF-8 `body`, or None when libxml2 finds bytes that are not UTF-8.

    Like parsel: NUL bytes removed (libxml2 would stop at one), surrounding whitespace
    stripped, and an empty document read as `<html/>`.
    """
    body = body.replace(b"\x00", b"").strip() or b"<html/>"
    parser = _parser()
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        root = None
    # Like parsel: some libxml2 versions keep invalid bytes as they are (reading them would
    # raise later); recent ones replace them with U+FFFD, as the decoded text would.
    if any(error.type in _ENCODING_ERRORS for error in parser.error_log):
        return None
    return root if root is not None else etree.fromstring(b"<html/>", parser)


def _parser() -> etree.HTMLParser:
    # A fresh parser per document (about a microsecond) keeps each error log to its own page.
    # No table of `id` attributes (`collect_ids`): nothing looks elements up by id, and
    # filling it costs about 4% of the parse.
    return etree.HTMLParser(recover=True, encoding="utf-8", huge_tree=True, collect_ids=False)


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False
