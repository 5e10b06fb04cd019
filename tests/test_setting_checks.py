"""setting_problems: the settings a crawl cannot run with, each named before it starts."""

from scrapy.settings import Settings

from newsscraper import settings as project_settings
from newsscraper.setting_checks import setting_problems


def problems(**values) -> list[str]:
    settings = Settings()
    settings.setmodule(project_settings)
    settings.setdict(values)
    return setting_problems(settings)


def test_the_project_defaults_are_fine():
    assert problems() == []
    assert problems(NEWSSCRAPER_NOW="2026-03-08T09:00:00+07:00", RUN_ID="nightly-1") == []


def test_each_bad_setting_is_named():
    assert problems(NEWSSCRAPER_NOW="2026-03-08T09:00:00") == [
        "NEWSSCRAPER_NOW must be an ISO 8601 instant with an offset, such as "
        "2026-03-07T10:00:00+07:00; got '2026-03-08T09:00:00'"
    ]
    assert problems(NEWSSCRAPER_NOW="hôm qua")[0].endswith("got 'hôm qua'")
    for value in ("abc", "0", "-3", "1.5"):
        assert problems(CAFEF_MAX_PAGES=value) == [
            f"CAFEF_MAX_PAGES must be a whole number of pages, 1 or more; got {value!r}"
        ]
    for value in ("127.0.0.1:8080", "ftp://cafef.vn", "https://", "http://[::1"):
        assert problems(CAFEF_BASE_URL=value) == [
            f"CAFEF_BASE_URL must be an http(s) URL, such as https://cafef.vn; got {value!r}"
        ]
    assert problems(RUN_ID="a/b") == [
        "RUN_ID 'a/b' cannot name files: use up to 100 letters, digits, '.', '_' and '-', "
        "starting with a letter or digit"
    ]
    assert len(problems(RUN_ID="..", CAFEF_MAX_PAGES="x", NEWSSCRAPER_NOW="x")) == 3
