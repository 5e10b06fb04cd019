"""A listing whose items were renamed, told from a soft block and from the end of the list.

README, "Exit codes": a listing page that links to articles but from which no entry can be
read is a layout change (exit 5, stop reason `listing_unreadable`), never retried as a soft
block (exit 7); a page without article links at all (a captcha, a rate-limit page) stays a
soft block, and an empty fragment stays the end of the list.
"""

from __future__ import annotations

from pathlib import Path

import lxml.html
from hypothesis import given
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, Request

from newsscraper.pages.section import SectionPage
from newsscraper.softblock import is_soft_block

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
SECTION_FILE = PAGES / "section_thi-truong-chung-khoan.html"
SECTION_URL = "https://cafef.vn/thi-truong-chung-khoan.chn"
TIMELINE_URL = "https://cafef.vn/timelinelist/18831/2.chn"
ITEM_CLASS = b'class="tlitem box-category-item"'
SECTION = SECTION_FILE.read_bytes()


def response(body: bytes, url: str, kind: str) -> HtmlResponse:
    request = Request(url, meta={"cafef_page": kind})
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=request)


def section(body: bytes) -> HtmlResponse:
    return response(body, SECTION_URL, "section")


def fragment(body: bytes) -> HtmlResponse:
    return response(body, TIMELINE_URL, "timeline")


def stream_items(first: int, last: int) -> bytes:
    """Stream items first..last (1-based) cut from the saved page, as a timeline fragment."""
    root = lxml.html.fromstring(SECTION)
    items = root.cssselect("div.listchungkhoannew div.tlitem.box-category-item")[first - 1 : last]
    return "\n".join(lxml.html.tostring(item, encoding="unicode") for item in items).encode()


def renamed(body: bytes, to: str = "story-item") -> bytes:
    assert body.count(ITEM_CLASS) > 0
    return body.replace(ITEM_CLASS, f'class="{to}"'.encode())


STREAM_IDS = {e.article_id for e in SectionPage(section(SECTION)).stream_entries()}


def test_the_saved_section_page_gives_entries_and_no_layout_change():
    page = section(SECTION)
    assert len(STREAM_IDS) == SECTION.count(ITEM_CLASS) == 21
    assert SectionPage(page).unread_article_links() == 0
    assert not is_soft_block(page.request, page)


def test_the_saved_section_page_with_its_stream_items_renamed_is_a_layout_change():
    page = section(renamed(SECTION))
    listing = SectionPage(page)
    assert listing.stream_entries() == []
    # Its 21 stream stories are still linked: those count, not the focus block's or those of
    # "Đọc nhiều", the site's most-read box.
    assert listing.unread_article_links() == len(STREAM_IDS)
    assert not is_soft_block(page.request, page)


def test_a_section_page_without_stream_items_links_elsewhere_and_is_no_layout_change():
    """A section whose few stories all sit in the focus block: its stream is empty, and the
    page still links to articles around it (the focus block, the most-read box)."""
    root = lxml.html.fromstring(SECTION)
    for item in root.cssselect("div.listchungkhoannew div.tlitem"):
        item.drop_tree()
    page = section(lxml.html.tostring(root))
    listing = SectionPage(page)
    assert listing.stream_entries() == [] and listing.focus_entries()
    assert listing.unread_article_links() == 0
    assert not is_soft_block(page.request, page)


def test_a_fragment_with_its_items_renamed_is_a_layout_change_not_a_block_nor_the_end():
    page = fragment(renamed(stream_items(6, 10)))
    listing = SectionPage(page)
    assert listing.entries() == []
    assert not listing.is_empty_fragment()
    assert listing.unread_article_links() == 5  # five items, each linking to its own story
    assert not is_soft_block(page.request, page)


def test_a_fragment_with_its_items_gives_entries_and_no_layout_change():
    page = fragment(stream_items(6, 10))
    assert len(SectionPage(page).entries()) == 5
    assert SectionPage(page).unread_article_links() == 0


def test_a_captcha_or_rate_limit_page_is_a_soft_block_not_a_layout_change():
    captcha = (
        "<!DOCTYPE html><html><head><title>CafeF</title></head><body>"
        "<h2>Bạn đã truy cập quá nhiều lần trong thời gian ngắn</h2>"
        "<a href='/doanh-nghiep.chn'>Doanh nghiệp</a></body></html>"
    ).encode()
    for page in (
        section(captcha),
        fragment(captcha),
        fragment(b"<p>Too many requests</p>"),
        fragment(b'<meta http-equiv="refresh" content="5;url=/captcha">'),
    ):
        assert SectionPage(page).unread_article_links() == 0, page.body
        assert is_soft_block(page.request, page), page.body


def test_an_empty_fragment_is_the_end_not_a_layout_change_nor_a_block():
    for body in (b"", b"  \n", b'<div class="box-stream-item box-stream-item-load"></div>'):
        page = fragment(body)
        assert SectionPage(page).is_empty_fragment(), body
        assert SectionPage(page).unread_article_links() == 0, body
        assert not is_soft_block(page.request, page), body


class_names = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyz-_0123456789"), min_size=1, max_size=12
)
# Any new class list for the items, as long as it does not still name both old classes.
new_classes = st.lists(class_names, min_size=1, max_size=4).filter(
    lambda names: not {"tlitem", "box-category-item"} <= set(names)
)


@given(new_classes, st.integers(1, 21), st.integers(0, 20))
def test_any_renaming_of_the_stream_items_is_a_layout_change(names, first, more):
    """README: a listing page (section page or timeline fragment) whose stream links to
    articles but gives no entry is a layout change, never entries, never a soft block."""
    to = " ".join(names)
    last = min(21, first + more)
    page = fragment(renamed(stream_items(first, last), to))
    listing = SectionPage(page)
    assert listing.entries() == []
    assert listing.unread_article_links() == last - first + 1
    assert not is_soft_block(page.request, page)
    assert not listing.is_empty_fragment()

    page = section(renamed(SECTION, to))
    listing = SectionPage(page)
    assert listing.stream_entries() == []
    assert listing.unread_article_links() == len(STREAM_IDS)
    assert not is_soft_block(page.request, page)
