"""The seen set: which articles are stored, and which bodies they had.

One small interface, shared by the spider (skip articles already stored, stop an incremental
crawl) and the dedupe pipeline (one row per article_id; mark syndicated and near-identical
copies). An article counts as stored only once its part file is committed; rows accepted in
this crawl but not yet committed are *pending*.

What was stored before the crawl is loaded once, as sorted numpy arrays rather than Python
sets of strings (a million rows take about 80 MB once loaded):

- ids: CafeF ids are 17-18 digit decimals, so int64; so is the id a copy names (duplicate_of);
- content_sha256: its first 8 bytes as uint64 (a false match needs a 64-bit collision);
- simhash: near duplicates within Hamming distance 3 share at least one of four 16-bit bands
  (pigeonhole), so each band is a sorted array searched with `searchsorted`, and only the few
  candidates in the matching buckets are compared bit by bit.

Rows are ordered by (scraped_at, article_id), so "the earliest stored" of several matches is
the smallest row index. Rows added during the crawl live in small dicts beside the arrays.

A match that is itself a copy (its duplicate_of set) stands for the article it names: a copy
always names an original, never a copy of a copy, even when the clock that stamped scraped_at
was set back between two runs (the copy then sorts before its original) or a fixed
NEWSSCRAPER_NOW gives a run's rows one scraped_at (they then sort by id).

Loading reads only the five columns it needs (LOAD_COLUMNS), file by file on a few threads,
converting every 64k rows to numpy as it goes. Not one `pyarrow.dataset` scan: that keeps every
file's parsed footer alive to the end (about 60 kB each: 7,300 small part files took 450 MB),
and its cost per file was no lower. The time is about 0.3-0.5 ms per part file, so it grows
with the number of files more than with rows: `newsscraper compact` keeps it low.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newsscraper.dataset import list_part_files
from newsscraper.dataset_read import ARTICLE_FILE_COLUMNS, in_declared_types, in_schema
from newsscraper.schema import ARTICLES_SCHEMA
from newsscraper.simhash import BITS, hamming, to_unsigned

LOAD_COLUMNS = ["article_id", "content_sha256", "simhash", "scraped_at", "duplicate_of"]
LOAD_SCHEMA = pa.schema([ARTICLES_SCHEMA.field(name).with_nullable(True) for name in LOAD_COLUMNS])
READ_THREADS = 4  # the reads are short and release the GIL; more threads did not help
FILES_IN_FLIGHT = 256  # files handed to the threads at once, to bound memory
CONVERT_ROWS = 1 << 16
BAND_BITS = 16
BANDS = BITS // BAND_BITS
# With BANDS bands, two hashes this close must agree on a whole band.
BANDED_MAX_DISTANCE = BANDS - 1

# Anchored for Arrow's regular expressions (`match_substring_regex`); Python's are matched
# with `fullmatch`, as its `$` also takes a line break at the end.
_NUMERIC_ID = re.compile(r"^[1-9][0-9]{0,17}$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
# Hex digit -> value; 255 marks a byte that is not a lower-case hex digit.
_HEX_VALUE = np.full(256, 255, dtype=np.uint8)
_HEX_VALUE[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint8)


def id_key(article_id: str) -> int | None:
    """The int64 key of a numeric article id, None for any other string."""
    return int(article_id) if _NUMERIC_ID.fullmatch(article_id) else None


def sha_key(content_sha256: str | None) -> int | None:
    """The first 8 bytes of a hex SHA-256 as an unsigned int, None if it is not one."""
    if content_sha256 is None or not _SHA256_HEX.fullmatch(content_sha256):
        return None
    return int(content_sha256[:16], 16)


def _bands(simhash_unsigned: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(simhash_unsigned >> (BAND_BITS * b)) & mask for b in range(BANDS)]


def _sha_keys(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(uint64 keys, validity) of a column of hex SHA-256 strings, decoded in numpy.

    Works on the offsets and data buffers directly: the first 16 bytes of every 64-byte value
    are gathered into an (n, 16) grid, then decoded with a lookup table.
    """
    array = column.combine_chunks()
    n = len(array)
    if n == 0:
        return np.zeros(0, np.uint64), np.zeros(0, bool)
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int32)[array.offset : array.offset + n + 1]
    valid = np.diff(offsets) == 64
    if array.null_count:
        valid &= array.is_valid().to_numpy(zero_copy_only=False)
    grid = np.zeros((n, 16), np.uint8)
    if valid.any():
        data = np.frombuffer(data_buffer, np.uint8)
        grid[valid] = data[offsets[:-1][valid, None] + np.arange(16)]
    nibbles = _HEX_VALUE[grid]
    valid &= (nibbles != 255).all(axis=1)
    octets = np.ascontiguousarray((nibbles[:, 0::2] << 4) | nibbles[:, 1::2])
    return octets.view(">u8").ravel().astype(np.uint64), valid


