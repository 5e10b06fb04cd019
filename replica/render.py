"""HTML of the replica, made from the real saved pages in `tests/fixtures/pages/`.

Each real page is turned into a `Template` once, at first use: the values of the saved story
(its title, id, dates, author, …) are swapped for slots and the story-specific regions (body,
tags, listing items) are cut out; everything else, the chrome with its traps, stays byte for byte.
Rendering a page is then filling strings.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .articles import CANONICAL_BASE, SECTION_NAMES, SyntheticArticle
from .template import Template, cut, slot, swap
from .text import slugify

# The project's one copy of the real saved pages (provenance in METADATA.json beside them): the
# replica is a development component and runs from a checkout.
TEMPLATES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"
SECTION_TEMPLATE = "section_thi-truong-chung-khoan.html"

_SAVED_ZONE = "18831"  # the zone of the saved pages (Thị trường chứng khoán)

# Junk that sits among the stream items of every listing page and fragment: a sponsored link off
# the site whose URL looks like an article's, and a JavaScript pseudo-link. Written with LF, served
# in the saved listing page's line endings (`render_stream`).
LISTING_JUNK = (
    '\n<div class="tlitem-ads">'
    '<a href="https://example.invalid/quang-cao-doanh-nghiep-188990101000000001.chn"'
    ' rel="nofollow sponsored" target="_blank">Nội dung được tài trợ</a> '
    '<a href="javascript:;" class="btn-viewmore" rel="nofollow">Xem thêm</a></div>\n'
)


def _read(name: str) -> str:
    # newline="" keeps the saver's CRLF line endings: the chrome stays byte for byte.
    with open(TEMPLATES / name, encoding="utf-8", newline="") as page:
        return page.read()


# --- values as the real pages print them ------------------------------------------------------


def visible_date(moment: dt.datetime) -> str:
    """`07-03-2026 - 18:07 PM`: a 24-hour clock with a suffix that means nothing."""
    return f"{moment:%d-%m-%Y - %H:%M} {'AM' if moment.hour < 12 else 'PM'} "


def focus_time(moment: dt.datetime, *, quirk: bool) -> tuple[str, str]:
    """(`data-time`, text) of a focus item; the quirk is the stray leading `2` of the live site."""
    text = f"{moment:%d/%m/%Y - %H:%M}"
    return ("2" + text if quirk else text), text


def listing_path(article: SyntheticArticle) -> str:
    return article.url if article.quirks.absolute_link else article.path


# --- article pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _SavedStory:
    """The story a saved article page tells, as the page prints it: each value is swapped for
    its slot when the page becomes a template."""

    page: str  # the file in TEMPLATES
    slug_id: str  # the last part of its URL, `.chn` left out
    title: str
    sapo: str
    published: str  # `2026-03-07T00:01:00`: Vietnam time, no offset
    visible: str  # as `visible_date` prints it
    modified: tuple[tuple[str, str], ...]  # (each form of the modified time, its slot)
    author_swaps: tuple[tuple[str, str], ...]  # (the markup around the author, with its slot)
    source: str
    source_url: str
    cover: str  # the cover's path on the CDN
    keywords: str

    @property
    def article_id(self) -> str:
        return self.slug_id.rsplit("-", 1)[1]

    @property
    def path(self) -> str:
        return f"/{self.slug_id}.chn"


_SAVED_STORIES = {
    # Also the first item of the saved section page (`_section_templates`).
    "older": _SavedStory(
        page="article_18826030622484142.html",
        slug_id=(
            "thoi-diem-nang-hang-can-ke-mbs-diem-ten-30-co-phieu-viet-nam-co-kha-nang-lot-ro-chi-so"
            "-ftse-18826030622484142"
        ),
        title=(
            "Thời điểm nâng hạng cận kề, MBS điểm tên 30 cổ phiếu Việt Nam có khả năng lọt rổ chỉ"
            " số FTSE"
        ),
        sapo=(
            "“Sau tháng 9/2026, dòng vốn thụ động (passive) ETF tham chiếu theo FTSE Emerging sẽ"
            " bắt đầu giải ngân. Dự kiến Việt Nam có thể thu hút 0,5 - 1 tỷ USD dòng vốn thụ"
            " động”, báo cáo nêu rõ."
        ),
        published="2026-03-07T00:01:00",
        visible="07-03-2026 - 00:01 AM ",
        modified=(("2026-03-06T22:53:19.473000", "modified_us"),),
        author_swaps=(("Dương Ngọc", slot("author")),),
        source="Nhịp sống thị trường",
        source_url=(
            "https://markettimes.vn/thoi-diem-nang-hang-can-ke-mbs-diem-ten-30-co-phieu-viet-nam"
            "-co-kha-nang-lot-ro-chi-so-ftse-109319.html"
        ),
        cover="203337114487263232/2026/3/6/avatar1772812083010-1772812083361385446889.jpg",
        keywords="việt nam, MBS, nâng hạng, rổ chỉ số, FTSE, cổ phiếu, chứng khoán",
    ),
    "newer": _SavedStory(
        page="article_188260704171525847_trimmed.html",
        slug_id="chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx-188260704171525847",
        title="Chủ tịch Đỗ Quý Hải đăng ký mua 10 triệu cổ phiếu HPX",
        sapo=(
            "Ông Đỗ Quý Hải - Chủ tịch HĐQT Hải Phát Invest đăng ký mua 10 triệu cổ phiếu HPX"
            " với lý do tăng sở hữu cá nhân."
        ),
        published="2026-07-04T18:07:00",
        visible="04-07-2026 - 18:07 PM ",
        modified=(
            ("2026-07-04T18:08:05+07:00", "modified_tz"),
            ("2026-07-04T18:08:05", "modified"),
        ),
        author_swaps=(
            ('<p class="author">PV</p>', f'<p class="author">{slot("author")}</p>'),
            ('itemprop="author"><b></b>', f'itemprop="author"><b>{slot("author_header")}</b>'),
            ('"article:author" content=""', f'"article:author" content="{slot("author")}"'),
            ('"name": ""', f'"name": "{slot("author")}"'),
        ),
        source="An ninh tiền tệ",
        source_url=(
            "https://antt.nguoiduatin.vn/chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx"
            "-205260704101204153.htm"
        ),
        cover="203337114487263232/2026/7/4/avatar1783160088031-17831600883161321162674.jpeg",
        keywords="đầu tư, bđs, công ty, Hải Phát, hpx",
    ),
}


@dataclass(frozen=True)
class _ArticleTemplates:
    page: Template
    source_line: Template
    source_box: Template
    figure: str  # an in-body photo block of the real page, its image swapped for a slot
    ads: str  # the in-body ad shells of the real page
    tag_indent: str
    tag_tail: str  # the line break after the last tag, in the saved page's line endings


_ZONE_SWAPS = (
    (
        'href="/thi-truong-chung-khoan.chn" title="Thị trường chứng khoán">'
        "Thị trường chứng khoán</a>",
        f'href="/{slot("zone_slug")}.chn" title="{slot("category")}">{slot("category")}</a>',
    ),
    (
        '"https://cafef.vn/thi-truong-chung-khoan.chn"',
        f'"https://cafef.vn/{slot("zone_slug")}.chn"',
    ),
    ("'%2fthi-truong-chung-khoan%2f", f"'%2f{slot('zone_slug')}%2f"),
    ("XemTheoNgay('thi-truong-chung-khoan')", f"XemTheoNgay('{slot('zone_slug')}')"),
    (_SAVED_ZONE, slot("zone_id")),
)

_ARTICLE_RAW = ("body", "ticker_widget", "tags", "source_line", "source_box")


def _cut_body(text: str) -> tuple[str, str]:
    """Cut the story out of the body container, keeping the real "TIN MỚI" box in it."""
    opening = '<div class="detail-content afcbc-body" data-role="content">'
    start = text.index(opening) + len(opening)
    text = text[:start] + slot("ticker_widget") + text[start:]
    box_end = re.compile(r'<div class="tindnd clearfix".*?</ul>\s*</div>\s*</div>', re.DOTALL)
    body_start = box_end.search(text, start).end()
    closing = re.compile(r"\s*(?:</div>\s*){4}<div class=\"w640 fr clear\">")
    body_end = closing.search(text, body_start).start()
    story_start = re.compile(r"\s*").match(text, body_start).end()  # keeps the saved line ends
    return text[:story_start] + slot("body") + text[body_end:], text[body_start:body_end]


@cache
def _article_templates(kind: str) -> _ArticleTemplates:
    """The saved article page of `kind` (`older`, `newer`) made a template: its story swapped
    for slots, its body, tags and source cut out. The in-body photo and ad shells of both come
    from the older page's body, which has them."""
    saved = _SAVED_STORIES[kind]
    text, original_body = _cut_body(_read(saved.page))
    text, tags_region = cut(
        text,
        '<div class="row2" data-marked-zoneid="cafef_detail_tag">',
        "</div>",
        slot("tags"),
        keep_ends=True,
    )
    tag_indent = tags_region[: tags_region.index("<a ")]
    tag_tail = tags_region[tags_region.rindex("</a>") + len("</a>") :]
    text, source_line = cut(
        text, '<p class="source" data-field="source">', "</p>", slot("source_line")
    )
    text, source_box = cut(
        text, '<div class="bottom-info clearfix">', "</script>", slot("source_box")
    )

    # The escaped-entity form of the title in the source box's script, as the CMS writes it.
    entity_title = re.search(r"ogId, \"([^\"]*)\"\);", source_box).group(1)
    source_box = swap(source_box, entity_title, slot("title"))
    source_box = swap(source_box, saved.source_url, slot("source_url"))
    source_box = swap(source_box, saved.source, slot("source"))
    source_box = swap(source_box, saved.published, slot("published"))
    source_line = swap(source_line, saved.source, slot("source"))

    text = swap(text, saved.slug_id, f"{slot('slug')}-{slot('id')}")
    text = swap(text, saved.article_id, slot("id"))
    text = swap(text, saved.title, slot("title"))
    text = swap(text, saved.sapo, slot("sapo"))
    if kind == "newer":
        text = swap(text, saved.published + "+07:00", slot("published_tz"))
    text = swap(text, saved.published, slot("published"))
    text = swap(text, saved.visible, slot("visible_date"))
    text = swap(text, saved.published[:10].replace("-", "/"), slot("published_ymd"))
    for value, name in saved.modified:
        text = swap(text, value, slot(name))
    for old, new in saved.author_swaps:
        text = swap(text, old, new)
    text = swap(text, saved.cover, slot("cover_path"))
    text = swap(text, f'content="{saved.keywords}"', f'content="{slot("keywords")}"')
    text = swap(text, "value='thi-truong-chung-khoan'", f"value='{slot('zone_slug')}'")
    text = swap(text, '"name": "Thị trường chứng khoán"', f'"name": "{slot("category")}"')
    for old, new in _ZONE_SWAPS:
        text = swap(text, old, new)

    older_page = _SAVED_STORIES["older"].page
    older_body = original_body if kind == "older" else _cut_body(_read(older_page))[1]
    figure = re.search(r"<figure .*?</figure>", older_body, re.DOTALL).group()
    image = re.search(r'src="https://cafefcdn.com/([^"]+)"', figure).group(1)
    figure = figure.replace(image, "{image_path}")
    ads_start = older_body.index('<div class="h-show-pc">')
    ads = older_body[ads_start : older_body.index("<p>", ads_start)]
    return _ArticleTemplates(
        page=Template(text, raw=_ARTICLE_RAW),
        source_line=Template(source_line),
        source_box=Template(source_box),
        figure=figure,
        ads=ads,
        tag_indent=tag_indent,
        tag_tail=tag_tail,
    )


