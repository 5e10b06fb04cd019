"""normalize_item on tables of real Vietnamese strings, and the thin NormalizePipeline."""

from __future__ import annotations

import copy
import datetime as dt
import html
import html.entities
import random
import re
import sys
import unicodedata

import pytest
from scrapy.utils.test import get_crawler

from newsscraper.dataset_write import items_to_table
from newsscraper.items import Article
from newsscraper.pages.dates import VIETNAM_TZ
from pipelines.normalize import (
    _ALREADY_CLEAN_URL,
    _NOT_PLAIN_OR_ODD_WHITESPACE,
    NormalizePipeline,
    _clean_url_steps,
    _plain,
    clean_body,
    clean_tags,
    clean_text,
    clean_tickers,
    clean_url,
    normalize_item,
    to_utc,
)

NFD = unicodedata.normalize("NFD", "Doanh nghiệp")
ARTICLE_URL = (
    "https://cafef.vn/chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx-188260704171525847.chn"
)


def test_nfd_input_is_really_decomposed():
    assert NFD != "Doanh nghiệp" and len(NFD) > len("Doanh nghiệp")


@pytest.mark.parametrize(
    ("field", "raw", "clean"),
    [
        ("category", NFD, "Doanh nghiệp"),
        ("category", "  Doanh\u00a0nghiệp \n", "Doanh nghiệp"),
        (
            "title",
            unicodedata.normalize("NFD", "Chủ tịch Đỗ Quý Hải") + "\u200b",
            "Chủ tịch Đỗ Quý Hải",
        ),
        ("title", "Khối ngoại &quot;xả&quot; mạnh", 'Khối ngoại "xả" mạnh'),
        ("title", "Thời điểm n&amp;acirc;ng hạng", "Thời điểm nâng hạng"),  # escaped twice
        ("sapo", "MBS&#39;s &#x201C;báo cáo&#x201D;", "MBS's “báo cáo”"),
        # A hexadecimal reference may be written with an upper-case X.
        ("sapo", "MBS&#X2019;s &#X201C;báo cáo&#X201d;", "MBS’s “báo cáo”"),
        # Only a reference written with its `;` is one: no old name read at a word's start.
        ("sapo", "A&copy B &sect C &notx; &sectionx;", "A&copy B &sect C &notx; &sectionx;"),
        ("sapo", "tháng 9.\ufeff  Dự kiến\u2009Việt Nam", "tháng 9. Dự kiến Việt Nam"),
        # A dropped character between a letter and its accents: composed once it is gone.
        ("sapo", "Vie\u00ad\u0323\u0302t Nam, Ha\u200b\u0300 Nội", "Việt Nam, Hà Nội"),
        ("author", "Theo Hồ Hương", "Hồ Hương"),
        ("author", unicodedata.normalize("NFD", " Theo  Hồ Hương "), "Hồ Hương"),
        ("author", "PV", "PV"),
        ("author", "Theo: Hồ Hương", "Hồ Hương"),
        # "according to" and no one after it is no byline; a name that starts so stays whole.
        ("author", "Theo", None),
        ("author", "Theodore Lê", "Theodore Lê"),
        # Only in front of the byline: "theo" further on is part of it.
        ("author", "Hồ Hương theo Reuters", "Hồ Hương theo Reuters"),
        ("source", " Nhịp sống thị trường", "Nhịp sống thị trường"),
        ("source", "   ", None),
        # The outlet's name as a CMS field can hold it, "according to" in front.
        ("source", " Theo Trí Thức Trẻ", "Trí Thức Trẻ"),
        ("source", "Theo: Nhịp sống thị trường", "Nhịp sống thị trường"),
        ("source", "Theo", None),
        ("source", unicodedata.normalize("NFD", "NGUỒN :Trí Thức Trẻ"), "Trí Thức Trẻ"),
        ("source", "Nguồn sống", "Nguồn sống"),  # without its colon, a word of the name
        ("title", "\u202aChủ tịch\u200e Hải Phát\u202c", "Chủ tịch Hải Phát"),
        ("author", "\u200f\u2066\u2069", None),
        # The Arabic letter mark, a direction mark as the others are.
        ("title", "Hải Phát\u061c lãi lớn", "Hải Phát lãi lớn"),
        # The word joiner, the Mongolian vowel separator and the invisible operators too.
        ("title", "Hải\u2060 Phát\u180e lãi\u2061\u2062\u2063\u2064 lớn", "Hải Phát lãi lớn"),
        # The grapheme joiner (its accent then goes on the letter), the object replacement,
        # the Hangul filler show nothing; the braille blank a space.
        ("title", "Gia\u034f\u0301 vàng\ufffc\u3164", "Giá vàng"),
        ("title", "Giá\u2800vàng", "Giá vàng"),
        # U+FE0F after a letter (its accents aside) shows nothing; after an emoji it is its own.
        ("title", "Giá\ufe0f ve\u0302\ufe0f ❤\ufe0f 1\ufe0f\u20e3 \u2139\ufe0f", "Giá vê ❤️ 1️⃣ ℹ️"),
        # So too after the text's first letter, and after a one-letter word's accent.
        ("title", "Ô\ufe0f tô và xe o\u0302\ufe0f", "Ô tô và xe ô"),
    ],
)
def test_text_fields(field, raw, clean):
    item = normalize_item(Article(**{field: raw}))
    assert getattr(item, field) == clean


