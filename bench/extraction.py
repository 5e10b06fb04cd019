"""Per-page extraction time and field accuracy: our page objects and pipelines, trafilatura, lxml.

All three run in this one process on the same bytes of the same saved pages:

- ours: a Scrapy `HtmlResponse` (with its `Request`) → `ArticlePage.to_item()` →
  `normalize_item` → `fingerprint(body)` set on the item, i.e. everything a crawl does to a
  page before storage; its output is the `Article`;
- trafilatura: `trafilatura.extract(html, with_metadata=True, output_format="json")`; its
  output is that JSON text;
- the floor: `lxml.html.fromstring(html)`, parsing alone.

Each timed call ends at its extractor's own output. Turning the outputs into dicts for scoring
(`ItemAdapter.asdict` of our item, `json.loads` of trafilatura's text) happens outside the
timed call for both: it is the benchmark's work, not extraction's.

Each is handed what it takes as input and parses it itself: trafilatura and lxml the page's
bytes, ours a response holding those bytes (not yet parsed). Building the response is not
extraction (a crawl builds it before any callback runs), so it happens outside the timed call,
a fresh one per call; it is timed apart and reported too, alone and added to ours.

They are called in turns, and the figures are medians of per-call CPU time (wall time is kept
beside it): a machine shared with other work inflates wall time unevenly, CPU time much less.

Accuracy compares each extractor's fields with the page's expected JSON (`bench.accuracy`).
"""

from __future__ import annotations

import json
import time

from bench import accuracy
from bench.common import BenchResult, Figure, fmt_seconds, median
from bench.pages import SavedPage, load_pages

NAME = "extraction"
TITLE = "Extraction per page: ours vs trafilatura vs the lxml floor"

TARGET_VS_TRAFILATURA = 15.0  # at least this many times faster
TARGET_VS_FLOOR = 2.0  # at most this many times the bare parse


def build_response(page: SavedPage):
    """The `HtmlResponse` (with its `Request`) a crawl would hand the spider for `page`."""
    from scrapy.http import HtmlResponse, Request

    return HtmlResponse(url=page.url, body=page.body, encoding="utf-8", request=Request(page.url))


def extract_response():
    """A function response → `Article` doing what a crawl does to each article page
    (`newsscraper extract`'s own chain: `extracted_item`)."""
    from newsscraper.commands.extract import extracted_item
    from newsscraper.pages.article import ArticlePage

    def extract(response):
        return extracted_item(ArticlePage(response))

    return extract


def our_extractor():
    """A function page → `Article`: the response built, then `extract_response`'s work."""
    extract = extract_response()

    def extract_page(page: SavedPage):
        return extract(build_response(page))

    return extract_page


def trafilatura_extractor():
    """A function page → trafilatura's JSON text (None when it finds nothing)."""
    import trafilatura

    def extract(page: SavedPage) -> str | None:
        return trafilatura.extract(page.body, with_metadata=True, output_format="json")

    return extract


def as_dict(name: str, output) -> dict:
    """An extractor's output as a dict of fields, for scoring (never timed)."""
    from itemadapter import ItemAdapter

    if name == "ours":
        return ItemAdapter(output).asdict()
    return json.loads(output) if output else {}


def lxml_floor():
    import lxml.html

    def parse(page: SavedPage):
        return lxml.html.fromstring(page.body)

    return parse


def _budget(smoke: bool, warm: bool = False) -> dict:
    if smoke:
        return {"min_rounds": 2, "max_rounds": 2, "budget_seconds": 0.0}
    if warm:  # rounds of WARM_REPEAT calls each
        return {"min_rounds": 20, "max_rounds": 500, "budget_seconds": 5.0}
    return {"min_rounds": 30, "max_rounds": 2000, "budget_seconds": 8.0}


def _score_all(pages: list[SavedPage], outputs: dict[str, dict[str, dict]]) -> dict:
    """{extractor: {page: verdicts}} for the pages that have expected JSON."""
    scores: dict[str, dict[str, dict]] = {"ours": {}, "trafilatura": {}}
    for page in pages:
        if page.expected is None:
            continue
        scores["ours"][page.name] = accuracy.score(outputs["ours"][page.name], page.expected)
        scores["trafilatura"][page.name] = accuracy.score(
            accuracy.from_trafilatura(outputs["trafilatura"][page.name]), page.expected
        )
    return scores


