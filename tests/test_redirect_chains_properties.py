"""Chains of redirects in front of article pages, against a real `scrapy crawl cafef` of the
replica: each listed article URL goes through a drawn chain of HTTP redirects (301, 302, 303,
307, 308; Location absolute, relative, protocol-relative or with an upper-case scheme) over
other pages of the site, and ends in one of the outcomes README.md gives a verdict for.

README.md promises ("Choices worth knowing"):
- "An article redirected to another article's URL (a new slug) is read there. When that URL
  has another id, the row is stored under it, and the listed id goes to `rejects/` as
  `redirected_to_article`"; DATA_FORMAT.md: "whose row is stored under its own id, which
  `detail` names".
- "an article URL that redirects to another page of the site that is not an article, as the
  site does with a deleted story" is a reject; "an HTTP redirect to an article's address on
  another site: never followed, and a `redirected_away` reject"; "an HTTP redirect to an
  address that is not http(s) (`ftp:`, `javascript:`, `mailto:`): never followed, and a
  `redirected_away` reject whose detail names the address". DATA_FORMAT.md: for
  `redirected_away` the reject's `url` is "the URL the listing gave" and "`detail` names the
  page it led to".
- "These are soft blocks instead, and the article URL is asked for again: [...] a meta refresh
  off the site, an HTTP redirect to another site at an address that is no article" (a login
  page, never fetched); a page that is not the site's (a meta refresh not followed, as one over
  Scrapy's METAREFRESH_MAXDELAY) is read "as it came, the article when it holds it, else a soft
  block".
- Exit 7 lists "more than five redirects"; a page that failed "is not stored and is asked for
  again by the next runs" (pending), and "only the crawl host is ever fetched (even on
  redirects)".
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsscraper import exitcodes
from newsscraper.dataset_read import read_rejects
from replica import ReplicaSite, serve
from replica.crawl import run_crawl
from replica.faults import Fault
from replica.response import Response
from tests.e2e.replica_checks import (
    assert_complete_part_files,
    assert_only_replica_fetched,
    assert_stored_exactly,
    crawl_stats,
    only_run,
)

SECTION_PAGE = "/doanh-nghiep.chn"
CODES = (301, 302, 303, 307, 308)
FORMS = ("absolute", "relative", "protocol_relative", "upper_case_scheme")
# A story moved to another site: an article's path there (another address there, a login
# page's, is the network's answer: a soft block, tests/test_middlewares.py).
OFF_SITE = (
    "http://example.invalid/story-188260306173916865.chn",
    "//example.invalid/story-188260306173916865.chn",
    "HTTPS://Example.Invalid/story-188260306173916865.chn",
)
# The network's answer: a captive portal's or a proxy's login page on another host.
LOGIN = (
    "https://login.example.invalid/?next=%2Fstory-188260306173916865.chn",
    "//portal.example.invalid/login",
    "HTTP://Login.Example.Invalid/",
)
NOT_HTTP = ("ftp://files.example.invalid/story.pdf", "javascript:void(0)", "mailto:a@b.invalid")
METAREFRESH_MAXDELAY = 100  # Scrapy's default, which the project keeps
REDIRECT_MAX_TIMES = 5  # README: "more than five redirects"


class Hop(Fault):
    """A redirect to `location`, where `{base}` is the replica's host and port."""

    def __init__(self, code: int, form: str, path: str, base: str) -> None:
        self.code, self.location = code, located(form, path, base)

    def apply(self, target, normal) -> Response:
        response = Response.html("<html><body>moved</body></html>", status=self.code)
        response.headers["Location"] = self.location
        return response


class Refresh(Fault):
    """A 200 page without the site's header whose meta refresh sends on after `delay` s."""

    def __init__(self, delay: int, location: str) -> None:
        self.delay, self.location = delay, location

    def apply(self, target, normal) -> Response:
        return Response.html(
            f'<html><head><meta http-equiv="refresh" content="{self.delay};url={self.location}">'
            "</head><body></body></html>\n"
        )


def located(form: str, path: str, base: str) -> str:
    """`path` of the site written as a Location of the given form."""
    host = base.removeprefix("http://")
    return {
        "absolute": f"{base}{path}",
        "relative": path,
        "protocol_relative": f"//{host}{path}",
        "upper_case_scheme": f"HTTP://{host}{path}",
    }.get(form, form)


@dataclass(frozen=True)
class Chain:
    """What a listed article URL answers: `hops` redirects (code, Location form) over pages of
    the site, then `end`: another article ("moved"), the same one with a query ("query"), the
    section page ("section"), an article's address on another site ("off_site"), a login page
    on another site ("login"), an address that is not http(s) ("not_http"), back to itself
    ("loop"), too many hops ("too_many"), or a page of no site whose meta refresh goes off the
    site ("meta_off_site") or waits too long ("meta_slow")."""

    hops: tuple[tuple[int, str], ...]
    end: str
    final: tuple[int, str]  # the last redirect's code and Location (form, or an address)
    delay: int = 0


hop = st.tuples(st.sampled_from(CODES), st.sampled_from(FORMS))


