"""What fetched content can and cannot make the crawler do: request only http(s) on the crawl
host, write only inside the dataset folder, read bounded responses, never run or unpickle it."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from replica_checks import (
    assert_complete_part_files,
    assert_only_replica_fetched,
    assert_stored_exactly,
    crawl_stats,
    reject_reasons,
    stored_ids,
)
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

import newsscraper.settings as project_settings
from newsscraper.crawl_args import ArgumentError, CrawlArguments
from newsscraper.dataset import part_file_name, safe_path_value
from newsscraper.dataset_read import read_articles
from newsscraper.dataset_write import commit_articles
from newsscraper.items import Article
from newsscraper.spiders.cafef import CafefSpider
from pipelines.parquet import ParquetSinkPipeline
from replica import ReplicaSite, faults
from replica.crawl import PROJECT_ROOT
from replica.faults import Fault
from replica.response import Response

SECTION_PAGE = "/doanh-nghiep.chn"
TIMELINE_2 = "/timelinelist/18836/2.chn"

# Listing links a hostile or broken page could carry; each names an id of its own.
HOSTILE_LINKS = {
    "188990202000000001": "file:///etc/passwd-188990202000000001.chn",
    "188990202000000002": "ftp://cafef.vn/tin-188990202000000002.chn",
    "188990202000000003": "http://evil.example/tin-188990202000000003.chn",
    "188990202000000004": "//evil.example/tin-188990202000000004.chn",
    "188990202000000005": "https://cafef.vn.evil.example/tin-188990202000000005.chn",
    "188990202000000006": "data:text/html,tin-188990202000000006.chn",
    "188990202000000007": "javascript:alert(1)//-188990202000000007.chn",
}


def hostile_listing():
    """The normal listing with stream items that link off the site or off the web."""
    items = [(article_id, href, f"Tin {article_id}") for article_id, href in HOSTILE_LINKS.items()]
    return faults.extra_items(items, listed_at="2026-03-07T10:00:00")


class HostileArticle(Fault):
    """The normal article page claiming path-like values where the page names things."""

    def apply(self, target: str, normal) -> Response:
        response = normal()
        body = response.body
        swaps = [
            (rb"(id='hdZoneUrl' value=')[^']*", rb"\g<1>../../../escaped"),
            (rb"(id='hdNewsId' value=')[^']*", rb"\g<1>../../../etc/passwd"),
            (rb'(data-role="cate-name"[^>]*>)[^<]*', rb"\g<1>../../cate"),
            (rb'(article:published_time" content=")[^"]*', rb"\g<1>../../2026-03-07"),
        ]
        for pattern, replacement in swaps:
            body, count = re.subn(pattern, replacement, body, count=1)
            assert count == 1, pattern
        response.body = body
        return response


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


# --- requests: http(s) on the crawl host only -------------------------------------------------


@pytest.mark.slow
def test_hostile_listing_links_are_never_requested(replica, crawl, output_dir):
    site = ReplicaSite(articles=25)
    site.script(SECTION_PAGE, [hostile_listing()])
    site.script(TIMELINE_2, [hostile_listing()])
    handle = replica(site)

    result = crawl(handle)

    stats = crawl_stats(result.stderr)
    assert_only_replica_fetched(handle, stats)
    assert not [p for p in handle.paths() if "18899020200000" in p]
    for scheme in ("file://", "ftp://", "data:", "evil.example"):
        assert f"Crawled (200) <GET {scheme}" not in result.stderr
    assert stats["downloader/request_count"] == len(handle.requests)
    assert_stored_exactly(output_dir, site.articles)
    assert not set(HOSTILE_LINKS) & set(reject_reasons(output_dir))


@pytest.mark.parametrize("link", sorted(HOSTILE_LINKS.values()))
def test_spider_rebases_no_link_off_the_site(link):
    crawler = get_crawler(CafefSpider, {"CAFEF_BASE_URL": "http://127.0.0.1:8080"})
    spider = CafefSpider.from_crawler(crawler)
    assert spider.rebase(link) is None


def test_spider_moves_cafef_links_onto_the_crawl_host_only():
    crawler = get_crawler(CafefSpider, {"CAFEF_BASE_URL": "http://127.0.0.1:8080"})
    spider = CafefSpider.from_crawler(crawler)
    path = "/tin-188260307095900927.chn"
    assert spider.rebase(f"https://cafef.vn{path}") == f"http://127.0.0.1:8080{path}"
    assert spider.rebase(f"https://www.cafef.vn{path}?x=1") == f"http://127.0.0.1:8080{path}"
    assert spider.rebase(f"http://127.0.0.1:9999{path}") == f"http://127.0.0.1:8080{path}"


def test_download_size_and_time_are_bounded_by_the_settings():
    # Enforcement is crawled in test_faults.py::test_response_over_download_maxsize_...
    assert 0 < project_settings.DOWNLOAD_MAXSIZE <= 16 * 1024 * 1024
    assert 0 < project_settings.DOWNLOAD_WARNSIZE < project_settings.DOWNLOAD_MAXSIZE
    assert 0 < project_settings.DOWNLOAD_TIMEOUT <= 120
    assert project_settings.REDIRECT_MAX_TIMES <= 10


# --- paths: nothing built from page content escapes the dataset folder ------------------------


@pytest.mark.parametrize(
    "value",
    ["..", "../x", "a/../../b", "/etc", "a/b", "a\\b", "", ".hidden", "a\x00b", "é", "x" * 101],
)
def test_safe_path_value_refuses_what_could_leave_its_folder(value):
    with pytest.raises(ValueError):
        safe_path_value(value)


@pytest.mark.parametrize("value", ["doanh-nghiep", "2026-03-07", "20261128T111649Z-32810061"])
def test_safe_path_value_keeps_plain_names(value):
    assert safe_path_value(value) == value


@pytest.mark.parametrize("section", ["../../escaped", "/tmp", "doanh-nghiep/../.."])
def test_section_argument_must_be_a_known_section(section):
    with pytest.raises(ArgumentError):
        CrawlArguments.parse({"section": section}, default_max_pages=1)


def test_run_id_must_be_safe_as_a_file_name():
    with pytest.raises(ValueError):
        part_file_name("../../escaped", 1)


def a_stored_article(**changes) -> Article:
    site = ReplicaSite(articles=1)
    fields = site.articles[0].expected_fields()
    fields.update(
        word_count=10,
        content_sha256="0" * 64,
        simhash=1,
        scraped_at=dt.datetime(2026, 3, 7, 5, 0, tzinfo=dt.UTC),
        run_id="run-1",
    )
    return dataclasses.replace(Article(**fields), **changes)


@pytest.mark.parametrize(
    "changes",
    [
        {"section": "../../escaped"},
        {"section": "/tmp/escaped"},
        {"published_date": "../../escaped"},
        {"published_date": "2026-03-07/../../../escaped"},
        {"published_date": None},
    ],
    ids=["section-dotdot", "section-absolute", "date-dotdot", "date-suffix", "date-missing"],
)
def test_sink_drops_items_it_cannot_partition_safely(changes, tmp_path):
    output_dir = tmp_path / "output"
    sink = ParquetSinkPipeline(output_dir, "run-1", lambda rows: None, batch_items=1)

    with pytest.raises(DropItem, match="cannot be stored"):
        sink.process_item(a_stored_article(**changes))
    sink.close_spider()

    assert files_under(tmp_path) == set()


def test_sink_never_makes_a_path_of_an_article_id(tmp_path):
    output_dir = tmp_path / "output"
    sink = ParquetSinkPipeline(output_dir, "run-1", lambda rows: None, batch_items=1)
    item = a_stored_article(article_id="../../../escaped")

    sink.process_item(item)

    [written] = files_under(tmp_path)
    assert written == (
        output_dir
        / "articles/section=doanh-nghiep"
        / f"published_date={item.published_date.isoformat()}/part-run-1-1.parquet"
    )
    assert stored_ids(output_dir) == ["../../../escaped"]


def test_commit_articles_refuses_unsafe_partition_values(tmp_path):
    output_dir = tmp_path / "output"
    row = dataclasses.asdict(a_stored_article())
    for bad in ({"section": "../x"}, {"published_date": "../x"}):
        with pytest.raises(ValueError):
            commit_articles(output_dir, [row | bad], "run-1", 1)
    assert files_under(tmp_path) == set()


@pytest.mark.slow
def test_article_page_claiming_path_like_values_writes_inside_the_dataset(
    replica, crawl, output_dir, tmp_path
):
    site = ReplicaSite(articles=25)
    victims = site.articles[1:3]  # both templates
    for article in victims:
        site.script(article.path, [HostileArticle()], repeat=True)
    handle = replica(site)

    crawl(handle)

    # Everything the crawl wrote is in OUTPUT_DIR's own folders, partitions named as they should.
    written = files_under(tmp_path)
    assert all(p.is_relative_to(output_dir) for p in written)
    top = {p.relative_to(output_dir).parts[0] for p in written}
    assert top <= {"articles", "rejects", "runs", ".lock", ".staging"}
    files = assert_complete_part_files(output_dir)
    partitions = {p.parent.relative_to(output_dir / "articles") for p in files}
    dates = {a.published_at.date().isoformat() for a in site.articles}
    assert partitions == {Path("section=doanh-nghiep") / f"published_date={d}" for d in dates}
    # The page's claims change none of the values a path is made of.
    rows = read_articles(output_dir, columns=["article_id", "section", "published_date"])
    expected = [
        {"article_id": a.article_id, "section": a.section, "published_date": a.published_at.date()}
        for a in site.articles
    ]
    assert sorted(rows.to_pylist(), key=str) == sorted(expected, key=str)


# --- fetched content is data, never code -------------------------------------------------------

SOURCE_DIRS = ["newsscraper", "pipelines", "replica"]
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "marshal", "shelve", "jsonpickle"}
UNSAFE_CALLS = {"eval", "exec"}
UNSAFE_ATTRIBUTES = {"read_pickle", "unsafe_load", "full_load"}


def unsafe_uses(source: str) -> list[str]:
    """Each use of eval/exec, a pickle-like module, yaml.load or allow_pickle=True in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in UNSAFE_MODULES:
                found.append(node.module)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in UNSAFE_CALLS:
                found.append(f"{func.id}()")
            elif isinstance(func, ast.Attribute) and (
                func.attr in UNSAFE_ATTRIBUTES
                or (func.attr == "load" and getattr(func.value, "id", None) == "yaml")
            ):
                found.append(f"{func.attr}()")
            found += [
                "allow_pickle=True"
                for kw in node.keywords
                if kw.arg == "allow_pickle" and getattr(kw.value, "value", False) is True
            ]
    return found


def test_the_guard_finds_what_it_looks_for():
    sample = (
        "import pickle\nfrom marshal import loads\nimport yaml\n"
        "eval(x)\nexec(y)\nyaml.load(s)\npd.read_pickle(p)\nnp.load(f, allow_pickle=True)\n"
    )
    assert sorted(unsafe_uses(sample)) == sorted(
        ["pickle", "marshal", "eval()", "exec()", "load()", "read_pickle()", "allow_pickle=True"]
    )
    assert unsafe_uses("re.compile(x)\njson.loads(s)\nnp.load(f)\nliteral_eval(s)\n") == []


def test_no_source_evaluates_or_unpickles_anything():
    sources = [p for d in SOURCE_DIRS for p in sorted((PROJECT_ROOT / d).rglob("*.py"))]
    assert len(sources) > 20
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): uses
        for path in sources
        if (uses := unsafe_uses(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
