"""SectionPage on the saved section page, on fragments cut from it, and on odd responses."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import lxml.html
from scrapy.http import HtmlResponse, Request

from newsscraper.pages.dates import VIETNAM_TZ
from newsscraper.pages.links import article_id_from_url, canonical_article_url
from newsscraper.pages.section import ListingEntry, SectionPage, ends_inside_an_item

PAGES = Path(__file__).parent.parent / "fixtures" / "pages"
SECTION_FILE = PAGES / "section_thi-truong-chung-khoan.html"
SECTION_URL = "https://cafef.vn/thi-truong-chung-khoan.chn"


def response(body: bytes, url: str = SECTION_URL) -> HtmlResponse:
    return HtmlResponse(url=url, body=body, encoding="utf-8", request=Request(url))


def vn(year, month, day, hour, minute) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM_TZ)


# Read off the saved page: the focus block (one h2 item, two h3 items, in that order).
FOCUS = [
    ListingEntry(
        "18826030622484142",
        "https://cafef.vn/thoi-diem-nang-hang-can-ke-mbs-diem-ten-30-co-phieu-viet-nam-co-kha-nang-lot-ro-chi-so-ftse-18826030622484142.chn",
        "Thời điểm nâng hạng cận kề, MBS điểm tên 30 cổ "
        "phiếu Việt Nam có khả năng lọt rổ chỉ số FTSE",
        vn(2026, 3, 7, 0, 1),
        "focus",
    ),
    ListingEntry(
        "188260305232650721",
        "https://cafef.vn/vinacapital-bat-ky-nhip-sut-giam-dang-ke-nao-cua-vn-index-deu-la-co-hoi-mua-vao-188260305232650721.chn",
        "VinaCapital: Bất kỳ nhịp sụt giảm đáng kể nào của VN-Index đều là cơ hội mua vào",
        vn(2026, 3, 6, 0, 5),  # data-time="206/03/2026 - 00:05"
        "focus",
    ),
    ListingEntry(
        "188260307003517592",
        "https://cafef.vn/khoi-ngoai-ban-rong-dot-bien-hon-6400-ty-dong-tuan-dau-thang-3-co-phieu-nao-bi-xa-manh-nhat-188260307003517592.chn",
        "Khối ngoại bán ròng đột biến hơn 6.400 tỷ đồng tuần "
        'đầu tháng 3, cổ phiếu nào bị "xả" mạnh nhất?',
        vn(2026, 3, 7, 0, 34),  # data-time="207/03/2026 - 00:34"
        "focus",
    ),
]

# The 21 stream items' data-id values and span.time-ago titles, in page order.
STREAM = [
    ("188260307102244359", vn(2026, 3, 7, 10, 22)),
    ("188260307095650731", vn(2026, 3, 7, 9, 56)),
    ("188260306225629255", vn(2026, 3, 7, 0, 10)),
    ("188260306225316516", vn(2026, 3, 7, 0, 8)),
    ("188260306225200377", vn(2026, 3, 7, 0, 5)),
    ("18826030622510955", vn(2026, 3, 7, 0, 4)),
    ("188260306230138784", vn(2026, 3, 6, 23, 2)),
    ("188260306205319773", vn(2026, 3, 6, 21, 0)),
    ("188260306204625899", vn(2026, 3, 6, 20, 46)),
    ("18826030618532896", vn(2026, 3, 6, 18, 53)),
    ("188260306173916865", vn(2026, 3, 6, 17, 39)),
    ("188260306154928257", vn(2026, 3, 6, 15, 50)),
    ("188260306150906266", vn(2026, 3, 6, 15, 45)),
    ("188260306142432485", vn(2026, 3, 6, 14, 24)),
    ("188260306142252466", vn(2026, 3, 6, 14, 22)),
    ("188260306135955702", vn(2026, 3, 6, 14, 0)),
    ("188260306110238349", vn(2026, 3, 6, 11, 3)),
    ("188260306105634064", vn(2026, 3, 6, 10, 58)),
    ("188260306104748303", vn(2026, 3, 6, 10, 47)),
    ("188260306102323344", vn(2026, 3, 6, 10, 24)),
    ("188260305234014576", vn(2026, 3, 6, 5, 0)),
]

# In the "Đọc nhiều" box only (188260306104748303 is there too, but also in the stream).
MOST_READ_ONLY = [
    "188260305225734491",
    "188260304110827974",
    "18826030414082649",
    "18826030509010437",
    "188260305152056978",
    "188260304225423747",
    "188260304152957961",
]


def test_section_page_gives_focus_then_stream_items_only():
    page = SectionPage(response(SECTION_FILE.read_bytes()))
    entries = page.entries()

    assert entries[:3] == FOCUS
    assert [(e.article_id, e.listed_at, e.kind) for e in entries[3:]] == [
        (article_id, listed_at, "stream") for article_id, listed_at in STREAM
    ]
    assert len(entries) == 24
    assert not {e.article_id for e in entries} & set(MOST_READ_ONLY)
    assert all(e.url.startswith("https://cafef.vn/") and e.url.endswith(".chn") for e in entries)
    assert all(e.listed_at.utcoffset() == dt.timedelta(hours=7) for e in entries)
    assert page.zone_id() == 18831
    assert page.has_listing_markup()
    assert not page.is_empty_fragment()


def test_an_article_both_in_the_focus_block_and_the_stream_is_listed_once_as_focus():
    # The newest stories are often both picked for the focus block and first in the stream.
    first_pick = FOCUS[0]
    item = cut_fragment(1, 1).decode()
    stream_id = re.search(r"-(\d{17,18})\.chn", item).group(1)
    html = SECTION_FILE.read_text(encoding="utf-8").replace(stream_id, first_pick.article_id)

    entries = SectionPage(response(html.encode("utf-8"))).entries()
    assert [e.article_id for e in entries].count(first_pick.article_id) == 1
    assert entries[0] == first_pick
    assert len(entries) == 23


def test_stream_entry_title_is_squashed_and_url_joined_on_the_response_host():
    replica_url = "http://127.0.0.1:8765/thi-truong-chung-khoan.chn"
    entries = SectionPage(response(SECTION_FILE.read_bytes(), replica_url)).entries()

    assert entries[3] == ListingEntry(
        "188260307102244359",
        "http://127.0.0.1:8765/tap-doan-hoa-sen-dat-ke-hoachloi-nhuan-sau-thue-len-toi-600-ty-dong-trong-ndtc-2025-2026-188260307102244359.chn",
        # a non-breaking space in the page between "kế hoạch" and "lợi nhuận"
        "Tập đoàn Hoa Sen đặt kế hoạch lợi nhuận sau thuế "
        "lên tới 600 tỷ đồng trong NĐTC 2025 - 2026",
        vn(2026, 3, 7, 10, 22),
        "stream",
    )


def test_focus_times_come_from_data_time_stray_leading_2_included():
    # The visible text of each focus time blanked: only data-time is left to read, two of the
    # three with the stray leading `2` (`206/03/2026 - 00:05` is 06/03/2026).
    html = SECTION_FILE.read_text(encoding="utf-8")
    blanked = re.sub(r'(<p class="time" data-time="[^"]*">)[^<]*(</p>)', r"\1\2", html)
    assert blanked.count('<p class="time" data-time="2') == 2

    focus = SectionPage(response(blanked.encode("utf-8"))).focus_entries()
    assert [(e.article_id, e.listed_at) for e in focus] == [
        (e.article_id, e.listed_at) for e in FOCUS
    ]


def test_a_focus_time_with_its_day_or_month_unpadded_is_read():
    # The CMS may write `6/3/2026 00:05` for `06/03/2026 - 00:05`: the same minute.
    html = SECTION_FILE.read_text(encoding="utf-8")
    html = re.sub(r'(<p class="time" data-time="[^"]*">)[^<]*(</p>)', r"\1\2", html)
    for padded, unpadded in [
        ("07/03/2026 - 00:01", "7/3/2026 0:01"),
        ("206/03/2026 - 00:05", "6/3/2026 - 00:05"),
        ("207/03/2026 - 00:34", "7/03/2026 00:34"),
    ]:
        html = html.replace(f'data-time="{padded}"', f'data-time="{unpadded}"')

    focus = SectionPage(response(html.encode("utf-8"))).focus_entries()
    assert [(e.article_id, e.listed_at) for e in focus] == [
        (e.article_id, e.listed_at) for e in FOCUS
    ]


def test_a_focus_time_without_data_time_is_read_from_its_text():
    html = SECTION_FILE.read_text(encoding="utf-8")
    without = re.sub(r'<p class="time" data-time="[^"]*">', '<p class="time">', html)
    assert without.count('<p class="time">') == 3

    focus = SectionPage(response(without.encode("utf-8"))).focus_entries()
    assert [(e.article_id, e.listed_at) for e in focus] == [
        (e.article_id, e.listed_at) for e in FOCUS
    ]


def test_listing_times_with_seconds_are_vietnam_time_and_one_marked_z_is_utc():
    # A focus time is read to its minute (`10:31:05` is 10:31), as a header time is. A stream
    # time is ISO: without an offset, Vietnam time, its seconds kept; with `Z`, UTC, as written.
    html = SECTION_FILE.read_text(encoding="utf-8")
    html = html.replace('data-time="07/03/2026 - 00:01"', 'data-time="07/03/2026 00:01:59"')
    html = html.replace('title="2026-03-07T00:10:00"', 'title="2026-03-07T00:10:30"')
    html = html.replace('title="2026-03-07T00:05:00"', 'title="2026-03-06T17:05:00Z"')
    page = SectionPage(response(html.encode("utf-8")))

    assert page.focus_entries() == FOCUS
    stream = [(e.article_id, e.listed_at) for e in page.stream_entries()]
    assert stream[2] == (STREAM[2][0], STREAM[2][1] + dt.timedelta(seconds=30))
    assert stream[4] == STREAM[4] and stream[4][1].utcoffset() == dt.timedelta(hours=7)


def test_a_focus_time_is_read_from_data_time_before_its_text():
    # The visible text of the first pick set a day and an hour away from its data-time.
    html = SECTION_FILE.read_text(encoding="utf-8")
    shown = '<p class="time" data-time="07/03/2026 - 00:01">07/03/2026 - 00:01</p>'
    assert html.count(shown) == 1
    html = html.replace(shown, shown.replace(">07/03/2026 - 00:01<", ">08/03/2026 - 01:01<"))

    focus = SectionPage(response(html.encode("utf-8"))).focus_entries()
    assert focus == FOCUS


def test_a_cms_empty_date_is_no_listing_time():
    # A CMS's empty or default date: no story of the site is older than 2000. The entry stays
    # (without a time); a focus item whose data-time is one is read from its text.
    html = SECTION_FILE.read_text(encoding="utf-8")
    empty_dates = {
        "2026-03-07T00:10:00": "1900-01-01T00:00:00",  # third stream item
        "2026-03-07T00:05:00": "0001-01-01T00:00:00",  # fifth
        "2026-03-06T21:00:00": "1999-12-31T23:59:00",  # eighth
    }
    for shown, empty in empty_dates.items():
        assert html.count(f'title="{shown}"') == 1
        html = html.replace(f'title="{shown}"', f'title="{empty}"')
    shown = 'data-time="07/03/2026 - 00:01"'
    assert html.count(shown) == 1
    html = html.replace(shown, 'data-time="01/01/1900 - 00:00"')

    page = SectionPage(response(html.encode("utf-8")))
    assert page.focus_entries() == FOCUS
    without_time = {STREAM[2][0], STREAM[4][0], STREAM[7][0]}
    assert [(e.article_id, e.listed_at) for e in page.stream_entries()] == [
        (article_id, None if article_id in without_time else listed_at)
        for article_id, listed_at in STREAM
    ]


def test_a_stream_time_without_a_time_of_day_is_no_listing_time():
    # A date alone says the day, not when: read as midnight, the page's bottom would look a
    # day's stories further down than it is, and a walk would stop above them.
    html = SECTION_FILE.read_text(encoding="utf-8")
    shown = 'title="2026-03-07T00:10:00"'  # third stream item
    assert html.count(shown) == 1
    page = SectionPage(response(html.replace(shown, 'title="2026-03-07"').encode("utf-8")))
    assert [(e.article_id, e.listed_at) for e in page.stream_entries()] == [
        (article_id, None if article_id == STREAM[2][0] else listed_at)
        for article_id, listed_at in STREAM
    ]


def test_a_page_whose_html_tag_is_upper_case_is_a_page_not_a_fragment():
    html = SECTION_FILE.read_text(encoding="utf-8")
    assert html.count('<html lang="vi">') == 1
    page = SectionPage(response(html.replace('<html lang="vi">', '<HTML lang="vi">').encode()))

    assert not page.is_fragment
    assert page.entries() == SectionPage(response(SECTION_FILE.read_bytes())).entries()


def test_stream_like_items_outside_the_sections_stream_are_not_its_entries():
    # The same item markup in the site-wide "Đọc nhiều" box is not the section's list.
    html = SECTION_FILE.read_text(encoding="utf-8")
    stray = cut_fragment(1, 1).decode().replace("188260307102244359", "188260301010101010")
    box = '<div class="cate-mostview-list">'
    assert html.count(box) == 1
    html = html.replace(box, box + stray)

    entries = SectionPage(response(html.encode("utf-8"))).entries()
    assert entries == SectionPage(response(SECTION_FILE.read_bytes())).entries()
    assert "188260301010101010" not in {e.article_id for e in entries}


def cut_fragment(first: int, last: int) -> bytes:
    """Stream items first..last (1-based) cut from the saved page, as a timeline fragment."""
    root = lxml.html.fromstring(SECTION_FILE.read_bytes())
    items = root.cssselect("div.listchungkhoannew div.tlitem.box-category-item")[first - 1 : last]
    return "\n".join(lxml.html.tostring(item, encoding="unicode") for item in items).encode()


def test_fragment_gives_its_items():
    url = "https://cafef.vn/timelinelist/18831/2.chn"
    page = SectionPage(response(cut_fragment(6, 10), url))

    assert page.is_fragment
    assert page.has_listing_markup()
    assert not page.is_empty_fragment()
    assert page.zone_id() is None
    entries = page.entries()
    assert [(e.article_id, e.listed_at, e.kind) for e in entries] == [
        (article_id, listed_at, "stream") for article_id, listed_at in STREAM[5:10]
    ]
    assert entries[0].url == (
        "https://cafef.vn/vietcap-dat-muc-tieu-loi-nhuan-2300-ty-dong-phat-hanh-co-phieu-esop-18826030622510955.chn"
    )
    assert (
        entries[0].title == "Vietcap đặt mục tiêu lợi nhuận 2.300 tỷ đồng, phát hành cổ phiếu ESOP"
    )


def test_a_fragment_cut_inside_an_item_reads_as_cut_and_one_cut_between_items_as_whole():
    for number in range(2, len(STREAM) + 1):
        before, item = (cut_fragment(n, n).rstrip() for n in (number - 1, number))
        fragment = before + b"\n" + item
        assert not ends_inside_an_item(before + b"\n"), number  # the items after it lost
        assert not ends_inside_an_item(fragment), number
        for end in range(len(before) + 2, len(fragment)):
            assert ends_inside_an_item(fragment[:end]), (number, fragment[end - 40 : end])


def test_the_saved_pages_and_their_stream_between_items_read_as_whole():
    for path in PAGES.glob("*.html"):
        assert not ends_inside_an_item(path.read_bytes()), path.name
    # The stream items as the page has them, with the chrome between them (ads, the close of
    # one stream box and the open of the next), cut at the start of each next item.
    page = SECTION_FILE.read_bytes()
    starts = [m.start() for m in re.finditer(rb'<div class="tlitem box-category-item"', page)]
    assert len(starts) == len(STREAM)
    for start in starts[1:]:
        assert not ends_inside_an_item(page[starts[0] : start]), start


def test_a_body_that_stops_inside_a_tag_or_a_comment_reads_as_cut():
    item = cut_fragment(3, 3)
    for tail in (
        b"<",
        b"</",
        b"<!-",
        b"<div class=",
        b'<a href="/x',
        b'<A HREF="/x',
        b"<!-- ad",
        b"<!-- ad -->\n<sp",
    ):
        assert ends_inside_an_item(item + b"\n" + tail), tail
    for tail in (b"", b"\n", b"<!-- ad -->", b"<p>1 < 2</p>", b"1 < 2", b"Xem th\xc3\xaam"):
        assert not ends_inside_an_item(item + b"\n" + tail), tail
    assert not ends_inside_an_item(b"")  # an empty fragment is the end of the list


def test_a_div_or_comment_in_a_script_a_style_or_cdata_is_no_markup():
    item = cut_fragment(3, 3)
    inside = item.replace(b"<h3", b"<script>document.write('<div class=\"ad\">');</script><h3", 1)
    assert inside != item
    for whole in (
        inside,
        item.replace(b"<h3", b"<![CDATA[ <div> ]]><h3", 1),
        item.replace(b"<h3", b"<STYLE>/* <div> */</STYLE><h3", 1),
        item + b"\n<script>var open = '<!--';</script>",
        item + b"\n<!-- <script> -->",
    ):
        assert not ends_inside_an_item(whole), whole[-80:]
    for cut in (inside[: inside.index(b"</script>")], item + b"\n<script>var a = 1;"):
        assert ends_inside_an_item(cut), cut[-80:]


def test_a_stream_item_is_known_by_its_classes_however_its_tag_is_spelled():
    before, item = (cut_fragment(n, n).rstrip() for n in (2, 3))
    opening = b'<div class="tlitem box-category-item"'
    assert item.startswith(opening)
    for spelled in (
        item.replace(b"<div", b"<DIV").replace(b"</div", b"</DIV").replace(b"class=", b"CLASS="),
        item.replace(opening, b'<div\n\tclass="tlitem box-category-item"'),
        item.replace(opening, b"<div class='tlitem box-category-item'"),
        item.replace(opening, b'<div class = "tlitem box-category-item"'),
        item.replace(opening, b'<div class="tlitem\n\tbox-category-item"'),
        item.replace(opening, b'<div class="tlitem box-category-item sponsored clearfix"'),
    ):
        fragment = before + b"\n" + spelled
        assert not ends_inside_an_item(fragment), spelled[:60]
        for end in range(len(before) + 2, len(fragment)):
            assert ends_inside_an_item(fragment[:end]), (spelled[:60], fragment[end - 40 : end])
    # A <div> left open after the last item with only one of the two classes is chrome.
    for chrome in (b'<div class="tlitem">', b'<div class="box-category-item ad">'):
        assert not ends_inside_an_item(before + b"\n" + item + b"\n" + chrome), chrome


def test_a_comment_cdata_section_script_or_text_area_is_read_to_its_own_end():
    item = cut_fragment(3, 3)
    for held in (
        b'<textarea><div class="ad"></textarea>',
        b"<script>var a = '<div>';</script >",
        b"<SCRIPT>var a = '<div>';</SCRIPT>",
    ):
        assert not ends_inside_an_item(item.replace(b"<h3", held + b"<h3", 1)), held
    # Left open after the last item, and holding a '>' (the body does not stop inside a tag).
    for tail in (b"<!-- ad <b>1</b>", b"<![CDATA[ 1 > 0", b"<SCRIPT>if (a > b)", b"<textarea>>"):
        assert ends_inside_an_item(item + b"\n" + tail), tail
    # One before the item and one inside it, the item cut after the second: the first ends
    # where it ends, not at the end of the second, which would take the item's <div> with it.
    for first, second in (
        (b"<!-- a -->", b"<!-- b -->"),
        (b"<![CDATA[ a ]]>", b"<![CDATA[ b ]]>"),
        (b"<script>a()</script>", b"<script>b()</script>"),
    ):
        held = item.replace(b"<h3", second + b"<h3", 1)
        cut = first + b"\n" + held[: held.index(b"</h3>")]
        assert ends_inside_an_item(cut), first


def test_empty_fragment_is_the_end_of_the_list_not_a_block():
    for body in (b"", b"  \n\t ", b'<div class="box-stream-item box-stream-item-load"></div>'):
        page = SectionPage(response(body, "https://cafef.vn/timelinelist/18836/40.chn"))
        assert page.is_empty_fragment(), body
        assert not page.has_listing_markup(), body
        assert page.entries() == [], body


def test_a_fragment_without_items_that_says_something_is_a_block_not_the_end():
    # Rate-limit and challenge answers served without an <html> shell, where a fragment is due.
    for body in (
        b"<p>Too many requests</p>",
        b"Rate limit exceeded, try again later",
        b'<meta http-equiv="refresh" content="5;url=/captcha">',
        b"<script>location.href='/challenge'</script>",
    ):
        page = SectionPage(response(body, "https://cafef.vn/timelinelist/18836/2.chn"))
        assert page.is_fragment, body
        assert not page.is_empty_fragment(), body
        assert not page.has_listing_markup(), body


def test_soft_block_page_is_flagged():
    body = (
        b"<!DOCTYPE html><html><head><title>CafeF</title></head>"
        b"<body><div class='header'><a href='/doanh-nghiep.chn'>Doanh nghi\xe1\xbb\x87p</a></div>"
        b"</body></html>"
    )
    page = SectionPage(response(body))
    assert not page.has_listing_markup()
    assert not page.is_empty_fragment()
    assert page.entries() == []


def test_a_page_with_nothing_in_its_html_shell_is_a_block_not_the_end():
    # Only a fragment can be the end of the list: page 1 always holds the section.
    for body in (b"<html></html>", b"<!DOCTYPE html><html><head></head><body> </body></html>"):
        page = SectionPage(response(body))
        assert not page.is_fragment, body
        assert not page.is_empty_fragment(), body
        assert not page.has_listing_markup(), body


def fragment_entries(hrefs: list[str]) -> list:
    """The entries of a timeline fragment holding one stream item linking to each of `hrefs`."""
    item = '<div class="tlitem box-category-item"><h3><a href="{}">x</a></h3></div>'
    body = "".join(item.format(href) for href in hrefs).encode()
    return SectionPage(response(body, "https://cafef.vn/timelinelist/18836/2.chn")).entries()


def test_non_article_and_off_site_links_are_skipped():
    hrefs = [
        "javascript:;",
        "https://example.com/bai-viet-188260306102323344.chn",
        "/du-lieu/hose/hpx-cong-ty-co-phan-dau-tu-hai-phat.chn",
        "/nhom-chu-de/emagazine.chn",
        "/bai-viet-12345.chn",
        "ftp://cafef.vn/bai-viet-188260306102323344.chn",
        "https://www.cafef.vn/bai-viet-hop-le-188260306102323344.chn",
    ]
    entries = fragment_entries(hrefs)
    assert [e.url for e in entries] == [
        "https://www.cafef.vn/bai-viet-hop-le-188260306102323344.chn"
    ]
    assert entries[0].listed_at is None


def test_a_link_to_the_mobile_site_is_the_article_listed():
    # m.cafef.vn serves each article at the desktop path: the story is listed under its id.
    entries = fragment_entries(["https://m.cafef.vn/bai-viet-188260306102323344.chn"])
    assert [e.article_id for e in entries] == ["188260306102323344"]


def test_a_link_whose_host_is_another_site_as_a_browser_reads_it_is_skipped():
    # A browser (and Scrapy) reads a backslash as "/": the first goes to example.com, not
    # cafef.vn; the second names a user of cafef.vn, which no link of the site does.
    hrefs = [
        "https://example.com\\@cafef.vn/bai-mot-188260306102323344.chn",
        "https://user@cafef.vn/bai-hai-188260306102323345.chn",
        "https://cafef.vn/bai-ba-188260306102323346.chn",
    ]
    entries = fragment_entries(hrefs)
    assert [e.url for e in entries] == ["https://cafef.vn/bai-ba-188260306102323346.chn"]


def test_a_link_written_with_backslashes_is_the_article_a_browser_follows():
    # In an http(s) link a browser reads `\\` as `/`: the story is listed, at its address.
    hrefs = [
        "\\bai-mot-188260306102323344.chn",
        "https:\\\\cafef.vn\\bai-hai-188260306102323345.chn",
    ]
    entries = fragment_entries(hrefs)
    assert [e.url for e in entries] == [
        "https://cafef.vn/bai-mot-188260306102323344.chn",
        "https://cafef.vn/bai-hai-188260306102323345.chn",
    ]


def test_a_stream_link_without_an_href_is_skipped():
    body = (
        b'<div class="tlitem box-category-item"><h3><a>x</a></h3></div>'
        b'<div class="tlitem box-category-item"><h3><a href="/bai-188260306102323344.chn">y</a>'
        b"</h3></div>"
    )
    page = SectionPage(response(body, "https://cafef.vn/timelinelist/18836/2.chn"))
    assert [e.article_id for e in page.entries()] == ["188260306102323344"]


def test_a_link_without_text_takes_its_title_attribute_and_text_wins_over_it():
    item = '<div class="tlitem box-category-item"><h3>{}</h3></div>'
    body = "".join(
        item.format(link)
        for link in (
            '<a href="/bai-mot-188260306102323344.chn" title=" Bài  một "><img src="a.jpg"></a>',
            '<a href="/bai-hai-188260306102323345.chn" title="Tiêu đề cũ">Bài hai</a>',
        )
    ).encode()
    entries = SectionPage(response(body, "https://cafef.vn/timelinelist/18836/2.chn")).entries()
    assert [(e.article_id, e.title) for e in entries] == [
        ("188260306102323344", "Bài một"),
        ("188260306102323345", "Bài hai"),
    ]


def test_a_link_padded_with_whitespace_is_still_the_article():
    hrefs = ["\n /bai-mot-188260306102323344.chn \n", "/bai-hai-188260306102323345.chn\t"]
    entries = fragment_entries(hrefs)
    assert [(e.article_id, e.url) for e in entries] == [
        ("188260306102323344", "https://cafef.vn/bai-mot-188260306102323344.chn"),
        ("188260306102323345", "https://cafef.vn/bai-hai-188260306102323345.chn"),
    ]


def test_a_slug_with_hyphens_in_a_row_or_at_an_end_is_still_the_article():
    hrefs = [
        "/hoa-sen--ket-qua-188260306102323344.chn",
        "/-hoa-sen-188260306102323345.chn",
        "/hoa-sen--188260306102323346.chn",
    ]
    entries = fragment_entries(hrefs)
    assert [(e.article_id, e.url) for e in entries] == [
        (href[-22:-4], f"https://cafef.vn{href}") for href in hrefs
    ]


def test_an_id_or_slug_in_other_scripts_letters_or_digits_is_no_article_link():
    # Python's `\d` and a case-blind `[a-z]` also take digits of other scripts (fullwidth
    # `１`, Arabic-Indic `١`) and the letters `ſ`, `ı`, `İ` and the Kelvin sign: such a link
    # gave an article id of no digit CafeF writes, or a stored URL that is not ASCII.
    html = SECTION_FILE.read_text(encoding="utf-8")
    fullwidth = "".join(chr(ord("０") + int(d)) for d in "188260307102244359")
    html = html.replace("-188260307102244359.chn", f"-{fullwidth}.chn")
    html = html.replace("/vinacapital-bat-ky-", "/vinacapital-bat-ſy-")
    entries = SectionPage(response(html.encode())).entries()

    ids = [e.article_id for e in entries]
    assert "188260307102244359" not in ids and "188260305232650721" not in ids
    assert len(entries) == 22
    assert all(re.fullmatch(r"[0-9]{17,18}", e.article_id) for e in entries)
    assert all(e.url.isascii() for e in entries)
    assert canonical_article_url(f"https://cafef.vn/tap-doan-hoa-sen-{fullwidth}.chn") is None
    # 17 or 18 digits, as CafeF's ids are: one fewer or one more is no article.
    for digits, url in (
        ("1882603071022443", None),
        ("18826030710224435", "https://cafef.vn/hoa-sen-18826030710224435.chn"),
        ("1882603071022443590", None),
    ):
        assert canonical_article_url(f"https://cafef.vn/hoa-sen-{digits}.chn") == url


def test_an_article_path_is_the_whole_path_written_in_any_case():
    # The path ends at `.chn` (a literal dot); upper case is the same path; whitespace around
    # the address is no part of it; the slug holds at least one character.
    assert canonical_article_url("https://cafef.vn/hoa-sen-188260306102323344.chn.html") is None
    assert canonical_article_url("https://cafef.vn/hoa-sen-188260306102323344.chnx") is None
    assert canonical_article_url("https://cafef.vn/hoa-sen-188260306102323344xchn") is None
    assert canonical_article_url("https://cafef.vn/-188260306102323344.chn") is None
    assert article_id_from_url("https://cafef.vn/Hoa-Sen-188260306102323344.CHN") == (
        "188260306102323344"
    )
    assert article_id_from_url("https://cafef.vn/hoa-sen-188260306102323344.chn \n") == (
        "188260306102323344"
    )


def test_a_focus_time_shown_only_as_text_of_a_cms_empty_date_is_no_time():
    html = SECTION_FILE.read_text(encoding="utf-8")
    shown = '<p class="time" data-time="07/03/2026 - 00:01">07/03/2026 - 00:01</p>'
    assert html.count(shown) == 1
    html = html.replace(shown, '<p class="time">01/01/1900 - 00:00</p>')

    page = SectionPage(response(html.encode("utf-8")))
    first, *rest = page.focus_entries()
    assert (first.article_id, first.listed_at) == (FOCUS[0].article_id, None)
    assert rest == FOCUS[1:]
