"""`python -m bench --smoke` still runs every benchmark and reports what it should.

Figures are never asserted against targets here (that is RESULTS.md's job): these tests check
that each benchmark ran, that its figures are present and sane (times and sizes positive,
answers and row counts right), so that no benchmark can rot between full runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import io
import json
import math
import re
import subprocess
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest

from bench import (
    accuracy,
    common,
    crawl,
    extract_cli,
    extraction,
    history,
    history_open,
    machine,
    profile,
    queries,
    report,
    runner,
    storage,
)
from bench.common import BenchResult, Figure
from bench.pages import expected_for, load_pages
from bench.runner import BENCHMARKS
from bench.synthetic import BigramWriter, article_rows, text_bank, ticker_universe, ticker_weights
from newsscraper.dataset import list_part_files
from newsscraper.dataset_write import commit_articles
from newsscraper.history import History
from newsscraper.schema import ARTICLES_FILE_SCHEMA, ARTICLES_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory) -> dict:
    """One smoke run of every benchmark, as a user would start it; its JSON and Markdown."""
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--smoke",
            "--json",
            str(out / "results.json"),
            "--results",
            str(out / "RESULTS.md"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    payload = json.loads((out / "results.json").read_text(encoding="utf-8"))
    payload["by_name"] = {r["name"]: r for r in payload["results"]}
    payload["markdown"] = (out / "RESULTS.md").read_text(encoding="utf-8")
    payload["stdout"] = done.stdout
    return payload


def _data(smoke: dict, name: str) -> dict:
    result = smoke["by_name"][name]
    assert result["error"] is None, result["error"]
    assert result["figures"], f"{name} reported no figures"
    return result["data"]


def test_every_benchmark_ran_without_error(smoke):
    assert [r["name"] for r in smoke["results"]] == list(BENCHMARKS)
    assert [r["name"] for r in smoke["results"] if r["error"]] == []


def test_results_name_the_machine_and_versions(smoke):
    machine = smoke["machine"]
    assert machine["cores"] >= 1
    assert machine["cpu"] and machine["memory"] != "unknown"
    for package in ("scrapy", "pyarrow", "lxml", "trafilatura", "duckdb", "polars"):
        assert machine["versions"][package][0].isdigit(), package
    markdown = smoke["markdown"]
    assert machine["cpu"] in markdown and "trafilatura" in markdown
    for result in smoke["results"]:
        assert result["title"] in markdown
    # The terminal table lists every benchmark too.
    for name in BENCHMARKS:
        assert f"\n{name} " in smoke["stdout"]


def test_extraction_times_all_three_and_scores_both_extractors(smoke):
    data = _data(smoke, "extraction")
    assert set(data["mean_seconds_per_page"]) == {"ours", "trafilatura", "lxml"}
    assert all(seconds > 0 for seconds in data["mean_seconds_per_page"].values())
    assert data["speedup_vs_trafilatura"] > 0 and data["ratio_to_lxml_floor"] > 0
    # The response is built outside ours' timed call and reported apart, and added back.
    pages = set(data["pages"])
    built = data["response"]["cpu_seconds_per_page"]
    ours, with_response = data["cpu_seconds_per_page"]["ours"], data["ours_with_response"]
    assert set(built) == pages and all(seconds > 0 for seconds in built.values())
    assert set(with_response["cpu_seconds_per_page"]) == pages
    assert with_response["mean_seconds_per_page"] > data["mean_seconds_per_page"]["ours"]
    assert all(with_response["cpu_seconds_per_page"][page] > ours[page] for page in pages)
    warm = data["warm_in_blocks"]
    assert warm["calls_in_a_row"] > 1
    assert set(warm["mean_seconds_per_page"]) == set(data["cpu_seconds_per_page"])
    assert all(set(per_page) == pages for per_page in warm["cpu_seconds_per_page"].values())
    assert all(seconds > 0 for seconds in warm["mean_seconds_per_page"].values())
    expected_pages = {p.stem for p in (FIXTURES / "expected").glob("*.json")}
    scored = {name.removesuffix(".html") for name in data["pages_with_expected"]}
    assert scored == expected_pages
    for extractor in ("ours", "trafilatura"):
        verdicts = data["accuracy"][extractor]
        assert set(verdicts) == set(data["pages_with_expected"])
        for verdict in verdicts.values():
            for field in accuracy.FIELDS:
                assert isinstance(verdict[field], bool), (extractor, field)
            assert 0.0 <= verdict["body_token_f1"] <= 1.0
            assert 0.0 <= verdict["body_sequence_ratio"] <= 1.0


def test_extract_cli_gets_a_document_per_file_from_each_tool(smoke):
    data = _data(smoke, "extract_cli")
    assert data["ours"]["documents"] == data["files"]
    assert data["trafilatura"]["documents"] == data["files"]
    for tool in ("ours", "trafilatura"):
        assert data[tool]["wall_seconds"] > 0
        assert data[tool]["cpu_seconds"] > 0
        assert data[tool]["peak_rss_mb"] > 0


def test_crawl_stores_every_replica_article_once(smoke):
    data = _data(smoke, "crawl")
    (size,) = data["sizes"]
    run = data["runs"][str(size)]
    assert run["rows"] == size and run["distinct_ids"] == size and run["rows_right"]
    assert run["articles_per_second"] > 0 and run["peak_rss_mb"] > 0
    assert run["cpu_ms_per_article"] > 0 and run["requests"] > size


def test_storage_sizes_every_format(smoke):
    data = _data(smoke, "storage")
    for fmt in ("parquet_as_crawled", "parquet_compacted", "parquet_single_file", "jsonl"):
        assert data[fmt]["bytes_per_article"] > 0, fmt
    # JSON Lines hold at least the body text of each row.
    assert data["jsonl"]["bytes_per_article"] > data["body_utf8_bytes_per_article"]


def test_queries_both_engines_give_the_true_answer(smoke):
    data = _data(smoke, "queries")
    assert data["matching_rows"] > 0
    for engine in ("duckdb", "polars"):
        assert data[engine]["correct"] is True, engine
        assert data[engine]["first_seconds"] > 0 and data[engine]["warm_seconds"] > 0


def test_history_load_is_measured(smoke):
    data = _data(smoke, "history")
    assert data["rows"] == 10_000
    assert data["seconds"] > 0 and data["peak_rss_mb"] >= data["rss_before_mb"] > 0
    # The loaded seen set really holds the stored rows: every stored id probed is found.
    assert data["probes"] == 1000 and data["probe_hits"] == 1000


def test_profiles_see_our_code(smoke):
    data = _data(smoke, "profile")
    stages = data["extraction_stages"]
    assert set(stages) == {"parse", "to_item", "normalize_item", "fingerprint"}
    assert all(seconds > 0 for seconds in stages.values())
    for stage in ("extraction", "crawl"):
        profile = data[stage]
        assert profile["total_seconds"] > 0 and profile["top_self"], stage
    ours = [name for name, _, _ in data["extraction"]["top_project_inclusive"]]
    assert any("newsscraper/pages/article.py" in name for name in ours), ours


# --- Scoring rules, on values worked out by hand --------------------------------------------


def test_token_f1_counts_words_as_a_multiset():
    # 3 of 4 words found, 3 of 3 expected: precision 3/4, recall 1, F1 = 6/7.
    assert accuracy.token_f1("Hòa Phát báo lãi", "Hòa Phát báo") == pytest.approx(6 / 7)
    assert accuracy.token_f1("MỚI NHẤT", "Hòa Phát") == 0.0
    assert accuracy.token_f1("", "") == 1.0
    # Nothing extracted from a page that has a body, or a body where there is none: wrong.
    assert accuracy.token_f1("", "Hòa Phát") == accuracy.token_f1("Hòa Phát", None) == 0.0


def test_body_is_right_from_the_threshold_on():
    # 49 words expected, the same 49 and 2 more found: F1 = 2 * 49 / (49 + 51) = 0.98.
    expected = " ".join(f"từ{n}" for n in range(49))
    verdict = accuracy.score({"body": expected + " MỚI NHẤT"}, {"body": expected})
    assert verdict["body_token_f1"] == accuracy.BODY_RIGHT_AT and verdict["body"] is True


def test_sequence_ratio_of_a_long_body_with_repeated_words():
    # 300 words from five: difflib's automatic junk heuristic would drop them all as popular.
    expected = " ".join(["Giá thép tăng, giá thép giảm."] * 50)
    assert accuracy.sequence_ratio("Tin mới. " + expected, expected) > 0.99


def test_same_minute_needs_a_zone_and_ignores_seconds():
    vietnam = dt.timezone(dt.timedelta(hours=7))
    assert accuracy.same_minute("2023-10-24T10:31:45+07:00", "2023-10-24T03:31:00+00:00")
    assert accuracy.same_minute(
        dt.datetime(2023, 10, 24, 10, 31, tzinfo=vietnam), "2023-10-24T03:31:00Z"
    )
    assert not accuracy.same_minute("2023-10-24T10:31:00", "2023-10-24T03:31:00+00:00")
    assert not accuracy.same_minute("2023-10-24T10:31:00", "2023-10-24T10:31:00")
    assert not accuracy.same_minute("2023-10-24", "2023-10-24T03:31:00+00:00")
    assert not accuracy.same_minute("2023-10-24T10:32:00+07:00", "2023-10-24T03:31:00+00:00")


def test_score_compares_trafilatura_in_our_field_names():
    expected = {
        "title": "MoMo bác bỏ tin đồn",
        "published_at": "2023-10-24T03:31:00+00:00",
        "author": "Ngọc Điệp",
        "source": "Nhịp sống thị trường",
        "body": "Theo đó, ngày 19/10/2023, MoMo đã tiến hành bảo trì.",
    }
    document = {
        "title": "MoMo bác bỏ tin đồn",
        "date": "2023-10-24",
        "author": "Ngọc Điệp; VCCorp vn",
        "source-hostname": "Cafef",
        "text": "Theo đó, ngày 19/10/2023, MoMo đã tiến hành bảo trì.",
    }
    verdict = accuracy.score(accuracy.from_trafilatura(document), expected)
    assert verdict == {
        "title": True,
        "published_at": False,
        "author": False,
        "source": False,
        "body": True,
        "body_token_f1": 1.0,
        "body_sequence_ratio": 1.0,
    }


# --- The table and RESULTS.md, from results made up here ------------------------------------


def _made_up_results() -> list[BenchResult]:
    figures = [
        Figure("speedup", "12.9×", "≥ 15×", False),
        Figure("rows right", "yes", "every article once", True),
        Figure("peak RSS", "80 MB"),
        Figure("long", "x" * 80),
    ]
    data = {"ratio": 2.123456, "runs": [{"rss": 80.04444, "stderr_tail": "Traceback"}]}
    data["title"] = "Hòa Phát"
    done = BenchResult("crawl", "Crawl", figures, data, ["a note"], 3.0, None, (1.5, 2.5))
    error = "Traceback (most recent call last):\n  ...\nRuntimeError: " + "y" * 200
    return [done, BenchResult("queries", "Queries", error=error, data={"partial": 1})]


def test_terminal_table_has_a_row_per_figure_and_the_last_line_of_an_error():
    lines = report.terminal_table(_made_up_results()).splitlines()
    assert lines[0].split() == ["benchmark", "figure", "value", "target"]
    assert set(lines[1]) == {"-", " "} and not any(set(line) <= {"-", " "} for line in lines[2:])
    assert [line.split()[1] for line in lines[2:6]] == ["speedup", "rows", "peak", "long"]
    assert lines[2].endswith("MISSED") and lines[3].endswith("met") and lines[4].endswith("MB")
    # No cell wider than 70 characters: a longer one is cut, with an ellipsis.
    assert ("x" * 69 + "…") in lines[5] and "x" * 70 not in lines[5]
    assert lines[6].split()[:3] == ["queries", "ERROR", "RuntimeError:"]


def test_results_markdown_holds_findings_load_and_rounded_raw_figures(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "FINDINGS", tmp_path / "FINDINGS.md")
    (tmp_path / "FINDINGS.md").write_text("## What the figures show\n", encoding="utf-8")
    machine = {"versions": {"scrapy": "2.13"}, "date": "2026-11-30", "cpu": "cpu", "cores": 2}
    machine |= {"memory": "4 GB", "os": "Linux", "python": "3.11"}
    text = report.markdown(_made_up_results(), machine, smoke=False, command="python -m bench")
    assert "\n## What the figures show\n" in text
    # The summary gives a failed benchmark the start of its error's last line.
    assert "| queries | ERROR | RuntimeError: " + "y" * 106 + " |  |  |" in text
    assert "took 3.00 s; load average 1.5 before, 2.5 after." in text
    crawl, queries = text.split("### Crawl")[1].split("### Queries")
    raw = json.loads(crawl.split("```json")[1].split("```")[0])
    assert raw == {"ratio": 2.123, "runs": [{"rss": 80.04}], "title": "Hòa Phát"}
    assert "Hòa Phát" in crawl and "- a note" in crawl
    # A benchmark that failed shows its traceback, and no raw figures.
    assert "RuntimeError" in queries and "raw figures" not in queries


def test_durations_are_shown_in_the_unit_that_keeps_them_readable():
    assert common.fmt_seconds(5e-6) == "5.0 µs"
    assert common.fmt_seconds(0.001) == "1.00 ms"
    assert common.fmt_seconds(0.25) == "250.00 ms"
    assert common.fmt_seconds(1) == "1.00 s"
    assert common.fmt_seconds(1.5) == "1.50 s"


def test_median_of_no_runs_is_nan_not_an_error():
    assert common.median([0.3, 0.1, 0.2]) == 0.2
    assert math.isnan(common.median([]))


def test_run_measured_reports_the_command_and_ends_it_at_its_timeout():
    usage = common.run_measured([sys.executable, "-c", "import sys; sys.exit('gave up')"])
    assert usage.returncode == 1 and usage.stderr == "gave up\n"
    assert usage.cpu_seconds > 0 and usage.peak_rss_mb > 0
    with pytest.raises(subprocess.TimeoutExpired):
        common.run_measured(["sleep", "60"], timeout=0.5)


# --- The query benchmark's dataset and figures ----------------------------------------------


def test_query_dataset_has_a_file_per_vietnam_day_and_engines_agree_with_its_truth(tmp_path):
    # Ten rows a day: most days mention HPX nowhere, and have no entry in the answer.
    truth = queries.build_dataset(tmp_path, rows=240, days=24)
    assert 0 < len(truth) < 24
    assert queries.duckdb_query(tmp_path) == queries.polars_query(tmp_path) == truth
    files = sorted((tmp_path / "articles").rglob("*.parquet"))
    assert len(files) == 24
    vietnam = dt.timezone(dt.timedelta(hours=7))
    for path in files:
        day = path.parent.name.removeprefix("published_date=")
        table = pq.read_table(path).to_pydict()
        assert len(table["article_id"]) == 10 and all(table["body"])
        assert {t.astimezone(vietnam).date().isoformat() for t in table["published_at"]} == {day}


def test_query_figures_measure_each_span_and_the_files_built(monkeypatch):
    # A clock ticking one second per reading: every span measured is exactly one second.
    ticks = iter(range(1, 1000))
    monkeypatch.setattr(queries, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    built = {}

    def build_dataset(output_dir, rows, days):
        truth = queries_build_dataset(output_dir, rows, days)
        built["bytes"] = sum(p.stat().st_size for p in output_dir.rglob("*.parquet"))
        return truth

    queries_build_dataset = queries.build_dataset
    monkeypatch.setattr(queries, "build_dataset", build_dataset)
    result = queries.run(smoke=True)
    assert result.data["build_seconds"] == 1
    assert result.data["dataset_mb"] == built["bytes"] / 1e6
    assert f", {built['bytes'] / 1e6:,.0f} MB; " in result.figures[0].value
    for engine in ("duckdb", "polars"):
        assert result.data[engine] == {"first_seconds": 1, "warm_seconds": 1, "correct": True}


# --- The crawl benchmark's verdict and figures, from a crawl made up here -------------------


def test_crawl_settings_walk_every_listing_page_and_two_more():
    site = SimpleNamespace(page_size=20)
    assert crawl.whole_site_settings(site, 2_000)["CAFEF_MAX_PAGES"] == "102"
    assert crawl.whole_site_settings(site, 2_001)["CAFEF_MAX_PAGES"] == "103"


def test_crawl_once_reads_back_an_article_stored_twice_as_not_every_article_once(monkeypatch):
    # A "crawl" that stores 3 of the replica's 4 articles, one of them twice, in 2 s wall time.
    written = {}

    def crawl_writing_one_article_twice(argv, **_):
        (output_dir,) = [a.removeprefix("OUTPUT_DIR=") for a in argv if a.startswith("OUTPUT_")]
        rows = article_rows(3)
        paths = commit_articles(output_dir, rows, "bench-a", 0)
        paths += commit_articles(output_dir, rows[:1], "bench-b", 0)
        written["bytes"] = sum(p.stat().st_size for p in paths)
        return common.ChildUsage(0, wall_seconds=2.0, cpu_seconds=0.5, peak_rss_mb=80, stderr="")

    usages = iter([1.0, 0.5, 3.0, 1.0])  # this process's CPU before and after the crawl

    def getrusage(_):
        return SimpleNamespace(ru_utime=next(usages), ru_stime=next(usages))

    monkeypatch.setattr(crawl, "run_measured", crawl_writing_one_article_twice)
    monkeypatch.setattr(crawl, "resource", SimpleNamespace(getrusage=getrusage, RUSAGE_SELF=0))
    ticks = iter(range(1, 1000))
    monkeypatch.setattr(crawl, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    run = crawl.crawl_once(4)
    assert (run["rows"], run["distinct_ids"], run["rows_right"]) == (4, 3, False)
    assert run["articles_per_second"] == 2 and run["cpu_ms_per_article"] == 125
    assert run["dataset_bytes_per_article"] == written["bytes"] / 4
    assert run["replica_cpu_seconds"] == 2.5 and run["replica_build_seconds"] == 1


def test_crawl_figures_of_two_sizes_compare_their_peak_rss(monkeypatch):
    def made_up_run(articles: int) -> dict:
        rss = {2_000: 50.0, 20_000: 60.0}[articles]
        return {
            "articles": articles,
            "rows": articles,
            "distinct_ids": articles,
            "rows_right": True,
            "part_files": 3,
            "wall_seconds": 4.0,
            "peak_rss_mb": rss,
            "articles_per_second": articles / 4.0,
            "cpu_ms_per_article": 1.5,
            "replica_cpu_seconds": articles / 1e3,
            "dataset_bytes_per_article": 900.0,
        }

    monkeypatch.setattr(crawl, "crawl_once", made_up_run)
    result = crawl.run(smoke=False)
    figures = {figure.name: figure for figure in result.figures}
    assert (
        figures["20,000 articles: CPU per article (crawl / replica)"].value == "1.50 ms / 1.00 ms"
    )
    assert figures["20,000 articles: rows in the dataset"].met is True
    # 60 MB over 50 MB is 1.2×: the target, met.
    growth = figures["peak RSS 20,000 / 2,000"]
    assert (growth.value, growth.target, growth.met) == ("1.20×", "≤ 1.2×", True)
    assert result.data["rss_growth"] == 1.2


# --- The extraction benchmark's rounds and figures, on a clock made up here -----------------


class Clock:
    """A clock that moves only when a call made through `costing` says it took time."""

    def __init__(self) -> None:
        self.now = 0.0

    def as_time(self) -> SimpleNamespace:
        return SimpleNamespace(perf_counter=lambda: self.now, process_time=lambda: self.now)

    def costing(self, seconds: float, call=lambda *_: None):
        def timed(*args):
            self.now += seconds
            return call(*args)

        return timed


def test_time_in_turns_runs_its_rounds_within_min_max_and_budget(monkeypatch):
    clock = Clock()  # a round costs 4 calls of 1/8 s: the response, ours, trafilatura, lxml
    monkeypatch.setattr(extraction, "time", clock.as_time())
    monkeypatch.setattr(extraction, "build_response", clock.costing(1 / 8))
    extractors = {name: clock.costing(1 / 8) for name in ("ours", "trafilatura", "lxml")}
    page = load_pages()[0]

    def rounds(**budget) -> int:
        times = extraction.time_in_turns(page, extractors, **budget)
        assert {len(times[name]["cpu"]) for name in times} == {len(times["ours"]["wall"])}
        return len(times["ours"]["cpu"])

    assert rounds(min_rounds=2, max_rounds=100, budget_seconds=2.0) == 4
    assert rounds(min_rounds=3, max_rounds=100, budget_seconds=0.0) == 3
    assert rounds(min_rounds=2, max_rounds=3, budget_seconds=100.0) == 3
    # In blocks of 4 calls in a row, the first call of each block is not kept.
    warm = extraction.time_in_turns(
        page, extractors, min_rounds=2, max_rounds=2, budget_seconds=0.0, repeat=4
    )
    assert warm["ours"]["cpu"] == [1 / 8] * 6 and warm["ours+response"]["wall"] == [1 / 4] * 6


def test_extraction_figures_are_the_ratios_of_the_cpu_times_per_page(monkeypatch):
    # Per call: the response 1, ours 2, trafilatura 30, the lxml floor 1 (units of 1/1024 s).
    clock, unit = Clock(), 1 / 1024
    monkeypatch.setattr(extraction, "time", clock.as_time())
    for factory, units in (
        ("extract_response", 2),
        ("trafilatura_extractor", 30),
        ("lxml_floor", 1),
    ):
        make = getattr(extraction, factory)
        monkeypatch.setattr(
            extraction, factory, lambda m=make, u=units: clock.costing(u * unit, m())
        )
    monkeypatch.setattr(
        extraction, "build_response", clock.costing(unit, extraction.build_response)
    )
    result = extraction.run(smoke=True)
    data, figures = result.data, {figure.name: figure for figure in result.figures}
    expected = {"ours": 2 * unit, "trafilatura": 30 * unit, "lxml": unit}
    assert data["mean_seconds_per_page"] == data["mean_wall_seconds_per_page"] == expected
    assert data["calls_per_extractor"] == 2 * len(data["pages"])
    assert figures["calls per extractor and page (in turns)"].value == "2"
    speedup, floor = figures["trafilatura time / ours"], figures["ours / lxml floor"]
    # Exactly on both targets: met.
    assert (speedup.value, speedup.met, floor.value, floor.met) == ("15.0×", True, "2.00×", True)
    assert data["response"]["mean_wall_seconds_per_page"] == unit
    with_response = data["ours_with_response"]
    assert with_response["mean_seconds_per_page"] == 3 * unit
    assert with_response["speedup_vs_trafilatura"] == 10
    assert with_response["ratio_to_lxml_floor"] == 3
    warm = data["warm_in_blocks"]
    assert warm["mean_seconds_per_page"]["ours+response"] == 3 * unit
    assert (warm["speedup_vs_trafilatura"], warm["ratio_to_lxml_floor"]) == (15, 2)
    assert figures["with building the response: trafilatura / ours, ours / floor"].value == (
        "10.0×, 3.00×"
    )
    assert figures["warm: trafilatura / ours, ours / floor"].value == "15.0×, 2.00×"
    # Both extractors' outputs are scored: ours right throughout, trafilatura's titles found.
    assert figures["ours: fields right (title, time, author, source, body)"].met is True
    assert all(verdict["title"] for verdict in data["accuracy"]["trafilatura"].values())
    assert result.notes == []


def test_pages_without_expected_json_are_not_scored():
    page = load_pages()[0]
    unscored = dataclasses.replace(page, path=page.path.with_name("unscored.html"), expected=None)
    outputs = {"ours": {page.name: page.expected}, "trafilatura": {page.name: {}}}
    scores = extraction._score_all([page, unscored], outputs)
    assert list(scores["ours"]) == list(scores["trafilatura"]) == [page.name]
    assert extraction._fields_right(scores["ours"]) == (5, 5)


def test_extraction_without_expected_json_says_so_and_misses_its_accuracy_target(monkeypatch):
    page = dataclasses.replace(load_pages()[0], expected=None)
    monkeypatch.setattr(extraction, "load_pages", lambda: [page])
    result = extraction.run(smoke=True)
    assert result.data["accuracy"] == {"ours": {}, "trafilatura": {}}
    ours, trafilatura = result.figures[-2:]
    assert (ours.value, ours.target, ours.met) == ("no expected JSON", "every field right", False)
    assert trafilatura.value == "no expected JSON" and trafilatura.met is None
    assert result.notes == ["No expected JSON under tests/fixtures/expected: accuracy not scored."]


# --- The storage benchmark's JSON Lines and figures -----------------------------------------


def test_storage_json_lines_hold_every_column_in_utf8():
    rows = article_rows(2)
    text = storage.jsonl_bytes(rows).decode("utf-8")
    assert "Doanh nghiệp" in text and text.endswith("\n")
    for row, line in zip(rows, text.splitlines(), strict=True):
        dates_as_text = {k: v.isoformat() for k, v in row.items() if isinstance(v, dt.date)}
        assert json.loads(line) == row | dates_as_text


def test_storage_figures_per_article_and_how_much_smaller_than_json_lines():
    result = storage.run(smoke=True)
    data, count = result.data, result.data["rows"]
    raw = storage.jsonl_bytes(article_rows(count))
    assert data["jsonl"]["bytes_per_article"] == len(raw) / count
    assert data["jsonl_gzip"]["bytes_per_article"] == len(gzip.compress(raw, 6)) / count
    days = count // 40  # 40 articles a day, all in one batch: a file per day either way
    assert data["parquet_as_crawled"]["files"] == data["parquet_compacted"]["files"] == days
    assert data["parquet_single_file"]["files"] == 1
    figures = {figure.name.split(" (")[0]: figure.value for figure in result.figures}
    for name, key in (
        ("Parquet as a crawl commits it", "parquet_as_crawled"),
        ("Parquet, one file per day", "parquet_compacted"),
        ("Parquet, one file", "parquet_single_file"),
    ):
        smaller = len(raw) / count / data[key]["bytes_per_article"]
        assert f"({smaller:.1f}× smaller" in figures[name], name


# --- The history benchmark's dataset, command and figures -----------------------------------


def test_history_dataset_holds_every_row_once_in_day_folders_of_the_contract_schema(tmp_path):
    # 25 rows over 3 days of 2 part files each: 6 files of 4 or 5 rows.
    assert history_open.build_dataset(tmp_path, rows=25, days=3, files_per_day=2) == 6
    paths = list_part_files(tmp_path)
    assert [p.parent.name for p in paths] == [
        f"published_date=2016-01-0{day}" for day in (1, 1, 2, 2, 3, 3)
    ]
    vietnam = dt.timezone(dt.timedelta(hours=7))
    ids = []
    for path in paths:
        table = pq.read_table(path)
        assert table.schema.equals(ARTICLES_FILE_SCHEMA, check_metadata=False)
        assert table.num_rows in (4, 5)
        day = path.parent.name.removeprefix("published_date=")
        assert {
            t.astimezone(vietnam).date().isoformat() for t in table["published_at"].to_pylist()
        } == {day}
        assert all(
            re.fullmatch(r"[0-9a-f]{64}", sha) for sha in table["content_sha256"].to_pylist()
        )
        ids += table["article_id"].to_pylist()
    assert len(set(ids)) == len(ids) == 25
    assert all(re.fullmatch(r"188\d{15}", article_id) for article_id in ids)
    history = History.load(tmp_path)
    assert all(history.is_stored(article_id) for article_id in ids)
    # Fewer rows than days: a file per row, no empty file.
    assert history_open.build_dataset(tmp_path / "few", rows=2, days=3, files_per_day=1) == 2
    assert len(list_part_files(tmp_path / "few")) == 2


def test_history_open_measures_a_load_that_finds_every_stored_id_it_probes():
    measured = history_open.run(30, days=3)
    assert (measured["rows"], measured["files"]) == (30, 3)
    assert measured["probes"] == measured["probe_hits"] == 30
    assert measured["seconds"] > 0 and measured["peak_rss_mb"] >= measured["rss_before_mb"] > 0


def test_history_open_command_defaults_to_a_million_rows_over_ten_years(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(
        history_open, "run", lambda *args, **kw: calls.append((args, kw)) or {"rows": 1}
    )
    assert history_open.main([]) == 0
    assert json.loads(capsys.readouterr().out) == {"rows": 1}
    assert history_open.main(["--rows", "5", "--days", "2", "--files-per-day", "3"]) == 0
    assert calls == [
        ((1_000_000,), {"days": 3650, "files_per_day": 1}),
        ((5,), {"days": 2, "files_per_day": 3}),
    ]


def test_history_smoke_and_full_sizes_and_figures(monkeypatch):
    commands, returncode = [], 0
    measured = {"rows": 10_000, "files": 20, "seconds": 0.25, "rss_before_mb": 50.2}
    measured |= {"peak_rss_mb": 80.4, "query_pair_us": 2.0, "probes": 1000, "probe_hits": 1000}

    def run_measured(command, *, cwd, stdout_path):
        commands.append(command[1:])
        stdout_path.write_text(json.dumps(measured), encoding="utf-8")
        return common.ChildUsage(returncode, 1.0, 1.0, 80.0, "Traceback …\nMemoryError\n")

    monkeypatch.setattr(history, "run_measured", run_measured)
    result = history.run(smoke=True)
    history.run(smoke=False)
    assert commands == [
        ["-m", "bench.history_open", "--rows", "10000", "--days", "20"],
        ["-m", "bench.history_open", "--rows", "1000000"],
    ]
    assert result.data == measured
    assert [figure.value for figure in result.figures] == [
        "10,000 / 20",
        "250.00 ms",
        "50 MB → 80 MB (+30 MB)",
        "2.0 µs",
    ]
    returncode = 1
    with pytest.raises(RuntimeError, match="history_open exited 1: Traceback …\nMemoryError"):
        history.run(smoke=True)


# --- The profiles' summary and figures, from frames made up here ----------------------------


def _frame(function, path, seconds, *children, short=None):
    """A pyinstrument frame; path None makes it a synthetic "[self]" frame."""
    return SimpleNamespace(
        function=function,
        file_path=path,
        file_path_short=short or path,
        line_no=7,
        time=seconds,
        children=children,
        is_synthetic=path is None,
    )


def test_profile_summary_of_self_and_inclusive_times():
    ours = "/repo/newsscraper/pages/article.py"
    lxml = "/venv/lib/python3.11/site-packages/lxml/html/__init__.py"
    installed = "/venv/lib/python3.11/site-packages/newsscraper/pages/article.py"
    root = _frame(
        "<module>",
        "/usr/lib/python3.11/runpy.py",
        10.0,
        _frame(
            "to_item",
            ours,
            6.0,
            _frame("[self]", None, 1.0),
            _frame("fromstring", lxml, 3.0, short="lxml/html/__init__.py"),
            _frame(
                "to_item", ours, 2.0, _frame("fromstring", lxml, 2.0, short="lxml/html/__init__.py")
            ),
        ),
        _frame("extract", installed, 4.0),
    )
    summary = profile.summarize(root)
    assert summary["total_seconds"] == 10.0
    assert summary["top_self"] == [
        ("fromstring (lxml/html/__init__.py:7)", 5.0, 0.5),
        (f"extract ({installed}:7)", 4.0, 0.4),
        (f"to_item ({ours}:7)", 1.0, 0.1),
        ("<module> (/usr/lib/python3.11/runpy.py:7)", 0.0, 0.0),
    ]
    # Only the project's own code, a recursive call counted once, not the installed copy.
    assert summary["top_project_inclusive"] == [(f"to_item ({ours}:7)", 6.0, 0.6)]


def test_profile_figures_give_each_step_its_share(monkeypatch):
    summary = {"top_self": [("parse (x.py:1)", 3.0, 0.75), ("walk (y.py:2)", 1.0, 0.25)]}
    summary["top_project_inclusive"] = [("to_item (article.py:9)", 2.0, 0.5)]
    monkeypatch.setattr(profile, "stage_breakdown", lambda smoke: {"parse": 3e-3, "to_item": 1e-3})
    monkeypatch.setattr(profile, "profile_extraction", lambda smoke: summary)
    monkeypatch.setattr(profile, "profile_crawl", lambda smoke: summary)
    result = profile.run(smoke=True)
    assert [figure.value for figure in result.figures] == [
        "parse 3.00 ms (75%); to_item 1.00 ms (25%)",
        "parse 75%; walk 25%",
        "to_item 50%",
        "parse 75%; walk 25%",
        "to_item 50%",
    ]


def test_profile_steps_are_timed_apart_per_page(monkeypatch):
    # A clock ticking one second per reading: every step measured takes exactly one second.
    ticks = iter(range(1, 10_000))
    monkeypatch.setattr(profile, "time", SimpleNamespace(process_time=lambda: next(ticks)))
    stages = profile.stage_breakdown(smoke=True)
    assert stages == dict.fromkeys(("parse", "to_item", "normalize_item", "fingerprint"), 1.0)


# --- The machine a run was made on ----------------------------------------------------------


def test_machine_reads_cpu_and_memory_from_proc_and_says_unknown_without(monkeypatch):
    proc = {
        "/proc/cpuinfo": "processor\t: 0\nmodel name\t: Made-up CPU @ 2.00GHz\n",
        "/proc/meminfo": "MemFree:  1024 kB\nMemTotal:  4246750 kB\n",
    }

    def read_proc(path, encoding):
        if path not in proc:
            raise FileNotFoundError(path)
        return io.StringIO(proc[path])

    monkeypatch.setattr(machine, "open", read_proc, raising=False)
    monkeypatch.setattr(machine, "PACKAGES", ("scrapy", "no-such-package-installed"))
    described = machine.describe()
    assert (described["cpu"], described["memory"]) == ("Made-up CPU @ 2.00GHz", "4.1 GiB")
    assert described["versions"] == {
        "scrapy": metadata.version("scrapy"),
        "no-such-package-installed": "not installed",
    }
    proc.clear()
    monkeypatch.setattr(machine.platform, "processor", lambda: "aarch64")
    assert (machine.describe()["cpu"], machine.describe()["memory"]) == ("aarch64", "unknown")
    monkeypatch.setattr(machine.platform, "processor", lambda: "")
    assert machine.describe()["cpu"] == "unknown"


# --- Running the benchmarks -----------------------------------------------------------------


def test_a_failing_benchmark_is_recorded_and_the_next_still_runs(monkeypatch, capsys):
    def passing(smoke):
        return BenchResult("passing", "Passing", data={"smoke": smoke})

    monkeypatch.setitem(sys.modules, "bench.failing", SimpleNamespace(run=lambda smoke: 1 / 0))
    monkeypatch.setitem(sys.modules, "bench.passing", SimpleNamespace(run=passing))
    loads = iter([(1.5, 9.0, 9.0), (2.5, 9.0, 9.0), (0.5, 9.0, 9.0), (0.25, 9.0, 9.0)])
    monkeypatch.setattr(runner.os, "getloadavg", lambda: next(loads))
    ticks = iter([1.0, 3.5, 10.0, 10.5])
    monkeypatch.setattr(runner, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    failed, passed = runner.run_benchmarks(("failing", "passing"), smoke=True)
    assert failed.name == "failing" and failed.error.splitlines()[-1].startswith("ZeroDivision")
    assert (failed.seconds, failed.load_average) == (2.5, (1.5, 2.5))
    assert (passed.error, passed.data, passed.seconds) == (None, {"smoke": True}, 0.5)
    assert passed.load_average == (0.5, 0.25)
    assert capsys.readouterr().out.splitlines() == [
        "[bench] failing (smoke) …",
        "[bench] failing failed",
        "[bench] passing (smoke) …",
        "[bench] passing done in 0.5 s",
    ]


# --- The whole-process extraction benchmark, on tools made up here --------------------------


def test_extract_cli_copies_cycle_through_the_pages_and_each_differs(tmp_path):
    sources = load_pages()
    copies = extract_cli.copy_pages(tmp_path / "in", len(sources) + 1)
    assert [c.name for c in copies[:2]] == [f"copy000{n}_{sources[n].name}" for n in (0, 1)]
    assert copies[-1].name.endswith(sources[0].name)
    bodies = [c.read_bytes() for c in copies]
    assert len(set(bodies)) == len(bodies)
    assert all(b.startswith(s.body) for b, s in zip(bodies, [*sources, sources[0]], strict=True))


def _fake_tools(monkeypatch, runs: list, ours_lines_short: int = 0, failing: str = ""):
    """Tools that print a JSON line per input file (ours `ours_lines_short` fewer)."""

    def run_measured(argv, *, stdout_path):
        if "--input-dir" in argv:
            tool, files = "trafilatura", sorted(Path(argv[-1]).iterdir())
        else:
            tool, files = "ours", [Path(a) for a in argv[2:]]
        runs.append((tool, len(files)))
        lines = len(files) - (ours_lines_short if tool == "ours" else 0)
        stdout_path.write_text("{}\n" * lines, encoding="utf-8")
        wall = {"ours": 3.0, "trafilatura": 12.0}[tool]
        return common.ChildUsage(int(tool == failing), wall, wall / 2, 80.0, "Traceback")

    monkeypatch.setattr(extract_cli, "run_measured", run_measured)


def test_extract_cli_times_each_tool_once_over_the_files_after_a_warm_up(monkeypatch):
    runs = []
    _fake_tools(monkeypatch, runs)
    result = extract_cli.run(smoke=True)
    assert runs == [("ours", 2), ("trafilatura", 2), ("ours", 6), ("trafilatura", 6)]
    assert result.data["files"] == 6 and result.data["speedup_wall"] == 4.0
    for tool, wall in (("ours", 3.0), ("trafilatura", 12.0)):
        assert result.data[tool] == {
            "documents": 6,
            "wall_seconds": wall,
            "cpu_seconds": wall / 2,
            "peak_rss_mb": 80.0,
        }
    assert [figure.value for figure in result.figures] == [
        "6",
        "3.00 s / 1.50 s / 80 MB (6 JSON lines)",
        "12.00 s / 6.00 s / 80 MB (6 JSON lines)",
        "500.00 ms / 2.00 s",
        "4.0×",
    ]
    assert result.notes == []


def test_extract_cli_notes_missing_lines_and_stops_on_a_failed_tool(monkeypatch):
    _fake_tools(monkeypatch, [], ours_lines_short=1)
    result = extract_cli.run(smoke=True)
    assert result.data["ours"]["documents"] == 5
    assert result.notes == ["newsscraper extract printed 5 lines for 6 files."]
    for tool, message in (
        ("ours", "newsscraper extract exited 1"),
        ("trafilatura", "trafilatura exited 1"),
    ):
        _fake_tools(monkeypatch, [], failing=tool)
        with pytest.raises(RuntimeError, match=f"{message}: Traceback"):
            extract_cli.run(smoke=True)


# --- The synthetic rows the dataset benchmarks store ----------------------------------------


def test_synthetic_rows_fill_every_contract_column_forty_a_vietnam_day():
    rows = article_rows(81)
    assert all(set(row) == set(ARTICLES_SCHEMA.names) for row in rows)
    days = Counter(row["published_date"] for row in rows)
    assert list(days.items()) == [
        (dt.date(2021, 1, 1), 40),
        (dt.date(2021, 1, 2), 40),
        (dt.date(2021, 1, 3), 1),
    ]
    vietnam = dt.timezone(dt.timedelta(hours=7))
    for row in rows:
        assert row["published_at"].astimezone(vietnam).date() == row["published_date"]
        assert row["modified_at"] >= row["published_at"] and row["scraped_at"] > row["published_at"]
        assert re.fullmatch(r"188\d{15}", row["article_id"]) and row["article_id"] in row["url"]
        assert row["content_sha256"] == hashlib.sha256(row["body"].encode()).hexdigest()
        assert row["word_count"] == len(row["body"].split())
        assert (row["source"] is None) == (row["source_url"] is None)
        assert row["tickers"] == sorted(set(row["tickers"]))
    assert len({row["article_id"] for row in rows}) == 81
    # Tags are drawn from the saved pages' tags, not the one kept for pages without any.
    assert len({tag for row in rows for tag in row["tags"]}) > 1
    assert article_rows(81) == rows  # the same seed writes the same rows


def test_synthetic_tickers_are_distinct_and_popular_ones_come_first():
    tickers = ticker_universe(50)
    assert len(set(tickers)) == 50 and list(tickers[:3]) == ["HPG", "VNM", "MSN"]
    assert all(re.fullmatch(r"[A-Z]{3}", ticker) for ticker in tickers)
    weights = ticker_weights(50)
    assert weights.sum() == pytest.approx(1.0) and all(weights[:-1] > weights[1:])
    assert weights[0] / weights[9] == pytest.approx(10**0.9)  # Zipf-like, exponent 0.9


def test_synthetic_text_has_from_min_to_max_words_and_ends_a_sentence():
    writer = BigramWriter(text_bank().paragraphs, seed=1)
    texts = [writer.text(3, 5) for _ in range(200)]
    assert {len(text.split()) for text in texts} == {3, 4, 5}
    assert all(text.endswith((".", "!", "?")) for text in texts)


def test_expected_json_is_found_by_stem_else_by_the_article_id_in_its_name(tmp_path):
    (tmp_path / "expected").mkdir()
    item = {"item": {"title": "Hòa Phát", "body": ["Một.", "Hai."]}}
    named = tmp_path / "expected" / "momo_188231024103145123.json"
    named.write_text(json.dumps(item), encoding="utf-8")
    found = expected_for(tmp_path / "pages" / "article_188231024103145123.html", tmp_path)
    assert found == {"title": "Hòa Phát", "body": "Một.\n\nHai."}
    assert expected_for(tmp_path / "pages" / "article_188231024999999999.html", tmp_path) is None
