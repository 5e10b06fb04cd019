"""`newsscraper extract` agrees with the crawl: each article page the replica serves, saved as the
crawl got it and given to extract, prints the row the crawl stored for it, column by column
(README, "Other commands": "it prints every column as the pipeline would store it (`scraped_at`,
`run_id` and `duplicate_of` are null)"); a page the crawl put in `rejects/` is printed, and
stderr names the reason its reject carries. Saved again in another way that changes nothing a
reader sees (another charset its `<meta>` names, gzip, whitespace between block tags, other line
endings), the page prints the same line."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import sys
import unicodedata
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsscraper.cli import main
from newsscraper.commands.extract import COLUMNS
from newsscraper.dataset_read import read_articles, read_rejects
from replica import ReplicaSite, serve
from replica.crawl import run_crawl

pytestmark = pytest.mark.slow

# What only a crawl knows: extract prints them null.
CRAWL_ONLY = ("scraped_at", "run_id", "duplicate_of")
COMPARED = [column for column in COLUMNS if column not in CRAWL_ONLY]
TIMESTAMPS = ("published_at", "modified_at")

# Quirks of the replica's articles, by index: a page written in NFD, one the crawl rejects (no
# title), a near copy of another (one of the two stored with duplicate_of, which extract cannot
# know).
NFD, NO_TITLE, COPY, ORIGINAL = 2, 5, 3, 9


class Crawled:
    """One crawl of the replica, and each article page's bytes as served, saved under the
    name a saver gives it (`<slug>-<id>.chn`)."""

    def __init__(self, folder: Path) -> None:
        self.site = ReplicaSite(
            articles=24, nfd={NFD}, no_title={NO_TITLE}, near_duplicate_of={COPY: ORIGINAL}
        )
        self.output_dir = folder / "output"
        self.pages_dir = folder / "pages"
        self.pages_dir.mkdir()
        with serve(self.site) as handle:
            self.base_url = handle.base_url
            result = run_crawl(handle.base_url, self.output_dir)
            assert result.returncode == 0, result.stderr[-4000:]
            self.pages: dict[str, Path] = {}
            for article in self.site.articles:
                with urllib.request.urlopen(handle.url(article.path), timeout=10) as response:
                    body = response.read()
                path = self.pages_dir / article.path.lstrip("/")
                path.write_bytes(body)
                self.pages[article.article_id] = path
        self.rows = {row["article_id"]: row for row in read_articles(self.output_dir).to_pylist()}
        self.rejects = {row["article_id"]: row for row in read_rejects(self.output_dir).to_pylist()}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Crawled:
    return Crawled(tmp_path_factory.mktemp("parity"))


def run_extract(*args: str) -> tuple[int, list[str], list[str]]:
    """`newsscraper extract ARGS` in this process: its exit code, stdout and stderr lines."""
    out, err = _Text(), _Text()
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(sys, "stdout", out))
        stack.enter_context(mock.patch.object(sys, "stderr", err))
        code = main(["extract", *args])
    return code, out.lines(), err.lines()


class _Text:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def lines(self) -> list[str]:
        return "".join(self.parts).splitlines()


def as_values(printed: dict) -> dict:
    """A printed line's compared columns as the dataset's values: instants and the date parsed
    from their ISO 8601, the rest as JSON gives them (lists as lists)."""
    values = {column: printed[column] for column in COMPARED}
    for column in TIMESTAMPS:
        if values[column] is not None:
            values[column] = dt.datetime.fromisoformat(values[column])
    if values["published_date"] is not None:
        values["published_date"] = dt.date.fromisoformat(values["published_date"])
    return values


def stored_values(row: dict) -> dict:
    return {column: row[column] for column in COMPARED}


def printed_line(path: Path, *options: str) -> tuple[dict, list[str]]:
    code, lines, errors = run_extract(*options, str(path))
    assert len(lines) == 1, (code, lines, errors)
    printed = json.loads(lines[0])
    assert list(printed) == COLUMNS
    assert {column: printed[column] for column in CRAWL_ONLY} == dict.fromkeys(CRAWL_ONLY)
    assert code == (1 if errors else 0), (code, errors)
    return printed, errors


def test_the_crawl_stored_every_article_once_but_the_one_it_rejected(crawled):
    # What the comparisons below stand on: a row for every stored page, a reject for the other.
    no_title = crawled.site.articles[NO_TITLE].article_id
    assert set(crawled.rows) == set(crawled.pages) - {no_title}
    assert set(crawled.rejects) == {no_title}
    # The crawl may store either of a near copy and its original first (their pages are fetched
    # at once): exactly one of the pair points at the other.
    copy, original = (crawled.site.articles[i].article_id for i in (COPY, ORIGINAL))
    flags = {crawled.rows[copy]["duplicate_of"], crawled.rows[original]["duplicate_of"]}
    assert flags in ({original, None}, {copy, None})


def test_each_stored_page_prints_its_stored_row_column_by_column(crawled):
    for article_id, row in sorted(crawled.rows.items()):
        printed, errors = printed_line(crawled.pages[article_id])
        assert errors == [], article_id
        assert as_values(printed) == stored_values(row), article_id


def test_a_page_the_crawl_rejected_is_printed_with_the_reason_of_its_reject(crawled):
    (article_id, reject) = next(iter(crawled.rejects.items()))
    path = crawled.pages[article_id]
    printed, errors = printed_line(path)
    assert printed["article_id"] == article_id and printed["url"] == reject["url"]
    assert printed["title"] is None
    assert errors == [
        f"newsscraper extract: {path}: a crawl would reject it as {reject['reason']}: "
        f"{reject['detail']}"
    ]


# --- the same page saved another way ---------------------------------------------------------

# Tags around which whitespace is no text: HTML's block and head elements.
BLOCK_TAG = re.compile(
    r"(?=<(?:/?(?:div|p|ul|ol|li|h[1-6]|section|article|header|footer|nav|table|tr|tbody"
    r"|figure|figcaption|head|body|html)\b|meta\b|link\b))",
    re.IGNORECASE,
)
CHARSET_DECLARED = re.compile(r"charset=utf-8", re.IGNORECASE)


def encoded(html: str, charset: str) -> bytes:
    """`html` in `charset`, declared so by its `<meta>`. A character the charset has no code for
    is written as the charset writes Vietnamese (windows-1258: a letter with its tone mark
    after it, combining), else as a character reference, as browsers save it."""
    declared = "utf-8" if charset == "utf-8-sig" else charset  # UTF-8 behind a BOM
    html = CHARSET_DECLARED.sub(f"charset={declared}", html)
    if charset.startswith("utf"):
        return html.encode(charset)
    return b"".join(_encoded_char(char, charset) for char in html)


def _encoded_char(char: str, charset: str) -> bytes:
    try:
        return char.encode(charset)
    except UnicodeEncodeError:
        pass
    marks = unicodedata.normalize("NFD", char)
    for split in range(len(marks) - 1, 0, -1):
        head, tail = unicodedata.normalize("NFC", marks[:split]), marks[split:]
        try:
            return head.encode(charset) + tail.encode(charset)
        except UnicodeEncodeError:
            continue
    return f"&#{ord(char)};".encode("ascii")


class Saved(bytes):
    """A page's bytes, shown by the way it was saved: a failing example's 100 kB would hide it."""

    how: str

    def __repr__(self) -> str:
        return f"<{len(self)} bytes: {self.how}>"


@st.composite
def saved_again(draw, crawled: Crawled) -> tuple[str, str, Saved, list[str]]:
    """A stored article's page (its id, its file name, bytes and extract's options) saved
    again: its line endings LF, CRLF or CR, whitespace before some block tags, in another
    charset, gzipped, under a name a saver gives it (with `--url`, the URL the crawl asked for;
    a name without the article's URL, which the page's canonical link then gives)."""
    article_id = draw(st.sampled_from(sorted(crawled.rows)))
    path = crawled.pages[article_id]
    html = path.read_bytes().decode("utf-8")
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    html = re.sub(r"\r\n|\r|\n", lambda _: newline, html)
    spaces = draw(st.sampled_from(["", " ", "\n", "\t", " \r\n  "]))
    every = draw(st.integers(1, 5))
    if spaces:
        cuts = [m.start() for m in BLOCK_TAG.finditer(html)][::every]
        for at in reversed(cuts):
            html = html[:at] + spaces + html[at:]
    charset = draw(st.sampled_from(["utf-8", "windows-1258", "utf-8-sig", "windows-1252"]))
    body = encoded(html, charset)
    name, options = draw(
        st.sampled_from(
            [
                (path.name, []),
                (path.name + ".html", []),
                (path.name + ".1", []),
                ("page.html", []),
                ("page.html", ["--url", crawled.base_url + "/" + path.name]),
            ]
        )
    )
    packed = draw(st.booleans())
    if packed:
        body, name = gzip.compress(body, mtime=0), name + ".gz"
    saved = Saved(body)
    saved.how = f"{newline=}, {spaces=} before every {every}th block tag, {charset}, {packed=}"
    return article_id, name, saved, options


@settings(max_examples=max(1, settings.default.max_examples // 5))
@given(data=st.data())
def test_a_page_saved_another_way_prints_the_same_line(crawled, tmp_path_factory, data):
    article_id, name, body, options = data.draw(saved_again(crawled))
    path = tmp_path_factory.mktemp("again") / name
    path.write_bytes(body)
    _, before, _ = run_extract(str(crawled.pages[article_id]))
    printed, errors = printed_line(path, *options)
    assert errors == []
    assert [json.dumps(printed, ensure_ascii=False)] == before
