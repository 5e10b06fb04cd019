"""Property tests of robots.txt handling: any answer the site gives, any robots.txt it serves and
any run after run of the kept copy give what README promises, judged against a small reading of
RFC 9309 and HTTP caching of their own."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy import Request
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from newsscraper import settings as project_settings
from newsscraper.kept_robotstxt import origin_of, read_kept
from newsscraper.robotstxt import (
    CrawlDelayTooLong,
    RobotsTxtForbidden,
    RobotsTxtUnavailable,
    StrictRobotsTxtMiddleware,
)
from tests.test_robotstxt import RobotsTxtEngine

BASE = "http://127.0.0.1:8123"
SECTION = "/thi-truong-chung-khoan.chn"
ARTICLE = "/vnm-lai-ky-luc-188260704171525847.chn"
PATHS = [SECTION, ARTICLE, "/", "/a", "/thi-truong-chung-khoan.chn?page=2"]
START = dt.datetime(2026, 3, 7, 10, 0, tzinfo=dt.UTC)
DAY = 24 * 3600.0
DELAY, JITTER = 3.0, 0.5  # DOWNLOAD_DELAY and its jitter, as the project sets them


def middleware_for(output_dir, answer, now=START) -> StrictRobotsTxtMiddleware:
    crawler = get_crawler(
        settings_dict={
            "ROBOTSTXT_OBEY": True,
            "ROBOTSTXT_MAX_AGE": project_settings.ROBOTSTXT_MAX_AGE,
            "RETRY_AFTER_MAX": project_settings.RETRY_AFTER_MAX,
            "USER_AGENT": project_settings.USER_AGENT,
            "ROBOTSTXT_PARSER": project_settings.ROBOTSTXT_PARSER,
            "OUTPUT_DIR": str(output_dir),
            "NEWSSCRAPER_NOW": now.isoformat(),
        }
    )
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.engine = RobotsTxtEngine(answer, delay=DELAY, jitter=JITTER)
    crawler.extensions = SimpleNamespace(middlewares=[])
    return StrictRobotsTxtMiddleware.from_crawler(crawler)


def verdicts(middleware) -> dict[str, type[Exception] | None]:
    """What each path is refused with (None: it may go out), asked in one event loop."""

    async def ask():
        found = {}
        for path in PATHS:
            try:
                await middleware.process_request(Request(f"{BASE}{path}"))
            except Exception as error:  # every kind is compared, unexpected ones shown
                found[path] = type(error)
            else:
                found[path] = None
        return found

    return asyncio.run(ask())


# --- robots.txt bodies -------------------------------------------------------------------------

OUR_AGENT = "newsscraper"  # the product token of USER_AGENT
# Others too: part of our User-Agent (`news`, `archiver`), or longer than our token.
agents = st.sampled_from(
    [
        OUR_AGENT,
        "NewsScraper",
        "NEWSSCRAPER",
        "*",
        "otherbot",
        "news",
        "NEWS",
        "archiver",
        "newsscraperbot",
        "scraper",
        "newsscrape",
    ]
)
pattern_chars = st.sampled_from([*"/athi-rugnckv.1825?=*", "chn", "thi-truong", "188"])


@st.composite
def patterns(draw) -> str:
    body = "/" + "".join(draw(st.lists(pattern_chars, max_size=8))).lstrip("/")
    return body + ("$" if draw(st.booleans()) else "")


rules = st.lists(st.tuples(st.booleans(), patterns()), max_size=5)  # (allow, pattern)
groups = st.lists(st.tuples(st.lists(agents, min_size=1, max_size=3), rules), max_size=4)


def field(draw, name: str) -> str:
    """A field name in any case, as RFC 9309 reads them."""
    return "".join(c.upper() if draw(st.booleans()) else c for c in name)


@st.composite
def simple_robots_txt(draw):
    """A robots.txt of groups, in any line ending, field case, with or without a BOM, and the
    groups it is made of."""
    drawn = draw(groups)
    lines = []
    for names, group_rules in drawn:
        lines += [f"{field(draw, 'user-agent')}: {name}" for name in names]
        for allow, pattern in group_rules:
            lines.append(f"{field(draw, 'allow' if allow else 'disallow')}: {pattern}")
        lines.append("")
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + eol.join(lines) + eol).encode(), drawn


def to_regex(pattern: str) -> re.Pattern:
    end = pattern.endswith("$")
    text = pattern[:-1] if end else pattern
    return re.compile(".*".join(map(re.escape, text.split("*"))) + ("$" if end else ""))


def rfc9309_allows(drawn, path: str) -> bool:
    """RFC 9309, 2.2: the groups naming our product token (case-insensitively), merged, or else
    those of `*`; the longest matching pattern wins, Allow on a tie; nothing matched: allowed.
    User-agent lines with no rule between them start one group, blank lines or not (2.1)."""
    joined, pending = [], []
    for names, group_rules in drawn:
        pending += names
        if group_rules:
            joined.append((pending, group_rules))
            pending = []
    drawn = [*joined, (pending, [])] if pending else joined
    ours = [r for names, rs in drawn if any(n.lower() == OUR_AGENT for n in names) for r in rs]
    if not any(any(n.lower() == OUR_AGENT for n in names) for names, _ in drawn):
        ours = [r for names, rs in drawn if "*" in names for r in rs]
    matching = [(len(p), allow) for allow, p in ours if to_regex(p).match(path)]
    return max(matching, default=(0, True))[1]


def configured_parser(body: bytes):
    """The parser Scrapy is configured with (ROBOTSTXT_PARSER), reading `body` on its own for
    our User-Agent."""
    return load_object(project_settings.ROBOTSTXT_PARSER)(body, project_settings.USER_AGENT)


@given(simple_robots_txt())
def test_the_rules_applied_are_rfc_9309s_for_our_user_agent(tmp_path_factory, robots):
    """The section and article pages go out exactly when the groups for our user agent allow
    them, whatever the case of the fields, the line endings or a BOM."""
    body, drawn = robots
    middleware = middleware_for(tmp_path_factory.mktemp("out"), (200, body, {}))
    expected = {p: None if rfc9309_allows(drawn, p) else RobotsTxtForbidden for p in PATHS}
    assert verdicts(middleware) == expected


# Any text, and some that looks like a robots.txt, in any bytes.
robots_lines = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}:{}".format,
        st.sampled_from(
            ["User-agent", "user-AGENT", "Allow", "DISALLOW", "Crawl-delay", "Sitemap"]
        ),
        st.one_of(st.text(max_size=20), st.sampled_from([" newsscraper", " *", " /", " 1e400"])),
    ),
    st.just("Disallow: /" + "a" * 100_000),  # a huge line
)
any_body = st.one_of(
    st.binary(max_size=200),
    st.builds(
        lambda bom, lines, eol: (bom + eol.join(lines)).encode("utf-8", "surrogatepass"),
        st.sampled_from(["", "\ufeff"]),
        st.lists(robots_lines, max_size=8),
        st.sampled_from(["\n", "\r\n", "\r"]),
    ),
)
statuses = st.one_of(
    st.sampled_from([200, 204, 404, 403, 410, 429, 500, 503]), st.integers(100, 599)
)


def documented_verdicts(status: int, body: bytes) -> dict[str, type[Exception] | None]:
    """README: a 5xx or 429, a 1xx or a 3xx left unfollowed forbids every page; any other 4xx
    allows every page; a 2xx is read by the parser Scrapy is configured with, and a Crawl-delay
    over RETRY_AFTER_MAX stops all."""
    if status >= 500 or status == 429 or status < 200 or 300 <= status < 400:
        return dict.fromkeys(PATHS, RobotsTxtUnavailable)
    if 400 <= status < 500:
        return dict.fromkeys(PATHS, None)
    parser = configured_parser(body)
    delay = parser.crawl_delay(project_settings.USER_AGENT)
    if delay and delay > project_settings.RETRY_AFTER_MAX:
        return dict.fromkeys(PATHS, CrawlDelayTooLong)
    allowed = {p: parser.allowed(f"{BASE}{p}", project_settings.USER_AGENT) for p in PATHS}
    return {p: None if allowed[p] else RobotsTxtForbidden for p in PATHS}


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(100, 599), any_body)
def test_any_answer_gives_the_documented_verdict(tmp_path_factory, status, body):
    """No robots.txt, however broken, makes the middleware raise anything but its refusals."""
    middleware = middleware_for(tmp_path_factory.mktemp("out"), (status, body, {}))
    assert verdicts(middleware) == documented_verdicts(status, body)


# --- Crawl-delay -------------------------------------------------------------------------------

crawl_delays = st.one_of(
    st.integers(0, 10**6).map(str),
    st.floats(0, 2000, allow_nan=False).map(repr),
    st.sampled_from(["inf", "nan", "1e400", "-5", "1e308", "601", "600", "1.5", "abc", ""]),
    st.text(max_size=8),
)


def independent_delay(value: str) -> float | None:
    """A Crawl-delay as a number of seconds; one too long for a float (`inf`, `1e400`) is the
    longest a float holds; one that is no number (`nan`, `abc`, `-5`) is none."""
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return min(seconds, sys.float_info.max) if seconds >= 0 else None


@given(
    ours=st.one_of(st.none(), crawl_delays),
    anyone=st.one_of(st.none(), crawl_delays),
)
def test_the_crawl_delay_of_our_group_is_honoured_as_documented(tmp_path_factory, ours, anyone):
    """Our group's Crawl-delay (else `*`'s): over RETRY_AFTER_MAX it stops the run; over the
    shortest gap DOWNLOAD_DELAY leaves it is the least time between requests, jitter dropped;
    under it nothing changes."""
    lines = ["User-agent: otherbot", "Crawl-delay: 5000", "Disallow: /x", ""]
    if ours is not None:
        lines += ["User-agent: newsscraper", f"Crawl-delay: {ours}", "Allow: /", ""]
    lines += ["User-agent: *"] + ([f"Crawl-delay: {anyone}"] if anyone is not None else [])
    lines += ["Disallow: /private", ""]
    body = "\n".join(lines).encode("utf-8", "surrogatepass")
    middleware = middleware_for(tmp_path_factory.mktemp("out"), (200, body, {}))
    found = verdicts(middleware)
    downloader = middleware.crawler.engine.downloader

    value = ours if ours is not None else anyone
    delay = configured_parser(body).crawl_delay(project_settings.USER_AGENT)
    if value is not None and re.fullmatch(r"[0-9.]+(e[0-9]+)?", value.strip(" \t")):
        assert delay == independent_delay(value)  # Protego reads plain numbers as they are
    if delay and delay > project_settings.RETRY_AFTER_MAX:
        assert found == dict.fromkeys(PATHS, CrawlDelayTooLong)
        assert (downloader._delay, downloader._jitter) == (DELAY, JITTER)
        return
    assert CrawlDelayTooLong not in found.values()
    if delay and delay > DELAY * (1 - JITTER):
        assert (downloader._delay, downloader._jitter) == (max(DELAY, delay), 0.0)
    else:
        assert (downloader._delay, downloader._jitter) == (DELAY, JITTER)


# --- the kept copy, run after run --------------------------------------------------------------

cache_controls = st.lists(
    st.one_of(
        st.sampled_from(
            ["no-store", "No-Cache", "no-cache", "public", "private", "must-revalidate"]
        ),
        st.integers(0, 10**12).map("max-age={}".format),
        st.integers(0, 200_000).map('max-age="{}"'.format),
        st.sampled_from(["max-age=", "max-age=-5", "max-age=1.5", "max-age=soon", "junk=1", ""]),
    ),
    max_size=3,
).map(", ".join)


def expected_lifetime(headers: dict[str, str]) -> float | None:
    """RFC 9111 for the generated headers: no-store/no-cache: 0; max-age less Age; no max-age
    (none of the generated ones has Expires): nothing said."""
    directives = [d.strip().lower() for d in headers.get("Cache-Control", "").split(",")]
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    ages = [d.partition("=")[2].strip('"') for d in directives if d.startswith("max-age=")]
    if not ages:
        return None
    max_age = min(int(ages[0]), 2**31) if ages[0].isdigit() else 0.0
    age = headers.get("Age", "0")
    return max(0.0, max_age - (min(int(age), 2**31) if age.isdigit() else 0.0))


answers = st.one_of(
    st.tuples(
        st.sampled_from([200, 200, 404, 410, 403, 429, 500, 503]),
        st.sampled_from([b"User-agent: *\nDisallow: /vnm\n", b"User-agent: *\nAllow: /\n", b""]),
        st.fixed_dictionaries(
            {},
            optional={
                "Cache-Control": cache_controls,
                "Age": st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(["-1", "x"])),
                "Date": st.just("Sat, 07 Mar 2026 10:00:00 GMT"),
            },
        ),
    ),
    st.just(ConnectionRefusedError("refused")),
)
runs = st.lists(
    st.tuples(
        st.integers(-2 * 3600, 2 * 24 * 3600),  # seconds since the last run: set back at times
        answers,
        st.sampled_from([None, None, None, "garbage", "missing", "empty"]),  # the kept file
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=max(1, settings.default.max_examples // 2))
@given(runs)
def test_the_kept_copy_is_read_while_young_and_asked_for_again_otherwise(tmp_path_factory, runs):
    """Run after run: a young copy is read as it was kept, nothing asked; an old, damaged or
    missing one is asked for again; what may not be kept is not, and an answer the site could
    not serve leaves the copy as it was."""
    output = tmp_path_factory.mktemp("out")
    origin = origin_of(BASE)
    model = None  # (fetched_at, lifetime, status, body), as the docs say it is kept
    now = START
    for gap, answer, damage in runs:
        now += dt.timedelta(seconds=gap)
        path = output / ".robots" / "http_127.0.0.1_8123.json"
        if damage and path.exists():
            if damage == "garbage":
                path.write_bytes(b"\x00{garbage")
            elif damage == "empty":
                path.write_text("{}")
            else:
                path.unlink()
            model = None
        middleware = middleware_for(output, answer, now)
        found = verdicts(middleware)
        asked = middleware.crawler.engine.asked

        if model is not None:
            fetched_at, lifetime, status, body = model
            age = (now - fetched_at).total_seconds()
            limit = DAY if lifetime is None else min(DAY, lifetime)
            if 0 <= age < limit:
                assert asked == []
                assert found == documented_verdicts(status, body)
                assert read_kept(output, origin).body == body
                continue
        assert asked == [f"{BASE}/robots.txt"]
        if isinstance(answer, Exception) or answer[0] >= 500 or answer[0] == 429:
            assert found == dict.fromkeys(PATHS, RobotsTxtUnavailable)
            kept = read_kept(output, origin)
            assert (None if kept is None else (kept.fetched_at, kept.status, kept.body)) == (
                None if model is None else (model[0], model[2], model[3])
            )
            continue
        status, body, headers = answer
        assert found == documented_verdicts(status, body)
        lifetime = expected_lifetime(headers)
        kept = read_kept(output, origin)
        if lifetime == 0:
            assert kept is None
            model = None
        else:
            assert kept is not None
            assert (kept.fetched_at, kept.lifetime, kept.status, kept.body) == (
                now,
                lifetime,
                status,
                body,
            )
            model = (now, lifetime, status, body)
