"""SectionPage on variants of the real saved section page, checked with hypothesis: stream and
focus items removed, the page's own items cut into a timeline fragment, and listing times
written in each of the site's formats."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from newsscraper.pages.dates import VIETNAM_TZ
from newsscraper.pages.section import SectionPage
from tests.pages.test_section_page import FOCUS, SECTION_FILE, STREAM, response

SAVED = SECTION_FILE.read_bytes()
TIMELINE_URL = "https://cafef.vn/timelinelist/18831/2.chn"
STREAM_ITEMS = "//div[contains(@class, 'listchungkhoannew')]//div[@data-id]"
FOCUS_ITEMS = (
    "//div[contains(@class, 'list-focus-main')]//div[contains(@class, 'firstitem')]"
    " | //div[contains(@class, 'cate-hl-row2')]//div[contains(@class, 'big')]"
)

# A whole page parsed, changed and serialized per example: a few dozen keep the file fast (the
# profile's 200 give 30; `HYPOTHESIS_PROFILE=explore` gives 3,000).
PAGE_EXAMPLES = settings(max_examples=settings.default.max_examples * 3 // 20)


def parse():
    return etree.fromstring(SAVED, etree.HTMLParser(encoding="utf-8"))


def serialize(root) -> bytes:
    return etree.tostring(root, encoding="utf-8", method="html", doctype="<!DOCTYPE html>")


def remove(element) -> None:
    """`element` out of the tree, the text after it kept."""
    parent, previous, tail = element.getparent(), element.getprevious(), element.tail
    parent.remove(element)
    if tail and previous is not None:
        previous.tail = (previous.tail or "") + tail
    elif tail:
        parent.text = (parent.text or "") + tail


def stream_rows(page: SectionPage) -> list[tuple]:
    return [(e.article_id, e.listed_at, e.kind) for e in page.stream_entries()]


def test_the_saved_page_serialized_again_gives_the_same_entries():
    """The ground the variants stand on: lxml's serialization of the page changes nothing."""
    page = SectionPage(response(serialize(parse())))
    assert page.focus_entries() == FOCUS
    assert stream_rows(page) == [(i, t, "stream") for i, t in STREAM]


@PAGE_EXAMPLES
@given(
    stream_gone=st.sets(st.integers(0, len(STREAM) - 1)),
    focus_gone=st.sets(st.integers(0, len(FOCUS) - 1)),
)
def test_items_removed_leave_the_others_links_and_times_as_they_were(stream_gone, focus_gone):
    """Removing stream or focus items keeps every other entry exactly (link, title, time), each
    of its own kind: a focus pick is never a stream entry, nor a stream item a pick; a fragment
    of the remaining stream items gives the same stream entries."""
    root = parse()
    streams, picks = root.xpath(STREAM_ITEMS), root.xpath(FOCUS_ITEMS)
    assert (len(streams), len(picks)) == (len(STREAM), len(FOCUS))
    full = SectionPage(response(SAVED)).stream_entries()
    for index in stream_gone:
        remove(streams[index])
    for index in focus_gone:
        remove(picks[index])
    kept_stream = [e for i, e in enumerate(full) if i not in stream_gone]
    kept_focus = [e for i, e in enumerate(FOCUS) if i not in focus_gone]

    page = SectionPage(response(serialize(root)))
    assert page.focus_entries() == kept_focus
    assert page.stream_entries() == kept_stream
    assert page.entries() == kept_focus + kept_stream

    kept = [streams[i] for i in range(len(streams)) if i not in stream_gone]
    fragment = b"\n".join(etree.tostring(item, encoding="utf-8", method="html") for item in kept)
    fragment_page = SectionPage(response(fragment, TIMELINE_URL))
    assert fragment_page.is_fragment
    assert fragment_page.entries() == kept_stream
    assert fragment_page.is_empty_fragment() == (not kept)


# Minutes of the site's stories: 2007 (CafeF's start) to 2035.
INSTANTS = st.datetimes(dt.datetime(2007, 1, 1), dt.datetime(2035, 12, 31, 23, 59)).map(
    lambda t: t.replace(second=0, microsecond=0, tzinfo=VIETNAM_TZ)
)


def stream_time(instant: dt.datetime, spelling: str) -> str:
    """A stream item's `span.time-ago@title` for `instant`."""
    local = instant.astimezone(VIETNAM_TZ).replace(tzinfo=None)
    return {
        "local": local.isoformat(),  # the site's: `2026-03-07T10:22:00`
        "local, no seconds": local.isoformat(timespec="minutes"),
        "with offset": instant.astimezone(VIETNAM_TZ).isoformat(),
        "in UTC": instant.astimezone(dt.UTC).isoformat(),
    }[spelling]


def focus_time(instant: dt.datetime, spelling: str) -> str:
    """A focus item's `p.time@data-time` (or its text) for `instant`."""
    text = instant.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y - %H:%M")
    return "2" + text if spelling == "stray 2" else text


@PAGE_EXAMPLES
@given(
    instant=INSTANTS,
    stream_at=st.integers(0, len(STREAM) - 1),
    stream_spelling=st.sampled_from(["local", "local, no seconds", "with offset", "in UTC"]),
    focus_at=st.integers(0, len(FOCUS) - 1),
    focus_spelling=st.sampled_from(["data-time", "stray 2", "text only"]),
)
def test_a_listing_time_in_any_of_the_sites_spellings_reads_back_as_the_same_instant(
    instant, stream_at, stream_spelling, focus_at, focus_spelling
):
    """Stream times (ISO, Vietnam time without offset, or with one) and focus times
    (`DD/MM/YYYY - HH:MM`, the stray leading `2`, or only the text shown) are the same
    instant, in UTC+7; the other entries keep theirs."""
    root = parse()
    span = root.xpath(STREAM_ITEMS)[stream_at].xpath(".//span[contains(@class, 'time-ago')]")[0]
    span.set("title", stream_time(instant, stream_spelling))
    node = root.xpath(FOCUS_ITEMS)[focus_at].xpath(".//p[contains(@class, 'time')]")[0]
    if focus_spelling == "text only":
        del node.attrib["data-time"]
        node.text = focus_time(instant, focus_spelling)
    else:
        node.set("data-time", focus_time(instant, focus_spelling))

    page = SectionPage(response(serialize(root)))
    expected_stream = [(i, t, "stream") for i, t in STREAM]
    expected_stream[stream_at] = (STREAM[stream_at][0], instant, "stream")
    assert stream_rows(page) == expected_stream
    focus = page.focus_entries()
    assert [e.listed_at for e in focus] == [
        instant if i == focus_at else e.listed_at for i, e in enumerate(FOCUS)
    ]
    assert {e.listed_at.utcoffset() for e in page.entries()} == {dt.timedelta(hours=7)}
