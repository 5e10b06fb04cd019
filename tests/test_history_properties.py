"""The seen set and the marking of copies, checked against the rules the data format states:
near duplicates by the Hamming distance of unsigned 64-bit simhashes, same bodies, one row per
article_id and `duplicate_of` naming an original, over runs of items put through the real
dedupe pipeline and part-file sink, with the history loaded from disk for each run or kept in
memory."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsscraper import dataset_read
from newsscraper.history import History
from newsscraper.items import Article
from newsscraper.simhash import MASK, to_signed
from pipelines.dedupe import DedupePipeline, DuplicateArticle
from pipelines.parquet import ParquetSinkPipeline
from tests.example_folders import fresh

UTC = dt.UTC
START = dt.datetime(2026, 3, 8, 2, 0, tzinfo=UTC)
MINUTE = dt.timedelta(minutes=1)
TOP_BIT = 1 << 63
# Each example writes a few part files and reads them back: a quarter of the examples.
FEW = settings(
    max_examples=settings.default.max_examples // 4,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def sha(body: int) -> str:
    return hashlib.sha256(f"body {body}".encode()).hexdigest()


class Stats:
    def __init__(self):
        self.values = Counter()

    def inc_value(self, key, count=1):
        self.values[key] += count


def article(article_id: int, body: int, simhash: int | None, scraped_at, day: int) -> Article:
    return Article(
        article_id=str(188231024103100000 + article_id),
        url=f"https://cafef.vn/tin-{188231024103100000 + article_id}.chn",
        section="doanh-nghiep",
        title="Tin doanh nghiệp",
        body=f"body {body}",
        published_at=dt.datetime(2026, 3, day, 3, 0, tzinfo=UTC),
        published_date=dt.date(2026, 3, day),
        content_sha256=sha(body),
        simhash=None if simhash is None else to_signed(simhash),
        scraped_at=scraped_at,
        run_id="r",
    )


def distance(a: int, b: int) -> int:
    """DATA_FORMAT.md: "the popcount of their XOR (compare as unsigned)"."""
    return ((a & MASK) ^ (b & MASK)).bit_count()


# --- near duplicates by Hamming distance -----------------------------------------------------

simhashes = st.integers(0, MASK)
# Flips of a few bits (the interesting distances, near 3) or of any bits.
flips = st.one_of(
    st.lists(st.integers(0, 63), max_size=8).map(lambda bits: sum(1 << b for b in set(bits))),
    simhashes,
)
max_distances = st.one_of(st.integers(0, 4), st.integers(0, 64))


@given(stored=simhashes, flip=flips, max_distance=max_distances)
@example(stored=TOP_BIT, flip=0b111, max_distance=3)
@example(stored=MASK, flip=0b1111, max_distance=3)
@example(stored=MASK, flip=1 << 16 | 1 << 32 | 1 << 48 | 1, max_distance=4)
@example(stored=0, flip=MASK, max_distance=64)
def test_a_stored_simhash_is_a_near_duplicate_exactly_within_the_max_distance(
    stored, flip, max_distance
):
    """README: `NEAR_DUPLICATE_MAX_DISTANCE` is the "simhash Hamming distance that marks a
    near-duplicate" (0 to 64); DATA_FORMAT.md: the distance is the popcount of the XOR of the
    unsigned values, stored as signed int64. Whichever of the two is stored, stored before this
    crawl or accepted in it, the other finds it exactly when they are that close."""
    query = stored ^ flip
    close = distance(stored, query) <= max_distance
    for a, b in ((stored, query), (query, stored)):
        on_disk = History.from_table(
            pa.table(
                {
                    "article_id": ["188231024103100001"],
                    "simhash": pa.array([to_signed(a)], pa.int64()),
                }
            )
        )
        in_crawl = History.empty()
        in_crawl.add_pending({"article_id": "188231024103100001", "simhash": to_signed(a)})
        for history in (on_disk, in_crawl):
            for value in (to_signed(b), b):  # as Parquet stores it, or unsigned
                found = history.content_duplicate_of(None, value, max_distance)
                assert found == ("188231024103100001" if close else None), (a, b, max_distance)


# --- runs of items through the dedupe pipeline and the sink ----------------------------------

# A few simhashes far apart (top bit set or not), each offered as is or a few bits off.
BASES = [0x0123_4567_89AB_CDEF, TOP_BIT | 0x00F0_0000_0000_0F0F, MASK, TOP_BIT]
items = st.tuples(
    st.integers(0, 9),  # article id
    st.integers(0, 3),  # body: the same number, the same content_sha256
    st.one_of(
        st.none(),
        st.tuples(st.sampled_from(BASES), st.sets(st.integers(0, 63), max_size=5)).map(
            lambda base_bits: base_bits[0] ^ sum(1 << b for b in base_bits[1])
        ),
    ),
    st.integers(7, 9),  # published day: the partition
)
crawls = st.lists(
    st.tuples(
        st.lists(items, max_size=8),
        st.sampled_from([10, 10, 0, -60, -60 * 24]),  # minutes the clock moved since the last run
        st.booleans(),  # NEWSSCRAPER_NOW fixed: every row of the run has one scraped_at
        st.integers(1, 4),  # PARQUET_BATCH_ITEMS
    ),
    min_size=1,
    max_size=4,
)


def crawl_all(output_dir: Path, runs, max_distance: int, reload: bool) -> list[dict]:
    """Put each run's items through DedupePipeline then ParquetSinkPipeline, with the history
    loaded from `output_dir` at the start of each run (as each crawl does) or, with `reload`
    false, one history kept in memory across them. The rows accepted, in storing order."""
    accepted = []
    history = None
    clock = START
    for number, (run, clock_step, fixed_now, batch_items) in enumerate(runs):
        clock += clock_step * MINUTE
        if reload or history is None:
            history = History.load(output_dir)
        dedupe = DedupePipeline(history, max_distance, Stats())
        sink = ParquetSinkPipeline(
            output_dir,
            f"run-{number}",
            history.mark_committed,
            history.discard_pending,
            batch_items=batch_items,
        )
        for index, (article_id, body, simhash, day) in enumerate(run):
            scraped_at = clock if fixed_now else clock + index * dt.timedelta(seconds=1)
            try:
                item = dedupe.process_item(article(article_id, body, simhash, scraped_at, day))
            except DuplicateArticle:
                continue
            sink.process_item(item)
            accepted.append(item)
        sink.close_spider()
        clock += len(run) * dt.timedelta(seconds=1)
    return accepted


def stored_rows(output_dir: Path) -> dict[str, str | None]:
    table = dataset_read.read_articles(output_dir, ["article_id", "duplicate_of"])
    ids = table.column("article_id").to_pylist()
    assert len(ids) == len(set(ids)), "an article_id stored twice"
    return dict(zip(ids, table.column("duplicate_of").to_pylist(), strict=True))


def matches(earlier: list[Article], item: Article, max_distance: int) -> list[Article]:
    """The rows stored before `item` whose body is the same or within `max_distance` bits."""
    return [
        other
        for other in earlier
        if other.content_sha256 == item.content_sha256
        or (
            other.simhash is not None
            and item.simhash is not None
            and distance(other.simhash, item.simhash) <= max_distance
        )
    ]


@FEW
@given(runs=crawls, max_distance=st.sampled_from([0, 3, 3, 5]), reload=st.booleans())
def test_each_article_is_stored_once_and_a_copy_names_an_original(
    tmp_path, runs, max_distance, reload
):
    """DATA_FORMAT.md, "Copies are kept and marked": a body the same as (content_sha256) or
    within the max distance of one stored before under another id has `duplicate_of` set,
    naming that article or the original it names, so `duplicate_of` "always names a row whose
    own duplicate_of is null, whatever the clock that stamped scraped_at did between runs"; a
    new body has it null. README: an article_id already stored is dropped, never stored twice.

    Which of several earlier matches is named depends on how the clock ran (checked below
    with a clock that only moves on); here, that the one named is an original some match
    stands for."""
    output_dir = fresh(tmp_path)
    accepted = crawl_all(output_dir, runs, max_distance, reload)
    stored = stored_rows(output_dir)

    offered = {article(i, 0, None, START, 7).article_id for run in runs for i, *_ in run[0]}
    assert set(stored) == offered == {item.article_id for item in accepted}
    for position, item in enumerate(accepted):
        assert stored[item.article_id] == item.duplicate_of
        found = matches(accepted[:position], item, max_distance)
        if not found:
            assert item.duplicate_of is None, item
        else:
            assert item.duplicate_of in {m.duplicate_of or m.article_id for m in found}, item
            assert stored[item.duplicate_of] is None, "a copy names a copy"


@FEW
@given(runs=crawls, max_distance=st.sampled_from([0, 3, 3, 5]))
def test_a_history_loaded_each_run_answers_as_one_kept_in_memory(tmp_path, runs, max_distance):
    """DATA_FORMAT.md: `duplicate_of` is "the article_id of the article stored first" with
    the same or nearly the same body (or the original it names). With a clock that only moves
    on and a scraped_at of its own for each row, "stored first" is one order whether the
    history is read back from the part files at each crawl's start or kept from the rows the
    sink committed: both mark every row alike, naming the first match's original."""
    runs = [(run, 10, False, batch) for run, _, _, batch in runs]
    on_disk, in_memory = fresh(tmp_path), fresh(tmp_path)
    accepted = crawl_all(on_disk, runs, max_distance, reload=True)
    crawl_all(in_memory, runs, max_distance, reload=False)
    assert stored_rows(on_disk) == stored_rows(in_memory)
    for position, item in enumerate(accepted):
        found = matches(accepted[:position], item, max_distance)
        first = found[0].duplicate_of or found[0].article_id if found else None
        assert item.duplicate_of == first, item


@FEW
@given(runs=crawls, max_distance=st.sampled_from([0, 3, 5]), queries=st.lists(items, max_size=6))
def test_a_history_loaded_from_the_dataset_is_the_one_its_rows_made(
    tmp_path, runs, max_distance, queries
):
    """The history a crawl loads from the part files the writer committed answers every
    question (stored ids, the original a body copies) as the one the same rows made in memory
    as they were committed: what the next crawl skips and marks is what this one would have."""
    runs = [(run, 10, False, batch) for run, _, _, batch in runs]
    output_dir = fresh(tmp_path)
    accepted = crawl_all(output_dir, runs, max_distance, reload=False)
    loaded = History.load(output_dir)
    built = History.empty()
    built.mark_committed([dict(vars(item)) for item in accepted])
    for article_id, body, simhash, day in queries:
        query = article(article_id, body, simhash, START, day)
        assert loaded.is_stored(query.article_id) == built.is_stored(query.article_id)
        for sha256 in (query.content_sha256, None):
            assert loaded.content_duplicate_of(
                sha256, query.simhash, max_distance
            ) == built.content_duplicate_of(sha256, query.simhash, max_distance)
