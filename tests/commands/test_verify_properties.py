"""Properties of `newsscraper verify`, `stats` and `compact` over small random datasets written
as crawls write them, then damaged: verify finds the clean dataset clean and names the damaged
file (and its column or value), and stats and compact either work or stop naming that file,
which they leave as it was. None of them ends in a traceback."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st
from test_compaction_properties import FAST, SECTIONS, crawls, fresh, write

from newsscraper import cli, dataset
from newsscraper.schema import (
    ARTICLES_FILE_SCHEMA,
    REJECTS_SCHEMA,
    RUNS_JSON_COLUMNS,
    RUNS_SCHEMA,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    added_in,
)

DECLARED = {
    dataset.ARTICLES: ARTICLES_FILE_SCHEMA,
    dataset.REJECTS: REJECTS_SCHEMA,
    dataset.RUNS: RUNS_SCHEMA,
}
# Each example writes a dataset and runs three commands on it: fewer of them.
SLOW = settings(FAST, max_examples=max(1, settings.default.max_examples // 10))


@dataclass
class Damage:
    """What was done, to which file, and what verify must say of it."""

    path: Path  # the file verify names
    words: list[str]  # what its PROBLEM line says besides the path (a column, a value)
    unreadable: bool = False  # no reader can read the file: stats and compact stop on it
    found: bool = True  # verify finds it (False: a change it cannot see, or no problem)
    # What stats and compact name when they stop on it: the file, or its folder when the
    # damage is the folder's name.
    named: Path | None = None
    harmless: bool = False  # no problem at all: every command works, verify finds nothing
    folder: bool = False  # a folder in the file's place, which no reader takes for a file

    def __post_init__(self):
        self.named = self.named or self.path


# --- Damages ------------------------------------------------------------------------------------


def part_files(output_dir: Path) -> list[tuple[str, Path]]:
    return [
        (name, p) for name in dataset.DATASETS for p in dataset.list_part_files(output_dir, name)
    ]


def rewrite(path: Path, table: pa.Table) -> None:
    """`table` written over the part file at `path`, as another tool writes it again."""
    pq.write_table(table, path)


def read(path: Path) -> pa.Table:
    return pq.read_table(path, partitioning=None)


def truncated(draw, name: str, path: Path) -> Damage:
    data = path.read_bytes()
    path.write_bytes(data[: draw(st.integers(0, len(data) - 1))])
    return Damage(path, ["unreadable"], unreadable=True)


def replaced(draw, name: str, path: Path) -> Damage:
    how = draw(st.sampled_from(["empty", "json", "dangling link", "folder"]))
    path.unlink()
    if how == "folder":
        # No reader takes it for a file: the file's rows are gone, which no check can know.
        path.mkdir()
        return Damage(path, [], found=False, folder=True)
    if how == "empty":
        path.write_bytes(b"")
    elif how == "json":
        path.write_text(json.dumps({"article_id": "1"}), encoding="utf-8")
    else:
        path.symlink_to(path.with_name("gone.parquet"))
    return Damage(path, ["unreadable"], unreadable=True)


def flipped(draw, name: str, path: Path) -> Damage:
    """Bytes changed in the footer or in a page: Parquet keeps no checksum, so a change that
    still reads is one verify cannot see (but a body's content_sha256)."""
    data = bytearray(path.read_bytes())
    footer = int.from_bytes(data[-8:-4], "little")
    where = draw(st.sampled_from(["footer", "page"]))
    if where == "footer":
        start, end = len(data) - 8 - footer, len(data) - 8
    else:
        start, end = 4, len(data) - 8 - footer
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(start, end - 1))
        data[at] ^= draw(st.integers(1, 255))
    path.write_bytes(bytes(data))
    return Damage(path, [], found=False)


def column_dropped(draw, name: str, path: Path) -> Damage:
    table = read(path)
    column = draw(st.sampled_from(table.column_names))
    rewrite(path, table.drop_columns([column]).replace_schema_metadata(table.schema.metadata))
    return Damage(path, ["missing columns", column])