@st.composite
def chains(draw) -> Chain:
    end = draw(
        st.sampled_from(
            (
                "moved",
                "query",
                "section",
                "off_site",
                "login",
                "not_http",
                "loop",
                "too_many",
                "meta_off_site",
                "meta_slow",
            )
        )
    )
    if end == "too_many":
        hops = draw(st.lists(hop, min_size=REDIRECT_MAX_TIMES, max_size=REDIRECT_MAX_TIMES + 1))
    else:
        hops = draw(st.lists(hop, max_size=REDIRECT_MAX_TIMES - 2))
    code = draw(st.sampled_from(CODES))
    if end == "off_site":
        final = (code, draw(st.sampled_from(OFF_SITE)))
    elif end == "login":
        final = (code, draw(st.sampled_from(LOGIN)))
    elif end == "not_http":
        final = (code, draw(st.sampled_from(NOT_HTTP)))
    else:
        final = (code, draw(st.sampled_from(FORMS)))
    delay = 0
    if end == "meta_off_site":
        delay = draw(st.integers(0, METAREFRESH_MAXDELAY - 1))
    elif end == "meta_slow":
        delay = draw(st.integers(METAREFRESH_MAXDELAY + 1, 10 * METAREFRESH_MAXDELAY))
    return Chain(tuple(hops), end, final, delay)


# The ends after which the listed article is stored under its own id ("listed": no chain).
STORED_THERE = {"listed", "query", "login", "meta_off_site", "meta_slow"}
SOFT_BLOCKED = {"login", "meta_off_site", "meta_slow"}  # once: the article comes after it
REJECTED = {"moved": "redirected_to_article", "section": "redirected_away"}
REJECTED |= {"off_site": "redirected_away", "not_http": "redirected_away"}
PENDING = {"loop", "too_many"}


def script_chain(site, handle, index: int, victim, target, chain: Chain) -> str | None:
    """Script the chain in front of `victim`; returns the address its detail must name."""
    base = handle.base_url
    nodes = [victim.path] + [f"/chuyen/{index}/{k}" for k in range(1, len(chain.hops) + 1)]
    faults = [Hop(code, form, nodes[k + 1], base) for k, (code, form) in enumerate(chain.hops)]
    code, form = chain.final
    named = None
    if chain.end in ("meta_off_site", "meta_slow"):
        location = (
            "http://example.invalid/captcha" if chain.end == "meta_off_site" else SECTION_PAGE
        )
        faults.append(Refresh(chain.delay, location))
    else:
        path = {
            "moved": target.path,
            "query": f"{victim.path}?utm_source=x",
            "section": SECTION_PAGE,
            "loop": victim.path,
            "too_many": target.path,
        }.get(chain.end, form)
        faults.append(Hop(code, form, path, base))
        named = {
            "moved": target.article_id,
            "section": handle.url(SECTION_PAGE),
            "off_site": "example.invalid",
            "not_http": form,
        }.get(chain.end)
    # The listed URL answers its first hop once (then the article), but for the pending ends
    # and the rejects, where it answers it every time; the pages after it always.
    always = chain.end in PENDING or chain.end in REJECTED
    site.script(victim.path, faults[:1], repeat=always)
    for node, fault in zip(nodes[1:], faults[1:], strict=True):
        site.script(node, [fault], repeat=True)
    return named


@settings(
    max_examples=max(1, settings.default.max_examples // 25),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=st.lists(chains(), min_size=1, max_size=3))
def test_each_article_behind_a_chain_of_redirects_ends_as_readme_says(drawn, tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("redirects") / "output"
    site = ReplicaSite(articles=10)
    victims = site.articles[1 : 1 + len(drawn)]
    target = site.articles[0]  # another listed article, stored under its own id
    with serve(site) as handle:
        named = {
            victim.article_id: script_chain(site, handle, i, victim, target, chain)
            for i, (victim, chain) in enumerate(zip(victims, drawn, strict=True))
        }
        result = run_crawl(handle.base_url, output_dir)
        requests = handle.requests
        stats = crawl_stats(result.stderr)
        assert_only_replica_fetched(handle, stats)

    assert not [r for r in requests if "example.invalid" in r.path.lower()]
    ends = {victim.article_id: chain.end for victim, chain in zip(victims, drawn, strict=True)}
    pending = {aid for aid, end in ends.items() if end in PENDING}
    assert result.returncode == (exitcodes.SITE_ERRORS if pending else exitcodes.OK), result.stderr[
        -4000:
    ]

    stored = [a for a in site.articles if ends.get(a.article_id, "listed") in STORED_THERE]
    assert_stored_exactly(output_dir, stored)
    assert_complete_part_files(output_dir)

    rejects = read_rejects(output_dir).to_pylist()
    assert sorted((r["article_id"], r["url"], r["reason"]) for r in rejects) == sorted(
        (victim.article_id, f"https://cafef.vn{victim.path}", REJECTED[ends[victim.article_id]])
        for victim in victims
        if ends[victim.article_id] in REJECTED
    )
    for row in rejects:
        assert named[row["article_id"]].lower() in row["detail"].lower(), row

    run = only_run(output_dir)
    assert set(run["pending_articles"] or {}) == pending
    assert run["failed_articles"] == len(pending)
    blocked = sum(end in SOFT_BLOCKED for end in ends.values())
    assert stats.get("newsscraper/softblock/detected", 0) == blocked
