"""ArticlePage on variants of the real saved article pages, checked with hypothesis: each page
parsed with lxml, changed, serialized and read again, and the item compared with the page's
expected JSON (`tests/fixtures/expected/`), so that a failure names the field that moved."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from newsscraper.commands.extract import to_json_line
from newsscraper.pages.article import ArticlePage
from newsscraper.pages.selectors import BLOCK_TAGS, text_of
from newsscraper.rejects import Rejected
from pipelines.normalize import clean_credit, clean_text, normalize_item
from pipelines.validate import validate_item
from tests.pages.test_article_page import CASES, load_expected, response

DERIVED = ("word_count", "content_sha256", "simhash")
STEMS = ["article_18826030622484142", "article_188260704171525847_trimmed"]
SAVED = {stem: CASES[stem][0].read_bytes() for stem in STEMS}
URLS = {stem: CASES[stem][1] for stem in STEMS}
EXPECTED = {stem: load_expected(stem)["item"] for stem in STEMS}
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

# A whole page parsed, changed and serialized per example: a few dozen keep the file fast (the
# profile's 200 give 30; `HYPOTHESIS_PROFILE=explore` gives 3,000).
PAGE_EXAMPLES = settings(max_examples=settings.default.max_examples * 3 // 20)

# Where no text of the page's may be changed or put: raw text, and the document's own title.
RAW_TEXT_TAGS = frozenset({"script", "style", "title", "textarea"})


def parse(stem: str):
    return etree.fromstring(SAVED[stem], etree.HTMLParser(encoding="utf-8"))


def serialize(root) -> bytes:
    return etree.tostring(root, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")


def read(stem: str, body: bytes) -> dict:
    """The page's row as stored (normalized), derived columns left out."""
    item = normalize_item(ArticlePage(response(body, URLS[stem])).to_item())
    row = json.loads(to_json_line(item))
    for name in DERIVED:
        row.pop(name)
    return row


def remove(element) -> None:
    """`element` out of the tree, the text after it kept (as a browser would show the page)."""
    parent = element.getparent()
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def empty(element) -> None:
    """`element` kept with its attributes, with no text or children left."""
    for child in list(element):
        element.remove(child)
    element.text = None


def meta(root, name: str) -> str:
    found = root.xpath("//meta[@property = $n or @name = $n]/@content", n=name)
    return found[0]


def clean(text: str | None) -> str | None:
    return " ".join(unicodedata.normalize("NFC", text).split()) or None if text else None


# --- each field read from its own element --------------------------------------------------

# The element each field is read from, and the fallbacks after it.
PARTS = {
    "title heading": "//h1[@data-role='title']",
    "og:title": "//meta[@property='og:title']",
    "lead": "//*[@data-role='sapo']",
    "og:description": "//meta[@property='og:description']",
    "footer byline": "//p[@class='author']",
    "header byline": "//span[@data-role='author']",
    "article:author": "//meta[@property='article:author']",
    "source line": "//p[@data-field='source']",
    "source link": "//span[@class='link-source-full']",
    "tag box": "//div[contains(@class, 'tagdetail')]",
    "keywords": "//meta[@name='keywords']",
    "category link": "//a[@data-role='cate-name']",
    "date": "//span[@data-role='publishdate']",
    "published meta": "//meta[@property='article:published_time']",
    "modified input": "//input[@id='hidLastModifiedDate']",
    "cover": "//img[@data-role='cover']",
    "og:image": "//meta[@property='og:image']",
    "canonical": "//link[@rel='canonical']",
    "og:url": "//meta[@property='og:url']",
    "news id": "//input[@id='hdNewsId']",
    "NewsArticle JSON-LD": "//script[contains(., '\"NewsArticle\"')]",
    "BreadcrumbList JSON-LD": "//script[contains(., '\"BreadcrumbList\"')]",
    "Organization JSON-LD": "//script[contains(., '\"Organization\"') and"
    " not(contains(., 'NewsArticle'))]",
    "body": "//div[@data-role='content']",
    # Left out of the body by README and newsscraper/pages/body.py: removing them changes nothing.
    "TIN MỚI box": "//div[@data-role='content']//div[contains(@class, 'tindnd')]",
    "ad shell (pc)": "//div[@data-role='content']//div[@class='h-show-pc']",
    "ad shell (mobile)": "//div[@data-role='content']//div[@class='h-show-mobile']",
    "captions": "//div[@data-role='content']//figcaption",
    "comments": "//div[@data-role='content']//comment()",
    "related list": "//ul[contains(@class, 'tinlienquan')]",
}
# What emptying a part (its text and children gone, the element kept) means: the same as
# removing it, but for the lead, whose element stays (its description gives the lead).
EMPTIABLE = {"title heading", "lead", "footer byline", "source line", "source link", "tag box"}
EMPTIABLE |= {"category link", "body"}


