"""Whole-process extraction: `newsscraper extract` vs trafilatura's command line, same files.

A few hundred copies of the saved article pages go into a temporary directory; each tool runs
once over all of them as a fresh process, so start-up and imports count as they do for a user.
Both run on one worker (`trafilatura --parallel 1`) so CPU seconds compare like for like.
Each tool first runs once, untimed, over two of the files: the timed runs then start with the
tools' libraries in the page cache, so neither is charged for reading them from disk (on this
machine that cost ours up to 3 s of waiting, seen as wall time far above CPU time).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import VENV_BIN, BenchResult, Figure, fmt_seconds, run_measured
from bench.pages import article_page_paths

NAME = "extract_cli"
TITLE = "Whole-process extraction: `newsscraper extract` vs `trafilatura` CLI"


def _tool(name: str) -> str:
    """The console script installed beside this interpreter (the project's .venv)."""
    for folder in (Path(sys.executable).parent, VENV_BIN):
        candidate = folder / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed")
    return found


def copy_pages(target: Path, files: int) -> list[Path]:
    """`files` copies of the saved article pages, cycling through them, in `target`.

    Each copy ends with its own HTML comment, so no tool can notice that it has seen a file.
    """
    sources = article_page_paths()
    if not sources:
        raise RuntimeError("no saved article pages under tests/fixtures")
    target.mkdir(parents=True)
    copies = []
    for n in range(files):
        source = sources[n % len(sources)]
        copy = target / f"copy{n:04d}_{source.name}"
        copy.write_bytes(source.read_bytes() + f"\n<!-- copy {n} -->\n".encode())
        copies.append(copy)
    return copies


def run(smoke: bool = False) -> BenchResult:
    files = 6 if smoke else 300
    with tempfile.TemporaryDirectory(prefix="newsscraper-bench-") as tmp:
        work = Path(tmp)
        copies = copy_pages(work / "in", files)

        ours_command = [_tool("newsscraper"), "extract"]
        traf_command = [_tool("trafilatura"), "--json", "--with-metadata", "--parallel", "1"]
        warm_up = copy_pages(work / "warm-up", 2)
        run_measured([*ours_command, *map(str, warm_up)], stdout_path=work / "warm-up.jsonl")
        run_measured(
            [*traf_command, "--input-dir", str(work / "warm-up")],
            stdout_path=work / "warm-up.jsonl",
        )

        ours_out = work / "ours.jsonl"
        ours = run_measured([*ours_command, *map(str, copies)], stdout_path=ours_out)
        if ours.returncode != 0:
            raise RuntimeError(
                f"newsscraper extract exited {ours.returncode}: {ours.stderr[-2000:]}"
            )
        ours_docs = sum(1 for line in ours_out.read_text(encoding="utf-8").splitlines() if line)

        # JSON lines on stdout, as ours: with --output-dir, trafilatura names files by a hash of
        # the text (equal pages overwrite each other) and --keep-dirs writes nothing (2.3.1).
        traf_out = work / "trafilatura.jsonl"
        traf = run_measured([*traf_command, "--input-dir", str(work / "in")], stdout_path=traf_out)
        if traf.returncode != 0:
            raise RuntimeError(f"trafilatura exited {traf.returncode}: {traf.stderr[-2000:]}")
        traf_docs = sum(1 for line in traf_out.read_text(encoding="utf-8").splitlines() if line)

    result = BenchResult(NAME, TITLE)
    result.data = {
        "files": files,
        "ours": {
            "documents": ours_docs,
            "wall_seconds": ours.wall_seconds,
            "cpu_seconds": ours.cpu_seconds,
            "peak_rss_mb": ours.peak_rss_mb,
        },
        "trafilatura": {
            "documents": traf_docs,
            "wall_seconds": traf.wall_seconds,
            "cpu_seconds": traf.cpu_seconds,
            "peak_rss_mb": traf.peak_rss_mb,
        },
        "speedup_wall": traf.wall_seconds / ours.wall_seconds,
    }
    result.figures = [
        Figure("files", str(files)),
        Figure(
            "newsscraper extract: wall / CPU / peak RSS",
            f"{fmt_seconds(ours.wall_seconds)} / {fmt_seconds(ours.cpu_seconds)} / "
            f"{ours.peak_rss_mb:.0f} MB ({ours_docs} JSON lines)",
        ),
        Figure(
            "trafilatura CLI: wall / CPU / peak RSS",
            f"{fmt_seconds(traf.wall_seconds)} / {fmt_seconds(traf.cpu_seconds)} / "
            f"{traf.peak_rss_mb:.0f} MB ({traf_docs} JSON lines)",
        ),
        Figure(
            "per file, ours / trafilatura",
            f"{fmt_seconds(ours.wall_seconds / files)} / {fmt_seconds(traf.wall_seconds / files)}",
        ),
        Figure("trafilatura wall / ours", f"{result.data['speedup_wall']:.1f}×"),
    ]
    if ours_docs != files:
        result.notes.append(f"newsscraper extract printed {ours_docs} lines for {files} files.")
    return result
