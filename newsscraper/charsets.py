"""Which charset a response's text is read in: CafeF serves UTF-8, sometimes with no charset or
a wrong one (`Utf8ResponseMiddleware`)."""

from __future__ import annotations

import codecs

from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom


class Utf8ResponseMiddleware:
    """CafeF serves UTF-8, sometimes with no charset or a wrong one: trust the bytes.

    The other way round too: a page whose header says UTF-8 while its bytes are not, and
    whose own `<meta>` names another charset (a page saved in windows-1258 behind a server
    that labels everything UTF-8), is read in that charset, not as U+FFFD for every
    Vietnamese letter. A page whose header names no charset is read in its `<meta>`'s, else
    in windows-1252, never in one guessed from its bytes."""

    def process_response(self, request, response, spider=None):
        if not isinstance(response, TextResponse):
            return response
        encoding = text_encoding(response.encoding)  # None: no charset a page is read in
        if encoding == "utf-8":
            if is_mostly_utf8(response.body):
                return response
            declared = _meta_encoding(response.body)
            if declared is None or declared == "utf-8":
                return response
            return response.replace(encoding=declared)
        if is_mostly_utf8(response.body):
            return response.replace(encoding="utf-8")
        if encoding is None or not _labelled(response):
            # Its <meta>, else windows-1252, the default of browsers (WHATWG Encoding): not
            # Scrapy's guess from the bytes (windows-1250, -1257, ... for a page in -1252), nor
            # a <meta> naming UTF-16, which Scrapy takes at its word.
            return response.replace(encoding=_meta_encoding(response.body) or "cp1252")
        return response


def text_encoding(name: str | None) -> str | None:
    """`name` as Python names the text encoding, or None for a charset Python knows but cannot
    read a page in (hex, base64, idna, undefined): a label browsers do not know, read as none,
    not a page that failed to come."""
    if name is None:
        return None
    try:
        b"<".decode(name, errors="replace")
        "<".encode(name, errors="replace")
        return codecs.lookup(name).name
    except (LookupError, UnicodeError):
        return None


def _labelled(response) -> bool:
    """True when a BOM or the header names the response's charset: else Scrapy read it in the
    charset its <meta> names as it is, or in one it guessed from the bytes."""
    if read_bom(response.body)[0] is not None:
        return True
    content_type = response.headers.get("Content-Type") or b""
    return http_content_type_encoding(content_type.decode("latin-1")) is not None


def _meta_encoding(body: bytes) -> str | None:
    """The text encoding the page's <meta> names, or None: none named, or none a page can be
    read in. A <meta> read as ASCII cannot name UTF-16 or UTF-32 truly: browsers read such a
    page as UTF-8 (WHATWG Encoding), as a page with no charset is read."""
    declared = text_encoding(html_body_declared_encoding(body))
    if declared is None or "<meta".encode(declared, errors="replace") != b"<meta":
        return None
    return declared


# Characters read as UTF-8 for each byte that is not: a page in UTF-8 with a stray byte from
# another encoding has thousands; a page in an 8-bit encoding has next to none.
UTF8_CHARS_PER_BAD_BYTE = 20


def is_mostly_utf8(body: bytes) -> bool:
    """True for UTF-8, also with a stray invalid byte here and there (a character pasted from
    another encoding): it is read as U+FFFD, not the whole page in the declared encoding."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return True
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    multibyte = sum(1 for char in text if char > "\x7f") - text.count("\ufffd")
    return multibyte >= UTF8_CHARS_PER_BAD_BYTE * bad