def test_body_keeps_an_ampersand_that_starts_no_reference():
    raw = "Xem tại https://ssc.gov.vn/?page=tin&section=cong-bo&para=2\n\nA &amp; B"
    assert clean_body(raw) == "Xem tại https://ssc.gov.vn/?page=tin&section=cong-bo&para=2\n\nA & B"


def test_body_keeps_paragraph_breaks_and_collapses_the_rest():
    raw = (
        "  Ông Đỗ Quý Hải  -\u00a0Chủ tịch\nHĐQT \n\n\n"
        + unicodedata.normalize("NFD", "Giao dịch dự kiến")
        + " \u200b\n \n\u00a0\n\n  Trước đó một tháng. "
    )
    assert clean_body(raw) == (
        "Ông Đỗ Quý Hải - Chủ tịch HĐQT\n\nGiao dịch dự kiến\n\nTrước đó một tháng."
    )


def test_body_paragraphs_apart_by_several_blank_lines_are_one_break_apart():
    # Plain text with an even run of newlines: each paragraph is already laid out, but the
    # break between them is not the one "\n\n" a body keeps.
    assert clean_body("Ông Đỗ Quý Hải mua.\n\n\n\nGiao dịch dự kiến.") == (
        "Ông Đỗ Quý Hải mua.\n\nGiao dịch dự kiến."
    )
    assert clean_body("Một.\n\n\n\n\n\nHai.\n\nBa.") == "Một.\n\nHai.\n\nBa."


def _reference_clean_body(text: str) -> str | None:
    """The body rule written out plainly: the whole text made plain, split into paragraphs,
    each made plain again, squashed and trimmed, the empty ones dropped."""
    odd = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    odd += "\u202f\u205f\u3000\t\r\f\v"
    odd += "\x85\u2028\u2029\x1c\x1d\x1e\x1f"  # the other whitespace but the newline
    invisible = "\u200b\u200c\u200d\u2060\ufeff\u00ad"

    def unescape_references(value: str) -> str:
        # A reference with its `;`: a number, or a name HTML knows (otherwise left as it is).
        def one(match: re.Match[str]) -> str:
            known = match[1][0] == "#" or f"{match[1]};" in html.entities.html5
            return html.unescape(match[0]) if known else match[0]

        return re.sub(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);", one, value)

    def plain(value: str) -> str:
        for _ in range(5):
            unescaped = unescape_references(value)
            if unescaped == value:
                break
            value = unescaped
        value = unicodedata.normalize("NFC", value)
        return "".join(" " if c in odd else "" if c in invisible else c for c in value)

    paragraphs = re.split(r"\n[ \n]*\n", plain(text))
    cleaned = (re.sub(r"[ \n]+", " ", plain(p)).strip() for p in paragraphs)
    return "\n\n".join(p for p in cleaned if p) or None


