"""`text_of`: the squashed text of an element, a `<br>` or a block parting the words on either
side of it."""

from __future__ import annotations

import random

import pytest
from lxml import etree

from newsscraper.pages.selectors import (
    BLOCK_TAGS,
    class_names,
    first_text,
    has_class,
    squash,
    text_of,
    xpath_has_class,
)
from newsscraper.pages.tree import parse_utf8

TEXTS = ("Hòa Phát", " ", "\n", "lãi", ":", "x", "")
INLINES = ("span", "b", "a", "i", "p", "div")


def element_of(markup: str):
    root = parse_utf8(f'<html><body><h1 id="t">{markup}</h1></body></html>'.encode())
    return next(root.iter("h1"))


def reference_text(node) -> str:
    """The rule written out plainly: every text and tail in document order, a space for each
    `<br>` and on either side of each block, nothing of a comment or processing instruction but
    its tail."""
    out: list[str] = []

    def walk(element) -> None:
        if element.tag == "br":
            out.append(" ")
        elif isinstance(element.tag, str):
            block = " " if element.tag in BLOCK_TAGS else ""
            out.append(block + (element.text or ""))
            for child in element:
                walk(child)
            out.append(block)
        out.append(element.tail or "")

    out.append(node.text or "")
    for child in node:
        walk(child)
    return squash("".join(out))


def random_markup(rng: random.Random, depth: int = 0) -> str:
    pieces = []
    for _ in range(rng.randint(0, 4)):
        kind = rng.random()
        text = rng.choice(TEXTS)
        if kind < 0.4 or depth > 3:
            pieces.append(text)
        elif kind < 0.75:
            tag = rng.choice(INLINES)
            pieces.append(f"<{tag}>{random_markup(rng, depth + 1)}</{tag}>{text}")
        elif kind < 0.9:
            pieces.append(f"<br>{text}")
        else:
            pieces.append(f"<!-- ghi chú {text} -->{text}")
    return "".join(pieces)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        (
            "<span>Tin <b>nóng</b>: <i>HPG</i> lãi</span> lớn<br>quý ba",
            "Tin nóng: HPG lãi lớn quý ba",
        ),
        # A break inside an inline element parts its words too.
        ("<span>cận kề,<br>MBS</span> dự báo", "cận kề, MBS dự báo"),
        ("Lãi<!-- ghi chú --> lớn<br><b>quý</b> <i>ba</i>", "Lãi lớn quý ba"),
        ("<a><b>Hòa</b> <i>Phát</i></a>: lãi<br>lớn", "Hòa Phát: lãi lớn"),
        # An image between two words (an icon in a headline) parts them as a space would.
        ('mua<img src="/i.png">10 triệu <b>cổ<img></b>phiếu', "mua 10 triệu cổ phiếu"),
    ],
)
def test_a_line_break_parts_words_and_the_rest_reads_in_order(markup, text):
    assert text_of(element_of(markup)) == text


@pytest.mark.parametrize(
    "markup",
    [
        # Rich text pasted from a word processor brings its style sheet along.
        "<style>p.MsoNormal { margin: 0; }</style>Hòa Phát lãi lớn",
        "Hòa Phát<script>dataLayer.push({});</script> lãi lớn",
        "Hòa Phát <noscript>Hãy bật JavaScript</noscript>lãi lớn",
        "<span>Hòa Phát <template>mẫu</template>lãi</span> lớn",
    ],
)
def test_what_a_browser_never_shows_as_text_is_no_part_of_it(markup):
    assert text_of(element_of(markup)) == "Hòa Phát lãi lớn"


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("vốn 10<sup>6</sup> đồng", "vốn 10⁶ đồng"),  # never the number 106
        ("<b>500 m<sup>2</sup></b> đất", "500 m² đất"),
        ("khí CO<sub>2</sub>", "khí CO₂"),
        ("tăng 15%<sup><a href='#c'>1</a></sup>", "tăng 15%¹"),  # a footnote mark
        ("x<sup>(-1)</sup> và H<sub>2</sub>O<br>ngày 1<sup>st</sup>", "x⁽⁻¹⁾ và H₂O ngày 1st"),
    ],
)
def test_digits_in_a_superscript_or_subscript_read_as_a_reader_sees_them(markup, text):
    assert text_of(element_of(markup)) == text