def expected_after(stem: str, root, gone: set[str], emptied: set[str]) -> dict:
    """The row once the parts `gone` (removed) and `emptied` are: each field its documented
    fallback, every other field as the saved page gives it."""
    item = dict(EXPECTED[stem])
    missing = gone | emptied
    news_article = json.loads(root.xpath(PARTS["NewsArticle JSON-LD"])[0].text)
    crumbs = json.loads(root.xpath(PARTS["BreadcrumbList JSON-LD"])[0].text)

    if "title heading" in missing:
        item["title"] = clean(
            (meta(root, "og:title") if "og:title" not in gone else None)
            or (news_article["headline"] if "NewsArticle JSON-LD" not in gone else None)
        )
    if "lead" in gone:
        item["sapo"] = None
    elif "lead" in emptied:
        item["sapo"] = clean(
            (meta(root, "og:description") if "og:description" not in gone else None)
            or (news_article["description"] if "NewsArticle JSON-LD" not in gone else None)
        )
    if "footer byline" in missing:
        header = root.xpath(PARTS["header byline"])
        item["author"] = clean(
            (text_of(header[0]) if header and "header byline" not in gone else None)
            or (news_article["author"]["name"] if "NewsArticle JSON-LD" not in gone else None)
            or (meta(root, "article:author") if "article:author" not in gone else None)
        )
    if "source line" in missing:
        item["source"] = None
    if "source link" in missing:
        item["source_url"] = None
    if "tag box" in missing:
        keywords = "" if "keywords" in gone else meta(root, "keywords")
        item["tags"] = [tag.strip() for tag in keywords.split(",") if tag.strip()]
    if "category link" in missing:
        item["category"] = (
            None
            if "BreadcrumbList JSON-LD" in gone
            else crumbs["itemListElement"][-1]["item"]["name"]
        )
    times = {"date", "published meta", "NewsArticle JSON-LD"}
    if times <= gone:
        item["published_at"] = item["published_date"] = None
    modified_in_json_ld = "dateModified" in news_article and "NewsArticle JSON-LD" not in gone
    if "modified input" in gone and not modified_in_json_ld:
        item["modified_at"] = None
    images = item["image_urls"][1:]
    if "body" in missing:
        item["body"] = None
        item["tickers"] = []
        images = []
    if root.xpath(PARTS["cover"]) and "cover" not in gone:
        item["image_urls"] = item["image_urls"][:1] + images
    else:  # the newer page has no cover element: its og:image is its cover
        cover = None if "og:image" in gone else meta(root, "og:image")
        item["image_urls"] = [cover, *images] if cover else images
    return item


@pytest.mark.parametrize("stem", STEMS)
def test_a_saved_page_serialized_again_reads_as_the_saved_page(stem):
    """The ground the variants stand on: lxml's serialization of the page changes nothing."""
    assert read(stem, serialize(parse(stem))) == EXPECTED[stem]


@PAGE_EXAMPLES
@given(
    stem=st.sampled_from(STEMS),
    gone=st.sets(st.sampled_from(sorted(PARTS)), max_size=6),
    emptied=st.sets(st.sampled_from(sorted(EMPTIABLE)), max_size=3),
)
def test_without_the_element_a_field_is_read_from_only_that_field_falls_back(stem, gone, emptied):
    """Each field is read from its own element (then its documented fallbacks): removing or
    emptying one moves that field and no other; clutter the body leaves out moves nothing."""
    emptied -= gone
    root = parse(stem)
    expected = expected_after(stem, root, gone, emptied)
    for part in sorted(gone):
        for element in root.xpath(PARTS[part]):
            remove(element)
    for part in sorted(emptied):
        for element in root.xpath(PARTS[part]):
            empty(element)
    assert read(stem, serialize(root)) == expected


# --- changes a reader never sees ----------------------------------------------------------


def _private(char: str) -> str:
    """A stand-in for `char` that serialization leaves alone, spelt as a reference after it."""
    return chr(0xF0000 + ord(char))


_STAND_IN = re.compile("[\U000f0000-\U000ffffd]")


def _as_references(html: str) -> str:
    return _STAND_IN.sub(lambda m: f"&#{ord(m.group()) - 0xF0000};", html)


def _spell_with_references(text: str | None) -> str | None:
    if not text:
        return text
    return "".join(_private(c) if not c.isascii() and c.isalpha() else c for c in text)


def _nfd(text: str | None) -> str | None:
    return unicodedata.normalize("NFD", text) if text else text


def _in_raw_text(element) -> bool:
    return any(node.tag in RAW_TEXT_TAGS for node in element.iterancestors()) or (
        element.tag in RAW_TEXT_TAGS
    )


