"""Settings a crawl cannot run with, found before it starts.

`scrapy crawl cafef` and `newsscraper cron` call `setting_problems` first and exit 2 (usage)
naming each bad setting, instead of a traceback from inside the crawl; the spider checks again
for a crawl started some other way.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from newsscraper.dataset import is_safe_path_value


def setting_problems(settings) -> list[str]:
    """What is wrong with the crawl's settings, one message per bad setting (none: fine)."""
    problems = []
    now = settings.get("NEWSSCRAPER_NOW")
    if now:
        try:
            aware = dt.datetime.fromisoformat(now).tzinfo is not None
        except ValueError:
            aware = False
        if not aware:
            problems.append(
                f"NEWSSCRAPER_NOW must be an ISO 8601 instant with an offset, such as "
                f"2026-03-07T10:00:00+07:00; got {now!r}"
            )
    try:
        max_pages = settings.getint("CAFEF_MAX_PAGES", 1)  # unset: the spider's own default
    except (TypeError, ValueError):
        max_pages = 0
    if max_pages < 1:
        problems.append(
            f"CAFEF_MAX_PAGES must be a whole number of pages, 1 or more; "
            f"got {settings.get('CAFEF_MAX_PAGES')!r}"
        )
    base_url = str(settings.get("CAFEF_BASE_URL") or "")
    try:
        parts = urlsplit(base_url)
        is_http = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        is_http = False
    if not is_http:
        problems.append(
            f"CAFEF_BASE_URL must be an http(s) URL, such as https://cafef.vn; got {base_url!r}"
        )
    run_id = settings.get("RUN_ID")
    if run_id and not is_safe_path_value(run_id):
        problems.append(
            f"RUN_ID {run_id!r} cannot name files: use up to 100 letters, digits, '.', '_' "
            "and '-', starting with a letter or digit"
        )
    return problems
