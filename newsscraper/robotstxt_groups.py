"""Which groups of a robots.txt are ours, as RFC 9309 (2.2.1) reads them: those whose
User-agent line names our product token (letters, `_` and `-`, matched case-insensitively),
combined; else those of `*`. Protego, Scrapy's parser, would also apply a group whose name is a
prefix or a word of our whole User-Agent (`news`, `archiver`); here it only reads the rules of
the groups chosen, rewritten as one group for every agent."""

from __future__ import annotations

import math
import re
import sys

from protego import Protego
from scrapy.robotstxt import RobotParser, decode_robotstxt

_TOKEN = re.compile(r"[A-Za-z_-]+")
# A User-agent line in every spelling Protego reads as one (`User-agent: x`, `useragent x`,
# `User agent: x`), and some more: a line it reads so must never reach it among the rules,
# where it would start a group of its own.
_USER_AGENT_LINE = re.compile(r"\s*user(?:-|\s+)?agent(?=[\s:]|$)\s*:?\s*(.*)", re.I | re.S)
# Lines of the whole site, not of a group: they neither hold rules nor end a group.
_SITE_WIDE_LINE = re.compile(r"\s*(?:sitemaps?|site-map|host)\s*(?:[\s:]|$)", re.I)
# A line Protego reads as a record: `field: value`, or a field it knows (misspelt Disallows
# too), whitespace and the value. Any other line (a stray word, a path, markup) it skips, and
# RFC 9309 (2.2) uses only the lines that parse: it neither holds rules nor ends a group.
_RECORD_LINE = re.compile(
    r"[^:]*:|(?:allow|disallow|dissallow|dissalow|disalow|diasllow|disallaw"
    r"|crawl(?:-|\s+)delay|request(?:-|\s+)rate|visit(?:-|\s+)time)(?:\s|$)",
    re.I,
)

# A Crawl-delay line, as Protego reads its field, and its value.
_CRAWL_DELAY_LINE = re.compile(r"\s*crawl(?:-|\s+)delay\s*:?\s*(.*)", re.I | re.S)
# What a Crawl-delay too long for a float (`inf`, `1e400`) is read as: the longest there is.
LONGEST_CRAWL_DELAY = f"Crawl-delay: {sys.float_info.max!r}"


def product_token(user_agent: str) -> str:
    """The product token a User-Agent starts with (`newsscraper` for ours), lower-cased."""
    found = _TOKEN.match(user_agent.strip())
    return found.group().lower() if found else ""


def our_groups(text: str, token: str) -> str:
    """The rules of the groups of `text` for `token`, else of `*`, as one group for `*`."""
    groups: list[tuple[list[str], list[str]]] = []  # (names, rule lines)
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or _SITE_WIDE_LINE.match(line):
            continue
        if agent := _USER_AGENT_LINE.fullmatch(line):
            if not groups or groups[-1][1]:
                groups.append(([], []))
            groups[-1][0].append(agent.group(1).strip())
        elif groups and _RECORD_LINE.match(line):
            groups[-1][1].append(_longest_if_endless(line))
    named = [rules for names, rules in groups if token in map(product_token, names)]
    if not named:
        named = [rules for names, rules in groups if "*" in names]
    return "\n".join(["User-agent: *", *(line for rules in named for line in rules)]) + "\n"


def _longest_if_endless(line: str) -> str:
    """A Crawl-delay of more seconds than a float holds (`inf`, `1e400`) as the longest one a
    float holds: Protego would read it as no Crawl-delay at all. `nan`, a negative delay, a
    word, it drops as any value that is no delay; so does this."""
    delay = _CRAWL_DELAY_LINE.fullmatch(line)
    if delay is None:
        return line
    try:
        seconds = float(delay.group(1).strip())
    except ValueError:
        return line
    return LONGEST_CRAWL_DELAY if math.isinf(seconds) and seconds > 0 else line


class ProductTokenRobotParser(RobotParser):
    """ROBOTSTXT_PARSER: Protego, given only the groups for our product token (or `*`)."""

    def __init__(self, robotstxt_body: bytes, user_agent: str):
        self.token = product_token(user_agent)
        text = decode_robotstxt(robotstxt_body, None).removeprefix("\ufeff")
        self.rp = Protego.parse(our_groups(text, self.token))

    @classmethod
    def from_crawler(cls, crawler, robotstxt_body: bytes):
        settings = crawler.settings
        agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT") or ""
        return cls(robotstxt_body, agent)

    def allowed(self, url, user_agent) -> bool:
        url = url.decode() if isinstance(url, bytes) else url
        return self.rp.can_fetch(url, "*")

    def crawl_delay(self, user_agent) -> float | None:
        return self.rp.crawl_delay("*")
