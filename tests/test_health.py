from newsscraper import exitcodes
from newsscraper.health import judge


def run(**fields):
    base = {
        "finish_reason": "finished",
        "exit_code": 0,
        "articles_fetched": 20,
        "new_rows": 20,
        "duplicates": 0,
        "fill_rates": {"author": 0.9, "title": 1.0},
    }
    return base | fields


def test_a_normal_run_is_healthy():
    assert judge(run(), [run() for _ in range(5)]) == (exitcodes.OK, [])


def test_finish_reasons_map_to_exit_codes():
    assert judge(run(finish_reason="soft_blocked"), [])[0] == exitcodes.SOFT_BLOCKED
    assert judge(run(finish_reason="disk_error"), [])[0] == exitcodes.DISK_ERROR
    assert judge(run(finish_reason="shutdown"), [])[0] == exitcodes.INTERRUPTED
    assert judge(run(finish_reason="cancelled"), [])[0] == exitcodes.ABNORMAL


def test_pages_that_all_fail_to_parse_are_unhealthy():
    code, problems = judge(run(new_rows=0, duplicates=0, articles_fetched=12), [])
    assert code == exitcodes.UNHEALTHY
    assert problems == ["12 article pages came back but no article was parsed"]


def test_a_collapse_of_new_articles_against_recent_runs_is_unhealthy():
    code, problems = judge(run(new_rows=1, articles_fetched=1), [run() for _ in range(5)])
    assert code == exitcodes.UNHEALTHY
    assert "new articles fell to 1 against a median of 20" in problems[0]


def test_quiet_cron_runs_do_not_make_zero_new_articles_unhealthy():
    quiet = [run(new_rows=n, articles_fetched=n) for n in (0, 1, 0, 2, 0)]
    assert judge(run(new_rows=0, articles_fetched=0), quiet) == (exitcodes.OK, [])


def test_a_fill_rate_drop_is_unhealthy():
    code, problems = judge(
        run(fill_rates={"author": 0.05, "title": 1.0}), [run() for _ in range(5)]
    )
    assert code == exitcodes.UNHEALTHY
    assert problems == ["fill rate of author fell to 5% against a median of 90%"]


def test_a_single_page_that_fails_to_parse_is_a_reject_not_a_layout_change():
    assert judge(run(new_rows=0, duplicates=0, articles_fetched=1), []) == (exitcodes.OK, [])


def test_too_few_earlier_runs_make_no_median():
    code, _ = judge(run(new_rows=0, articles_fetched=0), [run(new_rows=40)] * 4)
    assert code == exitcodes.OK


def test_pages_the_site_did_not_give_are_site_errors_before_any_collapse():
    recent = [run() for _ in range(5)]
    code, problems = judge(
        run(new_rows=0, articles_fetched=0, stop_reason="listing_failed"), recent
    )
    assert code == exitcodes.SITE_ERRORS
    assert problems == ["a listing page failed after every retry; paging stopped there"]
    code, problems = judge(run(stop_reason="broke_off_above_watermark"), recent)
    assert code == exitcodes.SITE_ERRORS and "above the last run's watermark" in problems[0]
    code, problems = judge(run(new_rows=17, failed_articles=3), recent)
    assert (code, problems) == (
        exitcodes.SITE_ERRORS,
        ["3 article page(s) failed after every retry"],
    )
    # A finish reason that is not "finished" says more than the pages that failed before it.
    assert judge(run(finish_reason="soft_blocked", failed_articles=3), [])[0] == (
        exitcodes.SOFT_BLOCKED
    )


def test_an_article_a_pipeline_raised_on_makes_the_run_unhealthy():
    code, problems = judge(run(rejects_by_reason={"pipeline_error": 2, "body_too_short": 1}), [])
    assert code == exitcodes.UNHEALTHY
    assert problems == [
        "2 article(s) made a pipeline raise, a fault of newsscraper: kept in rejects as "
        "pipeline_error"
    ]


def test_backfills_neither_set_nor_meet_the_median_of_new_articles():
    backfills = [run(mode="backfill", new_rows=300, articles_fetched=300) for _ in range(6)]
    quiet = run(mode="incremental", new_rows=2, articles_fetched=2)
    assert judge(quiet, backfills) == (exitcodes.OK, [])
    # A backfill of a window already stored finds nothing new: that is not a collapse.
    steady = [run(mode="incremental") for _ in range(6)]
    rerun = run(mode="backfill", new_rows=0, articles_fetched=0)
    assert judge(rerun, steady) == (exitcodes.OK, [])
    # Incremental runs are still judged against incremental ones, backfills in between.
    code, problems = judge(run(mode="incremental", new_rows=1), backfills[:2] + steady)
    assert code == exitcodes.UNHEALTHY
    assert problems == ["new articles fell to 1 against a median of 20 over the last 6 runs"]
