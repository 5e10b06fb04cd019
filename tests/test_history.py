"""History: the seen set loaded from a real on-disk dataset, pending vs committed, matching."""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scrapy.utils.test import get_crawler

from newsscraper import dataset, dataset_read, dataset_write
from newsscraper.history import LOAD_COLUMNS, History
from newsscraper.items import Article
from newsscraper.schema import ARTICLES_FILE_SCHEMA
from newsscraper.simhash import to_signed

UTC = dt.UTC


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article(article_id: str, body: str, simhash: int, scraped_hour: int, day: int = 24) -> Article:
    return Article(
        article_id=article_id,
        url=f"https://cafef.vn/bai-viet-{article_id}.chn",
        section="doanh-nghiep",
        title="Tin doanh nghiệp",
        body=body,
        published_at=dt.datetime(2023, 10, day, 3, 0, tzinfo=UTC),
        published_date=dt.date(2023, 10, day),
        content_sha256=sha(body),
        simhash=to_signed(simhash),
        scraped_at=dt.datetime(2023, 10, 24, scraped_hour, tzinfo=UTC),
        run_id=f"run-{scraped_hour:02d}",
    )


BODY_A = "MoMo bác bỏ tin đồn lan truyền trên mạng xã hội về sự cố mới đây."
BODY_B = "Hòa Phát công bố kết quả kinh doanh quý 3 với doanh thu 34.000 tỷ đồng."
BODY_C = "Vinamilk chia cổ tức đợt 2 năm 2023 bằng tiền với tỷ lệ 15%."
SIM_A = 0xF0F0_0000_1234_ABCD
SIM_B = 0x0123_4567_89AB_CDEF


@pytest.fixture
def stored(tmp_path):
    """Three committed articles in two runs and two partitions; 002 is a copy of 001's body,
    stored later, and 003 (stored earliest) has a simhash 2 bits from 001's."""
    dataset_write.commit_articles(
        tmp_path,
        [
            article("188231024103100001", BODY_A, SIM_A, scraped_hour=5),
            article("188231024103100002", BODY_A, SIM_A, scraped_hour=6, day=23),
        ],
        "run-05",
        0,
    )
    dataset_write.commit_articles(
        tmp_path,
        [article("188231023090000003", BODY_B, SIM_A ^ 0b101, scraped_hour=4)],
        "run-04",
        0,
    )
    return tmp_path


def test_empty_output_dir_has_nothing_stored(tmp_path):
    history = History.load(tmp_path / "missing")
    assert not history.is_stored("188231024103100001")
    assert history.content_duplicate_of(sha(BODY_A), SIM_A, 3) is None


def test_committed_articles_are_stored(stored):
    history = History.load(stored)
    for article_id in ("188231024103100001", "188231024103100002", "188231023090000003"):
        assert history.is_stored(article_id)
    assert not history.is_stored("188231024103100004")
    assert not history.is_stored("18823102410310000")  # a prefix is another id
    assert not history.is_stored("khong-phai-so")


def test_same_body_matches_the_earliest_stored_of_its_copies(stored):
    history = History.load(stored)
    # 001 and 002 share BODY_A; 001 was scraped first.
    assert history.content_duplicate_of(sha(BODY_A), None, 3) == "188231024103100001"


def test_near_simhash_matches_and_earliest_wins_across_sha_and_simhash(stored):
    history = History.load(stored)
    # 003 (scraped at 04:00) is within 2 bits of SIM_A and earlier than 001 (05:00).
    assert history.content_duplicate_of(sha(BODY_A), SIM_A, 3) == "188231023090000003"
    assert history.content_duplicate_of(None, to_signed(SIM_A ^ 0b1), 3) == "188231023090000003"
    # 5 bits from 001's simhash, 7 from 003's.
    assert history.content_duplicate_of(sha("khác"), to_signed(SIM_A ^ 0b1111_1000), 3) is None
    assert history.content_duplicate_of(sha("khác"), SIM_B, 3) is None


