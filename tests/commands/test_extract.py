"""`newsscraper extract` on the saved pages: one JSON line per article page, errors on stderr."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from newsscraper.cli import main
from newsscraper.commands import extract
from newsscraper.items import Article
from pipelines.stamp import fingerprint

FIXTURES = Path(__file__).parent.parent / "fixtures"
PAGES = FIXTURES / "pages"
ARTICLES = {
    "article_18826030622484142": PAGES / "article_18826030622484142.html",
    "article_188260704171525847_trimmed": PAGES / "article_188260704171525847_trimmed.html",
    "momo_2023-10-24": FIXTURES / "seed" / "momo_2023-10-24.html",
}
SECTION = PAGES / "section_thi-truong-chung-khoan.html"
COLUMNS = list(Article.__dataclass_fields__)


def expected_row(stem: str) -> dict:
    """The hand-read expected item, with the fingerprint of its expected body."""
    item = json.loads((FIXTURES / "expected" / f"{stem}.json").read_text(encoding="utf-8"))["item"]
    item["body"] = "\n\n".join(item["body"])
    word_count, sha, sim = fingerprint(item["body"])
    item.update(word_count=word_count, content_sha256=sha, simhash=sim)
    return {column: item[column] for column in COLUMNS}


def run_extract(capsys, *args: str) -> tuple[int, list[str], str]:
    code = main(["extract", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_prints_every_column_of_every_article_in_order(capsys):
    code, lines, err = run_extract(capsys, *map(str, ARTICLES.values()))

    assert (code, err) == (0, "")
    rows = [json.loads(line) for line in lines]
    assert [list(row) for row in rows] == [COLUMNS] * 3
    assert rows == [expected_row(stem) for stem in ARTICLES]
    # real UTF-8, not \u escapes
    assert "Thời điểm nâng hạng" in lines[0] and "\\u" not in lines[0]


def test_non_article_files_are_reported_and_the_rest_still_printed(capsys, tmp_path):
    missing = tmp_path / "missing.html"
    blocked = tmp_path / "blocked.html"
    blocked.write_text("<html><body><p>Too many requests</p></body></html>", encoding="utf-8")
    files = [str(SECTION), str(ARTICLES["momo_2023-10-24"]), str(missing), str(blocked)]

    code, lines, err = run_extract(capsys, *files)

    assert code == 1
    assert [json.loads(line)["article_id"] for line in lines] == ["188231024103100000"]
    errors = err.splitlines()
    assert len(errors) == 3
    assert str(SECTION) in errors[0] and "not an article page" in errors[0]
    assert errors[1] == f"newsscraper extract: {missing}: No such file or directory"
    assert str(blocked) in errors[2] and "not an article page" in errors[2]


def without_canonical(tmp_path: Path, name: str) -> Path:
    html = ARTICLES["article_188260704171525847_trimmed"].read_text(encoding="utf-8")
    html = html.replace('<link rel="canonical"', '<link rel="x-removed"')
    html = html.replace('<meta property="og:url"', '<meta property="x-removed"')
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def test_url_from_option_or_file_name_when_the_page_has_no_canonical_link(capsys, tmp_path):
    url = "https://cafef.vn/chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx-188260704171525847.chn"

    bare = without_canonical(tmp_path, "page.html")
    code, lines, err = run_extract(capsys, str(bare))
    assert code == 1 and json.loads(lines[0])["url"] is None
    assert err == (
        f"newsscraper extract: {bare}: the page does not say its article URL (give it with --url)\n"
    )

    for given in (url, url.replace("https:", "http:"), url.replace("https:", "HTTPS:")):
        code, lines, err = run_extract(capsys, str(bare), "--url", given)
        assert (code, err) == (0, "") and json.loads(lines[0])["url"] == url

    named = without_canonical(tmp_path, url.rsplit("/", 1)[1])
    code, lines, _ = run_extract(capsys, str(named))
    assert code == 0 and json.loads(lines[0])["url"] == url

    code, lines, err = run_extract(capsys, str(bare), str(named), "--url", url)
    assert code == 2 and lines == [] and "--url" in err

    # A --url that names no article (the section page) is said to be the fault, not its absence.
    section = "https://cafef.vn/doanh-nghiep.chn"
    code, lines, err = run_extract(capsys, str(bare), "--url", section)
    assert code == 1 and json.loads(lines[0])["url"] is None
    assert err == (
        f"newsscraper extract: {bare}: --url {section} is no article URL "
        "(https://cafef.vn/<slug>-<id>.chn) and the page does not say its own\n"
    )


def test_help_of_url_says_it_wins_over_the_canonical_link_as_it_does(capsys, tmp_path):
    # The README's order: --url, then the file name, then the page's canonical link.
    page = ARTICLES["article_188260704171525847_trimmed"]
    given = "https://cafef.vn/mot-ten-khac-188260307095900927.chn"
    code, lines, _ = run_extract(capsys, str(page), "--url", given)
    assert code == 0 and json.loads(lines[0])["url"] == given

    with pytest.raises(SystemExit):
        main(["extract", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "wins over the file name and the page's canonical link" in shown
    assert "when neither" not in shown


def test_a_page_saying_neither_its_url_nor_its_id_is_told_to_give_its_url(capsys, tmp_path):
    # No canonical link, no #hdNewsId: a crawl's reject would be missing_article_id, yet what
    # the page lacks is its URL, which gives the id too.
    page = without_canonical(tmp_path, "page.html")
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("value='188260704171525847'", "value=''"), encoding="utf-8")

    code, lines, err = run_extract(capsys, str(page))

    assert code == 1 and json.loads(lines[0])["article_id"] is None
    assert err == (
        f"newsscraper extract: {page}: the page does not say its article URL (give it with --url)\n"
    )


def test_many_files_in_one_process(capsys):
    # How fast is the whole-process benchmark's business (bench/extract_cli.py), not a test's.
    files = [str(path) for path in ARTICLES.values()] * 20
    code, lines, _ = run_extract(capsys, *files)
    assert code == 0 and len(lines) == 60
    assert [json.loads(line)["article_id"] for line in lines[:3]] * 20 == [
        json.loads(line)["article_id"] for line in lines
    ]


def extract_momo_in_a_process(**env: str) -> None:
    """`python -m newsscraper extract` of the seed page with `env` set: UTF-8 JSON of its row."""
    result = subprocess.run(
        [sys.executable, "-m", "newsscraper", "extract", str(ARTICLES["momo_2023-10-24"])],
        capture_output=True,
        env={**os.environ, **env},
        cwd=Path(__file__).parent.parent.parent,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode("utf-8")) == expected_row("momo_2023-10-24")


def test_python_dash_m_under_a_c_locale():
    extract_momo_in_a_process(LC_ALL="C", LANG="C", PYTHONIOENCODING="")


def test_the_output_is_utf_8_even_when_python_would_encode_stdout_otherwise():
    # Python coerces a C locale to UTF-8 by itself; a legacy encoding asked for is not.
    extract_momo_in_a_process(PYTHONIOENCODING="latin-1")


def test_a_page_saved_in_another_charset_reads_as_the_crawl_reads_it(capsys, tmp_path):
    # A page in windows-1258 (Vietnamese as base letters and combining tone marks) that says
    # so, and a UTF-8 page that declares another charset: both give the UTF-8 page's row.
    html = ARTICLES["momo_2023-10-24"].read_text(encoding="utf-8")
    assert "charset=utf-8" in html
    legacy = tmp_path / "windows-1258.html"
    declared = html.replace("charset=utf-8", "charset=windows-1258", 1)
    legacy.write_bytes(unicodedata.normalize("NFD", declared).encode("cp1258", "xmlcharrefreplace"))
    mislabelled = tmp_path / "mislabelled.html"
    mislabelled.write_bytes(declared.encode("utf-8"))

    code, lines, err = run_extract(capsys, str(legacy), str(mislabelled))

    assert (code, err) == (0, "")
    assert [json.loads(line) for line in lines] == [expected_row("momo_2023-10-24")] * 2


def test_a_url_without_scheme_or_host_is_a_usage_error(capsys):
    page = str(ARTICLES["momo_2023-10-24"])
    for url in (
        "cafef.vn/momo-188231024103100000.chn",
        "/momo-188231024103100000.chn",
        "http://[::1",
        "https:///momo-188231024103100000.chn",
        "http:momo-188231024103100000.chn",
        "ftp://cafef.vn/momo-188231024103100000.chn",
        "",
        # A port that is no port: no request can be made of it.
        "https://cafef.vn:99999/momo-188231024103100000.chn",
        "https://cafef.vn:abc/momo-188231024103100000.chn",
    ):
        code, lines, err = run_extract(capsys, page, "--url", url)
        assert code == 2 and lines == []
        assert err == (
            "newsscraper extract: --url needs an absolute http(s) URL, such as "
            f"https://cafef.vn/<slug>-<id>.chn, not {url!r}\n"
        )


def test_a_page_the_crawl_would_reject_is_printed_with_its_reason_on_stderr(capsys, tmp_path):
    html = ARTICLES["momo_2023-10-24"].read_text(encoding="utf-8")
    row = expected_row("momo_2023-10-24")
    untitled = tmp_path / "untitled.html"
    untitled.write_text(html.replace(row["title"], ""), encoding="utf-8")
    short = tmp_path / "short.html"
    short_html = html
    for paragraph in row["body"].split("\n\n"):
        short_html = short_html.replace(paragraph, "Ngắn quá.")
    short.write_text(short_html, encoding="utf-8")
    ahead = tmp_path / "ahead.html"
    ahead.write_text(html.replace("2023-10-24T10:31", "2999-10-24T10:31"), encoding="utf-8")

    code, lines, err = run_extract(capsys, str(untitled), str(short), str(ahead))

    assert code == 1 and len(lines) == 3
    untitled_row, short_row, ahead_row = map(json.loads, lines)
    assert untitled_row["title"] is None
    assert ahead_row["published_at"].startswith("2999-10-24T03:31:00")
    errors = err.splitlines()
    assert errors[0] == (
        f"newsscraper extract: {untitled}: a crawl would reject it as missing_title: "
        "title is empty or absent"
    )
    assert errors[1] == (
        f"newsscraper extract: {short}: a crawl would reject it as body_too_short: "
        f"body has {len(short_row['body'])} characters, fewer than 200"
    )
    assert errors[2].startswith(
        f"newsscraper extract: {ahead}: a crawl would reject it as published_in_future: "
        "published_at 2999-10-24T03:31:00+00:00 is more than"
    )
    assert len(errors) == 3


def test_a_page_dated_more_than_a_day_after_now_is_told_against_the_clock_of_now(capsys, tmp_path):
    # 30 hours ahead of now, in the page's own time (Vietnam, UTC+7): a crawl now rejects it,
    # one 24 hours later would not.
    html = ARTICLES["momo_2023-10-24"].read_text(encoding="utf-8")
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=30)
    page = tmp_path / "tomorrow.html"
    vietnam = (ahead + dt.timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")
    page.write_text(html.replace("2023-10-24T10:31", vietnam), encoding="utf-8")

    code, lines, err = run_extract(capsys, str(page))

    assert code == 1 and len(lines) == 1
    assert err.startswith(
        f"newsscraper extract: {page}: a crawl would reject it as published_in_future: "
        f"published_at {ahead.strftime('%Y-%m-%dT%H:%M')}:00+00:00 is more than 24 hours after "
        "the crawl's clock, "
    )


def test_a_modified_time_far_ahead_of_now_is_printed_null_as_the_crawl_stores_it(capsys, tmp_path):
    # A typo (`2062`): no last save of a page read now. The row is otherwise right, no reject.
    html = ARTICLES["momo_2023-10-24"].read_text(encoding="utf-8")
    empty = "id='hidLastModifiedDate' value=''"
    assert html.count(empty) == 1
    pages = []
    for year in ("2062", "2023"):
        pages.append(tmp_path / f"{year}.html")
        edited = html.replace(empty, f"id='hidLastModifiedDate' value='{year}-10-24T10:40:00'")
        pages[-1].write_text(edited, encoding="utf-8")

    code, lines, err = run_extract(capsys, *map(str, pages))

    assert (code, err) == (0, "")
    assert [json.loads(line)["modified_at"] for line in lines] == [
        None,
        "2023-10-24T03:40:00+00:00",
    ]


def test_a_gzip_compressed_page_is_unpacked_and_named_as_its_inner_file(capsys, tmp_path):
    url = "https://cafef.vn/chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx-188260704171525847.chn"
    page = without_canonical(tmp_path, "plain.html")
    packed = tmp_path / (url.rsplit("/", 1)[1] + ".gz")
    packed.write_bytes(gzip.compress(page.read_bytes()))
    broken = tmp_path / "broken.html.gz"
    broken.write_bytes(gzip.compress(page.read_bytes())[:-40])
    # An unknown compression method in the header, an invalid block in the data.
    bad_header = tmp_path / "bad-header.html.gz"
    bad_header.write_bytes(gzip.compress(page.read_bytes())[:2] + b"\x00" * 40)
    bad_data = tmp_path / "bad-data.html.gz"
    packed_bytes = gzip.compress(page.read_bytes())
    bad_data.write_bytes(packed_bytes[:10] + b"\xff" + packed_bytes[11:])

    code, lines, err = run_extract(
        capsys, str(page), str(packed), str(broken), str(bad_header), str(bad_data)
    )

    plain_row, packed_row = (json.loads(line) for line in lines)
    # The file name `<slug>-<id>.chn.gz` gives the URL as `<slug>-<id>.chn` would.
    assert packed_row == {**plain_row, "url": url, "article_id": "188260704171525847"}
    assert plain_row["url"] is None and plain_row["title"]
    assert code == 1
    errors = err.splitlines()
    assert len(errors) == 4 and errors[0].startswith(f"newsscraper extract: {page}: the page does")
    for error, path in zip(errors[1:], (broken, bad_header, bad_data), strict=True):
        assert error.startswith(f"newsscraper extract: {path}: a gzip file that does not unpack (")


def test_a_dash_reads_the_page_from_stdin(capsys, monkeypatch, tmp_path):
    # `curl -s URL | newsscraper extract -`, with files before and after it.
    page = ARTICLES["momo_2023-10-24"]
    stdin = tmp_path / "stdin"
    stdin.write_bytes(gzip.compress(page.read_bytes()))
    with stdin.open("rb") as raw:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))
        code, lines, err = run_extract(capsys, str(page), "-", str(page))

    assert (code, err) == (0, "")
    assert [json.loads(line) for line in lines] == [expected_row("momo_2023-10-24")] * 3


def test_a_file_named_dash_is_read_as_dot_slash_dash_not_from_stdin(capsys, monkeypatch, tmp_path):
    # As README says: `-` is stdin, `./-` the file named `-` (which pathlib also spells `-`).
    (tmp_path / "-").write_bytes(ARTICLES["momo_2023-10-24"].read_bytes())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))

    code, lines, err = run_extract(capsys, "./-", "-")

    assert code == 1
    assert [json.loads(line) for line in lines] == [expected_row("momo_2023-10-24")]
    assert err == "newsscraper extract: -: an empty file\n"


def test_a_page_gzipped_twice_is_unpacked_and_a_deeper_nesting_is_named(capsys, tmp_path):
    # `curl --compressed` of a server that gzips an already gzipped body leaves one layer.
    body = ARTICLES["momo_2023-10-24"].read_bytes()
    twice = tmp_path / "twice.html"
    twice.write_bytes(gzip.compress(gzip.compress(body)))
    deep = tmp_path / "deep.html"
    deep.write_bytes(gzip.compress(gzip.compress(gzip.compress(gzip.compress(body)))))

    code, lines, err = run_extract(capsys, str(twice), str(deep))

    assert code == 1
    assert [json.loads(line) for line in lines] == [expected_row("momo_2023-10-24")]
    assert err == f"newsscraper extract: {deep}: gzip nested more than 3 deep, not unpacked\n"


def test_a_gzip_unpacking_to_more_than_the_limit_is_named_not_read(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(extract, "GZIP_MAX_BYTES", 1000)
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(gzip.compress(b"\0" * 100_000)))

    code, lines, err = run_extract(capsys, str(bomb))

    assert (code, lines) == (1, [])
    assert err == f"newsscraper extract: {bomb}: gzip that unpacks to more than 1000 bytes\n"


def test_a_gzip_unpacking_to_exactly_the_limit_is_read(capsys, monkeypatch, tmp_path):
    body = ARTICLES["momo_2023-10-24"].read_bytes()
    monkeypatch.setattr(extract, "GZIP_MAX_BYTES", len(body))
    packed = tmp_path / "page.html.gz"
    packed.write_bytes(gzip.compress(body))

    code, lines, err = run_extract(capsys, str(packed))

    assert (code, err) == (0, "")
    assert [json.loads(line) for line in lines] == [expected_row("momo_2023-10-24")]


def test_the_unpacked_size_limit_is_64_mb(capsys, tmp_path):
    # README: unpacked "up to three layers and 64 MB". Blank pages, so the one read is cheap.
    limit = 64 * 1024 * 1024
    at_limit = tmp_path / "at-limit.html.gz"
    at_limit.write_bytes(gzip.compress(b" " * limit, compresslevel=1))
    over = tmp_path / "over.html.gz"
    over.write_bytes(gzip.compress(b" " * (limit + 1), compresslevel=1))

    code, lines, err = run_extract(capsys, str(at_limit), str(over))

    assert (code, lines) == (1, [])
    assert err == (
        f"newsscraper extract: {at_limit}: an empty file\n"
        f"newsscraper extract: {over}: gzip that unpacks to more than {limit} bytes\n"
    )


def test_wget_names_of_an_article_file_give_its_url(capsys, tmp_path):
    # wget's second copy (`.chn.1`) and `--adjust-extension` (`.chn.html`) name the article too.
    url = "https://cafef.vn/chu-tich-do-quy-hai-dang-ky-mua-10-trieu-co-phieu-hpx-188260704171525847.chn"
    name = url.rsplit("/", 1)[1]
    # wget's second copy of a page it renamed `.html` is `.html.1`; a saver may write upper case.
    for suffix in (".1", ".html", ".12.html", ".1.gz", ".html.1", ".htm", ".HTML", ".Html.GZ"):
        page = without_canonical(tmp_path, name + suffix)
        code, lines, err = run_extract(capsys, str(page))
        assert (code, err) == (0, ""), suffix
        assert json.loads(lines[0])["url"] == url


def test_an_empty_file_is_said_to_be_empty(capsys, tmp_path):
    # A download that failed (`curl -o page.html` of a refused request) leaves an empty file.
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    packed = tmp_path / "empty.html.gz"
    packed.write_bytes(gzip.compress(b""))
    blank = tmp_path / "blank.html"  # only whitespace: nothing a page could be read from
    blank.write_bytes(b" \r\n\t\n")
    marked = tmp_path / "bom.html"  # an editor's save of an empty page: a byte order mark
    marked.write_bytes(b"\xef\xbb\xbf\n")

    code, lines, err = run_extract(capsys, str(empty), str(packed), str(blank), str(marked))

    assert (code, lines) == (1, [])
    assert err == (
        f"newsscraper extract: {empty}: an empty file\n"
        f"newsscraper extract: {packed}: an empty file\n"
        f"newsscraper extract: {blank}: an empty file\n"
        f"newsscraper extract: {marked}: an empty file\n"
    )


def test_a_page_cut_short_is_said_to_be_cut_not_printed_as_a_shorter_article(capsys, tmp_path):
    # A download that stopped early (`curl` interrupted, a save cut off): the page's head still
    # gives its tags, author and dates, so only the body would show the loss. A crawl fetches
    # such a page again; extract names it and prints nothing for it.
    html = ARTICLES["momo_2023-10-24"].read_bytes()
    row = expected_row("momo_2023-10-24")
    third = row["body"].split("\n\n")[2].encode()
    cut_in_body = tmp_path / "cut-in-body.html"
    cut_in_body.write_bytes(html[: html.index(third) + 20])
    # Cut after the site's footer: every part of the article came, only closing tags are missing.
    cut_after_footer = tmp_path / "cut-after-footer.html"
    cut_after_footer.write_bytes(html[: html.rindex(b"</body>")])

    code, lines, err = run_extract(capsys, str(cut_in_body), str(cut_after_footer))

    assert code == 1
    assert [json.loads(line) for line in lines] == [row]
    assert err == (
        f"newsscraper extract: {cut_in_body}: the page is cut short (it stops before the "
        "site's footer, without </html>): a crawl would fetch it again; save it again\n"
    )


def test_a_link_to_itself_is_named_not_a_traceback(capsys, tmp_path):
    # Resolving it for its file:// URL fails before reading it would.
    loop = tmp_path / "page.html"
    loop.symlink_to(loop.name)
    page = ARTICLES["momo_2023-10-24"]

    code, lines, err = run_extract(capsys, str(loop), str(page))

    assert code == 1
    assert [json.loads(line) for line in lines] == [expected_row("momo_2023-10-24")]
    assert err == f"newsscraper extract: {loop}: Too many levels of symbolic links\n"
