"""The replica's model: ids, times, text, listing order, live changes, data-quality cases."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import unicodedata

import pytest
from parsel import Selector

from replica import DEFAULT_START, ReplicaSite, faults


def stream_ids(site: ReplicaSite, path: str) -> list[str]:
    body = site.respond("GET", path).body.decode("utf-8")
    return Selector(text=body).css("div.tlitem.box-category-item[data-id]::attr(data-id)").getall()


def focus_ids(site: ReplicaSite) -> list[str]:
    body = site.respond("GET", "/doanh-nghiep.chn").body.decode("utf-8")
    page = Selector(text=body)
    focus = page.css("div.list-focus-main h2 > a::attr(href), div.cate-hl-row2 h3 > a::attr(href)")
    return [re.search(r"-(\d+)\.chn$", href).group(1) for href in focus.getall()]


def page_one_ids(site: ReplicaSite) -> list[str]:
    return focus_ids(site) + stream_ids(site, "/doanh-nghiep.chn")


def test_same_seed_same_site_other_seed_other_site():
    first, again, other = ReplicaSite(seed=7), ReplicaSite(seed=7), ReplicaSite(seed=8)
    path = first.article(5).path
    assert first.respond("GET", path).body == again.respond("GET", path).body
    assert first.respond("GET", "/doanh-nghiep.chn").body == (
        again.respond("GET", "/doanh-nghiep.chn").body
    )
    assert [a.article_id for a in first.articles] != [a.article_id for a in other.articles]


def test_ids_are_17_or_18_digits_unique_and_carry_a_creation_time_before_publication():
    site = ReplicaSite(articles=300)
    ids = [a.article_id for a in site.articles]
    assert len(set(ids)) == 300
    # As on the real section page (`18826030622484142`), some ids have 17 digits.
    assert {len(i) for i in ids} == {17, 18}
    for article in site.articles:
        assert re.fullmatch(r"188\d{14,15}", article.article_id)
        created = dt.datetime.strptime(article.article_id[3:15], "%y%m%d%H%M%S")
        assert created <= article.published_at.replace(tzinfo=None)
    # About one in five has 17 digits, the others 18.
    assert 0.1 < sum(len(i) == 17 for i in ids) / len(ids) < 0.3


def test_ids_created_in_the_same_second_stay_unique_and_keep_their_length():
    site = ReplicaSite(articles=1)
    created = dt.datetime(2026, 3, 7, 9, 30, 15)
    # Seed 10 draws a 17-digit id, seed 0 an 18-digit one: each time the same draw, until
    # every id of its length in that second is taken.
    for seed, length, count in ((10, 17, 90), (0, 18, 900)):
        ids = [site._new_id(created, random.Random(seed)) for _ in range(count)]
        assert len(set(ids)) == count
        assert all(re.fullmatch(rf"188260307093015\d{{{length - 15}}}", i) for i in ids)


def test_publication_times_go_back_from_start_one_after_another():
    site = ReplicaSite(articles=50)
    times = [a.published_at for a in site.articles]
    assert times[0] == DEFAULT_START
    assert all(newer > older for newer, older in itertools.pairwise(times))
    assert all(a.modified_at > a.published_at for a in site.articles)
    assert [a.template for a in site.articles[:4]] == ["older", "newer", "older", "newer"]


def test_text_is_vietnamese_nfc_with_several_paragraphs():
    site = ReplicaSite(articles=20)
    amounts = []
    for article in site.articles:
        story = article.story
        for value in (story.title, story.sapo, article.body, story.author):
            assert unicodedata.is_normalized("NFC", value)
        assert len(story.paragraphs) >= 4
        assert len(article.body) > 200
        assert re.search("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", article.body)
        assert article.tickers and all(re.fullmatch(r"[A-Z0-9]{3}", t) for t in article.tickers)
        amounts += re.findall(r"(\S+) tỷ đồng", f"{story.title} {story.sapo} {article.body}")
    # Amounts in the Vietnamese style: `1.250 tỷ đồng`, a dot between thousands.
    assert all(re.fullmatch(r"[1-9]\d{0,2}(\.\d{3})*", amount) for amount in amounts)
    assert any("." in amount for amount in amounts)


def test_listing_splits_into_focus_stream_and_timeline_pages():
    site = ReplicaSite(articles=50, page_size=10)
    ids = [a.article_id for a in site.articles]
    assert page_one_ids(site) == ids[:13]
    assert stream_ids(site, "/timelinelist/18836/2.chn") == ids[13:23]
    assert stream_ids(site, "/timelinelist/18836/5.chn") == ids[43:50]
    assert site.respond("GET", "/timelinelist/18836/6.chn").body == b""


def test_publish_puts_new_articles_on_top_of_page_one():
    site = ReplicaSite(articles=30)
    before = page_one_ids(site)
    new = site.publish(3)
    assert [a.article_id for a in new] == [a.article_id for a in site.articles[:3]]
    assert all(a.published_at > DEFAULT_START for a in new)
    assert page_one_ids(site) == [a.article_id for a in new] + before[:-3]
    assert site.respond("GET", new[0].path).status == 200
    (one,) = site.publish()
    assert site.articles[0] is one


def test_shift_moves_the_listing_under_a_crawl():
    site = ReplicaSite(articles=40, page_size=10)
    page_one = stream_ids(site, "/doanh-nghiep.chn")
    page_two = stream_ids(site, "/timelinelist/18836/2.chn")
    newest = site.articles[:2]
    new = site.shift(2)  # two new articles: the next page repeats the last two of page 1
    assert stream_ids(site, "/timelinelist/18836/2.chn")[:2] == page_one[-2:]
    assert site.shift(-4) == new + newest  # the two new ones and two more leave the listing
    assert stream_ids(site, "/timelinelist/18836/2.chn")[:8] == page_two[2:]


def test_move_to_top_lists_an_old_article_first_once_with_its_old_time():
    site = ReplicaSite(articles=40, page_size=10)
    old = site.article(39)
    published = old.published_at
    assert site.move_to_top(39) is old
    assert site.listing()[0] is old and len(site.listing()) == 40
    assert old.published_at == published
    site.publish(3)  # the focus block is the three newest: the moved article heads the stream
    assert stream_ids(site, "/doanh-nghiep.chn")[0] == old.article_id


def test_publish_at_lists_a_story_above_or_under_the_others_of_its_minute():
    site = ReplicaSite(articles=10)
    moment = site.article(4).published_at
    above = site.publish_at(moment)
    under = site.publish_at(moment + dt.timedelta(seconds=30), under_its_minute=True)
    assert site.listing()[4:7] == [above, site.article(4), under]
    assert site.listing()[7] is site.article(5)


def test_publish_at_lists_a_story_by_its_date_at_the_top_the_bottom_or_between():
    site = ReplicaSite(articles=10)
    between = site.publish_at(site.article(2).published_at - dt.timedelta(minutes=1))
    top = site.publish_at(DEFAULT_START + dt.timedelta(hours=1))
    bottom = site.publish_at(site.article(9).published_at - dt.timedelta(hours=1))
    initial = [site.article(i) for i in range(10)]
    assert site.listing() == [top, *initial[:3], between, *initial[3:], bottom]


def test_listed_twice_shows_on_two_listing_pages():
    site = ReplicaSite(articles=40, page_size=10, listed_twice={5})
    twice = site.article(5).article_id
    page_one = stream_ids(site, "/doanh-nghiep.chn")
    page_two = stream_ids(site, "/timelinelist/18836/2.chn")
    # One place lower on the next page, as after one new article between the two requests.
    assert page_two.index(twice) == page_one.index(twice) + 1
    assert len(site.listing()) == 41


def test_near_duplicate_has_the_body_with_a_few_words_changed_under_another_id():
    site = ReplicaSite(articles=12, near_duplicate_of={9: 4})
    original, copy = site.article(4), site.article(9)
    assert copy.article_id != original.article_id
    assert copy.story.paragraphs[:-1] == original.story.paragraphs[:-1]
    assert copy.body != original.body
    changed = set(copy.body.split()) ^ set(original.body.split())
    assert 0 < len(changed) <= 6


def test_a_copy_newer_than_its_original_has_its_body_though_a_new_year_came_between():
    # Listed above its original, the copy is made first: the original's words, the year it
    # was published in among them, are the ones its own page shows.
    new_year = dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    site = ReplicaSite(articles=6, start=new_year, near_duplicate_of={0: 3})
    original, copy = site.article(3), site.article(0)
    assert (original.published_at.year, copy.published_at.year) == (2025, 2026)
    assert "2025" in " ".join(original.story.paragraphs)
    assert copy.story.sapo == original.story.sapo
    assert copy.story.paragraphs[:-1] == original.story.paragraphs[:-1]
    changed = set(copy.body.split()) ^ set(original.body.split())
    assert 0 < len(changed) <= 6


def test_a_copy_of_an_article_the_site_does_not_have_is_refused():
    with pytest.raises(ValueError, match="near_duplicate_of"):
        ReplicaSite(articles=5, near_duplicate_of={1: 5})


def test_unknown_paths_and_ids_are_404_and_robots_allows_all():
    site = ReplicaSite(articles=5)
    assert site.respond("GET", "/khong-co-bai-nay-188260101000000111.chn").status == 404
    assert site.respond("GET", "/thi-truong-chung-khoan.chn").status == 404
    robots = site.respond("GET", "/robots.txt")
    assert robots.body.decode() == "User-agent: *\nAllow: /\n"


def test_a_fault_scripted_for_robots_txt_is_served_and_soft_blocks_leave_it_be():
    site = ReplicaSite(articles=5)
    site.script("/robots.txt", [faults.status(503), faults.cut_copy()])
    site.soft_block_all()
    assert site.respond("GET", "/robots.txt").status == 503
    assert site.respond("GET", "/robots.txt").body == b"User-agent:"  # half of it
    assert site.respond("GET", "/robots.txt").body == b"User-agent: *\nAllow: /\n"


def test_expected_fields_state_the_contract_values():
    site = ReplicaSite(articles=3)
    article = site.article(0)
    expected = article.expected_fields()
    assert expected["published_at"] == DEFAULT_START.astimezone(dt.UTC)
    assert expected["published_date"] == dt.date(2026, 3, 7)
    assert expected["url"] == "https://cafef.vn" + article.path
    assert expected["category"] == "Doanh nghiệp"
    assert not expected["author"].startswith("Theo ")


def test_focus_picks_fill_the_focus_block_and_are_left_out_of_the_stream():
    site = ReplicaSite(articles=60, page_size=10, focus_picks=(30, 12, 45))
    picks = [site.articles[i].article_id for i in (30, 12, 45)]
    shown = page_one_ids(site)
    assert focus_ids(site) == shown[:3] == picks
    stream = shown[3:] + [
        article_id
        for page in range(2, 7)
        for article_id in stream_ids(site, f"/timelinelist/18836/{page}.chn")
    ]
    assert stream == [a.article_id for a in site.articles if a.article_id not in picks]
    assert [a.article_id for a in site.listing()] == picks + stream


def test_fewer_focus_picks_fill_the_focus_block_alone_and_any_initial_article_may_be_one():
    site = ReplicaSite(articles=12, focus_picks=(7, 2))
    ids = [a.article_id for a in site.articles]
    assert focus_ids(site) == [ids[7], ids[2]]
    assert stream_ids(site, "/doanh-nghiep.chn") == ids[:2] + ids[3:7] + ids[8:]
    every = ReplicaSite(articles=2, focus_picks=(1, 0))
    assert focus_ids(every) == [every.article(1).article_id, every.article(0).article_id]


@pytest.mark.parametrize(
    "bad",
    [
        {"focus_picks": (0, 1, 2, 3)},  # more than the focus block's three places
        {"focus_picks": (1, 1)},
        {"articles": 5, "focus_picks": (5,)},  # not an initial article
        {"start": dt.datetime(2026, 3, 7, 10, 22)},  # no time zone
        {"section": "the-thao"},
    ],
)
def test_a_site_that_cannot_be_is_refused(bad):
    with pytest.raises(ValueError):
        ReplicaSite(**bad)


def test_jitter_holds_each_response_a_seeded_random_time_up_to_its_most_robots_txt_apart():
    def delays(seed: int) -> list[float]:
        site = ReplicaSite(articles=12)
        site.jitter(0.3, seed=seed)
        paths = ["/doanh-nghiep.chn", "/timelinelist/18836/2.chn", site.article(4).path] * 5
        return [site.respond("GET", path).delay for path in paths]

    first = delays(1)
    assert first == delays(1) and first != delays(2)
    assert all(0 <= delay <= 0.3 for delay in first) and len(set(first)) == len(first)
    site = ReplicaSite(articles=3)
    site.jitter(0.3)
    assert site.respond("GET", "/robots.txt").delay == 0
    site.jitter(None)
    assert site.respond("GET", "/doanh-nghiep.chn").delay == 0