@pytest.mark.parametrize("copy_day", [24, 25], ids=["copy-read-first", "copy-read-last"])
def test_a_stored_copy_that_sorts_first_stands_for_the_original_it_names(tmp_path, copy_day):
    # 001 stored first; the clock was set back before the run that stored 002, its copy, so
    # 002's scraped_at sorts before 001's. A third copy names 001, not the copy 002, whether
    # the copy's part file is read before the original's (same partition) or after (its own).
    original = article("188231024103100001", BODY_A, SIM_A, scraped_hour=9)
    copy = article("188231024103100002", BODY_A, SIM_A ^ 0b1, scraped_hour=4, day=copy_day)
    copy.duplicate_of = original.article_id
    dataset_write.commit_articles(tmp_path, [original], "run-09", 0)
    dataset_write.commit_articles(tmp_path, [copy], "run-04", 0)
    history = History.load(tmp_path)
    assert history.content_duplicate_of(sha(BODY_A), None, 3) == "188231024103100001"
    assert history.content_duplicate_of(None, to_signed(SIM_A ^ 0b1), 0) == "188231024103100001"


def test_a_copy_accepted_in_this_crawl_stands_for_the_original_it_names():
    history = History.empty()
    history.add_pending({"article_id": "188231024103100011", "simhash": to_signed(SIM_A)})
    history.add_pending(
        {
            "article_id": "188231024103100012",
            "simhash": to_signed(SIM_A ^ 0b111),
            "duplicate_of": "188231024103100011",
        }
    )
    # 4 bits from 011, 1 from 012: a copy of the copy names the original.
    assert history.content_duplicate_of(None, to_signed(SIM_A ^ 0b1111), 3) == (
        "188231024103100011"
    )