def _ticker_widget(article: SyntheticArticle) -> str:
    """The hidden ticker box CafeF puts at the top of the body (no saved page shows one)."""
    lead = article.lead_company
    data_url = CANONICAL_BASE + lead.data_path
    symbols = html.escape("&".join(article.tickers))
    return (
        '<div class="chisochungkhoan" style="display: none">'
        f'<h2 class="title_box"><a title="TIN DOANH NGHIỆP" href="{data_url}" target="_blank">'
        f"{symbols}: <span></span></a></h2>"
        '<div class="boxchisochungkhoan"><div class="box1"><div class="gia">Giá hiện tại</div>'
        '<div class="thaydoi">Thay đổi</div></div>'
        f'<div class="box2"><iframe src="https://s.cafef.vn/info-company?symbol={lead.ticker}"'
        ' width="100%" height="180" frameborder="0" scrolling="no"></iframe></div>'
        f'<a class="xemhoso" href="{data_url}" target="_blank">Xem hồ sơ doanh nghiệp</a>'
        "</div></div>"
    )


def _body(article: SyntheticArticle, parts: _ArticleTemplates, related: SyntheticArticle | None):
    """Paragraphs in the real markup, with the real junk among them."""
    newer = article.template == "newer"
    out = [] if newer else ["<figcaption> </figcaption> "]
    unlinked = list(article.story.companies)  # each company linked at its first mention
    for index, paragraph in enumerate(article.story.paragraphs):
        text = html.escape(article.served(paragraph))
        for company in list(unlinked):
            name = html.escape(article.served(company.short_name))
            if name in text:
                href = CANONICAL_BASE + company.data_path
                link = f'<a class="s-datacafef" href="{href}" target="_blank">{name}</a>'
                text = text.replace(name, link, 1)
                unlinked.remove(company)
        out.append(f'<p style="text-align: justify;">{text}</p>' if newer else f"<p>  {text} </p> ")
        if index == 1:
            out.append(parts.figure.replace("{image_path}", article.body_image_path) + " ")
            out.append(parts.ads)
        if index == 2 and related is not None:
            out.append(
                '<div class="VCSortableInPreviewMode link-content-footer" type="link">'
                f'<a href="{related.path}" title="{html.escape(related.title)}">'
                f"{html.escape(related.title)}</a></div>"
            )
    stamp = f"{article.published_at:%a %b %d %Y %H:%M:%S} GMT+0700 (Indochina Time)"
    out.append(f"<p></p><!--{stamp} -- {stamp}-->")
    return "".join(out)


