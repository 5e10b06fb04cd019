"""The groups of a robots.txt read for our product token (RFC 9309, 2.2.1)."""

from __future__ import annotations

import pytest

from newsscraper import settings as project_settings
from newsscraper.robotstxt_groups import ProductTokenRobotParser, our_groups, product_token

PAGE = "https://cafef.vn/doanh-nghiep.chn"


def allowed(body: str) -> bool:
    parser = ProductTokenRobotParser(body.encode(), project_settings.USER_AGENT)
    return parser.allowed(PAGE, project_settings.USER_AGENT)


def test_our_product_token_is_the_name_our_user_agent_starts_with():
    assert product_token(project_settings.USER_AGENT) == "newsscraper"
    assert product_token("NewsScraper/2.0 (+https://x)") == "newsscraper"
    assert product_token("  *") == ""


@pytest.mark.parametrize(
    "line", ["User-agent: newsscraper", "useragent:NewsScraper", "User agent newsscraper/2"]
)
def test_a_user_agent_line_in_any_spelling_names_a_group(line):
    # Each a group of ours, so the `*` group's Disallow is not read.
    assert allowed(f"User-agent: *\nDisallow: /\n\n{line}\nAllow: /\n")


@pytest.mark.parametrize("line", ["User-agent: news", "user agent Mozilla", "USERAGENT:bot"])
def test_a_user_agent_line_of_another_name_never_leaks_into_our_rules(line):
    # Were the line passed on among the rules, the parser would start a group of it there and
    # read the Disallow under it as another agent's.
    body = f"User-agent: *\nAllow: /x\n{line}\nDisallow: /doanh\n"
    assert our_groups(body, "newsscraper") == "User-agent: *\nAllow: /x\n"
    assert allowed(body)


def test_a_sitemap_between_user_agent_lines_keeps_them_one_group():
    body = "User-agent: otherbot\nSitemap: https://cafef.vn/s.xml\nUser-agent: *\nDisallow: /\n"
    assert our_groups(body, "newsscraper") == "User-agent: *\nDisallow: /\n"
    assert not allowed(body)
    # Nor does it part our name from the next one's rules, which are then ours.
    ours = "User-agent: newsscraper\nHost: cafef.vn\nUser-agent: otherbot\nDisallow: /\n"
    assert not allowed(ours + "\nUser-agent: *\nAllow: /\n")


def test_rules_before_any_user_agent_line_belong_to_no_group():
    assert allowed("Disallow: /\n\nUser-agent: *\nAllow: /x\n")


@pytest.mark.parametrize("junk", ["hello", "<br>", "/doanh"])
def test_a_line_that_is_no_record_neither_holds_rules_nor_ends_a_group(junk):
    # RFC 9309, 2.2: the lines that parse are used, others skipped; so the names on either
    # side of one are still one group, whose rules are ours.
    body = f"User-agent: newsscraper\n{junk}\nUser-agent: otherbot\nDisallow: /\n"
    assert our_groups(body, "newsscraper") == "User-agent: *\nDisallow: /\n"
    assert not allowed(body)
    # A field the parser knows needs no colon: it is a rule, and ends our names.
    assert not allowed("User-agent: newsscraper\nDisallow /doanh\nUser-agent: x\nAllow: /\n")