def test_text_of_gives_every_text_in_order_with_a_space_for_each_break():
    rng = random.Random(20261129)
    with_breaks = with_blocks = 0
    for _ in range(2000):
        node = element_of(random_markup(rng))
        assert text_of(node) == reference_text(node)
        with_breaks += next(node.iter("br"), None) is not None
        with_blocks += any(e.tag in BLOCK_TAGS for e in node.iterdescendants())
    assert with_breaks > 500 and with_blocks > 300  # a <p> ends the <h1>: fewer stay inside


# The elements a browser starts on a line of their own.
BLOCKS = [
    "p", "div", "section", "article", "header", "footer", "aside", "main", "nav", "blockquote",
    "pre", "figure", "center", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt",
    "dd", "address",
]  # fmt: skip


@pytest.mark.parametrize("tag", BLOCKS)
def test_each_block_parts_the_words_on_either_side(tag):
    root = parse_utf8(f"<html><body><div>Hòa<{tag}>Phát</{tag}>lãi</div></body></html>".encode())
    assert text_of(next(root.iter("div"))) == "Hòa Phát lãi"


@pytest.mark.parametrize(
    "markup",
    [
        # libxml2 keeps a table's cells inside the headline when a link or span holds them.
        "<a><tr><td>Lãi</td><td>HPG</td><th>1.200</th></tr></a>tỷ",
        "<span><td>Lãi</td><td>HPG</td></span><td>1.200</td>tỷ",
        "<span><table><caption>Lãi</caption><tr><td>HPG</td><td>1.200</td></tr></table></span>tỷ",
    ],
)
def test_a_tables_cells_stand_apart_as_on_the_page(markup):
    assert text_of(element_of(markup)) == "Lãi HPG 1.200 tỷ"


def test_a_rule_parts_the_words_on_either_side():
    root = parse_utf8("<html><body><div>Hòa<hr>Phát</div></body></html>".encode())
    assert text_of(next(root.iter("div"))) == "Hòa Phát"


def test_class_names_are_split_on_spaces_tabs_and_line_breaks_only():
    # As CSS splits a class attribute: a non-breaking space is part of a name.
    assert class_names("detail-content\tafcbc-body\r\nx  y\u00a0z") == [
        "detail-content",
        "afcbc-body",
        "x",
        "y\u00a0z",
    ]
    assert class_names(None) == [] and class_names("") == []
    node = parse_utf8(
        b'<html><body><div class="detail-content\n\tafcbc-body">x</div></body></html>'
    )
    div = next(node.iter("div"))
    assert has_class(div, "afcbc-body") and has_class(div, "detail-content")
    assert not has_class(div, "afcbc")


def test_xpath_class_predicate_matches_whole_class_names_only():
    root = parse_utf8(
        b"<html><body>"
        b'<div id="1" class="title-sub">a</div><div id="2" class="sub\ttitle\nx">b</div>'
        b'<div id="3" class="title">c</div><div id="4" class="subtitle">d</div>'
        b"</body></html>"
    )
    found = etree.XPath(f"//div[{xpath_has_class('title')}]")(root)
    assert [div.get("id") for div in found] == ["2", "3"]


def test_first_text_is_the_first_with_any_text():
    assert first_text(["  ", "\u200b", " Hòa \n Phát ", "lãi"]) == "Hòa Phát"
    assert first_text(["", " "]) is None


def test_an_invisible_character_inside_a_word_leaves_the_word_whole():
    # A soft hyphen, a zero-width joiner or a byte-order mark pasted inside a word shows
    # nothing on the page: the word reads as one, not as two halves with a space between.
    node = element_of("Tập đoàn <b>Hòa Ph\u00adát</b> lãi kỷ\u200d lục\ufeff năm 20\u200b26")
    assert text_of(node) == "Tập đoàn Hòa Phát lãi kỷ lục năm 2026"
    assert squash("Ph\u00adát\u2060 Đ\u200cỗ") == "Phát Đỗ"


def test_a_pasted_filler_shows_nothing_or_a_space_as_on_the_page():
    # The grapheme joiner, object replacement, Hangul filler and U+FE0F after a
    # letter show nothing; the braille blank shows a space. U+FE0F after an emoji is the emoji's.
    node = element_of("\u3164Gia\u034f\u0301\ufffc vàng\u2800tăng\ufe0f ❤\ufe0f")
    assert text_of(node) == "Gia\u0301 vàng tăng ❤\ufe0f"


def test_no_node_or_attribute_has_the_empty_text():
    # A missing element or attribute reads as no text, still a string: a listing entry's title.
    node = element_of("Hòa Phát")
    assert text_of(None) == text_of(node.get("title")) == squash(None) == ""