def _tags(article: SyntheticArticle, parts: _ArticleTemplates) -> str:
    links = []
    tags = [article.served(tag) for tag in article.story.tags]
    for index, tag in enumerate(tags):
        shown = html.escape(tag if index == 0 else " " + tag)
        comma = ", " if index < len(tags) - 1 else ""
        links.append(f'<a href="/{slugify(tag)}.html" title="{shown}">{shown}{comma}</a>')
    return parts.tag_indent + parts.tag_indent.join(links) + parts.tag_tail


def render_article(article: SyntheticArticle, related: SyntheticArticle | None = None) -> str:
    parts = _article_templates(article.template)
    story = article.story
    served = article.served
    published = article.published_at
    values = {
        "slug": article.slug,
        "id": article.article_id,
        "title": served(article.title),
        "sapo": served(story.sapo),
        "published": f"{published:%Y-%m-%dT%H:%M:%S}",
        "published_tz": published.isoformat(),
        "published_ymd": f"{published:%Y/%m/%d}",
        "visible_date": visible_date(published),
        "modified": f"{article.modified_at:%Y-%m-%dT%H:%M:%S}",
        "modified_us": f"{article.modified_at:%Y-%m-%dT%H:%M:%S.%f}",
        "modified_tz": article.modified_at.isoformat(),
        "author": served(story.author),
        # The newer template's header shows the author on some pages only.
        "author_header": served(story.author) if article.serial % 4 == 1 else "",
        "cover_path": article.cover_path,
        "keywords": served(", ".join(story.tags)),
        "zone_slug": article.section,
        "zone_id": str(article.zone_id),
        "category": SECTION_NAMES[article.section],
        "ticker_widget": _ticker_widget(article),
        "body": _body(article, parts, related),
        "tags": _tags(article, parts),
        "source": served(story.source or ""),
        "source_url": story.source_url or "",
    }
    if story.source:
        values["source_line"] = parts.source_line.render(values)
        values["source_box"] = parts.source_box.render(values)
    else:
        values["source_line"] = values["source_box"] = ""
    return parts.page.render(values)