def _read_part_file(path: str) -> pa.Table:
    """The file's LOAD_COLUMNS in LOAD_SCHEMA's types. A file another tool wrote again (a
    dictionary-encoded article_id, times without a time zone) is read as its rows, not merged
    as it is with the others, which fails without naming it; one lacking a column every
    version wrote (another tool's columns) is ArrowInvalid naming it and them, not rows of
    nulls."""
    return in_declared_types(
        path, LOAD_SCHEMA, LOAD_COLUMNS, use_threads=False, required=ARTICLE_FILE_COLUMNS
    )


def stored_tables(output_dir: str | os.PathLike) -> Iterator[pa.Table]:
    """LOAD_COLUMNS of every committed part file under `output_dir`, one table per file."""
    files = [str(path) for path in list_part_files(output_dir)]
    with ThreadPoolExecutor(READ_THREADS) as pool:
        for start in range(0, len(files), FILES_IN_FLIGHT):
            yield from pool.map(_read_part_file, files[start : start + FILES_IN_FLIGHT])


def _numeric_ids(table: pa.Table) -> tuple[pa.Table, np.ndarray, list[str]]:
    """(rows with a numeric article_id, their int64 ids, the other ids as strings)."""
    ids = table.column("article_id")
    if ids.null_count == 0:
        try:  # the usual case, every id numeric: one cast and its round trip, no regex
            keys = pc.cast(ids, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        else:
            # What `_NUMERIC_ID` (and so `id_key`) accepts: positive, at most 18 digits, and
            # written as its own decimal (no leading zero or sign, which the cast would take).
            if len(keys) == 0 or (
                pc.min(keys).as_py() > 0
                and pc.max(keys).as_py() < 10**18
                and pc.all(pc.equal(pc.cast(keys, pa.string()), ids)).as_py()
            ):
                return table, keys.to_numpy(), []
    numeric = pc.fill_null(pc.match_substring_regex(ids, _NUMERIC_ID.pattern), False)
    other_ids = pc.drop_null(pc.filter(ids, pc.invert(numeric))).to_pylist()
    table = table.filter(numeric)
    return table, pc.cast(table.column("article_id"), pa.int64()).to_numpy(), other_ids


def _duplicate_of_keys(column: pa.ChunkedArray) -> np.ndarray:
    """The int64 keys of a duplicate_of column: 0 where it is null (or not a numeric id)."""
    numeric = pc.fill_null(pc.match_substring_regex(column, _NUMERIC_ID.pattern), False)
    return pc.cast(pc.if_else(numeric, column, "0"), pa.int64()).to_numpy()


def _convert(table: pa.Table) -> tuple[dict[str, np.ndarray], list[str]]:
    """Numpy columns (ids, sha, sha_valid, sims, sim_valid, scraped, dups) of the rows with a
    numeric article_id, and the other article_ids as strings."""
    table = in_schema(table, LOAD_SCHEMA)
    table, ids, other_ids = _numeric_ids(table)
    sha, sha_valid = _sha_keys(table.column("content_sha256"))
    simhash = table.column("simhash")
    columns = {
        "ids": ids,
        "sha": sha,
        "sha_valid": sha_valid,
        "sims": pc.fill_null(simhash, 0).to_numpy().astype(np.int64).view(np.uint64),
        "sim_valid": pc.is_valid(simhash).to_numpy(zero_copy_only=False),
        "scraped": pc.fill_null(pc.cast(table.column("scraped_at"), pa.int64()), 0).to_numpy(),
        "dups": _duplicate_of_keys(table.column("duplicate_of")),
    }
    return columns, other_ids


class History:
    def __init__(self, columns: dict[str, np.ndarray], other_ids: Iterable[str] = ()):
        """Index the stored rows given as aligned arrays in `columns`: int64 `ids`, uint64
        `sha` and `sims` with bool `sha_valid` and `sim_valid`, int64 `scraped` (µs), and
        int64 `dups` (the id a copy names, 0 for an original; absent: every row an original).

        Takes the arrays out of `columns` one by one, so each is freed once indexed: the peak
        memory of a load is the index plus about one column. `other_ids` are stored ids that
        are not numeric; they count for `is_stored` only.
        """
        order = np.lexsort((columns["ids"], columns.pop("scraped")))  # earliest stored first
        for name in list(columns):
            columns[name] = columns[name][order]
        del order
        self._row_ids = columns.pop("ids")
        self._row_dups = columns.pop("dups", np.zeros(len(self._row_ids), np.int64))
        self._sorted_ids = np.sort(self._row_ids)
        self._other_ids = frozenset(other_ids)

        sha_rows = np.flatnonzero(columns.pop("sha_valid"))
        sha = columns.pop("sha")[sha_rows]
        by_key = np.argsort(sha, kind="stable")  # stable: earliest first per key
        self._sha_rows = sha_rows[by_key]
        self._sha_sorted = sha[by_key]
        del sha_rows, sha, by_key

        self._sim_rows = np.flatnonzero(columns.pop("sim_valid"))
        self._sims = columns.pop("sims")[self._sim_rows]
        self._band_sorted: list[np.ndarray] = []
        self._band_pos: list[np.ndarray] = []
        for band in range(BANDS):
            keys = ((self._sims >> np.uint64(BAND_BITS * band)) & np.uint64(0xFFFF)).astype(
                np.uint16
            )
            pos = np.argsort(keys, kind="stable").astype(np.int32)
            self._band_pos.append(pos)
            self._band_sorted.append(keys[pos])

        # This crawl: ids and fingerprints in the order they were accepted.
        self._pending: set[str] = set()
        self._committed: set[str] = set()
        self._run_ids: list[str | None] = []  # None: a row discarded
        self._run_dups: list[str | None] = []
        self._run_shas: list[str | None] = []
        self._run_sims: list[int | None] = []
        self._run_sha: dict[str, int] = {}
        self._run_bands: list[dict[int, list[int]]] = [{} for _ in range(BANDS)]

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def empty(cls) -> History:
        return cls.from_table(pa.table({"article_id": pa.array([], pa.string())}))

    @classmethod
    def load(cls, output_dir: str | os.PathLike) -> History:
        """The history of everything committed under `output_dir` (empty if nothing is)."""
        return cls.from_tables(stored_tables(output_dir))

    @classmethod
    def from_table(cls, table: pa.Table) -> History:
        """From one table with article_id and any of the other LOAD_COLUMNS."""
        return cls.from_tables([table])

    @classmethod
    def from_tables(cls, tables: Iterable[pa.Table]) -> History:
        """From tables of LOAD_SCHEMA, converted to numpy a group of rows at a time."""
        parts: list[dict[str, np.ndarray]] = []
        other_ids: list[str] = []
        group: list[pa.Table] = []
        rows = 0

        def convert_group() -> None:
            columns, others = _convert(pa.concat_tables(group, promote_options="permissive"))
            parts.append(columns)
            other_ids.extend(others)
            # Arrow's allocator keeps freed blocks for reuse; the group's tables are gone, so
            # hand them back now rather than let them add to the load's peak (about 25 MB of
            # 150 at a million rows).
            pa.default_memory_pool().release_unused()

        for table in tables:
            group.append(table)
            rows += table.num_rows
            if rows >= CONVERT_ROWS:
                convert_group()
                group, rows = [], 0
        if group or not parts:
            group = group or [LOAD_SCHEMA.empty_table()]
            convert_group()
        # Popped from each part as they are joined, so no column is held twice for long.
        merged = {name: np.concatenate([p.pop(name) for p in parts]) for name in list(parts[0])}
        return cls(merged, other_ids)

    @classmethod
    def of(cls, crawler) -> History:
        """The one history of this crawl, loaded from OUTPUT_DIR on first use."""
        history = getattr(crawler, "_newsscraper_history", None)
        if history is None:
            history = cls.load(crawler.settings.get("OUTPUT_DIR"))
            crawler._newsscraper_history = history
        return history

    # --- queries ----------------------------------------------------------------------------

    def is_stored(self, article_id: str) -> bool:
        """Committed to the dataset, before or during this crawl (pending does not count)."""
        if article_id in self._committed or article_id in self._other_ids:
            return True
        key = id_key(article_id)
        if key is None:
            return False
        pos = np.searchsorted(self._sorted_ids, key)
        return bool(pos < len(self._sorted_ids) and self._sorted_ids[pos] == key)

    def is_pending(self, article_id: str) -> bool:
        """Accepted in this crawl and not committed yet."""
        return article_id in self._pending

    def content_duplicate_of(
        self, content_sha256: str | None, simhash: int | None, max_distance: int
    ) -> str | None:
        """The article_id stored (or accepted in this crawl) earliest whose body has the same
        SHA-256 or a simhash within `max_distance` bits, or the one it names when it is a copy
        itself (see the module doc); None if there is none."""
        sim = None if simhash is None else to_unsigned(simhash)
        found = self._stored_match(sha_key(content_sha256), sim, max_distance)
        if found is not None:
            return found
        return self._run_match(content_sha256, sim, max_distance)

    def _stored_match(self, sha: int | None, sim: int | None, max_distance: int) -> str | None:
        rows: list[int] = []
        if sha is not None:
            pos = np.searchsorted(self._sha_sorted, np.uint64(sha))
            if pos < len(self._sha_sorted) and self._sha_sorted[pos] == sha:
                rows.append(int(self._sha_rows[pos]))
        if sim is not None and len(self._sims):
            if max_distance <= BANDED_MAX_DISTANCE:
                found = [self._band_bucket(b, key) for b, key in enumerate(_bands(sim))]
                candidates = np.unique(np.concatenate(found))
            else:  # beyond what the bands guarantee: compare with every row
                candidates = np.arange(len(self._sims))
            distance = np.bitwise_count(self._sims[candidates] ^ np.uint64(sim))
            close = candidates[distance <= max_distance]
            if len(close):
                rows.append(int(self._sim_rows[close].min()))
        if not rows:
            return None
        earliest = min(rows)
        return str(self._row_dups[earliest] or self._row_ids[earliest])

    def _band_bucket(self, band: int, key: int) -> np.ndarray:
        """Positions (in `_sims`) of the stored simhashes whose `band` equals `key`."""
        keys = self._band_sorted[band]
        key = np.uint16(key)  # a Python int would make numpy convert the whole array
        return self._band_pos[band][
            np.searchsorted(keys, key, "left") : np.searchsorted(keys, key, "right")
        ]

    def _run_match(self, sha: str | None, sim: int | None, max_distance: int) -> str | None:
        indexes: list[int] = []
        if sha is not None and sha in self._run_sha:
            indexes.append(self._run_sha[sha])
        if sim is not None:
            if max_distance <= BANDED_MAX_DISTANCE:
                candidates = {
                    i for b, key in enumerate(_bands(sim)) for i in self._run_bands[b].get(key, ())
                }
            else:
                candidates = range(len(self._run_sims))
            indexes.extend(
                i
                for i in candidates
                if self._run_sims[i] is not None and hamming(self._run_sims[i], sim) <= max_distance
            )
        if not indexes:
            return None
        earliest = min(indexes)
        return self._run_dups[earliest] or self._run_ids[earliest]

    # --- updates ----------------------------------------------------------------------------

    def add_pending(self, row: Mapping) -> None:
        """Record a row accepted in this crawl: its id is taken, its body can be matched."""
        article_id = row["article_id"]
        if article_id in self._pending or article_id in self._committed:
            return
        self._pending.add(article_id)
        self._index_run_row(row)

    def discard_pending(self, article_id: str | None) -> None:
        """Forget a row accepted in this crawl that will not be stored (the sink refused it):
        its id is free again and its body matches nothing, so no copy names a row not stored."""
        if article_id not in self._pending:
            return
        self._pending.discard(article_id)
        index = self._run_ids.index(article_id)
        sha, sim = self._run_shas[index], self._run_sims[index]
        self._run_ids[index] = None
        self._run_shas[index] = self._run_sims[index] = None
        if sha is not None and self._run_sha.get(sha) == index:
            del self._run_sha[sha]
            later = [i for i, other in enumerate(self._run_shas) if other == sha]
            if later:
                self._run_sha[sha] = later[0]
        if sim is not None:
            for b, key in enumerate(_bands(sim)):
                self._run_bands[b][key].remove(index)

    def mark_committed(self, rows: Iterable[Mapping]) -> None:
        """The rows' part file is in place: they count as stored from now on."""
        for row in rows:
            article_id = row["article_id"]
            if article_id in self._pending:
                self._pending.discard(article_id)
            elif article_id not in self._committed:
                self._index_run_row(row)
            self._committed.add(article_id)

    def _index_run_row(self, row: Mapping) -> None:
        index = len(self._run_ids)
        self._run_ids.append(row["article_id"])
        self._run_dups.append(row.get("duplicate_of"))
        sha = row.get("content_sha256")
        self._run_shas.append(sha)
        if sha is not None:
            self._run_sha.setdefault(sha, index)
        sim = row.get("simhash")
        sim = None if sim is None else to_unsigned(sim)
        self._run_sims.append(sim)
        if sim is not None:
            for b, key in enumerate(_bands(sim)):
                self._run_bands[b].setdefault(key, []).append(index)