def test_body_rule_holds_on_random_layouts():
    # The fast paths (text already plain, layout already right) must give what the plain rule
    # gives, on texts built from the pieces that make each of them step aside.
    pieces = [
        "Hòa", "Phát", "a\u0301", "\u0301", "&amp;", "&", "&sect", "acirc;", "\u00a0", "\u200b",
        "\u2028",
        " ", " ", "  ", "\n", "\n\n", "\n\n", "\n\n\n", " \n\n", "\n\n ", "\t", "x",
    ]  # fmt: skip
    # Plain texts, each wrong in one way only (or not at all), then random mixtures.
    texts = ["Hòa\nPhát", "a\n\nb\nc", "a\u2028\n\nb", "\u2028a", "a\n\n\u0301b", "a b", ""]
    rng = random.Random(20261128)
    texts += ("".join(rng.choices(pieces, k=rng.randint(0, 12))) for _ in range(3000))
    for text in texts:
        assert clean_body(text) == _reference_clean_body(text), repr(text)
    laid_out = "Ông Đỗ Quý Hải mua.\n\nGiao dịch dự kiến.\n\nTrước đó."
    assert clean_body(laid_out) is laid_out  # given back as it is


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            ["việt nam, ", " MBS, ", " nâng hạng, ", " chứng khoán"],
            ["việt nam", "MBS", "nâng hạng", "chứng khoán"],
        ),
        (
            ["hpx, ", "HPX", " Hải Phát, ", unicodedata.normalize("NFD", "hải phát")],
            ["hpx", "Hải Phát"],
        ),
        ([", ", "", None, " , ,"], []),
        # Case-insensitively as Unicode folds case: "ß" is "ss" in capitals.
        (["Straße", "STRASSE", "strasse"], ["Straße"]),
        # A hashtag is its tag, as the page objects read it; one `#` before a letter only.
        (
            ["#MBS, ", "mbs", "#Hải Phát", "##VHM", "#1", "# HPX"],
            ["MBS", "Hải Phát", "##VHM", "#1", "# HPX"],
        ),
        (None, []),
    ],
)
def test_tags(raw, clean):
    assert clean_tags(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (["VHM", "hpx", " vic ", "HPX"], ["VHM", "HPX", "VIC"]),
        (["VHM:", "VN30", "FPT1", "", None, "E1V", "Hpx"], ["E1V", "HPX"]),
        # An invisible character or an escaped letter the CMS left in a symbol is no part of it.
        (["HPG\u200b", "\ufeffVHM", "&#86;IC", "hp\u00adx"], ["HPG", "VHM", "VIC", "HPX"]),
    ],
)
def test_tickers(raw, clean):
    assert clean_tickers(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (ARTICLE_URL, ARTICLE_URL),
        (ARTICLE_URL.replace("https://cafef.vn", "http://www.cafef.vn"), ARTICLE_URL),
        (ARTICLE_URL.replace("https://cafef.vn", "http://127.0.0.1:8765"), ARTICLE_URL),
        (ARTICLE_URL + "?utm_source=fb&utm_medium=x#comments", ARTICLE_URL),
        # An invisible character left in the address, whatever host served the page.
        (ARTICLE_URL.replace("https://cafef.vn", "http://127.0.0.1:8765") + "\u200b", ARTICLE_URL),
    ],
)
def test_article_url_is_canonical(raw, clean):
    assert normalize_item(Article(url=raw)).url == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "https://markettimes.vn/bai-109319.html?utm_source=cafef&id=3#top",
            "https://markettimes.vn/bai-109319.html?id=3",
        ),
        ("http://www.cafef.vn/du-lieu.chn?fbclid=abc", "https://cafef.vn/du-lieu.chn"),
        (
            "/203337114487263232/2026/7/4/hpx.jpeg",
            "https://cafef.vn/203337114487263232/2026/7/4/hpx.jpeg",
        ),
        (
            "https://antt.nguoiduatin.vn/bài viết.htm",
            "https://antt.nguoiduatin.vn/b%C3%A0i%20vi%E1%BA%BFt.htm",
        ),
        # An empty query goes; a repeated parameter is kept once.
        ("https://markettimes.vn/bai.html?", "https://markettimes.vn/bai.html"),
        (
            "https://markettimes.vn/bai.html?id=1&id=2&&utm_source=x",
            "https://markettimes.vn/bai.html?id=1",
        ),
        # Tracking parameters in any case.
        (
            "https://markettimes.vn/bai.html?UTM_Source=cafef&id=3&FBCLID=x",
            "https://markettimes.vn/bai.html?id=3",
        ),
        # Only a parameter named as a tracking one goes, not one whose name starts like it.
        (
            "https://markettimes.vn/bai.html?id=3&_gallery=2&fbclidx=1&gclid=x",
            "https://markettimes.vn/bai.html?id=3&_gallery=2&fbclidx=1",
        ),
        # `&section`, `&region`, `&notice`: parameters, not the old names `&sect`, `&reg`, `&not`.
        (
            "https://ssc.gov.vn/tin?id=109319&section=kinh-te&region=hn&notice=1&copyright=x",
            "https://ssc.gov.vn/tin?id=109319&section=kinh-te&region=hn&notice=1&copyright=x",
        ),
        ("javascript:;", None),
        # Only http(s): an address of another scheme is none, even with a host.
        ("ftp://cafefcdn.com/a.jpg", None),
        ("FTP://cafef.vn/a.jpg", None),
        # A link to a cafef.vn article is the article's canonical URL, whatever its query.
        (
            ARTICLE_URL.replace("https://cafef.vn", "http://www.cafef.vn") + "?page=2#binh-luan",
            ARTICLE_URL,
        ),
        # The same path on another outlet is that outlet's page: its host and query stay.
        (
            "https://markettimes.vn/chu-tich-hai-phat-188260704171525847.chn?id=3",
            "https://markettimes.vn/chu-tich-hai-phat-188260704171525847.chn?id=3",
        ),
        # No host once the backslash is read as the slash it stands for, or a host IDNA cannot
        # spell: nothing to store (cleaning again would drop what was kept).
        ("http://\\", None),
        ("http://\\/x.jpg", None),
        ("https://bücher.de..", None),
        ("https://bücher.de/a", "https://xn--bcher-kva.de/a"),
        # A space typed after `//` (or a tab, a line break: spaces once cleaned) leaves a host
        # no browser goes to, as it is or written %20: no address either.
        ("https:// cafefcdn.com/a.jpg", None),
        ("https://%20cafefcdn.com/a.jpg", None),
        ("https://\tcafefcdn.com/a.jpg", None),
        ("https://cafef cdn.com/a.jpg", None),
        ("http://[::1]/a.jpg", "http://[::1]/a.jpg"),
        ("mailto:info@cafef.vn", None),
        ("", None),
    ],
)
def test_other_urls_are_absolute_http(raw, clean):
    assert clean_url(raw, base=ARTICLE_URL) == clean