# --- section page and timeline fragments ------------------------------------------------------


@dataclass(frozen=True)
class _SectionTemplates:
    page: Template
    first_item: Template
    big_item: Template
    most_read_item: Template
    stream_item: Template
    ticker_line: Template
    stream_gaps: tuple[str, ...]  # the chrome between stream items k and k+1 on page 1
    most_read_gap: str
    line_end: str  # the saved page's line endings, for what the replica adds to it


_READ_ITEM = re.compile(r'<div class="item" ><a .*?</a></div>')
_ITEM = re.compile(
    r'<div class="tlitem box-category-item" data-id="\d+">.*?</div>\s*</div>\s*</div>', re.DOTALL
)


def _swap_item(text: str, path: str, title: str, sapo: str, image: str) -> str:
    text = swap(text, path, slot("href"))
    text = swap(text, title, slot("title"))
    text = swap(text, sapo, slot("sapo"))
    return swap(text, image, slot("cover_path"))


@cache
def _section_templates() -> _SectionTemplates:
    text = _read(SECTION_TEMPLATE)

    # Focus block: the first item and the two "big" ones.
    first_start = text.index('<div class="firstitem wp100 clearfix" >')
    row2 = '<div class="cate-hl-row2 mgt20">'
    first_end = text.rindex("</div>", first_start, text.index(row2)) + len("</div>")
    first_item = text[first_start:first_end]
    text = text[:first_start] + slot("focus_first") + text[first_end:]
    big_start = text.index('<div class="big " >')
    second_big = text.index('<div class="big " >', big_start + 1)
    big_item = text[big_start:second_big].rstrip(" ")
    big_end = text.index("</div>", text.index("</h3>", second_big)) + len("</div>")
    text = text[:big_start] + slot("focus_big") + text[big_end:]

    older = _SAVED_STORIES["older"]
    first_item = _swap_item(first_item, older.path, older.title, older.sapo, older.cover)
    first_item = swap(
        first_item, 'data-time="07/03/2026 - 00:01"', f'data-time="{slot("data_time")}"'
    )
    first_item = swap(first_item, ">07/03/2026 - 00:01<", f">{slot('time_text')}<")
    big_item = _swap_item(
        big_item,
        "/vinacapital-bat-ky-nhip-sut-giam-dang-ke-nao-cua-vn-index-deu-la-co-hoi-mua-vao"
        "-188260305232650721.chn",
        "VinaCapital: Bất kỳ nhịp sụt giảm đáng kể nào của VN-Index đều là cơ hội mua vào",
        "Nhóm phân tích chỉ ra loạt nhóm ngành có thể hưởng lợi như dầu khí, vận tải biển, cảng"
        " biển, phân bón, trang sức, trong khi hàng không, du lịch,... dự báo sẽ chịu tác động"
        " bất lợi.",
        "203337114487263232/2026/3/5/avatar1772727926537-17727279269961967268467.png",
    )
    big_item = swap(big_item, 'data-time="206/03/2026 - 00:05"', f'data-time="{slot("data_time")}"')
    big_item = swap(big_item, ">06/03/2026 - 00:05<", f">{slot('time_text')}<")

    # "Đọc nhiều": site-wide most read, not the section.
    list_start = text.index('<div class="cate-mostview-list">')
    reads = list(_READ_ITEM.finditer(text, list_start, text.index('<div class="list-news">')))
    most_read_gap = text[reads[0].end() : reads[1].start()]
    first_read = swap(
        reads[0].group(),
        "/mot-co-phieu-tren-hose-bat-ngo-tran-cung-10-phien-thi-gia-nhan-doi-sau-1-thang-chuyen-gi"
        "-dang-xay-ra-188260305225734491.chn",
        slot("href"),
    )
    first_read = swap(
        first_read,
        "Một cổ phiếu trên HOSE bất ngờ “trần cứng” 10 phiên, thị giá nhân đôi sau 1 tháng:"
        " Chuyện gì đang xảy ra?",
        slot("title"),
    )
    text = text[: reads[0].start()] + slot("most_read") + text[reads[-1].end() :]

    # Stream: the items cut out, the real chrome between them kept.
    items = list(_ITEM.finditer(text))
    gaps = tuple(text[items[k].end() : items[k + 1].start()] for k in range(len(items) - 1))
    stream_item = items[4].group()
    text = text[: items[0].start()] + slot("stream") + text[items[-1].end() :]
    stream_item = _swap_item(
        stream_item,
        "/may-song-hong-dat-muc-tieu-loi-nhuan-nam-2026-dat-900-ty-dong-188260306225200377.chn",
        "May Sông Hồng đặt mục tiêu lợi nhuận năm 2026 đạt 900 tỷ đồng",
        "May Sông Hồng công bố kế hoạch kinh doanh năm 2026 với doanh thu 6.000 tỷ đồng và lợi"
        " nhuận trước thuế 900 tỷ đồng.",
        "203337114487263232/2026/3/6/avatar1772812279163-1772812279625700747429.png",
    )
    stream_item = swap(stream_item, "188260306225200377", slot("id"))
    stream_item = swap(stream_item, "2026-03-07T00:05:00", slot("time"))
    stream_item, ticker_line = cut(
        stream_item, '<p class="top5_news_mack', "</p>", slot("ticker_line")
    )
    ticker_line = swap(ticker_line, 'data-symbol="MSH"', f'data-symbol="{slot("ticker")}"')

    # The section itself.
    text = swap(
        text,
        "Tin tức thị trường chứng khoán, chỉ số VN-Index, HNX-Index | CafeF",
        slot("page_title"),
    )
    for old in (
        "https://cafef.vn/thi-truong-chung-khoan.chn",
        "https://cafef.vn/thi-truong-chung-khoan.rss",
        "https://m.cafef.vn/thi-truong-chung-khoan.chn",
    ):
        text = swap(text, old, old.replace("thi-truong-chung-khoan", slot("zone_slug")))
    text = swap(
        text,
        'title="Thị trường chứng khoán"><i class="border spritebds"></i>Thị trường chứng khoán</a>',
        f'title="{slot("category")}"><i class="border spritebds"></i>{slot("category")}</a>',
    )
    text = swap(
        text,
        '<a href="/thi-truong-chung-khoan.chn" class="inner category-page__name"',
        f'<a href="/{slot("zone_slug")}.chn" class="inner category-page__name"',
    )
    text = swap(text, '"Thị trường chứng khoán', f'"{slot("category")}')
    text = swap(text, 'value="thi-truong-chung-khoan"', f'value="{slot("zone_slug")}"')
    text = swap(text, "'%2fthi-truong-chung-khoan%2f", f"'%2f{slot('zone_slug')}%2f")
    text = swap(text, _SAVED_ZONE, slot("zone_id"))
    raw = ("focus_first", "focus_big", "most_read", "stream")
    return _SectionTemplates(
        page=Template(text, raw=raw),
        first_item=Template(first_item),
        big_item=Template(big_item),
        most_read_item=Template(first_read),
        stream_item=Template(stream_item, raw=("ticker_line",)),
        ticker_line=Template(ticker_line),
        stream_gaps=gaps,
        most_read_gap=most_read_gap,
        line_end="\r\n" if "\r\n" in text else "\n",
    )