def _retext(element, change) -> None:
    """`change` applied to the text and attribute values of `element` (its tail too)."""
    if not _in_raw_text(element):
        element.text = change(element.text)
    parent = element.getparent()
    if parent is not None and not _in_raw_text(parent):
        element.tail = change(element.tail)
    for name, value in element.attrib.items():
        element.set(name, change(value))


HARMLESS = [
    "comment",
    "whitespace",
    "attribute order",
    "extra class",
    "references",
    "nfd",
    "script",
    "style",
]


def _put_inside(element, added, at: int) -> None:
    """`added` as a child of `element`, before its child number `at` (counted modulo), or
    inside its text (at character `at`) when it has no children."""
    if len(element):
        element.insert(at % (len(element) + 1), added)
        return
    text = element.text or ""
    cut = at % (len(text) + 1)
    element.text, added.tail = text[:cut] or None, text[cut:] or None
    element.append(added)


def harmless_change(kind: str, element, at: int) -> None:
    if kind == "comment":
        if not _in_raw_text(element):
            _put_inside(element, etree.Comment(" vcc "), at)
    elif kind == "whitespace":
        if element.tag in BLOCK_TAGS and element.getparent() is not None:
            element.tail = "\r\n \t" + (element.tail or "")
            if len(element):
                element.text = "\n  " + (element.text or "")
    elif kind == "attribute order":
        items = list(element.attrib.items())
        element.attrib.clear()
        for name, value in reversed(items):
            element.set(name, value)
    elif kind == "extra class":
        if element.get("class") is not None:
            element.set("class", f"vcc-x {element.get('class')}\tvcc-y")
    elif kind == "references":
        _retext(element, _spell_with_references)
    elif kind == "nfd":
        _retext(element, _nfd)
    elif kind in ("script", "style") and not _in_raw_text(element):
        added = etree.Element(kind)
        if kind == "script":
            added.set("type", "text/javascript")
            added.text = 'var admicro = "<p>quảng cáo</p>";'
        else:
            added.text = "p.sapo { color: red } /* Ẩn */"
        _put_inside(element, added, at)


@PAGE_EXAMPLES
@given(
    stem=st.sampled_from(STEMS),
    changes=st.lists(
        st.tuples(st.sampled_from(HARMLESS), st.integers(min_value=0), st.integers(min_value=0)),
        min_size=1,
        max_size=40,
    ),
    br_closed=st.booleans(),
)
def test_changes_a_reader_never_sees_change_nothing(stem, changes, br_closed):
    """Comments, whitespace between blocks, attribute order, extra classes, character
    references for Vietnamese letters, decomposed (NFD) text, a script or style put anywhere
    (between elements or inside a text), `<br/>` for `<br>`: the same row."""
    root = parse(stem)
    elements = [e for e in root.iter() if isinstance(e.tag, str) and e.tag != "html"]
    for kind, index, at in changes:
        harmless_change(kind, elements[index % len(elements)], at)
    body = _as_references(serialize(root).decode("utf-8")).encode("utf-8")
    if br_closed:
        body = body.replace(b"<br>", b"<br/>")
    assert read(stem, body) == EXPECTED[stem]


@pytest.mark.parametrize("stem", STEMS)
def test_the_whole_page_spelt_with_references_and_decomposed_reads_the_same(stem):
    """Every Vietnamese letter outside scripts as a character reference, then every text NFD."""
    for change in (_spell_with_references, _nfd):
        root = parse(stem)
        for element in root.iter():
            if isinstance(element.tag, str):
                _retext(element, change)
        body = _as_references(serialize(root).decode("utf-8")).encode("utf-8")
        assert read(stem, body) == EXPECTED[stem], change.__name__


# --- the body's paragraphs -----------------------------------------------------------------


def content_paragraphs(root) -> tuple:
    """(the body container, its `<p>` children that hold text)."""
    content = root.xpath(PARTS["body"])[0]
    return content, [p for p in content if p.tag == "p" and text_of(p)]


@pytest.mark.parametrize("stem", STEMS)
def test_each_paragraph_of_the_saved_bodies_is_one_p_of_the_container(stem):
    """What the order properties below stand on."""
    _, ps = content_paragraphs(parse(stem))
    assert [text_of(p) for p in ps] == EXPECTED[stem]["body"].split("\n\n")