def test_a_url_that_names_no_article_is_cleaned_not_dropped():
    # Validation then says the item's url names no article (`article_id_not_in_url`) and the
    # reject keeps the address, rather than a `missing_url` without it.
    item = normalize_item(Article(url="http://www.cafef.vn/du-lieu/hpx.chn?utm_source=x#top"))
    assert item.url == "https://cafef.vn/du-lieu/hpx.chn"


def test_a_relative_source_url_is_made_absolute_on_the_article_url():
    item = normalize_item(Article(url=ARTICLE_URL, source_url="/du-lieu/hpx.chn?utm_source=x"))
    assert item.source_url == "https://cafef.vn/du-lieu/hpx.chn"


def test_a_url_whose_port_is_no_port_is_dropped_and_the_item_kept():
    # A typo in an image's or the source's address (`:99999`, `:abc`) made w3lib raise out of
    # normalize_item: the article became a pipeline_error reject and the run exited 5.
    item = normalize_item(
        Article(
            url=ARTICLE_URL,
            source_url="https://markettimes.vn:abc/bai-109319.html",
            image_urls=["https://cafefcdn.com:99999/a.jpg", "https://cafefcdn.com/b.jpg"],
        )
    )
    assert item.source_url is None
    assert item.image_urls == ["https://cafefcdn.com/b.jpg"]


def test_body_shortcut_class_is_every_odd_whitespace_and_translated_character():
    # The one scan `clean_body` makes must find exactly `&`, whitespace other than a space or
    # newline, and the characters `_plain` replaces or drops (NFC is checked apart), over every
    # code point.
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    found = set(_NOT_PLAIN_OR_ODD_WHITESPACE.findall(every))
    expected = {"&", *(c for c in every if c.isspace() and c not in " \n")}
    expected |= {c for c in every if _plain(c) != c and unicodedata.is_normalized("NFC", c)}
    assert found == expected


