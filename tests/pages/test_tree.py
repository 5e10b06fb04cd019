"""html_root: one parse per response, shared by the soft-block check and the page objects;
UTF-8 bytes read as they are, whatever the response declares or leaves out."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from newsscraper.charsets import Utf8ResponseMiddleware
from newsscraper.pages import tree
from newsscraper.pages.article import ArticlePage
from newsscraper.pages.section import SectionPage
from newsscraper.softblock import is_soft_block
from pipelines.normalize import normalize_item

FIXTURES = Path(__file__).parent.parent / "fixtures"
NEWER = FIXTURES / "pages" / "article_188260704171525847_trimmed.html"
SECTION = FIXTURES / "pages" / "section_thi-truong-chung-khoan.html"
URL = (
    "https://cafef.vn/chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx-188260704171525847.chn"
)
# Read off the saved page's <h1>.
TITLE = "Chủ tịch Đỗ Quý Hải đăng ký mua 10 triệu cổ phiếu HPX"
# The saved page's <h1> up to its first word.
HEADING = b'<h1 class="title" data-role="title" itemprop="headline">\n' + b" " * 24


def expected_item() -> dict:
    path = FIXTURES / "expected" / "article_188260704171525847_trimmed.json"
    item = json.loads(path.read_text(encoding="utf-8"))["item"]
    item["body"] = "\n\n".join(item["body"])
    return item


def stored_fields(page: ArticlePage) -> dict:
    """The normalized item as the expected JSON spells it (times as ISO text)."""
    from newsscraper.commands.extract import to_json_line

    line = json.loads(to_json_line(normalize_item(page.to_item())))
    return {field: line[field] for field in expected_item()}


@pytest.fixture
def count_parses(monkeypatch):
    calls = []
    real = tree.parse_utf8

    def counting(body):
        calls.append(len(body))
        return real(body)

    monkeypatch.setattr(tree, "parse_utf8", counting)
    return calls


def test_soft_block_check_and_spider_callback_share_one_parse(count_parses):
    request = Request(URL, meta={"cafef_page": "article"})
    response = HtmlResponse(URL, body=NEWER.read_bytes(), encoding="utf-8", request=request)
    assert not is_soft_block(request, response)
    assert stored_fields(ArticlePage(response)) == expected_item()
    assert len(count_parses) == 1

    # Another response (a retry, a replaced one) is parsed on its own.
    replaced = response.replace(body=NEWER.read_bytes())
    assert tree.html_root(replaced) is not tree.html_root(response)
    assert len(count_parses) == 2


def test_section_page_shares_the_parse_too(count_parses):
    url = "https://cafef.vn/thi-truong-chung-khoan.chn"
    request = Request(url, meta={"cafef_page": "section"})
    response = HtmlResponse(url, body=SECTION.read_bytes(), encoding="utf-8", request=request)
    assert not is_soft_block(request, response)
    assert len(SectionPage(response).entries()) == 24
    assert len(count_parses) == 1


def test_a_utf8_page_is_parsed_from_its_bytes_not_decoded_first(monkeypatch):
    # Decoding the page to text and encoding it back would cost as much again as the parse.
    response = HtmlResponse(URL, body=NEWER.read_bytes(), encoding="utf-8", request=Request(URL))
    parsed = []
    real = tree.parse_utf8
    monkeypatch.setattr(tree, "parse_utf8", lambda body: parsed.append(body) or real(body))
    assert ArticlePage(response).title() == TITLE
    assert len(parsed) == 1 and parsed[0] is response.body


def test_the_tree_goes_with_its_response():
    response = HtmlResponse(URL, body=NEWER.read_bytes(), encoding="utf-8", request=Request(URL))
    tree.html_root(response)
    assert response in tree._ROOTS
    before = len(tree._ROOTS)
    del response
    gc.collect()
    assert len(tree._ROOTS) == before - 1


def test_a_page_without_a_charset_is_read_as_utf8():
    declaration = b'<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
    body = NEWER.read_bytes()
    assert body.count(declaration) == 1 and body.lower().count(b"charset") == 1
    body = body.replace(declaration, b"")
    response = HtmlResponse(URL, body=body, request=Request(URL))  # no header, no meta charset
    assert stored_fields(ArticlePage(response)) == expected_item()


def test_a_wrong_charset_is_read_as_utf8_after_the_middleware():
    headers = {"Content-Type": "text/html; charset=iso-8859-1"}  # the replica's wrong_charset
    served = HtmlResponse(URL, body=NEWER.read_bytes(), headers=headers, request=Request(URL))
    fixed = Utf8ResponseMiddleware().process_response(served.request, served)
    assert stored_fields(ArticlePage(fixed)) == expected_item()
    # The page objects themselves follow the response's encoding, as Scrapy's selector does.
    read_by_scrapy = " ".join(served.css("h1.title::text").get().split())
    assert read_by_scrapy != TITLE
    assert ArticlePage(served).title() == read_by_scrapy


def test_invalid_utf8_bytes_become_replacement_characters():
    words = "Chủ tịch Đỗ Quý Hải đăng ký".encode()
    body = NEWER.read_bytes()
    assert body.count(HEADING + words) == 1
    broken = body.replace(HEADING + words, HEADING + b"Ch\xff t\xe1ch")
    response = HtmlResponse(URL, body=broken, encoding="utf-8", request=Request(URL))
    page = ArticlePage(response)
    assert page.title() == "Ch\ufffd t\ufffdch mua 10 triệu cổ phiếu HPX"
    assert page.body().startswith("Ông Đỗ Quý Hải - Chủ tịch HĐQT")


def test_a_character_cut_short_is_one_replacement_character_as_in_the_decoded_text():
    # "Đỗ" with the last of the three bytes of "ỗ" lost: one character gone, one U+FFFD, as
    # the response's decoded text reads it (libxml2 alone gives one per byte left).
    words = HEADING + "Chủ tịch Đỗ Quý Hải".encode()
    body = NEWER.read_bytes()
    assert body.count(words) == 1 and "ỗ".encode() == b"\xe1\xbb\x97"
    broken = body.replace(words, words.replace(b"\xe1\xbb\x97", b"\xe1\xbb"))
    response = HtmlResponse(URL, body=broken, encoding="utf-8", request=Request(URL))
    assert "Chủ tịch Đ\ufffd Quý Hải" in response.text
    assert ArticlePage(response).title() == TITLE.replace("Đỗ", "Đ\ufffd")


@pytest.mark.parametrize(
    "content_type",
    ["text/html; charset=iso-8859-1", "text/html; charset=windows-1258", "text/html"],
)
def test_a_stray_byte_in_a_mislabelled_page_costs_one_character_not_the_page(content_type):
    # A Latin-1 non-breaking space pasted into a UTF-8 page that declares another charset, or
    # none (header nor meta).
    declaration = b'<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />'
    body = NEWER.read_bytes().replace(declaration, b"").replace(b"</h1>", b"\xa0</h1>", 1)
    headers = {"Content-Type": content_type}
    served = HtmlResponse(URL, body=body, headers=headers, request=Request(URL))
    fixed = Utf8ResponseMiddleware().process_response(served.request, served)
    assert ArticlePage(fixed).title() == TITLE + " \ufffd"
    assert stored_fields(ArticlePage(fixed))["body"] == expected_item()["body"]


def test_a_page_in_an_8_bit_charset_keeps_its_charset():
    body = "<html><body><p>Café crème, déjà vu, à la française</p></body></html>".encode("latin-1")
    headers = {"Content-Type": "text/html; charset=iso-8859-1"}
    served = HtmlResponse(URL, body=body, headers=headers, request=Request(URL))
    assert Utf8ResponseMiddleware().process_response(served.request, served) is served


def test_nul_bytes_do_not_cut_the_page():
    body = NEWER.read_bytes().replace(b"<body", b"\x00<body", 1)
    response = HtmlResponse(URL, body=body, encoding="utf-8", request=Request(URL))
    assert stored_fields(ArticlePage(response)) == expected_item()


def test_nul_bytes_inside_the_text_are_dropped():
    # As Scrapy's own selector reads them: no U+FFFD in the headline where a NUL was.
    words = HEADING + "Chủ tịch Đỗ Quý Hải".encode()
    body = NEWER.read_bytes()
    assert body.count(words) == 1
    broken = body.replace(words, HEADING + "Chủ tịch\x00 Đỗ Q\x00uý H\x00ải".encode())
    response = HtmlResponse(URL, body=broken, encoding="utf-8", request=Request(URL))
    assert stored_fields(ArticlePage(response)) == expected_item()
