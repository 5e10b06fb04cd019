"""normalize_item and its cleaners on generated text: what DATA_FORMAT.md promises of every
stored text, URL and time holds whatever the page held (surrogates, NUL, BOM, direction marks,
references escaped many times over, decomposed Vietnamese), and cleaning again changes nothing."""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata

from hypothesis import assume, given
from hypothesis import strategies as st

from newsscraper.items import Article
from newsscraper.pages.dates import VIETNAM_TZ, vietnam_date
from newsscraper.pages.links import article_path_match
from newsscraper.pages.rules import without_hashtag
from pipelines.normalize import (
    _TRANSLATION,
    clean_article_url,
    clean_body,
    clean_credit,
    clean_tags,
    clean_text,
    clean_tickers,
    clean_url,
    normalize_item,
    to_utc,
)

VIETNAMESE = "Chủ tịch Đỗ Quý Hải đăng ký mua cổ phiếu Tiếng Việt nâng hạng ƯỚC TÍNH"
# Every character the docs say is made a space, dropped or replaced: none is left in text.
NEVER_STORED = frozenset(map(chr, _TRANSLATION))

# Pieces of text that make the cleaning step in: the characters the docs say go, whitespace,
# references escaped once or many times over (or with a `;` only NFC makes), decomposed
# Vietnamese, "according to" and the tags' trailer.
SPECIAL = [
    "\x00", "\ufeff", "\u200b", "\u202e", "\u00a0", "\u00ad", "\ud800", "\udfff", "\x7f",
    " ", "  ", "\n", "\n\n", "\n\n\n", " \n ", "\t", "\r\n", "\u2028", "\x85", "\u3000",
    "&", "amp;", "&amp;", "&amp;amp;", "&amp;amp;amp;lt;", "&#38;", "&#x26;", "#38;", "&lt;",
    "lt;", "&quot;", "&#39;", "&acirc;", "&amp;acirc;", "&sect", "&nbsp;", "&#0;", "&#xD800;",
    "&#x202E;", "&#x200b;", "&#769;", "&#x80;", "&NewLine;", "&Tab;", "&ZeroWidthSpace;", ";",
    "\u037e", "#", "Theo ", "Theo:", "theo", ", ", ",", "a\u0301", "\u0301", "\u0323\u0302",
    "e", "E\u0302\u0301", "\u034f", "\ufe0f", "❤", "\u2800", "\U000e0041",
]  # fmt: skip
# Any code point, lone surrogates, controls and format characters included.
any_character = st.characters(codec=None, categories=None, exclude_categories=())
odd_character = st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Zl", "Zp", "Mn"])
pieces = st.one_of(
    st.text(any_character, max_size=4),
    st.text(odd_character, min_size=1, max_size=3),
    st.sampled_from(
        [*VIETNAMESE.split(), *unicodedata.normalize("NFD", VIETNAMESE).split(), *SPECIAL]
    ),
)
messy_text = st.lists(pieces, max_size=12).map("".join)
# An `&` escaped many times over, as `amp;`, `#38;` or `#x26;` in any mixture.
nested_references = st.builds(
    lambda levels, tail: "Vốn &" + "".join(levels) + tail + " tỷ",
    st.lists(st.sampled_from(["amp;", "#38;", "#x26;", "#X26;", "#038;"]), max_size=40),
    st.sampled_from(["lt;", "acirc;", "#39;", "amp;", "lt\u037e", "x", ""]),
)
texts = st.one_of(messy_text, nested_references, st.text(any_character))


def assert_clean_line(text: str) -> None:
    """One line of stored text: NFC, nothing dropped left, single spaces, trimmed, non-empty."""
    assert text
    assert unicodedata.is_normalized("NFC", text), ascii(text)
    assert not NEVER_STORED & set(text), ascii(text)
    assert "\n" not in text and "  " not in text, ascii(text)
    assert text == text.strip(), ascii(text)


@given(texts)
def test_clean_text_is_one_clean_line_and_cleaning_it_again_changes_nothing(text):
    once = clean_text(text)
    if once is not None:
        assert_clean_line(once)
    assert clean_text(once) == once


@given(texts)
def test_clean_body_is_clean_paragraphs_apart_by_one_blank_line(text):
    once = clean_body(text)
    if once is not None:
        paragraphs = once.split("\n\n")
        for paragraph in paragraphs:
            assert_clean_line(paragraph)
        assert clean_text(once.replace("\n\n", " ")) == " ".join(paragraphs)
    assert clean_body(once) == once


@given(messy_text, messy_text)
def test_two_texts_apart_by_a_blank_line_are_two_paragraphs_each_as_clean_text_makes_it(a, b):
    assume("\n" not in a + b and "&" not in a + b)  # no break of their own, none unescaped
    paragraphs = [p for p in (clean_text(a), clean_text(b)) if p]
    assert clean_body(f"{a}\n \n\n{b}") == ("\n\n".join(paragraphs) or None)


@given(st.lists(st.sampled_from(VIETNAMESE.split()), min_size=1, max_size=8), st.booleans())
def test_vietnamese_composed_or_decomposed_is_stored_composed(words, decomposed):
    text = " ".join(words)
    raw = unicodedata.normalize("NFD", text) if decomposed else text
    item = normalize_item(Article(title=raw, author=raw, tags=[raw], body=f"{raw}\n\n{raw}"))
    assert (item.title, item.author, item.tags, item.body) == (
        text,
        text,
        [text],
        f"{text}\n\n{text}",
    )