def test_every_whitespace_character_is_one_plain_space_in_text_and_body():
    # DATA_FORMAT promises single spaces: line and paragraph separators, NEL and the ASCII
    # separators too, not only the spaces a reader cannot tell from a plain one.
    every = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    for char in (c for c in every if c.isspace() and c != "\n"):
        assert clean_text(f"Vốn{char}điều lệ") == "Vốn điều lệ", hex(ord(char))
        assert clean_body(f"Vốn{char}điều lệ\n\nĐoạn hai") == "Vốn điều lệ\n\nĐoạn hai", hex(
            ord(char)
        )


def test_a_lone_surrogate_is_the_replacement_character_so_the_row_can_be_written():
    # JSON-LD's `"name": "\\ud800"` decodes to a lone surrogate, which UTF-8 cannot hold:
    # Arrow refused the row, and the whole batch buffered with it was lost.
    item = normalize_item(
        Article(
            article_id="188260704171525847",
            title="Chủ tịch\udc00 Hải Phát",
            author="\ud800",
            body="Đoạn một \ud83d.\n\nĐoạn hai",
            tags=["\ud800đầu tư", "hpx"],
            image_urls=["https://cafefcdn.com/\ud800.jpg"],
        )
    )
    assert (item.title, item.author, item.tags) == (
        "Chủ tịch\ufffd Hải Phát",
        "\ufffd",
        ["\ufffdđầu tư", "hpx"],
    )
    assert item.body == "Đoạn một \ufffd.\n\nĐoạn hai"
    assert item.image_urls == ["https://cafefcdn.com/%EF%BF%BD.jpg"]
    row = items_to_table([item]).to_pylist()[0]
    assert (row["title"], row["author"], row["body"]) == (item.title, item.author, item.body)


def test_only_surrogates_are_the_replacement_character():
    # The first and last lone surrogates become U+FFFD; the code points either side of the
    # surrogate block (the end of Hangul Jamo, the first private-use one) are kept.
    assert clean_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    assert clean_text("a\ud7ffb\ue000c") == "a\ud7ffb\ue000c"


def test_no_control_character_is_left_in_text_or_body():
    # The HTML parser keeps a raw C0 or C1 control (`\x01`, `\x7f`, `\x9b`) in the text, and
    # JSON-LD's `\u0000` decodes to NUL: none is text a reader sees, and they were stored.
    for char in (chr(c) for c in range(0xA0) if unicodedata.category(chr(c)) == "Cc"):
        if char == "\n" or char.isspace():
            continue  # the body's line breaks; whitespace is one space (the test above)
        assert clean_text(f"Vốn{char} điều{char}lệ") == "Vốn điềulệ", hex(ord(char))
        assert clean_body(f"Vốn{char} điều lệ\n\n{char}Đoạn hai") == ("Vốn điều lệ\n\nĐoạn hai"), (
            hex(ord(char))
        )
    item = normalize_item(Article(author="\x00Ngọc\x01 Điệp", tags=["\x1b", "đầu\x7f tư"]))
    assert (item.author, item.tags) == ("Ngọc Điệp", ["đầu tư"])


def test_url_shortcut_gives_what_the_steps_give():
    # `clean_url` gives an already clean URL back without joining, splitting and escaping it:
    # on URLs built from the pieces that make the shortcut step aside (upper case, ports, dot
    # segments, escapes, queries, cafef.vn hosts, non-ASCII), it must give what the steps give.
    hosts = [
        "cafefcdn.com",
        "CafefCDN.com",
        "cafef.vn",
        "www.cafef.vn",
        "a-b.c0.vn",
        "x.com:8080",
        "user@x.com",
        "-x.com",
        "xn--bcher-kva.example",
        "bücher.example",
        "127.0.0.1",
        "x..com",
    ]
    paths = [
        "", "/", "/a", "/A.jpg", "/a_b~c-d.jpg", "/.", "/..", "/./a", "/a/../b", "/.well-known",
        "/a..b", "/a%2Fb", "/a%zz", "/ả", "/a b", "/a;b", "/a'b", "?x=1", "?utm_source=y", "#f",
        "/slug-188260704171525847.chn", "//a", "/a//b", "/a.", "/a/.",
    ]  # fmt: skip
    rng = random.Random(20261128)
    urls = [f"{scheme}://{host}{path}" for scheme in ("https", "http", "HTTP", "ftp")
            for host in hosts for path in paths]  # fmt: skip
    urls += (
        f"https://{rng.choice(hosts)}{''.join(rng.choices(paths, k=rng.randint(1, 4)))}"
        for _ in range(3000)
    )
    taken = 0
    for url in urls:
        text = clean_text(url)
        assert clean_url(url, base=ARTICLE_URL) == _clean_url_steps(text, ARTICLE_URL), url
        assert clean_url(url) == _clean_url_steps(text, None), url
        taken += _ALREADY_CLEAN_URL.fullmatch(text) is not None
    assert taken > 500  # the shortcut was really compared, not only the steps