def _item_values(article: SyntheticArticle) -> dict[str, str]:
    return {
        "id": article.article_id,
        "href": listing_path(article),
        "title": article.served(article.title),
        "sapo": article.served(article.story.sapo),
        "cover_path": article.cover_path,
        "time": f"{article.published_at:%Y-%m-%dT%H:%M:%S}",
    }


def _stream_item(parts: _SectionTemplates, article: SyntheticArticle) -> str:
    values = _item_values(article)
    values["ticker_line"] = (
        parts.ticker_line.render({"ticker": article.tickers[0]}) if article.serial % 3 == 0 else ""
    )
    return parts.stream_item.render(values)


def render_stream(articles: list[SyntheticArticle], *, page_one: bool, zone_id: int = 0) -> str:
    """Stream items; on page 1 with the real page's chrome (of zone `zone_id`) between them."""
    parts = _section_templates()
    out = []
    plain_gap = parts.stream_gaps[0]
    for index, article in enumerate(articles):
        if index:
            gaps = parts.stream_gaps
            if page_one and index - 1 < len(gaps):
                out.append(gaps[index - 1].replace(_SAVED_ZONE, str(zone_id)))
            else:
                out.append(plain_gap)
        out.append(_stream_item(parts, article))
    out.append(LISTING_JUNK.replace("\n", parts.line_end))
    return "".join(out)