def test_load_reads_only_the_columns_it_needs(stored, monkeypatch):
    asked = []
    original = pq.ParquetFile.read

    def spy(self, columns=None, **kwargs):
        asked.append(columns)
        return original(self, columns=columns, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read", spy)
    History.load(stored)
    assert asked == [LOAD_COLUMNS] * 3  # three part files: two partitions, then one


@pytest.mark.parametrize(
    ("table", "lacking"),
    [
        (pa.table({"a": [1]}), ARTICLES_FILE_SCHEMA.names),
        (
            pa.Table.from_pylist([{"article_id": "188231024103100009", "body": BODY_C, "a": 1}]),
            [n for n in ARTICLES_FILE_SCHEMA.names if n not in ("article_id", "body")],
        ),
    ],
    ids=["other-columns", "some-of-ours"],
)
def test_a_part_file_of_another_tools_columns_is_an_arrow_error_naming_it_and_them(
    stored, table, lacking
):
    # Every version wrote every column of an article: read as null, its rows would be stored
    # articles of no id, and the crawl would go on.
    partition = next(dataset.articles_dir(stored).rglob("*.parquet")).parent
    other = partition / "part-other-1.parquet"
    pq.write_table(table, other)
    with pytest.raises(pa.ArrowInvalid) as raised:
        History.load(stored)
    assert str(raised.value) == f"cannot read Parquet file '{other}': no column {lacking}"


def test_a_file_without_the_simhash_column_is_named_not_read_as_null(stored):
    # Not a file from before a column existed (every version wrote simhash): another tool's.
    path = next(p for p in dataset.articles_dir(stored).rglob("*.parquet") if "run-04" in p.name)
    pq.write_table(pq.read_table(path).drop_columns(["simhash"]), path)
    with pytest.raises(pa.ArrowInvalid) as raised:
        History.load(stored)
    assert str(raised.value) == f"cannot read Parquet file '{path}': no column ['simhash']"


@pytest.mark.parametrize(
    ("odd", "other"),
    [
        ("0123", "123"),
        ("+77", "77"),
        ("1234567890123456789", "12345678901"),
        ("0", "00"),
        ("1000000000000000000", "100000000000000000"),
        ("9999999999999999999", "999999999999999999"),
    ],
)
def test_an_id_that_only_looks_numeric_is_stored_as_written(odd, other):
    # A leading zero, a sign, a zero or a 19th digit (past int64 too): the fast cast at load
    # would read it as another number, or not at all; it must be found by its own spelling,
    # whatever else the batch holds.
    history = History.from_table(pa.table({"article_id": [odd, "188231024103100001"]}))
    assert history.is_stored(odd)
    assert history.is_stored("188231024103100001")
    assert not history.is_stored(other)


def test_an_id_asked_for_with_a_line_break_is_not_the_id_without():
    history = History.from_table(pa.table({"article_id": ["188231024103100001"]}))
    assert not history.is_stored("188231024103100001\n")


def test_a_null_article_id_leaves_the_others_read_as_written():
    # A part file another tool wrote with a row lacking its id: the other ids keep their exact
    # value (an 18-digit id has no exact float), so a neighbouring id is not taken for stored
    # and a copy names the original by its own spelling.
    history = History.from_table(
        pa.table(
            {
                "article_id": pa.array([None, "188231024103100001"], pa.string()),
                "content_sha256": [None, sha(BODY_A)],
            }
        )
    )
    assert history.is_stored("188231024103100001")
    assert not history.is_stored("188231024103100002")
    assert history.content_duplicate_of(sha(BODY_A), None, 3) == "188231024103100001"


@pytest.mark.parametrize(
    ("odd", "query"),
    [
        (sha(BODY_A)[:16], sha(BODY_A)),  # cut to its first 16 digits
        (sha(BODY_A) + "0", sha(BODY_A)),  # a digit too many
        ("F" * 64, "f" * 64),  # upper case
        ("z" * 64, "f" * 64),  # not hex at all
    ],
    ids=["cut", "too-long", "upper-case", "not-hex"],
)
def test_a_stored_content_sha256_that_is_not_64_lower_case_hex_digits_matches_nothing(odd, query):
    # As a query's is (`sha_key`): not read as some other SHA-256 its leading digits resemble.
    history = History.from_table(
        pa.table(
            {
                "article_id": ["188231024103100001", "188231024103100002"],
                "content_sha256": [odd, None],
            }
        )
    )
    assert history.content_duplicate_of(query, None, 3) is None


def test_the_earliest_stored_of_many_rows_with_one_body_is_matched():
    # content_duplicate_of: "the article_id stored earliest whose body has the same SHA-256",
    # also among many rows of a few bodies (none marked as a copy: written by another tool).
    ids = [str(188231024103100100 + i) for i in range(200)]
    history = History.from_table(
        pa.table(
            {
                "article_id": ids,
                "content_sha256": [sha(f"body {i % 3}") for i in range(200)],
                "scraped_at": pa.array(
                    [
                        dt.datetime(2023, 10, 24, tzinfo=UTC) + dt.timedelta(minutes=200 - i)
                        for i in range(200)
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
            }
        )
    )
    # Scraped latest first: the earliest of body k is the last row whose index is k mod 3.
    for body, earliest in ((0, 198), (1, 199), (2, 197)):
        assert history.content_duplicate_of(sha(f"body {body}"), None, 3) == ids[earliest]


def test_a_stored_content_sha256_that_is_not_hex_leaves_the_other_rows_matched():
    # One odd row matches nothing, and takes nothing from the rows stored beside it.
    history = History.from_table(
        pa.table(
            {
                "article_id": ["188231024103100001", "188231024103100002", "188231024103100003"],
                "content_sha256": [sha(BODY_A), "z" * 64, sha(BODY_B)],
            }
        )
    )
    assert history.content_duplicate_of(sha(BODY_A), None, 3) == "188231024103100001"
    assert history.content_duplicate_of(sha(BODY_B), None, 3) == "188231024103100003"


@pytest.mark.parametrize(
    "query",
    [
        sha(BODY_A).upper(),  # upper case
        sha(BODY_A)[:16],  # cut to its first 16 digits
        sha(BODY_A) + "0",  # a digit too many
        "không phải mã băm",  # not hex at all
        sha(BODY_A) + "\n",  # a line break after it
    ],
    ids=["upper-case", "cut", "too-long", "not-hex", "line-break"],
)
def test_a_queried_content_sha256_that_is_not_64_lower_case_hex_digits_matches_nothing(query):
    # `sha_key`: a body whose SHA-256 is not written as DATA_FORMAT.md states is no copy of
    # the stored one its leading digits resemble, and asking for it is no error.
    history = History.from_table(
        pa.table({"article_id": ["188231024103100001"], "content_sha256": [sha(BODY_A)]})
    )
    assert history.content_duplicate_of(query, None, 3) is None
    history.add_pending({"article_id": "188231024103100002", "content_sha256": sha(BODY_B)})
    assert history.content_duplicate_of(sha(BODY_B).upper(), None, 3) is None


def test_every_slice_of_part_files_is_read(stored, monkeypatch):
    # Three part files read two at a time: the second slice's file counts as much as the first's.
    monkeypatch.setattr("newsscraper.history.FILES_IN_FLIGHT", 2)
    loaded = History.load(stored)
    for article_id in ("188231024103100001", "188231024103100002", "188231023090000003"):
        assert loaded.is_stored(article_id)


def test_rows_converted_in_several_groups_are_all_stored_and_matched(stored, monkeypatch):
    # Two rows to a group: of the three one-row part files, 002's and 003's make the first,
    # 001's is left for a second; a million-row dataset is converted in groups the same way.
    monkeypatch.setattr("newsscraper.history.CONVERT_ROWS", 2)
    loaded = History.load(stored)
    for article_id in ("188231024103100001", "188231024103100002", "188231023090000003"):
        assert loaded.is_stored(article_id)
    # 001, scraped before its copy 002, is the one a third copy names.
    assert loaded.content_duplicate_of(sha(BODY_A), None, 0) == "188231024103100001"


def test_files_other_than_part_files_are_not_read(stored):
    # A note or a half-copied file left in a partition is no part file (`list_part_files`):
    # neither the seen set nor `read_articles` tries to read it as Parquet.
    partition = next(dataset.articles_dir(stored).rglob("*.parquet")).parent
    (partition / "notes.txt").write_text("checked by hand", encoding="utf-8")
    (partition / "part-copy.parquet.tmp").write_bytes(b"PAR1 half")
    assert History.load(stored).is_stored("188231024103100001")
    assert dataset_read.read_articles(stored, columns=["article_id"]).num_rows == 3


def test_part_files_readers_skip_as_hidden_are_not_stored(stored, tmp_path_factory):
    # pyarrow and pandas skip a file or folder whose name starts with `.` or `_`: an article
    # only in such a file is not in the dataset a reader sees, so it is not stored.
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    [path] = dataset_write.commit_articles(
        elsewhere, [article("188231024103100008", BODY_C, SIM_B, scraped_hour=7)], "run-07", 0
    )
    partition = next(dataset.articles_dir(stored).rglob("*.parquet")).parent
    for hidden in ("_copy.parquet", ".copy.parquet", "_old/part.parquet", ".old/part.parquet"):
        (partition / hidden).parent.mkdir(exist_ok=True)
        (partition / hidden).write_bytes(path.read_bytes())
    assert not History.load(stored).is_stored("188231024103100008")
    assert dataset_read.read_articles(stored, columns=["article_id"]).num_rows == 3


def test_a_part_file_that_cannot_be_read_is_an_arrow_error_naming_it(stored):
    partition = next(dataset.articles_dir(stored).rglob("*.parquet")).parent
    junk = partition / "part-junk-1.parquet"
    junk.write_bytes(b"not a Parquet file")
    with pytest.raises(pa.ArrowException) as raised:
        History.load(stored)
    assert f"cannot read Parquet file '{junk}'" in str(raised.value)


def test_pending_rows_are_matched_but_not_stored_until_committed():
    history = History.empty()
    row = {"article_id": "188231024103100009", "content_sha256": sha(BODY_B), "simhash": -5}
    history.add_pending(row)
    assert history.is_pending("188231024103100009")
    assert not history.is_stored("188231024103100009")
    assert history.content_duplicate_of(sha(BODY_B), None, 3) == "188231024103100009"
    assert history.content_duplicate_of(None, -5 ^ 0b11, 3) == "188231024103100009"

    history.mark_committed([row])
    assert history.is_stored("188231024103100009")
    assert not history.is_pending("188231024103100009")


def test_a_row_the_sink_refused_twice_matches_nothing_either_time():
    # The same article refused again later in the crawl (two listed ids redirecting to it):
    # each refusal forgets the row accepted last, so no copy names a row that is not stored.
    history = History.empty()
    row = {"article_id": "188231024103100009", "content_sha256": sha(BODY_B), "simhash": -5}
    for _ in range(2):
        history.add_pending(row)
        assert history.content_duplicate_of(sha(BODY_B), -5, 3) == "188231024103100009"
        history.discard_pending("188231024103100009")
        assert not history.is_pending("188231024103100009")
        assert history.content_duplicate_of(sha(BODY_B), -5, 3) is None


def test_a_row_accepted_twice_is_one_pending_row_and_one_refusal_forgets_it():
    # One row per article_id: the same id accepted again adds no second row of this crawl, so
    # the sink refusing it once leaves no body behind that a later copy could name.
    history = History.empty()
    row = {"article_id": "188231024103100009", "content_sha256": sha(BODY_B), "simhash": -5}
    history.add_pending(row)
    history.add_pending(row)
    history.discard_pending("188231024103100009")
    assert not history.is_pending("188231024103100009")
    assert history.content_duplicate_of(sha(BODY_B), -5, 3) is None


def test_a_committed_row_accepted_again_stays_stored_and_is_not_pending():
    history = History.empty()
    row = {"article_id": "188231024103100009", "content_sha256": sha(BODY_B), "simhash": -5}
    history.mark_committed([row])
    history.add_pending(row)
    assert history.is_stored("188231024103100009")
    assert not history.is_pending("188231024103100009")


@pytest.mark.parametrize("article_id", ["188231024103100008", None])
def test_forgetting_a_row_never_accepted_changes_nothing(article_id):
    history = History.empty()
    row = {"article_id": "188231024103100009", "content_sha256": sha(BODY_B), "simhash": -5}
    history.add_pending(row)
    history.discard_pending(article_id)
    assert history.is_pending("188231024103100009")
    assert history.content_duplicate_of(sha(BODY_B), -5, 3) == "188231024103100009"


def test_a_refused_row_leaves_a_later_row_of_the_same_body_matched():
    # The refused row's body matches nothing, but the same body accepted later is still to be
    # stored: a copy of it names that row, and a row without a simhash is forgotten as well.
    history = History.empty()
    first = {"article_id": "188231024103100009", "content_sha256": sha(BODY_B)}
    later = {"article_id": "188231024103100010", "content_sha256": sha(BODY_B), "simhash": -5}
    history.add_pending(first)
    history.add_pending(later)
    history.discard_pending("188231024103100009")
    assert history.content_duplicate_of(sha(BODY_B), None, 3) == "188231024103100010"


def test_the_earliest_accepted_of_several_near_rows_of_this_crawl_wins():
    # Rows 3 and 10 of this crawl are 4 bits apart (both originals), each 2 bits from the
    # query: the copy names row 3, accepted first, whatever order a set gives them back in.
    history = History.empty()
    for i in range(11):
        simhash = {3: SIM_A ^ 0b0011, 10: SIM_A ^ 0b1100}.get(i, SIM_B ^ (i << 40))
        history.add_pending(
            {"article_id": f"1882310241031001{i:02d}", "simhash": to_signed(simhash)}
        )
    assert history.content_duplicate_of(None, to_signed(SIM_A), 3) == "188231024103100103"


def test_the_earliest_of_a_same_body_row_without_a_simhash_and_a_later_near_row_wins():
    # 001 has the same body but no simhash (a part file from before the column); 002, later,
    # is 1 bit from the query's simhash. 001 came first, stored or accepted in this crawl.
    same_body = {"article_id": "188231024103100001", "content_sha256": sha(BODY_A)}
    near = {"article_id": "188231024103100002", "content_sha256": sha(BODY_B)}
    near["simhash"] = to_signed(SIM_A)
    stored = History.from_table(
        pa.table(
            {
                "article_id": [same_body["article_id"], near["article_id"]],
                "content_sha256": [same_body["content_sha256"], near["content_sha256"]],
                "simhash": [None, near["simhash"]],
                "scraped_at": pa.array(
                    [
                        dt.datetime(2023, 10, 24, 4, tzinfo=UTC),
                        dt.datetime(2023, 10, 24, 5, tzinfo=UTC),
                    ],
                    pa.timestamp("us", tz="UTC"),
                ),
            }
        )
    )
    this_crawl = History.empty()
    this_crawl.add_pending(same_body)
    this_crawl.add_pending(near)
    for history in (stored, this_crawl):
        assert history.content_duplicate_of(sha(BODY_A), to_signed(SIM_A ^ 0b1), 3) == (
            "188231024103100001"
        )


def test_a_search_beyond_the_bands_never_names_a_row_the_sink_refused():
    # Past 3 bits every row of this crawl is compared: 011, refused by the sink, matches
    # nothing (and leaves no simhash to compare), so the copy names 012, 4 bits away.
    history = History.empty()
    history.add_pending({"article_id": "188231024103100011", "simhash": to_signed(SIM_A)})
    history.discard_pending("188231024103100011")
    history.add_pending({"article_id": "188231024103100012", "simhash": to_signed(SIM_A ^ 0xF)})
    assert history.content_duplicate_of(None, to_signed(SIM_A), 5) == "188231024103100012"
    assert history.content_duplicate_of(None, to_signed(SIM_A), 3) is None


def test_rows_committed_without_being_pending_are_stored_and_matched():
    history = History.empty()
    history.mark_committed([{"article_id": "188231024103100010", "content_sha256": sha(BODY_A)}])
    assert history.is_stored("188231024103100010")
    assert history.content_duplicate_of(sha(BODY_A), None, 3) == "188231024103100010"


def test_stored_rows_win_over_rows_of_this_crawl(stored):
    history = History.load(stored)
    history.add_pending({"article_id": "188231024103100020", "content_sha256": sha(BODY_C)})
    assert history.content_duplicate_of(sha(BODY_C), None, 3) == "188231024103100020"
    # BODY_A is stored: the stored article wins even when this crawl saw it too.
    history.add_pending({"article_id": "188231024103100021", "content_sha256": sha(BODY_A)})
    assert history.content_duplicate_of(sha(BODY_A), None, 0) == "188231024103100001"


def test_a_near_copy_at_the_largest_distance_allowed_is_found():
    # One bit apart in each of the 16-bit bands: 3 bits share a band with the query, 4 share
    # none, and must be found all the same (NEAR_DUPLICATE_MAX_DISTANCE may be set above 3).
    original = "188231024103100001"
    for bits, max_distance in [(3, 3), (4, 4), (4, 5)]:
        near = SIM_A ^ sum(1 << (16 * band) for band in range(bits))
        stored = History.from_table(
            pa.table({"article_id": [original], "simhash": [to_signed(SIM_A)]})
        )
        this_crawl = History.empty()
        this_crawl.add_pending({"article_id": original, "simhash": to_signed(SIM_A)})
        for history in (stored, this_crawl):
            assert history.content_duplicate_of(None, to_signed(near), max_distance) == original
            assert history.content_duplicate_of(None, to_signed(near), bits - 1) is None


def brute_force(ids, sims, scraped, query, max_distance):
    distance = np.bitwise_count(sims ^ np.uint64(query))
    close = np.flatnonzero(distance <= max_distance)
    if not len(close):
        return None
    earliest = min(close, key=lambda i: (scraped[i], ids[i]))
    return str(ids[earliest])


@pytest.mark.parametrize("max_distance", [0, 1, 3, 5])
def test_band_search_finds_what_a_full_scan_finds(max_distance):
    rng = np.random.default_rng(7)
    n = 20_000
    ids = 188231024000000000 + rng.permutation(n).astype(np.int64)
    sims = rng.integers(0, 2**64, size=n, dtype=np.uint64)
    # Plant neighbours 1..5 bits away from the first 50 hashes.
    for i in range(50):
        flips = rng.choice(64, size=1 + i % 5, replace=False)
        sims[n - 1 - i] = sims[i] ^ np.uint64(sum(1 << int(b) for b in flips))
    scraped = rng.integers(0, 1000, size=n)
    table = pa.table(
        {
            "article_id": pa.array(ids.astype(str)),
            "simhash": pa.array(sims.view(np.int64)),
            "scraped_at": pa.array(scraped, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        }
    )
    history = History.from_table(table)
    queries = [int(s) for s in sims[:60]] + [int(q) for q in rng.integers(0, 2**64, 20, np.uint64)]
    for q in queries:
        expected = brute_force(ids, sims, scraped, q, max_distance)
        assert history.content_duplicate_of(None, to_signed(q), max_distance) == expected


def test_of_gives_one_history_per_crawler_from_output_dir(stored):
    crawler = get_crawler(settings_dict={"OUTPUT_DIR": str(stored)})
    history = History.of(crawler)
    assert History.of(crawler) is history
    assert history.is_stored("188231024103100002")


def test_a_part_file_of_other_column_types_is_read_as_the_seen_set_needs(stored):
    # Another tool rewrote a part file with the same rows: article_id dictionary-encoded (as
    # pandas' categories write it), scraped_at without a time zone. Each file is read in the
    # seen set's types, not merged with the others' as it is: its rows count as stored.
    path = next(p for p in dataset.articles_dir(stored).rglob("*.parquet") if "run-04" in p.name)
    table = pq.read_table(path)
    table = table.set_column(
        table.schema.get_field_index("article_id"),
        "article_id",
        table.column("article_id").dictionary_encode(),
    )
    table = table.set_column(
        table.schema.get_field_index("scraped_at"),
        "scraped_at",
        table.column("scraped_at").cast(pa.timestamp("us")),
    )
    pq.write_table(table, path)
    history = History.load(stored)
    assert history.is_stored("188231023090000003")
    assert history.is_stored("188231024103100001")


def test_a_part_file_whose_column_cannot_be_read_as_declared_is_named(stored):
    partition = next(dataset.articles_dir(stored).rglob("*.parquet")).parent
    odd = partition / "part-odd-1.parquet"
    table = pq.read_table(next(partition.glob("part-*.parquet")))
    ids = pa.array([[i] for i in table.column("article_id").to_pylist()])
    pq.write_table(
        table.set_column(table.schema.get_field_index("article_id"), "article_id", ids), odd
    )
    with pytest.raises(pa.ArrowException) as raised:
        History.load(stored)
    assert f"cannot read Parquet file '{odd}'" in str(raised.value)
    assert "article_id" in str(raised.value)