def test_times_go_to_utc_and_published_date_is_the_vietnam_date():
    item = normalize_item(
        Article(
            # 18:07 PM on the page is 18:07 Vietnam time
            published_at=dt.datetime(2026, 7, 4, 18, 7, tzinfo=VIETNAM_TZ),
            modified_at=dt.datetime(2026, 3, 6, 22, 53, 19, 473000),  # naive: Vietnam time
        )
    )
    assert item.published_at == dt.datetime(2026, 7, 4, 11, 7, tzinfo=dt.UTC)
    assert item.modified_at == dt.datetime(2026, 3, 6, 15, 53, 19, 473000, tzinfo=dt.UTC)
    assert item.published_date == dt.date(2026, 7, 4)

    # 00:01 on 7 March in Vietnam is still 6 March in UTC: the partition date is Vietnam's.
    early = normalize_item(Article(published_at=dt.datetime(2026, 3, 7, 0, 1)))
    assert early.published_at == dt.datetime(2026, 3, 6, 17, 1, tzinfo=dt.UTC)
    assert early.published_date == dt.date(2026, 3, 7)
    assert to_utc("2026-07-04T18:08:05+07:00") == dt.datetime(2026, 7, 4, 11, 8, 5, tzinfo=dt.UTC)
    # No UTC instant: nothing, rather than an error that loses the article.
    assert to_utc("0001-01-01T00:00:00") is None
    assert to_utc(dt.datetime(1, 1, 1)) is None
    assert to_utc("9999-12-31T23:59:59-01:00") is None
    # What is no time at all (a day without its time, a number, words): nothing, not an error.
    assert to_utc(dt.date(2026, 7, 4)) is None
    assert to_utc(1783152000) is None
    assert to_utc("hôm nay") is None


def messy_item() -> Article:
    return Article(
        article_id=" 188260704171525847 ",
        url="http://www.cafef.vn/chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx-188260704171525847.chn?utm_source=x",
        section="doanh-nghiep",
        category=NFD,
        title=unicodedata.normalize("NFD", "Chủ tịch Đỗ Quý Hải đăng ký mua 10 triệu cổ phiếu HPX"),
        sapo="Ông Đỗ Quý Hải\u00a0- Chủ tịch",
        body="Đoạn một.\u200b\n\n\n Đoạn  hai. ",
        author="Theo Hồ Hương",
        source=" An ninh tiền tệ",
        source_url="https://antt.nguoiduatin.vn/a.htm?utm_campaign=y",
        published_at=dt.datetime(2026, 7, 4, 18, 7),
        modified_at=None,
        tags=["đầu tư, ", " hpx, ", "HPX"],
        tickers=["hpx", "HPX", "VN30"],
        image_urls=["/a.jpg", "https://cafefcdn.com/b.jpg", "https://cafefcdn.com/b.jpg", "data:x"],
    )


def test_whole_item():
    assert normalize_item(messy_item()) == Article(
        article_id="188260704171525847",
        url="https://cafef.vn/chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx-188260704171525847.chn",
        section="doanh-nghiep",
        category="Doanh nghiệp",
        title="Chủ tịch Đỗ Quý Hải đăng ký mua 10 triệu cổ phiếu HPX",
        sapo="Ông Đỗ Quý Hải - Chủ tịch",
        body="Đoạn một.\n\nĐoạn hai.",
        author="Hồ Hương",
        source="An ninh tiền tệ",
        source_url="https://antt.nguoiduatin.vn/a.htm",
        published_at=dt.datetime(2026, 7, 4, 11, 7, tzinfo=dt.UTC),
        modified_at=None,
        published_date=dt.date(2026, 7, 4),
        tags=["đầu tư", "hpx"],
        tickers=["HPX"],
        image_urls=["https://cafef.vn/a.jpg", "https://cafefcdn.com/b.jpg"],
    )


