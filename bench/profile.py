"""Where the time goes: pyinstrument profiles of our extraction and of a replica crawl.

- extraction: our page objects and pipelines (`bench.extraction.our_extractor`) in a loop over
  the saved pages, profiled in this process;
- crawl: one `scrapy crawl cafef` of the replica run under `python -m pyinstrument`, whose
  saved session is read back here.

Each profile is reduced to the functions with the most self time (where the CPU actually is)
and the project's own functions with the most inclusive time (which of our steps costs what).
What the figures show, and what to change, is written up in bench/FINDINGS.md.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.common import BenchResult, Figure, fmt_seconds, run_measured

NAME = "profile"
TITLE = "Profiles: our extraction and a replica crawl (pyinstrument)"
TOP = 12
PROJECT_PARTS = ("/newsscraper/", "/pipelines/", "/replica/")


def _key(frame) -> str:
    path = frame.file_path_short or frame.file_path or "?"
    return f"{frame.function} ({path}:{frame.line_no})"


def _is_project(frame) -> bool:
    path = frame.file_path or ""
    return any(part in path for part in PROJECT_PARTS) and "/site-packages/" not in path


def summarize(root) -> dict:
    """Self and inclusive times per function of a pyinstrument frame tree, largest first."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    stack = [(root, None, frozenset())]
    while stack:
        frame, parent_key, open_keys = stack.pop()
        # pyinstrument's synthetic "[self]" children hold their parent's own time.
        key = parent_key if frame.is_synthetic and parent_key else _key(frame)
        children = list(frame.children)
        self_time[key] += max(frame.time - sum(c.time for c in children), 0.0)
        if _is_project(frame) and key not in open_keys:  # recursion counts once
            inclusive[key] += frame.time
            open_keys = open_keys | {key}
        stack.extend((child, key, open_keys) for child in children)
    total = root.time or 1.0
    return {
        "total_seconds": root.time,
        "top_self": [(k, v, v / total) for k, v in self_time.most_common(TOP)],
        "top_project_inclusive": [(k, v, v / total) for k, v in inclusive.most_common(TOP)],
    }


def profile_extraction(smoke: bool) -> dict:
    from pyinstrument import Profiler

    from bench.extraction import our_extractor
    from bench.pages import load_pages

    pages = load_pages()
    extract = our_extractor()
    for page in pages:  # warm: imports, compiled selectors
        extract(page)
    repeats = 3 if smoke else 300
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(repeats):
        for page in pages:
            extract(page)
    session = profiler.stop()
    return {"calls": repeats * len(pages), **summarize(session.root_frame())}


def stage_breakdown(smoke: bool) -> dict[str, float]:
    """CPU seconds per page of each step of our extraction, measured apart (no profiler)."""
    from bench.extraction import build_response
    from bench.pages import load_pages
    from newsscraper.pages.article import ArticlePage
    from newsscraper.pages.tree import html_root
    from pipelines.normalize import normalize_item
    from pipelines.stamp import fingerprint

    pages = load_pages()
    repeats = 2 if smoke else 100
    spent = dict.fromkeys(("parse", "to_item", "normalize_item", "fingerprint"), 0.0)
    for _ in range(repeats):
        for page in pages:
            clock = time.process_time()
            response = build_response(page)
            html_root(response)  # parse now (cached per response), so to_item is timed without it
            spent["parse"] += time.process_time() - clock
            clock = time.process_time()
            item = ArticlePage(response).to_item()
            spent["to_item"] += time.process_time() - clock
            clock = time.process_time()
            normalize_item(item)
            spent["normalize_item"] += time.process_time() - clock
            clock = time.process_time()
            fingerprint(item.body)
            spent["fingerprint"] += time.process_time() - clock
    return {stage: seconds / (repeats * len(pages)) for stage, seconds in spent.items()}


def profile_crawl(smoke: bool) -> dict:
    from pyinstrument.session import Session

    from bench.crawl import whole_site_settings
    from replica import ReplicaSite, serve
    from replica.crawl import PROJECT_ROOT, crawl_command, crawl_env

    articles = 50 if smoke else 2_000
    site = ReplicaSite(articles=articles)
    settings = whole_site_settings(site, articles)
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        session_path = Path(tmp) / "crawl.pyisession"
        with serve(site) as handle:
            command = crawl_command(handle.base_url, Path(tmp) / "output", settings=settings)
            # `python -m scrapy …` becomes `python -m pyinstrument … -m scrapy …`.
            assert command[:3] == [sys.executable, "-m", "scrapy"], command
            profiled = [
                sys.executable,
                "-m",
                "pyinstrument",
                "--renderer",
                "pyisession",
                "-o",
                str(session_path),
                *command[1:],
            ]
            usage = run_measured(profiled, cwd=PROJECT_ROOT, env=crawl_env())
        if usage.returncode != 0:
            raise RuntimeError(f"profiled crawl exited {usage.returncode}: {usage.stderr[-2000:]}")
        session = Session.load(str(session_path))
    return {"articles": articles, **summarize(session.root_frame())}


def _lines(summary: dict, key: str, limit: int = 6) -> str:
    return "; ".join(
        f"{name.split(' (')[0]} {share:.0%}" for name, _, share in summary[key][:limit]
    )


def run(smoke: bool = False) -> BenchResult:
    stages = stage_breakdown(smoke)
    extraction = profile_extraction(smoke)
    crawl = profile_crawl(smoke)
    result = BenchResult(NAME, TITLE)
    result.data = {"extraction_stages": stages, "extraction": extraction, "crawl": crawl}
    total = sum(stages.values())
    result.figures = [
        Figure(
            "extraction: CPU per page by step",
            "; ".join(
                f"{stage} {fmt_seconds(seconds)} ({seconds / total:.0%})"
                for stage, seconds in stages.items()
            ),
        ),
        Figure("extraction: most self time", _lines(extraction, "top_self")),
        Figure("extraction: our functions, inclusive", _lines(extraction, "top_project_inclusive")),
        Figure("crawl: most self time", _lines(crawl, "top_self")),
        Figure("crawl: our functions, inclusive", _lines(crawl, "top_project_inclusive")),
    ]
    return result