def _fields_right(scores: dict[str, dict]) -> tuple[int, int]:
    verdicts = [v[field] for v in scores.values() for field in accuracy.FIELDS]
    return sum(verdicts), len(verdicts)


def _timed(call, *args) -> tuple[object, float, float]:
    """`call(*args)`, its CPU seconds and its wall seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = call(*args)
    return out, time.process_time() - cpu, time.perf_counter() - wall


def time_in_turns(
    page: SavedPage,
    extractors: dict,
    *,
    min_rounds: int,
    max_rounds: int,
    budget_seconds: float,
    repeat: int = 1,
) -> dict[str, dict[str, list[float]]]:
    """Seconds per call on `page`, CPU and wall, each extractor called in turn, in rounds.

    Every call of ours gets a response built just before it, outside its timed region, and
    never reused: the parsed tree is cached per response (`newsscraper.pages.tree`), so a
    reused response would time a cache hit. Building it is timed apart, as `response`, and
    `ours+response` is the per-call sum of the two.

    With `repeat` 1 each round calls each extractor once, so each call starts with the CPU
    caches full of the others' work (ours runs right after trafilatura's 20 ms and the floor's
    parse). With `repeat` n > 1 each extractor is called n times in a row and only the last
    n - 1 calls are kept: each extractor warm from its own previous page, as in a batch.
    """
    names = ("response", "ours", "ours+response", "trafilatura", "lxml")
    times: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in names}

    def keep(call: int, name: str, cpu: float, wall: float) -> None:
        if repeat == 1 or call > 0:
            times[name]["cpu"].append(cpu)
            times[name]["wall"].append(wall)

    deadline = time.perf_counter() + budget_seconds
    rounds = 0
    while rounds < max_rounds and (rounds < min_rounds or time.perf_counter() < deadline):
        for call in range(repeat):
            response, build_cpu, build_wall = _timed(build_response, page)
            keep(call, "response", build_cpu, build_wall)
            _, cpu, wall = _timed(extractors["ours"], response)
            keep(call, "ours", cpu, wall)
            keep(call, "ours+response", build_cpu + cpu, build_wall + wall)
            del response
        for name in ("trafilatura", "lxml"):
            for call in range(repeat):
                keep(call, name, *_timed(extractors[name], page)[1:])
        rounds += 1
    return times


WARM_REPEAT = 4  # calls in a row per extractor and round for the warm figures


def run(smoke: bool = False) -> BenchResult:
    pages = load_pages()
    if not pages:
        raise RuntimeError("no saved article pages under tests/fixtures")
    extractors = {"ours": our_extractor(), "trafilatura": trafilatura_extractor()}
    outputs = {
        name: {page.name: as_dict(name, fn(page)) for page in pages}
        for name, fn in extractors.items()
    }
    timed = {"ours": extract_response(), "trafilatura": extractors["trafilatura"]}
    timed["lxml"] = lxml_floor()

    names = ("ours", "trafilatura", "lxml", "ours+response", "response")
    per_page: dict[str, dict[str, float]] = {name: {} for name in names}
    per_page_wall: dict[str, dict[str, float]] = {name: {} for name in names}
    warm_per_page: dict[str, dict[str, float]] = {name: {} for name in names}
    rounds = 0
    for page in pages:
        times = time_in_turns(page, timed, **_budget(smoke))
        for name in names:
            per_page[name][page.name] = median(times[name]["cpu"])
            per_page_wall[name][page.name] = median(times[name]["wall"])
        rounds += len(times["ours"]["cpu"])
        warm = time_in_turns(page, timed, repeat=WARM_REPEAT, **_budget(smoke, warm=True))
        for name in names:
            warm_per_page[name][page.name] = median(warm[name]["cpu"])
    warm_mean = {name: sum(v.values()) / len(v) for name, v in warm_per_page.items()}
    mean_all = {name: sum(v.values()) / len(v) for name, v in per_page.items()}
    mean_wall_all = {name: sum(v.values()) / len(v) for name, v in per_page_wall.items()}
    extractor_names = ("ours", "trafilatura", "lxml")
    mean_seconds = {name: mean_all[name] for name in extractor_names}
    mean_wall = {name: mean_wall_all[name] for name in extractor_names}
    speedup = mean_seconds["trafilatura"] / mean_seconds["ours"]
    vs_floor = mean_seconds["ours"] / mean_seconds["lxml"]
    with_response = mean_all["ours+response"]

    scores = _score_all(pages, outputs)
    result = BenchResult(NAME, TITLE)
    result.data = {
        "pages": [page.name for page in pages],
        "pages_with_expected": [page.name for page in pages if page.expected is not None],
        "calls_per_extractor": rounds,
        "cpu_seconds_per_page": per_page,
        "wall_seconds_per_page": per_page_wall,
        "mean_seconds_per_page": mean_seconds,
        "mean_wall_seconds_per_page": mean_wall,
        "speedup_vs_trafilatura": speedup,
        "ratio_to_lxml_floor": vs_floor,
        # Building Scrapy's `HtmlResponse` and `Request` (a crawl does it before extraction),
        # timed apart, and ours with it, so the figure without it hides nothing.
        "response": {
            "cpu_seconds_per_page": per_page["response"],
            "mean_seconds_per_page": mean_all["response"],
            "mean_wall_seconds_per_page": mean_wall_all["response"],
        },
        "ours_with_response": {
            "cpu_seconds_per_page": per_page["ours+response"],
            "mean_seconds_per_page": with_response,
            "mean_wall_seconds_per_page": mean_wall_all["ours+response"],
            "speedup_vs_trafilatura": mean_seconds["trafilatura"] / with_response,
            "ratio_to_lxml_floor": with_response / mean_seconds["lxml"],
        },
        # Each extractor warm from its own previous call (`time_in_turns` with `repeat`).
        "warm_in_blocks": {
            "calls_in_a_row": WARM_REPEAT,
            "cpu_seconds_per_page": warm_per_page,
            "mean_seconds_per_page": warm_mean,
            "speedup_vs_trafilatura": warm_mean["trafilatura"] / warm_mean["ours"],
            "ratio_to_lxml_floor": warm_mean["ours"] / warm_mean["lxml"],
        },
        "accuracy": scores,
    }
    result.figures = [
        Figure("pages (real saved + seed)", str(len(pages))),
        Figure("calls per extractor and page (in turns)", str(rounds // len(pages))),
        *(
            Figure(
                f"{label}, CPU (wall) per page",
                f"{fmt_seconds(mean_all[name])} ({fmt_seconds(mean_wall_all[name])})",
            )
            for name, label in (
                ("ours", "ours: ArticlePage + normalize + fingerprint, response given"),
                ("response", "building the HtmlResponse + Request (not in ours)"),
                ("ours+response", "ours with building the response"),
                ("trafilatura", "trafilatura.extract, JSON with metadata"),
                ("lxml", "floor: lxml.html.fromstring"),
            )
        ),
        Figure(
            "trafilatura time / ours",
            f"{speedup:.1f}×",
            f"≥ {TARGET_VS_TRAFILATURA:g}×",
            speedup >= TARGET_VS_TRAFILATURA,
        ),
        Figure(
            "ours / lxml floor",
            f"{vs_floor:.2f}×",
            f"≤ {TARGET_VS_FLOOR:g}×",
            vs_floor <= TARGET_VS_FLOOR,
        ),
        Figure(
            "with building the response: trafilatura / ours, ours / floor",
            f"{mean_seconds['trafilatura'] / with_response:.1f}×,"
            f" {with_response / mean_seconds['lxml']:.2f}×",
        ),
        Figure(
            f"warm ({WARM_REPEAT} calls in a row each): ours, trafilatura, floor per page",
            ", ".join(fmt_seconds(warm_mean[n]) for n in ("ours", "trafilatura", "lxml")),
        ),
        Figure(
            "warm: trafilatura / ours, ours / floor",
            f"{warm_mean['trafilatura'] / warm_mean['ours']:.1f}×,"
            f" {warm_mean['ours'] / warm_mean['lxml']:.2f}×",
        ),
    ]
    for name in ("ours", "trafilatura"):
        right, total = _fields_right(scores[name])
        f1 = [v["body_token_f1"] for v in scores[name].values()]
        result.figures.append(
            Figure(
                f"{name}: fields right (title, time, author, source, body)",
                f"{right}/{total}, body F1 min {min(f1):.3f}" if f1 else "no expected JSON",
                "every field right" if name == "ours" else "",
                (right == total and total > 0) if name == "ours" else None,
            )
        )
    if not scores["ours"]:
        result.notes.append("No expected JSON under tests/fixtures/expected: accuracy not scored.")
    return result


if __name__ == "__main__":
    print(json.dumps(run(smoke=False).data, indent=2, default=str))