def test_normalizing_twice_changes_nothing():
    once = normalize_item(messy_item())
    twice = normalize_item(copy.deepcopy(once))
    assert twice == once


@pytest.mark.parametrize(
    "raw, clean",
    [
        # A zero-width space inside an escaped reference: dropped, then the reference is read.
        ("Lãi &\u200bamp;lt;5%", "Lãi <5%"),
        # An `&` escaped six times over is as much an `&` as one escaped once.
        ("Vốn &amp;amp;amp;amp;amp;amp;lt;1 tỷ", "Vốn <1 tỷ"),
        ("AT&amp;amp;T\u00a0Việt Nam", "AT&T Việt Nam"),
        # Escaped forty times over: no number of rounds one level at a time reads it.
        ("Vốn &" + "amp;" * 40 + "lt;1 tỷ", "Vốn <1 tỷ"),
        # An `&` escaped as `&#38;` six times over: each reading leaves the next reference.
        ("Vốn &" + "#38;" * 6 + "lt;1 tỷ", "Vốn <1 tỷ"),
        # Escaped thirty times over so, or in turns as `&#38;` and `&amp;`: one stored `&lt;`,
        # which the next cleaning read as `<`.
        ("Vốn &" + "#38;" * 30 + "lt;1 tỷ", "Vốn <1 tỷ"),
        ("Vốn &" + "#38;amp;amp;amp;amp;" * 5 + "lt;1 tỷ", "Vốn <1 tỷ"),
        ("Vốn &#038;#X26;AMP;#x026;lt;1 tỷ", "Vốn <1 tỷ"),
        # A reference whose `;` is the Greek question mark, which NFC makes a semicolon.
        ("Vốn &lt\u037e1 tỷ", "Vốn <1 tỷ"),
        ("Vốn &amp\u037elt\u037e1 tỷ", "Vốn <1 tỷ"),
    ],
)
def test_text_cleaned_once_is_clean(raw, clean):
    once = clean_text(raw)
    assert once == clean
    assert clean_text(once) == once


def test_works_on_plain_dicts():
    item = normalize_item({"title": NFD, "tickers": ["hpx"], "published_at": None})
    assert item == {
        "title": "Doanh nghiệp",
        "tickers": ["HPX"],
        "published_at": None,
        "category": None,
        "article_id": None,
        "section": None,
        "sapo": None,
        "author": None,
        "source": None,
        "body": None,
        "url": None,
        "source_url": None,
        "image_urls": [],
        "tags": [],
        "modified_at": None,
        "published_date": None,
    }


def test_pipeline_normalizes_and_counts():
    crawler = get_crawler(settings_dict={})
    pipeline = NormalizePipeline.from_crawler(crawler)
    item = pipeline.process_item(Article(title=NFD, body="Một.\n\nHai."))
    assert item.title == "Doanh nghiệp"
    stats = crawler.stats.get_stats()
    assert stats["newsscraper/normalize/items"] == 1
    assert stats["newsscraper/normalize/nfd_text"] == 1


def test_each_field_that_came_decomposed_is_counted():
    crawler = get_crawler(settings_dict={})
    pipeline = NormalizePipeline.from_crawler(crawler)
    pipeline.process_item(Article(title=NFD, sapo=NFD, body="Một.\n\nHai."))
    stats = crawler.stats.get_stats()
    assert stats["newsscraper/normalize/nfd_text"] == 2  # the title and the lead


def test_each_changed_field_is_counted_once():
    crawler = get_crawler(settings_dict={})
    pipeline = NormalizePipeline.from_crawler(crawler)
    pipeline.process_item(Article(author="Theo\u00a0Hồ Hương", title="Tin"))
    stats = crawler.stats.get_stats()
    assert stats["newsscraper/normalize/author_changed"] == 1
    assert "newsscraper/normalize/title_changed" not in stats
    assert "newsscraper/normalize/nfd_text" not in stats  # the byline was NFC already


def test_a_byline_saying_according_to_twice_is_cleaned_once_and_for_all():
    # A "Theo" stripped only once left the second for the next normalize_item to strip.
    once = normalize_item(Article(author="Theo: Theo Hồ Hương"))
    assert once.author == "Hồ Hương"
    assert normalize_item(copy.deepcopy(once)) == once