@PAGE_EXAMPLES
@given(stem=st.sampled_from(STEMS), data=st.data())
def test_paragraphs_shuffled_or_repeated_come_out_in_page_order(stem, data):
    """The body is the container's paragraphs in the order the page gives them, repeats
    included."""
    root = parse(stem)
    content, ps = content_paragraphs(root)
    order = data.draw(st.permutations(range(len(ps))), label="order")
    repeated = data.draw(st.sets(st.sampled_from(range(len(ps))), max_size=3), label="repeated")
    texts = [text_of(p) for p in ps]
    slots = [content.index(p) for p in ps]
    moved = [copy.deepcopy(ps[i]) for i in order]
    for p in ps:
        content.remove(p)
    for slot, p in zip(slots, moved, strict=True):
        content.insert(slot, p)
    expected = []
    for position, i in enumerate(order):
        expected.append(texts[i])
        if position in repeated:
            moved[position].addnext(copy.deepcopy(moved[position]))
            expected.append(texts[i])
    assert read(stem, serialize(root))["body"] == "\n\n".join(expected)


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)
WORDS = st.text(VIETNAMESE + VIETNAMESE.upper() + "0123456789.,;:%“”-()", min_size=1, max_size=12)
SPACES = st.sampled_from([" ", "  ", "\u00a0", "\t", "\r\n", "\n \n", " \u00a0 "])


INLINE = st.sampled_from([None, None, "b", "i", "strong", "em", "span", "a"])


@st.composite
def vietnamese_paragraph(draw):
    """(a `<p>` of generated Vietnamese, words in inline markup or not, NFC or NFD, its text)."""
    form = draw(st.sampled_from(["NFC", "NFD"]))
    p = etree.Element("p")
    p.text = draw(SPACES)
    text = p.text
    for word in draw(st.lists(WORDS, min_size=1, max_size=30)):
        word, space, tag = unicodedata.normalize(form, word), draw(SPACES), draw(INLINE)
        if tag is None:
            if len(p):
                p[-1].tail += word + space
            else:
                p.text += word + space
        else:
            etree.SubElement(p, tag).text = word
            p[-1].tail = space
        text += word + space
    return p, text


@PAGE_EXAMPLES
@given(stem=st.sampled_from(STEMS), paragraph=vietnamese_paragraph(), data=st.data())
def test_a_paragraph_added_to_the_body_comes_out_once_composed_and_squashed(stem, paragraph, data):
    """A new `<p>` of the container is one paragraph of the body, where the page puts it,
    NFC, its whitespace collapsed, its inline markup no part of it; the other paragraphs are
    unchanged."""
    added, text = paragraph
    root = parse(stem)
    _, ps = content_paragraphs(root)
    at = data.draw(st.integers(0, len(ps)), label="before paragraph")
    if at < len(ps):
        ps[at].addprevious(added)
    else:
        ps[-1].addnext(added)
    paragraphs = EXPECTED[stem]["body"].split("\n\n")
    paragraphs.insert(at, " ".join(unicodedata.normalize("NFC", text).split()))
    assert read(stem, serialize(root))["body"] == "\n\n".join(paragraphs)


# --- never another error than a reject -----------------------------------------------------


@PAGE_EXAMPLES
@given(stem=st.sampled_from(STEMS), data=st.data())
def test_any_elements_removed_give_an_item_or_a_reject_never_an_error(stem, data):
    """ArticlePage never raises on odd HTML (its docstring): a page missing any of its elements
    gives an item, which validation stores or rejects (`missing_*`, `body_too_short`)."""
    root = parse(stem)
    elements = [e for e in root.iter() if e.getparent() is not None]
    picked = data.draw(
        st.sets(st.integers(0, len(elements) - 1), max_size=len(elements)), label="removed"
    )
    for index in sorted(picked, reverse=True):
        remove(elements[index])  # descendants first: each still has its parent
    item = normalize_item(ArticlePage(response(serialize(root), URLS[stem])).to_item())
    with contextlib.suppress(Rejected):
        validate_item(item, NOW)


# --- generated text in a field's own element -----------------------------------------------

FIELD_ELEMENTS = {
    "title": PARTS["title heading"],
    "sapo": PARTS["lead"],
    "author": PARTS["footer byline"],
    "source": PARTS["source line"],
}


@PAGE_EXAMPLES
@given(
    stem=st.sampled_from(STEMS),
    field=st.sampled_from(sorted(FIELD_ELEMENTS)),
    paragraph=vietnamese_paragraph(),
)
def test_a_fields_element_with_generated_text_gives_that_text_and_moves_no_other_field(
    stem, field, paragraph
):
    """The title, lead, byline or source line written in NFD, with odd whitespace and inline
    markup, is read back NFC and squashed (a byline or source without its `Theo `), and no
    other field moves."""
    written, text = paragraph
    root = parse(stem)
    element = root.xpath(FIELD_ELEMENTS[field])[0]
    empty(element)
    element.text = written.text
    for child in written:
        element.append(child)
    expected = dict(EXPECTED[stem])
    expected[field] = (clean_credit if field in ("author", "source") else clean_text)(text)
    assert read(stem, serialize(root)) == expected
