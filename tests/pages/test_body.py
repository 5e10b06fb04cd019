"""`paragraphs`: the body's text squashed in one pass gives what squashing each paragraph gives."""

from __future__ import annotations

import random

from newsscraper.pages.body import _table_rows, is_clutter, paragraphs
from newsscraper.pages.selectors import squash
from newsscraper.pages.tree import parse_utf8

BLOCKS = ("p", "div", "h2", "li", "blockquote", "figure")
INLINES = ("span", "b", "a", "i")
TEXTS = (
    "Hòa Phát", " ", "  ", "\n", "\n\n ", "\u00a0", "\u200b", "lãi\u200b 2.000 tỷ", "\t", "x",
    "&nbsp;", "&#0;", "\u3000", "",
)  # fmt: skip


def reference_paragraphs(content) -> list[str]:
    """The rule written out plainly: text gathered per paragraph, each squashed on its own."""
    out: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        text = squash("".join(buffer))
        buffer.clear()
        if text:
            out.append(text)

    def walk(node) -> None:
        tag = node.tag
        if not isinstance(tag, str) or tag == "figcaption" or is_clutter(node):
            pass
        elif tag == "br":
            flush()
        elif tag == "table":
            flush()
            out.extend(_table_rows(node))
        else:
            if tag in ("p", "div", "h2", "li", "blockquote", "figure", "ul", "section"):
                flush()
            buffer.append(node.text or "")
            for child in node:
                walk(child)
            if tag in ("p", "div", "h2", "li", "blockquote", "figure", "ul", "section"):
                flush()
        buffer.append(node.tail or "")

    buffer.append(content.text or "")
    for child in content:
        walk(child)
    flush()
    return out


def random_markup(rng: random.Random, depth: int = 0) -> str:
    pieces = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.random()
        text = rng.choice(TEXTS)
        if kind < 0.35 or depth > 3:
            pieces.append(text)
        elif kind < 0.55:
            tag = rng.choice(BLOCKS)
            pieces.append(f"<{tag}>{random_markup(rng, depth + 1)}</{tag}>{text}")
        elif kind < 0.75:
            tag = rng.choice(INLINES)
            pieces.append(f"<{tag}>{random_markup(rng, depth + 1)}</{tag}>{text}")
        elif kind < 0.82:
            pieces.append(f"<br>{text}")
        elif kind < 0.87:
            pieces.append(f"<figcaption>{text}ảnh</figcaption>{text}")
        elif kind < 0.91:
            pieces.append(f"<script>var x = '{text}';</script>{text}")
        elif kind < 0.95:
            pieces.append(f"<!-- {text} -->{text}")
        else:
            cells = "".join(f"<td>{rng.choice(TEXTS)}c</td>" for _ in range(rng.randint(0, 3)))
            pieces.append(f"<table><tr>{cells}</tr><tr><td>{text}</td></tr></table>{text}")
    return "".join(pieces)


def content_of(markup: str):
    root = parse_utf8(f'<html><body><div id="c">{markup}</div></body></html>'.encode())
    return next(root.iter("div"))


def test_squashing_once_gives_what_squashing_each_paragraph_gives():
    rng = random.Random(20261128)
    checked = 0
    for _ in range(3000):
        content = content_of(random_markup(rng))
        expected = reference_paragraphs(content)
        assert paragraphs(content) == expected, expected
        checked += len(expected) > 1
    assert checked > 500  # many bodies of several paragraphs were compared


def test_breaks_trim_every_paragraph():
    content = content_of(
        " Mở đầu <p> Hòa\u00a0 Phát\n lãi </p>\u200b<br> sau <b> đậm </b><br><br>"
        "<div><p>\u3000</p></div> cuối "
    )
    assert paragraphs(content) == ["Mở đầu", "Hòa Phát lãi", "sau đậm", "cuối"]


def test_clutter_is_known_by_whole_class_names():
    content = content_of(
        '<div class="tindnd-ghi-chu">Ghi chú của tòa soạn.</div>'
        '<p>Đoạn có <ins class="adsbygoogle-sua">chữ thêm</ins> khi sửa bài.</p>'
        '<div class="tindnd">Tin mới</div><ins class="adsbygoogle">quảng cáo</ins>'
    )
    assert paragraphs(content) == ["Ghi chú của tòa soạn.", "Đoạn có chữ thêm khi sửa bài."]


def test_widget_and_ad_classes_are_clutter_only_on_the_elements_they_name():
    # `div.chisochungkhoan`, `div.tindnd`, `div.h-show-pc`, `div.h-show-mobile`,
    # `div.link-content-footer` and `ins.adsbygoogle`: the same class on another element is text.
    names = ("chisochungkhoan", "tindnd", "h-show-pc", "h-show-mobile", "link-content-footer")
    content = content_of(
        "".join(f'<p class="{name}">Đoạn {name}.</p>' for name in names)
        + '<div class="adsbygoogle">Đoạn adsbygoogle.</div>'
        + "".join(f'<div class="{name}">bỏ</div>' for name in names)
        + '<ins class="adsbygoogle">bỏ</ins><span class="c-banner">bỏ</span>'
    )
    assert paragraphs(content) == [f"Đoạn {name}." for name in (*names, "adsbygoogle")]


def test_a_table_leaves_out_clutter_rows_cells_and_comments_and_parts_a_cells_blocks():
    content = content_of(
        '<table><tr class="c-banner"><td>Quảng cáo</td></tr>'
        '<tr><td>HPG</td><!-- ghi chú --><td class="c-banner">qc</td><td>1.200</td></tr>'
        "<tr><td>VHM</td><td>Lãi<div>900 tỷ</div></td></tr></table>"
    )
    assert paragraphs(content) == ["HPG | 1.200", "VHM | Lãi 900 tỷ"]


def test_a_cell_reads_its_nested_text_in_order():
    content = content_of(
        "<table><tr><td>HPG</td>"
        "<td><span><b>Lãi</b> ròng <i>900</i> tỷ<br>đồng</span>, <a>quý <b>ba</b></a></td>"
        "</tr></table>"
    )
    assert paragraphs(content) == ["HPG | Lãi ròng 900 tỷ đồng, quý ba"]


def test_cells_written_outside_any_row_are_a_row_of_their_own():
    # A browser shows them as a row; libxml2 leaves them in the table (or its body) as they are.
    content = content_of(
        "<table><td>HPG</td><td>1.200</td><tr><td>VHM</td><td>900</td></tr><td>MSN</td>"
        "<tbody><th>Mã</th><!-- ghi chú --><th>Giá</th></tbody></table>"
    )
    assert paragraphs(content) == ["HPG | 1.200", "VHM | 900", "MSN", "Mã | Giá"]


def test_a_line_break_with_an_ad_class_still_breaks_the_line():
    # The `<br>` itself holds nothing to leave out: the words on either side stay apart.
    content = content_of('<p>Lãi 900 tỷ<br class="c-banner">đồng trong quý</p>')
    assert paragraphs(content) == ["Lãi 900 tỷ", "đồng trong quý"]


def test_non_text_elements_are_left_out_with_all_they_hold_and_their_tails_kept():
    tags = (
        "script", "style", "noscript", "template", "iframe", "object", "embed", "form", "button",
        "svg", "video", "audio",
    )  # fmt: skip
    # A <video> or <audio>'s own text is shown only by a browser that cannot play it.
    # In a <div>: a <form> would close a <p> before it, as in a browser.
    content = content_of("".join(f"<div>{tag}: trước <{tag}>bỏ</{tag}> sau</div>" for tag in tags))
    assert paragraphs(content) == [f"{tag}: trước sau" for tag in tags]
