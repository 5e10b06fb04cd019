"""`newsscraper stats`: what the dataset holds, as tables on stdout or JSON (`--json`).

Rows per published_date and section (the tables show the newest TABLE_DAYS days with a row,
`--json` and `--plot` every day), the fill rate of every column, duplicates (rows with
duplicate_of set), rejects by reason and the most recent run records with their problems.
`--plot FILE.png` draws articles per day; it needs the optional extra `plot` (matplotlib).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from newsscraper import dataset, dataset_read, runs_read
from newsscraper.run_summary import mode_shown
from newsscraper.schema import ARTICLES_FILE_SCHEMA, ARTICLES_SCHEMA, RUNS_SCHEMA

RECENT_RUNS = 10
RUN_COLUMNS = (
    "run_id",
    "section",
    "mode",
    "since",
    "until",
    "started_at",
    "finished_at",
    "finish_reason",
    "exit_code",
    "new_rows",
    "duplicates",
    "rejects",
    "problems",
    "stop_url",
)
# The dates a backfill was given: the tables show them in the mode's cell (`mode_shown`).
WINDOW_COLUMNS = ("since", "until")
# Columns of RUN_COLUMNS added in later versions: null in older records, so each run of --json
# has every key whatever release wrote it. None is a column of the table: the dates are in the
# mode's cell, and the listing page a walk stopped at (`stop_url`) is named in the run's
# problem; a column of URLs, blank on most runs, would push the counts off a terminal.
LATER_COLUMNS = (*WINDOW_COLUMNS, "stop_url")
# Days of the per-day table on a terminal: a year of them would push the runs out of sight.
TABLE_DAYS = 14
INSTALL_PLOT = "pip install 'newsscraper[plot]'  (or: .venv/bin/pip install matplotlib)"


# --- Gathering (pure: a dataset in, plain values out) ----------------------------------------


# Rows read at a time: the counts never need the dataset in memory whole (bodies are most of it).
BATCH_ROWS = 20_000


class ArticleCounts:
    """Rows per day and section, filled values per column and duplicates, added up batch by
    batch."""

    def __init__(self, columns: list[str]):
        self.part_files = 0
        self.rows = 0
        self.per_day: Counter = Counter()
        self.filled: Counter = Counter(dict.fromkeys(columns, 0))
        self.duplicates: Counter = Counter()

    def add(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self.rows += table.num_rows
        counts = table.group_by(["published_date", "section"]).aggregate([([], "count_all")])
        self.per_day.update(
            {
                (day, section): n
                for day, section, n in zip(
                    counts.column("published_date").to_pylist(),
                    counts.column("section").to_pylist(),
                    counts.column("count_all").to_pylist(),
                    strict=True,
                )
            }
        )
        for name in table.column_names:
            self.filled[name] += filled(table.column(name))
        marked = table.filter(pc.is_valid(table.column("duplicate_of")))
        self.duplicates.update(marked.column("section").to_pylist())


def count_articles(output_dir: Path) -> ArticleCounts:
    """The counts of every stored article, read `BATCH_ROWS` at a time."""
    columns = ARTICLES_SCHEMA.names

    def count(files: list[Path]) -> ArticleCounts:
        counts, pending, rows = ArticleCounts(columns), [], 0
        counts.part_files = len(files)
        # A part file often holds a few dozen rows: counted together, as few as BATCH_ROWS.
        for batch in article_batches(output_dir, files):
            pending.append(batch)
            rows += batch.num_rows
            if rows >= BATCH_ROWS:
                counts.add(pa.Table.from_batches(pending))
                pending, rows = [], 0
        if pending:
            counts.add(pa.Table.from_batches(pending))
        return counts

    return dataset_read.read_listed(lambda: partitioned_part_files(output_dir), count)


def article_batches(output_dir: Path, files: list[Path]):
    """The rows of `files`, BATCH_ROWS at most a batch, scanned a slice of
    `dataset_read.READ_SLICE_FILES` files at a time: a scan keeps each file's metadata (about 65 kB)
    until it is done, 7 GB over a year of uncompacted part files of a cron every five minutes."""
    for start in range(0, len(files), dataset_read.READ_SLICE_FILES):
        sliced = files[start : start + dataset_read.READ_SLICE_FILES]
        try:
            articles = dataset_read.articles_dataset(output_dir, sliced)
            # Another tool's file, read in the declared schema, would count as rows of nulls.
            dataset_read.refuse_lacking_articles(articles, sliced)
            yield from articles.to_batches(batch_size=BATCH_ROWS)
        except (pa.ArrowException, OSError) as error:
            if isinstance(error, OSError) and error.errno is not None:
                raise  # the disk's fault, or a file a compaction swapped away: not a file's
            raise file_at_fault(sliced) or error from error


def file_at_fault(files: list[Path]) -> pa.ArrowException | None:
    """The error naming the first of `files` that cannot be read whole in the declared types:
    a scan's error names no file when the fault is inside one (a damaged page, a column of a
    type it cannot read). None when each reads on its own."""
    for path in files:
        try:
            dataset_read.in_declared_types(
                path, ARTICLES_FILE_SCHEMA, required=dataset_read.ARTICLE_FILE_COLUMNS
            )
        except pa.ArrowInvalid as error:  # naming the file
            return error
    return None


def rows_per_day_and_section(counts: ArticleCounts) -> list[dict]:
    rows = [
        {"published_date": day.isoformat(), "section": section, "rows": n}
        for (day, section), n in counts.per_day.items()
    ]
    return sorted(rows, key=lambda r: (r["published_date"], r["section"]))


def filled(column: pa.ChunkedArray | pa.Array) -> int:
    """Values that say something: not null, and not an empty string or list."""
    valid = pc.is_valid(column)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        valid = pc.and_(valid, pc.fill_null(pc.not_equal(pc.utf8_length(column), 0), False))
    elif pa.types.is_list(column.type):
        valid = pc.and_(valid, pc.fill_null(pc.not_equal(pc.list_value_length(column), 0), False))
    return pc.sum(valid).as_py() or 0


def fill_rates(counts: ArticleCounts) -> dict[str, float | None]:
    """Share of rows with a value in each column (None when there are no rows)."""
    if counts.rows == 0:
        return dict.fromkeys(counts.filled)
    return {name: n / counts.rows for name, n in counts.filled.items()}


def duplicates(counts: ArticleCounts) -> dict:
    by_section = counts.duplicates
    return {"rows": by_section.total(), "by_section": dict(sorted(by_section.items()))}


def rejects_by_reason(rejects: pa.Table) -> dict[str, int]:
    return dict(sorted(Counter(rejects.column("reason").to_pylist()).items()))


def recent_runs(output_dir: Path, limit: int = RECENT_RUNS) -> list[dict]:
    """The newest run records (`newest_first`), by the columns for people (`RUN_COLUMNS`).

    Only those columns and `run_number`, which orders the records, are read of every record,
    not every record whole (what that held after a year of cron runs:
    `runs_read.read_chosen_runs`), with the checks a crawl makes of every record it reads:
    a record a crawl could not read stops this read too, with the same words. A damaged value
    in a column not shown changes nothing here; `verify` names its file."""
    # No record is read whole: its columns shown are read of every record already.
    read = runs_read.read_chosen_runs(output_dir, [*RUN_COLUMNS, "run_number"], lambda _: [])
    if read is None:
        return []
    runs = read[0]
    # Every record holds the columns of version 1 (a file without one is another tool's, and
    # stops the read naming it). The dates a backfill was given (version 7) and the page a walk
    # stopped at (version 8) are null in records older than them, so each run has the same
    # keys whatever release wrote it.
    for name in LATER_COLUMNS:
        if name not in runs.column_names:
            field = RUNS_SCHEMA.field(name)
            runs = runs.append_column(field, pa.nulls(runs.num_rows, field.type))
    return newest_first(runs).select(list(RUN_COLUMNS)).slice(0, limit).to_pylist()


def newest_first(runs: pa.Table) -> pa.Table:
    """Run records newest first: the last written (`run_number`), whatever the clock said
    (runs under a clock a year ahead, corrected since, stay the newest by finish time for a
    year); records older than version 5, not numbered, were written before every numbered one,
    and come after them by finished_at. Records as new are ordered by run_id."""
    order = ["finished_at", "run_id"]
    if "run_number" in runs.column_names:
        order.insert(0, "run_number")
    return runs.sort_by([(c, "descending", "at_end") for c in order])


def partitioned_part_files(output_dir: Path) -> list[Path]:
    """The articles' part files; ValueError naming the first one outside a
    `section=<slug>/published_date=<YYYY-MM-DD>` folder, whose rows have no day or section."""
    files = dataset.list_part_files(output_dir)
    for path in files:
        try:
            dataset.parse_partition_dir(path.parent)
        except ValueError as error:
            raise ValueError(f"{path} is not in a partition folder: {error}") from None
    return files


def gather(output_dir: Path) -> dict:
    articles = count_articles(output_dir)
    return {
        "output_dir": str(output_dir),
        "articles": articles.rows,
        "part_files": articles.part_files,
        "rows_per_day_and_section": rows_per_day_and_section(articles),
        "fill_rates": fill_rates(articles),
        "duplicates": duplicates(articles),
        "rejects_by_reason": rejects_by_reason(dataset_read.read_rejects(output_dir, ["reason"])),
        "recent_runs": recent_runs(output_dir),
    }


# --- Showing ---------------------------------------------------------------------------------


def format_table(headers: list[str], rows: list[list]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, list):  # a run's problems: none on a healthy run
        return "; ".join(str(v) for v in value) or "-"
    return str(value)


def render(stats: dict) -> str:
    out = [f"{stats['output_dir']}: {stats['articles']} articles in {stats['part_files']} files"]
    per_day = stats["rows_per_day_and_section"]
    days = sorted({r["published_date"] for r in per_day})
    shown_days = set(days[-TABLE_DAYS:])
    earlier = len(days) - len(shown_days)
    heading = "Articles per day and section"
    if earlier:
        heading += f" (the newest {TABLE_DAYS} days; {earlier} earlier in --json and --plot)"
    out += ["", heading]
    out.append(
        format_table(
            ["published_date", "section", "rows"],
            [
                [r["published_date"], r["section"], r["rows"]]
                for r in per_day
                if r["published_date"] in shown_days
            ],
        )
        if per_day
        else "(none)"
    )
    out += ["", "Fill rate per column"]
    out.append(
        format_table(
            ["column", "filled"],
            [
                [name, "-" if rate is None else f"{rate:.1%}"]
                for name, rate in stats["fill_rates"].items()
            ],
        )
    )
    dup = stats["duplicates"]
    out += ["", f"Duplicates (duplicate_of set): {dup['rows']} rows"]
    if dup["by_section"]:
        out.append(format_table(["section", "rows"], [list(i) for i in dup["by_section"].items()]))
    out += ["", "Rejects by reason"]
    rejects = stats["rejects_by_reason"]
    out.append(
        format_table(["reason", "rows"], [list(i) for i in rejects.items()])
        if rejects
        else "(none)"
    )
    out += ["", "Recent runs"]
    runs = stats["recent_runs"]
    if runs:
        # A backfill's dates go in its mode's cell, the page a walk stopped at in its
        # problem: columns blank on most runs would push the counts off a terminal.
        headers = [h for h in runs[0] if h not in LATER_COLUMNS]
        shown = [r | {"mode": mode_shown(r)} for r in runs]
        out.append(format_table(headers, [[r.get(h) for h in headers] for r in shown]))
    else:
        out.append("(no run records)")
    return "\n".join(out)


def daily_counts(per_day: list[dict]) -> tuple[list[dt.date], list[int]]:
    """Every day from the first to the last of `per_day` (one section's rows, at least one) and
    its rows: 0 on a day with none, so a plot shows the hole instead of a line drawn across it."""
    rows = {dt.date.fromisoformat(r["published_date"]): r["rows"] for r in per_day}
    first, last = min(rows), max(rows)
    dates = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return dates, [rows.get(day, 0) for day in dates]


def plot_articles_per_day(per_day: list[dict], path: Path) -> None:
    """Articles per published_date, one line per section. ImportError without matplotlib."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display needed
    import matplotlib.pyplot as plt

    sections = sorted({r["section"] for r in per_day})
    figure, axes = plt.subplots(figsize=(10, 4))
    for section in sections:
        dates, counts = daily_counts([r for r in per_day if r["section"] == section])
        axes.plot(dates, counts, marker="o", label=section)
    axes.set_title("Articles per day (published_date, Vietnam time)")
    axes.set_ylabel("articles")
    axes.set_ylim(bottom=0)
    if sections:
        axes.legend()
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _json_default(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {value!r}")


def run(args: argparse.Namespace) -> int:
    output_dir = dataset.named(args.output_dir)
    if (problem := dataset.folder_problem(output_dir)) is not None:
        print(f"newsscraper stats: {output_dir}: {problem}", file=sys.stderr)
        return 1
    if (said := dataset.not_a_dataset(output_dir)) is not None:  # said; the command runs on
        print(f"newsscraper stats: warning: {output_dir}: {said}", file=sys.stderr)
    try:
        stats = gather(output_dir)
    except (OSError, ValueError, pa.ArrowException) as error:
        print(
            f"newsscraper stats: the dataset cannot be read ({error}); "
            + dataset_read.verify_hint(output_dir),
            file=sys.stderr,
        )
        return 1
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2, default=_json_default))
    else:
        print(render(stats))
    if args.plot:
        try:
            plot_articles_per_day(stats["rows_per_day_and_section"], Path(args.plot))
        except ImportError:
            print(
                f"newsscraper stats: --plot needs matplotlib, not installed: {INSTALL_PLOT}",
                file=sys.stderr,
            )
            return 1
        except (OSError, ValueError) as error:  # a folder that is not there, a .txt name
            print(f"newsscraper stats: cannot write the plot: {error}", file=sys.stderr)
            return 1
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0