def render_section(
    section: str,
    zone_id: int,
    focus: list[SyntheticArticle],
    stream: list[SyntheticArticle],
    most_read: list[SyntheticArticle],
) -> str:
    parts = _section_templates()
    focus_html = []
    for index, article in enumerate(focus):
        data_time, text = focus_time(article.published_at, quirk=index > 0)
        values = _item_values(article) | {"data_time": data_time, "time_text": text}
        template = parts.first_item if index == 0 else parts.big_item
        focus_html.append(template.render(values))
    category = SECTION_NAMES[section]
    return parts.page.render(
        {
            "page_title": f"Tin tức {category.lower()} mới nhất | CafeF",
            "zone_slug": section,
            "zone_id": str(zone_id),
            "category": category,
            "focus_first": focus_html[0] if focus_html else "",
            "focus_big": "".join(focus_html[1:]),
            "most_read": parts.most_read_gap.join(
                parts.most_read_item.render({"href": a.path, "title": a.title}) for a in most_read
            ),
            "stream": render_stream(stream, page_one=True, zone_id=zone_id),
        }
    )


# --- pages that are not the site's content ----------------------------------------------------

SOFT_BLOCK_PAGE = """<!DOCTYPE html>
<html lang="vi">
<head>
    <meta charset="utf-8" />
    <title>CafeF</title>
</head>
<body>
    <div class="container" style="text-align:center;padding:40px">
        <h2>Bạn đã truy cập quá nhiều lần trong thời gian ngắn</h2>
        <p>Hệ thống tạm thời giới hạn truy cập từ địa chỉ của bạn. Vui lòng thử lại sau ít phút.</p>
        <p><a href="/">Về trang chủ CafeF</a></p>
    </div>
</body>
</html>
"""


def error_page(status: int, reason: str) -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8" /><title>{status} {reason}</title>'
        f"</head><body><h1>{status} {reason}</h1></body></html>\n"
    )


__all__ = [
    "LISTING_JUNK",
    "SOFT_BLOCK_PAGE",
    "error_page",
    "focus_time",
    "render_article",
    "render_section",
    "render_stream",
    "visible_date",
]