RETYPED = {
    pa.string(): [pa.large_string(), pa.binary()],
    pa.int32(): [pa.int64(), pa.string()],
    pa.int64(): [pa.int32(), pa.string(), pa.float64()],
    pa.date32(): [pa.string(), pa.timestamp("us")],
    pa.timestamp("us", tz="UTC"): [
        pa.timestamp("ns", tz="UTC"),
        pa.timestamp("ms", tz="UTC"),
        pa.timestamp("us"),
        pa.timestamp("us", tz="Asia/Ho_Chi_Minh"),
        pa.string(),
    ],
}


def retyped_array(column: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray:
    if pa.types.is_list(column.type):
        texts = [None if v is None else json.dumps(v) for v in column.to_pylist()]
        return pa.chunked_array([pa.array(texts, to)])
    if pa.types.is_timestamp(column.type) and pa.types.is_string(to):
        return pa.chunked_array(
            [pa.array([None if v is None else v.isoformat() for v in column.to_pylist()], to)]
        )
    return column.cast(to, safe=False)


def column_retyped(draw, name: str, path: Path) -> Damage:
    table = read(path)
    column = draw(st.sampled_from(table.column_names))
    have = table.schema.field(column).type
    choices = [pa.string()] if pa.types.is_list(have) else RETYPED.get(have, [pa.string()])
    to = draw(st.sampled_from(choices))
    if to == pa.string() and pa.types.is_string(have):
        to = pa.int64()
        values = table[column].to_pylist()
        if not all(v is None or v.isdigit() for v in values):
            to = pa.large_string()
    if pa.types.is_integer(to) and pa.types.is_string(have):
        array = pa.chunked_array(
            [pa.array([None if v is None else int(v) for v in table[column].to_pylist()], to)]
        )
    else:
        array = retyped_array(table[column], to)
    index = table.column_names.index(column)
    field = pa.field(column, to, table.schema.field(column).nullable)
    changed = table.set_column(index, field, array).replace_schema_metadata(table.schema.metadata)
    rewrite(path, changed)
    return Damage(path, [column])


def made_null(draw, name: str, path: Path) -> Damage:
    table = read(path)
    declared = DECLARED[name]
    required = [
        c for c in table.column_names if c in declared.names and not declared.field(c).nullable
    ]
    column = draw(st.sampled_from(required))
    index = table.column_names.index(column)
    row = draw(st.integers(0, table.num_rows - 1))
    values = table[column].to_pylist()
    values[row] = None
    field = pa.field(column, table.schema.field(column).type, nullable=True)
    array = pa.array(values, field.type)
    rewrite(
        path, table.set_column(index, field, array).replace_schema_metadata(table.schema.metadata)
    )
    return Damage(path, [column])


def version_changed(draw, name: str, path: Path) -> Damage:
    table = read(path)
    version = draw(st.sampled_from([None, "x", "0", str(int(SCHEMA_VERSION) + 1), "7.0"]))
    metadata = dict(table.schema.metadata or {})
    metadata.pop(SCHEMA_VERSION_KEY, None)
    if version is not None:
        metadata[SCHEMA_VERSION_KEY] = version.encode()
    rewrite(path, table.replace_schema_metadata(metadata))
    return Damage(path, ["newsscraper.schema_version", repr(version)])


def made_older(draw, name: str, path: Path) -> Damage:
    """No damage: a file as an older release wrote it, without the columns added since (see
    DATA_FORMAT.md, "Migration notes"), which every command reads as null."""
    table = read(path)
    version = draw(st.integers(1, int(table.schema.metadata[SCHEMA_VERSION_KEY])))
    dropped = [f.name for f in DECLARED[name] if added_in(f) > version]
    metadata = {SCHEMA_VERSION_KEY: str(version).encode()}
    if version >= 6:
        metadata[b"newsscraper.version"] = b"0.1.0"
    table = table.drop_columns([c for c in dropped if c in table.column_names])
    rewrite(path, table.replace_schema_metadata(metadata))
    return Damage(path, [], found=False, harmless=True)


FILE_DAMAGES = [
    made_older,
    truncated,
    replaced,
    flipped,
    column_dropped,
    column_retyped,
    made_null,
    version_changed,
]


def json_damaged(draw, output_dir: Path) -> Damage | None:
    path = draw(st.sampled_from(dataset.list_part_files(output_dir, dataset.RUNS)))
    table = read(path)
    columns = [c for c in RUNS_JSON_COLUMNS if c in table.column_names]
    column = draw(st.sampled_from(columns))
    text = draw(
        st.sampled_from(
            ['{"a": ', "[]", "3", '"{}"', "null", '{"x": "y"}', '{"x": [1]}', "{" * 2000]
        )
    )
    values = table[column].to_pylist()
    values[draw(st.integers(0, len(values) - 1))] = text
    index = table.column_names.index(column)
    changed = table.set_column(index, table.schema.field(column), pa.array(values, pa.string()))
    rewrite(path, changed.replace_schema_metadata(table.schema.metadata))
    return Damage(path, [column])


def article_copied(draw, output_dir: Path) -> Damage | None:
    """A part file's rows stored again in another file of their partition."""
    path = draw(st.sampled_from(dataset.list_part_files(output_dir)))
    copy = path.with_name("part-copy-1.parquet")
    shutil.copyfile(path, copy)
    return Damage(min(path, copy), ["stored 2 times"])


def moved(draw, output_dir: Path) -> Damage | None:
    """A part file moved to another partition: another date, or another section."""
    path = draw(st.sampled_from(dataset.list_part_files(output_dir)))
    section, day = dataset.parse_partition_dir(path.parent)
    if draw(st.booleans()):
        section = draw(st.sampled_from([s for s in SECTIONS if s != section]))
        words = ["stored by a crawl of section"]
    else:
        day += dt.timedelta(days=draw(st.sampled_from([-400, -2, -1, 1, 2, 30])))
        words = ["published on another Vietnam date"]
    target = dataset.article_partition_dir(output_dir, section, day) / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    path.rename(target)
    return Damage(target, words)


def badly_named(draw, output_dir: Path) -> Damage | None:
    path = draw(st.sampled_from(dataset.list_part_files(output_dir)))
    bad = draw(
        st.sampled_from(["published_date=2026-13-40", "section=", "published_date=20260307"])
    )
    if bad.startswith("section="):
        target = path.parent.parent.with_name(bad) / path.parent.name / path.name
    else:
        target = path.parent.with_name(bad) / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    path.rename(target)
    # compact names the folder; stats, which reads every file, the file in it.
    return Damage(target, ["not in a partition folder"], unreadable=True, named=target.parent)


def stray(draw, output_dir: Path) -> Damage | None:
    path = draw(st.sampled_from(dataset.list_part_files(output_dir)))
    note = path.with_name(draw(st.sampled_from(["notes.txt", "part-1.parquet.tmp", "README"])))
    note.write_text("a note\n", encoding="utf-8")
    return Damage(note, ["not a .parquet file"])


def staging_left(draw, output_dir: Path) -> Damage | None:
    """A file a killed crawl left in `.staging/`: a warning, no problem."""
    leftover = dataset.staging_dir(output_dir) / "part-x-1.parquet"
    leftover.parent.mkdir(exist_ok=True)
    leftover.write_bytes(b"PAR1")
    hours_ago = dt.datetime.now(dt.UTC).timestamp() - 3 * 3600
    os.utime(leftover, (hours_ago, hours_ago))
    return Damage(leftover, ["left in staging"], found=False)


DATASET_DAMAGES = [json_damaged, article_copied, moved, badly_named, stray, staging_left]


def damage(draw, output_dir: Path) -> Damage:
    articles = dataset.list_part_files(output_dir)
    choices = [d for d in DATASET_DAMAGES if articles or d in (json_damaged, staging_left)]
    choices += FILE_DAMAGES
    chosen = draw(st.sampled_from(choices))
    if chosen in FILE_DAMAGES:
        files = part_files(output_dir)
        if chosen is made_null:
            files = [(n, p) for n, p in files if pq.read_metadata(p).num_rows]
        name, path = draw(st.sampled_from(files))
        return chosen(draw, name, path)
    return chosen(draw, output_dir)


# --- What the commands leave --------------------------------------------------------------------


def held(output_dir: Path) -> dict[str, object]:
    """Every file of the three datasets as it is: its bytes, or where a link leads."""
    found = {}
    for name in dataset.DATASETS:
        for root, _, names in os.walk(output_dir / name):
            for entry in names:
                path = Path(root) / entry
                key = path.relative_to(output_dir).as_posix()
                found[key] = ("link", os.readlink(path)) if path.is_symlink() else path.read_bytes()
    return found


def command(args: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def check_verify(output_dir: Path, damaged: Damage, capsys) -> None:
    code, out, err = command(["verify", "--output-dir", str(output_dir)], capsys)
    assert "Traceback" not in out + err
    lines = out.splitlines()
    about = [
        line
        for line in lines
        if line.startswith(("PROBLEM ", "WARNING ")) and f" {damaged.path}: " in line
    ]
    if damaged.found:
        assert code == 1, out
        assert [
            line
            for line in about
            if line.startswith("PROBLEM ") and all(w in line for w in damaged.words)
        ], (damaged, lines)
    elif damaged.words:  # a warning
        assert code == 0, out
        assert [line for line in about if all(w in line for w in damaged.words)], (damaged, lines)
    elif damaged.harmless:
        assert (code, about) == (0, []), lines
    else:
        assert code in (0, 1)
        assert code == 0 or about, (damaged, lines)


def check_stats(output_dir: Path, damaged: Damage, capsys) -> None:
    before = held(output_dir)
    code, out, err = command(["stats", "--json", "--output-dir", str(output_dir)], capsys)
    assert "Traceback" not in out + err
    assert held(output_dir) == before
    if damaged.unreadable:
        assert code == 1, out
    if damaged.folder or damaged.harmless:
        assert code == 0, err
    if code == 1:
        assert err.startswith("newsscraper stats: the dataset cannot be read ("), err
        assert str(damaged.path) in err, (damaged, err)
    else:
        assert code == 0, err
        json.loads(out)


def check_compact(output_dir: Path, damaged: Damage, capsys) -> None:
    before = held(output_dir)
    code, out, err = command(["compact", "--output-dir", str(output_dir)], capsys)
    assert "Traceback" not in out + err
    after = held(output_dir)
    key = damaged.path.relative_to(output_dir).as_posix()
    if code == 1:
        assert err.startswith("newsscraper compact: a file or folder cannot be read ("), err
        assert str(damaged.named) in err, (damaged, err)
        # Its folder is left as it was; what was merged before stays merged.
        folder = damaged.path.parent.relative_to(output_dir).as_posix() + "/"
        assert {k: v for k, v in after.items() if k.startswith(folder)} == {
            k: v for k, v in before.items() if k.startswith(folder)
        }
    else:
        assert code == 0, err
    if damaged.unreadable or code == 1:
        assert after.get(key) == before.get(key)
    if damaged.folder:  # kept as it was, beside the merged file
        assert (code, damaged.path.is_dir()) == (0, True), err
    if damaged.harmless:
        assert code == 0, err


@SLOW
@given(crawled=crawls(), data=st.data())
def test_a_damaged_dataset_is_named_by_verify_and_stops_stats_and_compact_cleanly(
    tmp_path, capsys, crawled, data
):
    output_dir = fresh(tmp_path)
    write(output_dir, crawled)
    code, out, _ = command(["verify", "--output-dir", str(output_dir)], capsys)
    assert code == 0, out
    damaged = damage(data.draw, output_dir)
    check_verify(output_dir, damaged, capsys)
    check_stats(output_dir, damaged, capsys)
    check_compact(output_dir, damaged, capsys)
