"""The seen set: which articles are stored, and which bodies they had.

One small interface, shared by the spider (skip articles already stored, stop an incremental
crawl) and the dedupe pipeline (one row per article_id; mark syndicated and near-identical
copies). An article counts as stored only once its part file is committed; rows accepted in
this crawl but not yet committed are *pending*.

What was stored before the crawl is loaded once, as sorted numpy arrays rather than Python
sets of strings, so that a million stored rows open in about a second and a hundred MB:

- ids: CafeF ids are 17-18 digit decimals, so int64;
- content_sha256: its first 8 bytes as uint64 (a false match needs a 64-bit collision);
- simhash: near duplicates within Hamming distance 3 share at least one of four 16-bit bands
  (pigeonhole), so each band is a sorted array searched with `searchsorted`, and only the few
  candidates in the matching buckets are compared bit by bit.

Rows are ordered by (scraped_at, article_id), so "the earliest stored" of several matches is
the smallest row index. Rows added during the crawl live in small dicts beside the arrays.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newsscraper.dataset import read_articles
from newsscraper.simhash import BITS, hamming, to_unsigned

LOAD_COLUMNS = ["article_id", "content_sha256", "simhash", "scraped_at"]
BAND_BITS = 16
BANDS = BITS // BAND_BITS
# With BANDS bands, two hashes this close must agree on a whole band.
BANDED_MAX_DISTANCE = BANDS - 1

_NUMERIC_ID = re.compile(r"^[1-9][0-9]{0,17}$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_HEX_VALUE = np.full(256, 0, dtype=np.uint64)
_HEX_VALUE[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16, dtype=np.uint64)


def id_key(article_id: str) -> int | None:
    """The int64 key of a numeric article id, None for any other string."""
    return int(article_id) if _NUMERIC_ID.match(article_id) else None


def sha_key(content_sha256: str | None) -> int | None:
    """The first 8 bytes of a hex SHA-256 as an unsigned int, None if it is not one."""
    if content_sha256 is None or not _SHA256_HEX.match(content_sha256):
        return None
    return int(content_sha256[:16], 16)


def _bands(simhash_unsigned: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(simhash_unsigned >> (BAND_BITS * b)) & mask for b in range(BANDS)]


def _sha_keys(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(uint64 keys, validity) of a column of hex SHA-256 strings, decoded in numpy."""
    if len(column) == 0:
        return np.zeros(0, np.uint64), np.zeros(0, bool)
    valid = pc.fill_null(pc.match_substring_regex(column, _SHA256_HEX.pattern), False)
    valid = valid.to_numpy(zero_copy_only=False)
    prefixes = pc.utf8_slice_codeunits(pc.fill_null(column, "0" * 16), 0, 16).combine_chunks()
    prefixes = pc.if_else(pa.array(valid), prefixes, "0" * 16)
    # Every value is now exactly 16 ASCII characters, so the data buffer is an (n, 16) grid.
    offsets = np.frombuffer(prefixes.buffers()[1], dtype=np.int32)
    start, end = offsets[prefixes.offset], offsets[prefixes.offset + len(prefixes)]
    chars = np.frombuffer(prefixes.buffers()[2], dtype=np.uint8)[start:end].reshape(-1, 16)
    nibbles = _HEX_VALUE[chars]
    keys = np.zeros(len(prefixes), dtype=np.uint64)
    for position in range(16):
        keys = (keys << np.uint64(4)) | nibbles[:, position]
    return keys, valid


class History:
    def __init__(
        self,
        ids: np.ndarray,
        sha: np.ndarray,
        sha_valid: np.ndarray,
        sims: np.ndarray,
        sim_valid: np.ndarray,
        other_ids: Iterable[str] = (),
    ):
        """Rows given as aligned arrays already ordered earliest stored first: int64 ids,
        uint64 sha keys and simhashes, each with a validity mask. `other_ids` are stored
        ids that are not numeric; they count for `is_stored` only."""
        self._row_ids = ids
        self._sorted_ids = np.sort(ids)
        self._other_ids = frozenset(other_ids)

        sha_rows = np.flatnonzero(sha_valid)
        order = np.argsort(sha[sha_rows], kind="stable")  # stable: earliest first per key
        self._sha_rows = sha_rows[order]
        self._sha_sorted = sha[self._sha_rows]

        self._sim_rows = np.flatnonzero(sim_valid)
        self._sims = sims[self._sim_rows]
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
        self._run_ids: list[str] = []
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
        return cls.from_table(read_articles(output_dir, columns=LOAD_COLUMNS))

    @classmethod
    def from_table(cls, table: pa.Table) -> History:
        """From a table with article_id and optionally content_sha256, simhash, scraped_at."""
        ids = table.column("article_id")
        numeric = pc.fill_null(pc.match_substring_regex(ids, _NUMERIC_ID.pattern), False)
        other_ids = pc.drop_null(pc.filter(ids, pc.invert(numeric))).to_pylist()
        table = table.filter(numeric)
        n = table.num_rows
        int_ids = pc.cast(table.column("article_id"), pa.int64()).to_numpy()

        if "content_sha256" in table.column_names:
            sha, sha_valid = _sha_keys(table.column("content_sha256"))
        else:
            sha, sha_valid = np.zeros(n, np.uint64), np.zeros(n, bool)
        if "simhash" in table.column_names:
            column = table.column("simhash")
            sim_valid = pc.is_valid(column).to_numpy(zero_copy_only=False)
            sims = pc.fill_null(column, 0).to_numpy().astype(np.int64).view(np.uint64)
        else:
            sims, sim_valid = np.zeros(n, np.uint64), np.zeros(n, bool)
        if "scraped_at" in table.column_names:
            scraped = pc.fill_null(pc.cast(table.column("scraped_at"), pa.int64()), 0).to_numpy()
        else:
            scraped = np.zeros(n, np.int64)

        order = np.lexsort((int_ids, scraped))  # earliest stored first, then the lower id
        return cls(
            int_ids[order], sha[order], sha_valid[order], sims[order], sim_valid[order], other_ids
        )

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
        SHA-256 or a simhash within `max_distance` bits; None if there is none."""
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
                found = [
                    self._band_pos[b][
                        np.searchsorted(self._band_sorted[b], key, "left") : np.searchsorted(
                            self._band_sorted[b], key, "right"
                        )
                    ]
                    for b, key in enumerate(_bands(sim))
                ]
                candidates = np.unique(np.concatenate(found))
            else:  # beyond what the bands guarantee: compare with every row
                candidates = np.arange(len(self._sims))
            distance = np.bitwise_count(self._sims[candidates] ^ np.uint64(sim))
            close = candidates[distance <= max_distance]
            if len(close):
                rows.append(int(self._sim_rows[close].min()))
        return str(self._row_ids[min(rows)]) if rows else None

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
        return self._run_ids[min(indexes)] if indexes else None

    # --- updates ----------------------------------------------------------------------------

    def add_pending(self, row: Mapping) -> None:
        """Record a row accepted in this crawl: its id is taken, its body can be matched."""
        article_id = row["article_id"]
        if article_id in self._pending or article_id in self._committed:
            return
        self._pending.add(article_id)
        self._index_run_row(row)

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
        sha = row.get("content_sha256")
        if sha is not None:
            self._run_sha.setdefault(sha, index)
        sim = row.get("simhash")
        sim = None if sim is None else to_unsigned(sim)
        self._run_sims.append(sim)
        if sim is not None:
            for b, key in enumerate(_bands(sim)):
                self._run_bands[b].setdefault(key, []).append(index)
