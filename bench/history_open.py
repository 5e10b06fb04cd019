"""How long, and how much memory, opening the seen set (`History.load`) takes as history grows.

Builds an N-row synthetic articles dataset in a temporary directory, partitioned like the real
one (one section, a published_date folder per day, one or more part files per day), then loads
it in a fresh Python process, so that the peak RSS measured is that of the load alone. The
dataset is built in a process of its own too: Linux carries a parent's peak RSS over into the
`ru_maxrss` of a child it forks, so a parent that had built a big dataset would inflate it.

    python -m bench.history_open --rows 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.common import REPO
from newsscraper.dataset import article_partition_dir
from newsscraper.schema import ARTICLES_FILE_SCHEMA

SECTION = "doanh-nghiep"
FIRST_DAY = dt.date(2016, 1, 1)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

# Runs in the fresh process: RSS after the imports, then the load's time and peak RSS.
_MEASURE = """
import json, resource, sys, time
import numpy as np
import pyarrow.parquet as pq
from newsscraper.dataset import list_part_files
from newsscraper.history import History
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
history = History.load(sys.argv[1])
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# Stored ids to look up (each must be found), with a body hash and simhash that are not.
probes = []
for path in list_part_files(sys.argv[1]):
    probes += pq.read_table(path, columns=["article_id"]).column(0).to_pylist()
    if len(probes) >= 1000:
        break
probes = probes[:1000]
start = time.perf_counter()
hits = 0
for i, article_id in enumerate(probes):
    hits += history.is_stored(article_id)
    history.content_duplicate_of("%064x" % i, i * 0x9E3779B97F4A7C15 % 2**63, 3)
query_us = (time.perf_counter() - start) / max(len(probes), 1) * 1e6
print(json.dumps({"seconds": seconds, "rss_before_mb": before / 1024,
                  "peak_rss_mb": peak / 1024, "query_pair_us": query_us,
                  "probes": len(probes), "probe_hits": hits}))
"""


def _hex_strings(rng: np.random.Generator, n: int) -> pa.Array:
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    chars = np.empty((n, 64), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 15]
    return pa.array(chars.view("S64").ravel()).cast(pa.string())


def build_dataset(output_dir: Path, rows: int, days: int, files_per_day: int) -> int:
    """Write `rows` synthetic articles under `output_dir`; returns the number of part files."""
    rng = np.random.default_rng(20231024)
    files = min(rows, days * files_per_day)
    per_file = np.diff(np.linspace(0, rows, files + 1).astype(np.int64))
    shas = _hex_strings(rng, rows)
    sims = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=rows, dtype=np.int64)
    start = 0
    for f, count in enumerate(per_file):
        day = FIRST_DAY + dt.timedelta(days=f // files_per_day)
        published = dt.datetime.combine(day, dt.time(3), tzinfo=dt.UTC)
        # 188 + yymmddHHMMSS + 3 digits, unique per row like CafeF's.
        ids = [
            f"188{day:%y%m%d}{(start + i) % 10**6:06d}{(start + i) // 10**6:03d}"
            for i in range(count)
        ]
        n = int(count)
        table = pa.table(
            {
                "article_id": pa.array(ids, pa.string()),
                "url": pa.array([f"https://cafef.vn/bai-viet-{i}.chn" for i in ids], pa.string()),
                "title": pa.array(["Tiêu đề"] * n, pa.string()),
                "body": pa.array(["Nội dung"] * n, pa.string()),
                "published_at": pa.array(
                    [published] * n, ARTICLES_FILE_SCHEMA.field("published_at").type
                ),
                "content_sha256": shas.slice(start, n),
                "simhash": pa.array(sims[start : start + n]),
                "scraped_at": pa.array(
                    [published] * n, ARTICLES_FILE_SCHEMA.field("scraped_at").type
                ),
                "run_id": pa.array([f"bench-{f // files_per_day}"] * n, pa.string()),
            }
        )
        columns = {
            name: table.column(name) if name in table.column_names else pa.nulls(n, field.type)
            for name, field in zip(ARTICLES_FILE_SCHEMA.names, ARTICLES_FILE_SCHEMA, strict=True)
        }
        table = pa.table(columns, schema=ARTICLES_FILE_SCHEMA)
        folder = article_partition_dir(output_dir, SECTION, day)
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            table, folder / f"part-bench-{f % files_per_day}.parquet", compression="zstd"
        )
        start += n
    return files


def run(rows: int, *, days: int = 3650, files_per_day: int = 1) -> dict:
    """Build an N-row dataset, then measure `History.load` on it in a fresh process.

    The default layout is ten years of days with one part file each, as `compact` leaves it;
    loading costs about 0.3 ms per file, so `files_per_day` matters more than `rows`.
    """
    build = (
        "import sys; from pathlib import Path; from bench.history_open import build_dataset; "
        "print(build_dataset(Path(sys.argv[1]), *map(int, sys.argv[2:])))"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        built = subprocess.run(
            [sys.executable, "-c", build, tmp, str(rows), str(days), str(files_per_day)],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, tmp],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
    return {"rows": rows, "files": int(built.stdout), **json.loads(done.stdout)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--files-per-day", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rows, days=args.days, files_per_day=args.files_per_day), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
