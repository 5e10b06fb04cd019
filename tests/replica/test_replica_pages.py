"""The replica's pages read with plain parsel selectors of the live site's markup, as the
saved pages of `tests/fixtures/pages/` hold it."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path
from types import SimpleNamespace

import pytest
from parsel import Selector

from replica import ReplicaSite
from replica.articles import VIETNAM
from replica.render import render_section, visible_date
from replica.template import Template, cut, slot
from replica.text import slugify

SAVED_PAGES = Path(__file__).parent.parent / "fixtures" / "pages"


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(articles=40, seed=0)


def get(site: ReplicaSite, path: str) -> Selector:
    response = site.respond("GET", path)
    assert response.status == 200
    return Selector(text=response.body.decode("utf-8"))


def text(selector: Selector, query: str) -> str:
    return " ".join(" ".join(selector.css(query).getall()).split())


def test_section_page_lists_the_newest_articles_in_focus_and_stream(site):
    page = get(site, "/doanh-nghiep.chn")
    newest = site.articles

    focus_links = page.css("div.list-focus-main .firstitem h2 > a::attr(href)").getall()
    focus_links += page.css("div.list-focus-main div.cate-hl-row2 .big h3 > a::attr(href)").getall()
    assert focus_links == [a.path for a in newest[:3]]

    stream = page.css("div.listchungkhoannew div.tlitem.box-category-item[data-id]")
    assert [item.attrib["data-id"] for item in stream] == [a.article_id for a in newest[3:23]]
    first = stream[0]
    article = newest[3]
    assert first.css("h3 > a::attr(href)").get() == article.path
    assert first.css("h3 > a::text").get() == article.title
    assert first.css("span.time.time-ago::attr(title)").get() == (
        article.published_at.strftime("%Y-%m-%dT%H:%M:%S")
    )
    assert first.css("p.sapo.box-category-sapo::text").get() == article.story.sapo
    assert first.css("a.avatar img::attr(src)").get().endswith(article.cover_path)


def test_section_page_focus_times_carry_the_stray_leading_2_on_some(site):
    page = get(site, "/doanh-nghiep.chn")
    newest = site.articles[:3]
    data_times = page.css("div.list-focus-main p.time::attr(data-time)").getall()
    shown = [f"{a.published_at:%d/%m/%Y - %H:%M}" for a in newest]
    assert data_times == [shown[0], "2" + shown[1], "2" + shown[2]]
    assert page.css("div.list-focus-main p.time::text").getall() == shown


def test_section_page_is_the_doanh_nghiep_zone_with_the_real_chrome(site):
    page = get(site, "/doanh-nghiep.chn")
    assert page.css("#hdZoneId::attr(value)").get() == "18836"
    assert page.css("#hdZoneUrl::attr(value)").get() == "doanh-nghiep"
    assert page.css("link[rel=canonical]::attr(href)").get() == "https://cafef.vn/doanh-nghiep.chn"
    assert text(page, "h1.zone-title a::text") == "Doanh nghiệp"
    keys = page.css("div.listchungkhoannew::attr(data-cd-key)").getall()
    assert keys == ["siteid188:newsinzone:zone18836"] * 3
    # Chrome of the saved page: the site menu still links the other sections.
    assert page.css('a[href="/thi-truong-chung-khoan.chn"]')
    # Links a crawler must not follow are there, as on the live page.
    hrefs = page.css("a::attr(href)").getall()
    assert "javascript:;" in hrefs
    assert any(h.startswith("https://example.invalid/") for h in hrefs)


def test_most_read_box_links_articles_outside_the_section(site):
    page = get(site, "/doanh-nghiep.chn")
    links = page.css("#loadMostViewTop a::attr(href)").getall()
    section_paths = {a.path for a in site.articles}
    assert links == [a.path for a in site.most_read]
    assert not section_paths & set(links)
    assert not {a.title for a in site.articles} & {a.title for a in site.most_read}
    assert all(a.published_at < site.articles[0].published_at for a in site.most_read)
    titles = [text(link, "::text") for link in page.css("#loadMostViewTop a")]
    assert titles == [a.story.title for a in site.most_read]
    other = get(site, links[0])  # served, but in another section, plain: NFC, with its title
    assert other.css("#hdZoneId::attr(value)").get() == "18831"
    assert text(other, 'h1.title[data-role="title"]::text') == site.most_read[0].story.title


def test_timeline_fragment_continues_after_page_one(site):
    response = site.respond("GET", "/timelinelist/18836/2.chn")
    body = response.body.decode("utf-8")
    assert "<html" not in body
    assert not Selector(text=body).css("[id^=admzone], #boxAdmHHNL")  # page 1's chrome
    ids = Selector(text=body).css("div.tlitem.box-category-item[data-id]::attr(data-id)").getall()
    assert ids == [a.article_id for a in site.articles[23:40]]
    assert site.respond("GET", "/timelinelist/18836/3.chn").body == b""
    assert site.respond("GET", "/timelinelist/18831/2.chn").status == 404


@pytest.mark.parametrize("index", [0, 1])
def test_article_page_fields_sit_where_site_md_says(site, index):
    article = site.article(index)
    page = get(site, article.path)
    story = article.story

    assert text(page, 'h1.title[data-role="title"]::text') == story.title
    assert text(page, '[data-role="sapo"]::text') == story.sapo
    assert page.css("link[rel=canonical]::attr(href)").get() == article.url
    assert page.css("#hdNewsId::attr(value)").get() == article.article_id
    assert page.css("#hdZoneId::attr(value)").get() == "18836"
    assert page.css("#hdZoneUrl::attr(value)").get() == "doanh-nghiep"
    assert text(page, 'a[data-role="cate-name"]::text') == "Doanh nghiệp"
    local = article.published_at.strftime("%Y-%m-%dT%H:%M:%S")
    assert page.css('meta[property="article:published_time"]::attr(content)').get() == local
    visible = text(page, 'span.pdate[data-role="publishdate"]::text')
    assert re.fullmatch(r"\d\d-\d\d-\d{4} - \d\d:\d\d (AM|PM)", visible)
    assert visible.startswith(article.published_at.strftime("%d-%m-%Y - %H:%M"))
    assert text(page, "div.t-contentdetail p.author::text") == story.author
    tags = page.css('div.tagdetail div.row2[data-marked-zoneid="cafef_detail_tag"] a::text')
    assert [t.strip().removesuffix(",") for t in tags.getall()] == list(story.tags)
    assert tags.getall()[0].endswith(", ")
    widget = page.css("div[data-role=content] div.chisochungkhoan h2.title_box a::text").get()
    assert widget == "&".join(article.tickers) + ": "
    content = page.css('div.detail-content.afcbc-body[data-role="content"]')
    paragraphs = [" ".join(p.css("::text").getall()).split() for p in content.css(":scope > p")]
    assert [" ".join(p) for p in paragraphs if p] == [" ".join(p.split()) for p in story.paragraphs]
    assert content.css("#listNewsInContent")  # the real "TIN MỚI" box is still in the body
    blocks = [json.loads(b) for b in page.css('script[type="application/ld+json"]::text').getall()]
    news = next(b for b in blocks if b["@type"] == "NewsArticle")
    assert news["headline"] == story.title
    assert news["datePublished"] == local


def test_article_slugs_are_made_from_titles_as_on_the_saved_section_page(site):
    """Digits of `6.400` or `1,5` stay together, `5/3` is two words, a non-breaking space goes."""
    saved = Selector(text=(SAVED_PAGES / "section_thi-truong-chung-khoan.html").read_text())
    for link in saved.css("div.tlitem h3 > a"):
        slug = re.fullmatch(r"/(.+)-\d+\.chn", link.attrib["href"]).group(1)
        assert slugify("".join(link.css("::text").getall()).strip()) == slug
    for article in site.articles:
        assert article.path == f"/{slugify(article.story.title)}-{article.article_id}.chn"


def test_article_body_links_a_story_of_another_section_inline_as_the_saved_pages_do(site):
    """A `link-content-footer` "read also" link in the body, which a crawler must leave out."""
    most_read = [a.path for a in site.most_read]
    links = []
    for article in site.articles[:8]:
        content = get(site, article.path).css('div[data-role="content"]')
        (link,) = content.css("div.link-content-footer a::attr(href)").getall()
        links.append(link)
    assert set(links) <= set(most_read) and len(set(links)) > 1


def test_each_company_is_linked_to_its_data_page_in_the_paragraph_naming_it_first(site):
    """An in-text `a.s-datacafef` link, as in the saved page: the lead company in the first
    paragraph, a second one in the second."""
    pairs = [a for a in site.articles if len(a.story.companies) == 2]
    for article in [site.article(0), site.article(1), *pairs[:3]]:
        content = get(site, article.path).css('div[data-role="content"]')
        paragraphs = [p for p in content.css(":scope > p") if text(p, "::text")]
        for paragraph, company in zip(paragraphs, article.story.companies, strict=False):
            (link,) = paragraph.css("a.s-datacafef")
            assert text(link, "::text") == company.short_name
            slug = slugify(company.legal_name)
            data_page = f"/du-lieu/{company.exchange}/{company.ticker.lower()}-{slug}.chn"
            assert link.attrib["href"] == "https://cafef.vn" + data_page
        assert len(content.css("a.s-datacafef")) == len(article.story.companies)


def test_older_and_newer_templates_alternate_with_their_own_markup(site):
    older, newer = site.article(0), site.article(1)
    assert (older.template, newer.template) == ("older", "newer")
    old_page, new_page = get(site, older.path), get(site, newer.path)
    assert old_page.css('h2.sapo[data-role="sapo"]') and not old_page.css("p.sapo")
    assert new_page.css('p.sapo[data-role="sapo"][itemprop="description"]')
    offset = new_page.css('span.pdate[data-role="publishdate"]::attr(datetime)').get()
    assert dt.datetime.fromisoformat(offset) == newer.published_at
    assert offset.endswith("+07:00")


def test_visible_date_keeps_the_meaningless_suffix_on_a_24_hour_clock():
    start = dt.datetime(2026, 7, 4, 18, 7, tzinfo=VIETNAM)
    site = ReplicaSite(articles=2, start=start)
    page = get(site, site.article(0).path)
    assert text(page, 'span.pdate[data-role="publishdate"]::text') == "04-07-2026 - 18:07 PM"


def test_theo_authors_and_sources_appear_on_some_articles():
    site = ReplicaSite(articles=30, seed=1)
    stories = [site.article(i).story for i in range(30)]
    assert any(s.author.startswith("Theo ") for s in stories)
    with_source = next(i for i, s in enumerate(stories) if s.source)
    without = next(i for i, s in enumerate(stories) if not s.source)
    page = get(site, site.article(with_source).path)
    assert text(page, 'p.source[data-field="source"]::text') == stories[with_source].source
    assert text(page, "span.link-source-full::text") == stories[with_source].source_url
    assert not get(site, site.article(without).path).css("p.source, span.link-source-full")


def test_article_chrome_is_the_saved_page_byte_for_byte():
    """Outside the filled slots the replica serves the real page: its menu, footer and scripts."""
    saved = (SAVED_PAGES / "article_18826030622484142.html").read_bytes()
    site = ReplicaSite(articles=1)
    served = site.respond("GET", site.article(0).path).body
    menu_start = saved.index(b'<li id="menu-thi-truong-chung-khoan"')
    menu = saved[menu_start : saved.index(b"</ul>", menu_start)]
    assert menu in served
    footer_script = saved[saved.rindex(b"<script") : saved.rindex(b"<!--CachedInfo")]
    assert footer_script in served


def test_nfd_articles_are_decomposed_others_composed():
    site = ReplicaSite(articles=6, nfd={3})
    nfd_body = site.respond("GET", site.article(3).path).body.decode("utf-8")
    nfc_body = site.respond("GET", site.article(2).path).body.decode("utf-8")
    nfd_title = text(Selector(text=nfd_body), 'h1.title[data-role="title"]::text')
    assert nfd_title == unicodedata.normalize("NFD", site.article(3).story.title)
    assert nfd_title != site.article(3).story.title
    nfc_title = text(Selector(text=nfc_body), 'h1.title[data-role="title"]::text')
    assert unicodedata.is_normalized("NFC", nfc_title)


def test_no_title_article_keeps_the_markup_empty():
    site = ReplicaSite(articles=6, no_title={2})
    page = get(site, site.article(2).path)
    assert page.css('h1.title[data-role="title"]')
    assert text(page, 'h1.title[data-role="title"]::text') == ""
    assert text(page, '[data-role="sapo"]::text') == site.article(2).story.sapo


def test_visible_date_suffix_is_pm_from_noon_as_a_12_hour_clock_would_say():
    at = dt.datetime(2026, 7, 4, tzinfo=VIETNAM)
    assert visible_date(at.replace(hour=11, minute=59)) == "04-07-2026 - 11:59 AM "
    assert visible_date(at.replace(hour=12)) == "04-07-2026 - 12:00 PM "
    assert visible_date(at.replace(hour=13)) == "04-07-2026 - 13:00 PM "


def test_article_body_has_one_photo_and_one_set_of_ad_shells(site):
    for article in site.articles[:4]:
        content = get(site, article.path).css('div[data-role="content"]')
        assert content.css("figure img::attr(src)").getall() == [article.body_image_url]
        assert len(content.css("div.h-show-pc")) == len(content.css("div.h-show-mobile")) == 1


def test_body_paragraphs_carry_their_templates_markup(site):
    older, newer = (get(site, site.article(i).path) for i in (0, 1))
    old_body = older.css('div[data-role="content"]')
    new_body = newer.css('div[data-role="content"]')
    # The older saved page opens its story with a stray empty caption; the newer one justifies.
    assert old_body.css(":scope > figcaption") and not new_body.css(":scope > figcaption")
    paragraphs = len(site.article(1).story.paragraphs)
    assert len(new_body.css(':scope > p[style="text-align: justify;"]')) == paragraphs
    assert not old_body.css(":scope > p[style]")


def test_tags_read_as_the_saved_pages_print_them(site):
    for index in (0, 1):
        article = site.article(index)
        page = get(site, article.path)
        box = 'div.row2[data-marked-zoneid="cafef_detail_tag"]'
        assert text(page, f"{box} ::text") == ", ".join(article.story.tags)  # nothing but tags
        links = page.css(f"{box} a")
        first, *rest = article.story.tags
        shown = [first] + [" " + tag for tag in rest]
        assert [a.attrib["title"] for a in links] == shown
        texts = [a.css("::text").get() for a in links]
        assert texts == [s + ", " for s in shown[:-1]] + shown[-1:]


def test_newer_template_shows_the_author_in_its_header_on_some_pages(site):
    shown = []
    for article in site.articles[1:20:2]:
        header = text(get(site, article.path), 'span.author[data-role="author"] b::text')
        assert header in ("", article.story.author)
        shown.append(bool(header))
    assert any(shown) and not all(shown)


def test_some_stream_items_carry_their_lead_ticker(site):
    page = get(site, "/doanh-nghiep.chn")
    items = page.css("div.listchungkhoannew div.tlitem.box-category-item[data-id]")
    by_id = {a.article_id: a for a in site.articles}
    symbols = [item.css("p.top5_news_mack::attr(data-symbol)").get() for item in items]
    assert any(symbols) and not all(symbols)
    for item, symbol in zip(items, symbols, strict=True):
        assert symbol in (None, by_id[item.attrib["data-id"]].tickers[0])


def test_section_page_keeps_the_saved_chrome_between_the_same_stream_items(site):
    def items_before_chrome(page: str) -> list[int]:
        chrome = ("admzone472008", "boxAdmHHNL", "admzone472009", "admzone472010")
        item = 'class="tlitem box-category-item"'
        return [page[: page.index(f'id="{name}"')].count(item) for name in chrome]

    saved = (SAVED_PAGES / "section_thi-truong-chung-khoan.html").read_text(encoding="utf-8")
    served = site.respond("GET", "/doanh-nghiep.chn").body.decode("utf-8")
    assert items_before_chrome(served) == items_before_chrome(saved)


@pytest.mark.parametrize(
    "kwargs", [{}, {"articles": 0}, {"focus_picks": [5]}], ids=["full", "empty", "one-pick"]
)
def test_section_page_divs_balance_as_in_the_saved_page(kwargs):
    served = ReplicaSite(**kwargs).respond("GET", "/doanh-nghiep.chn").body.decode("utf-8")
    assert len(re.findall(r"<div\b", served)) == served.count("</div>")


def test_section_page_stream_can_list_more_items_than_the_saved_page():
    site = ReplicaSite(articles=40, page_size=25)
    page = get(site, "/doanh-nghiep.chn")
    ids = page.css("div.listchungkhoannew div.tlitem.box-category-item[data-id]::attr(data-id)")
    assert ids.getall() == [a.article_id for a in site.articles[3:28]]


@pytest.mark.parametrize(
    "path, saved_name, line_end",
    [
        (lambda site: site.article(0).path, "article_18826030622484142.html", "\r\n"),
        (lambda site: site.article(1).path, "article_188260704171525847_trimmed.html", "\n"),
        # The listing's own additions (its junk links) too, on page 1 and in a later fragment.
        (lambda site: "/doanh-nghiep.chn", "section_thi-truong-chung-khoan.html", "\r\n"),
        (
            lambda site: f"/timelinelist/{site.zone_id}/2.chn",
            "section_thi-truong-chung-khoan.html",
            "\r\n",
        ),
    ],
    ids=["older-article", "newer-article", "section", "timeline"],
)
def test_pages_keep_their_saved_pages_line_endings(site, path, saved_name, line_end):
    saved = (SAVED_PAGES / saved_name).read_bytes().decode("utf-8")
    served = site.respond("GET", path(site)).body.decode("utf-8")
    assert set(re.findall(r"\r\n|\r|\n", saved)) == {line_end}
    assert set(re.findall(r"\r\n|\r|\n", served)) == {line_end}


def test_most_read_box_filled_with_the_saved_items_is_the_saved_box_byte_for_byte():
    def box(page: str) -> str:
        start = page.index('<div class="cate-mostview-list">')
        return page[start : page.index('<div class="list-news">', start)]

    saved = (SAVED_PAGES / "section_thi-truong-chung-khoan.html").read_bytes().decode("utf-8")
    links = Selector(text=saved).css("div.cate-mostview-list div.item a")
    items = [SimpleNamespace(path=a.attrib["href"], title=a.attrib["title"]) for a in links]
    served = render_section("thi-truong-chung-khoan", 18831, [], [], items)
    assert box(served) == box(saved)


def test_a_slot_is_escaped_as_json_inside_a_script_and_as_html_elsewhere():
    """As the saved pages carry text: UTF-8 as it is, in HTML and in JSON-LD alike."""
    value = 'Hòa Phát "HPG" & </script>'
    html_value = "Hòa Phát &quot;HPG&quot; &amp; &lt;/script&gt;"
    json_value = 'Hòa Phát \\"HPG\\" & <\\/script>'
    page = Template(
        f'<h1>{slot("t")}</h1><script>a = "{slot("t")}";</script>'
        f'<p>{slot("t")}</p><script type="application/ld+json">{{"b": "{slot("t")}"}}</script>'
    )
    assert page.render({"t": value}) == (
        f'<h1>{html_value}</h1><script>a = "{json_value}";</script>'
        f'<p>{html_value}</p><script type="application/ld+json">{{"b": "{json_value}"}}</script>'
    )


def test_cut_gives_the_region_it_replaced_or_with_its_ends_kept_what_was_between_them():
    page = "<p>a</p><b>old</b><b>x</b>"
    assert cut(page, "<b>", "</b>", "new") == ("<p>a</p>new<b>x</b>", "<b>old</b>")
    assert cut(page, "<b>", "</b>", "new", keep_ends=True) == ("<p>a</p><b>new</b><b>x</b>", "old")