@given(texts)
def test_a_credit_never_starts_with_according_to(text):
    credit = clean_credit(text)
    if credit is not None:
        assert_clean_line(credit)
        assert not re.match(r"theo(\s|:|$)", credit, re.I), credit
    assert clean_credit(credit) == credit


@given(st.lists(texts, max_size=6))
def test_tags_are_clean_without_trailer_and_once_each_ignoring_case(values):
    tags = clean_tags(values)
    for tag in tags:
        assert_clean_line(tag)
        assert not tag.endswith(","), tag
        assert without_hashtag(tag) == tag, tag
    assert len({tag.casefold() for tag in tags}) == len(tags)
    assert clean_tags(tags) == tags


@given(st.lists(st.one_of(texts, st.text("abcXYZ019 \u200b", max_size=4)), max_size=8))
def test_tickers_are_three_upper_case_ascii_letters_or_digits_once_each(values):
    tickers = clean_tickers(values)
    assert all(re.fullmatch(r"[A-Z0-9]{3}", t) for t in tickers), tickers
    assert len(set(tickers)) == len(tickers)
    assert clean_tickers(tickers) == tickers


URL_PIECES = [
    "https://", "http://", "HTTP://", "//", "/", "?", "#", "=", "%", "%20", "%zz", "%2F", ":",
    ":8080", ":99999", "@", "[", "]", "[::1]", "\\", ".", "..", "-", "_", "cafef.vn",
    "www.cafef.vn", "CafeF.vn", "cafefcdn.com", "xn--", "bücher.de", "188260704171525847",
    "chu-tich-hai-phat-188260704171525847.chn", ".chn", "utm_source=x", "fbclid=y", "id=1", "&",
    "a.jpg", "ả",
]  # fmt: skip
url_pieces = st.one_of(pieces, st.sampled_from(URL_PIECES))
url_text = st.lists(url_pieces, max_size=10).map("".join)
urls = st.one_of(url_text, st.builds("https://{}/{}".format, url_text, url_text))
ARTICLE_FORM = re.compile(r"https://cafef\.vn/[A-Za-z0-9-]+-[0-9]{17,18}\.chn")


@given(urls, st.sampled_from([None, "https://cafef.vn/hai-phat-188260704171525847.chn"]))
def test_a_cleaned_url_is_absolute_http_and_cleaning_it_again_changes_nothing(url, base):
    once = clean_url(url, base)
    if once is not None:
        assert once.isascii() and re.match(r"https?://[^/?#]", once), once
        assert "#" not in once, once
        assert clean_url(once, base) == once
        assert clean_url(once) == once


@given(urls)
def test_an_article_url_of_cafef_is_canonical_and_cleaning_it_again_changes_nothing(url):
    once = clean_article_url(url)
    if once is not None and article_path_match(once):
        assert ARTICLE_FORM.fullmatch(once), once
    assert clean_article_url(once) == once


naive_times = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31))
zones = st.one_of(
    st.none(),
    st.just(dt.UTC),
    st.just(VIETNAM_TZ),
    # Offsets of whole minutes, as ISO 8601 writes them: Python 3.11 reads its own isoformat of
    # a sub-second offset (`+00:00:00.000001`) as `+00:00`, and no page holds one.
    st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: dt.timezone(dt.timedelta(minutes=m))),
)


@given(naive_times, zones, st.booleans())
def test_times_are_utc_and_published_date_is_their_vietnam_date(naive, zone, as_text):
    value = naive.replace(tzinfo=zone)
    item = normalize_item(Article(published_at=value.isoformat() if as_text else value))
    assumed = value if zone else naive.replace(tzinfo=VIETNAM_TZ)  # naive: Vietnam time
    try:
        instant = assumed.astimezone(dt.UTC)
    except OverflowError:  # no UTC instant: no time, rather than an error
        assert (item.published_at, item.published_date) == (None, None)
        return
    assert item.published_at == instant and item.published_at.tzinfo is dt.UTC
    assert item.published_date == vietnam_date(instant) == instant.astimezone(VIETNAM_TZ).date()
    assert to_utc(item.published_at) == item.published_at


aware_or_naive_times = st.builds(lambda t, z: t.replace(tzinfo=z), naive_times, zones)
items = st.builds(
    Article,
    article_id=st.one_of(st.none(), texts),
    url=st.one_of(st.none(), urls),
    section=st.one_of(st.none(), texts),
    category=st.one_of(st.none(), texts),
    title=st.one_of(st.none(), texts),
    sapo=st.one_of(st.none(), texts),
    body=st.one_of(st.none(), texts),
    author=st.one_of(st.none(), texts),
    source=st.one_of(st.none(), texts),
    source_url=st.one_of(st.none(), urls),
    published_at=st.one_of(st.none(), aware_or_naive_times, texts),
    modified_at=st.one_of(st.none(), naive_times),
    tags=st.one_of(st.none(), st.lists(texts, max_size=4)),
    tickers=st.one_of(st.none(), st.lists(texts, max_size=4)),
    image_urls=st.one_of(st.none(), st.lists(urls, max_size=4)),
)


@given(items)
def test_normalizing_any_item_never_raises_and_twice_is_once(item):
    once = normalize_item(item)
    assert normalize_item(copy.deepcopy(once)) == once
