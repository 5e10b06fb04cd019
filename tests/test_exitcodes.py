"""The exit codes of the README's table, and the finish reason each crawl ending gives."""

import re
from pathlib import Path

import pytest

from newsscraper import exitcodes
from newsscraper.stop import (
    DISK_ERROR_REASON,
    DISK_ERROR_STAT,
    RETRY_AFTER_TOO_LONG_REASON,
    SITE_FAILING_REASON,
    SOFT_BLOCKED_REASON,
)

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_codes_are_the_readmes():
    table = README[README.index("| exit code | meaning |") :]
    documented = [int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)]
    codes = [
        exitcodes.OK,
        exitcodes.ABNORMAL,
        exitcodes.USAGE,
        exitcodes.SOFT_BLOCKED,
        exitcodes.DISK_ERROR,
        exitcodes.UNHEALTHY,
        exitcodes.INTERRUPTED,
        exitcodes.SITE_ERRORS,
        exitcodes.LOCKED,
    ]
    assert codes == documented == [0, 1, 2, 3, 4, 5, 6, 7, 75]


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("finished", 0),
        (SOFT_BLOCKED_REASON, 3),
        (RETRY_AFTER_TOO_LONG_REASON, 3),
        (DISK_ERROR_REASON, 4),
        ("shutdown", 6),
        ("closespider_itemcount", 0),  # limits given with -s: the run stopped where told
        ("closespider_pagecount", 0),
        ("closespider_timeout", 0),
        ("closespider_errorcount", 1),  # errors, not a limit
        (SITE_FAILING_REASON, 7),
        ("cancelled", 1),  # an ending newsscraper does not know: abnormal
        (None, 1),
    ],
)
def test_each_finish_reason_gives_its_code(reason, code):
    assert exitcodes.for_finish_reason(reason) == code


def test_a_disk_fault_after_the_engine_chose_its_reason_is_still_a_disk_error():
    from scrapy.utils.test import get_crawler

    from newsscraper.scrapy_commands.crawl import exit_code_of

    crawler = get_crawler()
    crawler.stats.set_value("finish_reason", "finished")
    assert exit_code_of(crawler) == exitcodes.OK
    crawler.stats.set_value(DISK_ERROR_STAT, "articles/part-r1-1.parquet: ENOSPC")
    assert exit_code_of(crawler) == exitcodes.DISK_ERROR
