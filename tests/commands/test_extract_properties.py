"""`newsscraper extract` on any mix of inputs: the real pages as saved, packed, re-encoded, cut
or shuffled, random bytes, empty files, a folder, a missing or unreadable path, stdin. Each is
either one JSON line (and at most a reject's reason on stderr) or one message on stderr naming
it, in the order given; never a traceback; the exit code says whether all were read; and the
same inputs give the same output."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import sys
import tempfile
import unicodedata
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from newsscraper.cli import main
from tests.commands.test_extract import ARTICLES, COLUMNS, expected_row

PREFIX = "newsscraper extract: "
AS_ROOT = os.geteuid() == 0  # root reads a file whatever its mode: no unreadable file then
EXPECTED = {stem: expected_row(stem) for stem in ARTICLES}
PAGES = {stem: path.read_bytes() for stem, path in ARTICLES.items()}
REJECT_PROBLEMS = ("a crawl would reject it as ", "the page does not say its article URL")


@dataclass(frozen=True)
class Input:
    """One FILE argument: what to put on disk (or stdin), and what the docs promise of it."""

    kind: str  # page, gzip4, cut, shuffled, bytes, empty, folder, missing, loop, unreadable
    data: bytes = field(default=b"", repr=False)
    stem: str | None = None  # the real page it was made of
    name: str = "page.html"
    stdin: bool = False
    error: str | None = None  # the message promised, for an input that is never read

    def __repr__(self) -> str:  # a page's 100 kB would hide the rest
        data = self.data if len(self.data) <= 80 else f"<{len(self.data)} bytes>"
        return (
            f"Input({self.kind!r}, data={data!r}, stem={self.stem!r}, name={self.name!r}, "
            f"stdin={self.stdin}, error={self.error!r})"
        )


def reencoded(stem: str, charset: str) -> bytes:
    html = PAGES[stem].decode("utf-8")
    if charset == "utf-8":
        return html.encode("utf-8")
    if charset == "utf-8-sig":
        return b"\xef\xbb\xbf" + html.encode("utf-8")
    # Vietnamese in windows-1258 is base letters and combining tone marks; what a legacy
    # charset cannot spell is saved as character references, as browsers save it.
    declared = html.replace("charset=utf-8", f"charset={charset}", 1)
    return unicodedata.normalize("NFD", declared).encode(charset, "xmlcharrefreplace")


@st.composite
def real_pages(draw) -> Input:
    """A real page, perhaps re-encoded, then perhaps cut at any byte or shuffled, then gzipped
    0 to 4 times."""
    stem = draw(st.sampled_from(sorted(PAGES)))
    charset = draw(st.sampled_from(["as saved", "windows-1258", "windows-1252", "utf-8-sig"]))
    data = PAGES[stem] if charset == "as saved" else reencoded(stem, charset)
    kind = draw(st.sampled_from(["page", "page", "cut", "shuffled"]))
    if kind == "cut":
        # Anywhere, or in the last bytes: past the footer, where the article all came.
        end = len(data) - 1
        data = data[: draw(st.one_of(st.integers(0, end), st.integers(end - 3000, end)))]
    elif kind == "shuffled":
        shuffled = bytearray(data)
        random.Random(draw(st.integers(0, 2**32 - 1))).shuffle(shuffled)
        data = bytes(shuffled)
    inner = data
    layers = draw(st.sampled_from([0, 0, 0, 1, 2, 3, 4]))
    for _ in range(layers):
        data = gzip.compress(data, mtime=0)
    if layers == 4:
        return Input("gzip4", data, stem, error="gzip nested more than 3 deep, not unpacked")
    if not inner:  # cut at its first byte
        return Input(kind, data, stem, error="an empty file")
    return Input(kind, data, stem)


def other_inputs() -> st.SearchStrategy[Input]:
    kinds = [
        st.binary(max_size=300).map(lambda data: Input("bytes", data)),
        st.binary(max_size=300).map(lambda data: Input("bytes", b"\x1f\x8b" + data)),
        st.just(Input("empty", b"", error="an empty file")),
        st.just(Input("folder", error="Is a directory")),
        st.just(Input("missing", error="No such file or directory")),
        st.just(Input("loop", error="Too many levels of symbolic links")),  # a link to itself
    ]
    if not AS_ROOT:
        kinds.append(st.just(Input("unreadable", b"<html></html>", error="Permission denied")))
    return st.one_of(kinds)


NAMES = st.sampled_from(["page.html", "bài viết số 1.html", "tin tức  cafef .html", "ảnh"])


@st.composite
def input_lists(draw) -> list[Input]:
    inputs = draw(st.lists(st.one_of(real_pages(), other_inputs()), min_size=1, max_size=5))
    inputs = [replace(given_input, name=draw(NAMES)) for given_input in inputs]
    # stdin is read once: one `-` at most, of bytes a file could hold.
    unreadable = ("folder", "missing", "loop", "unreadable")
    readable = [n for n, given_input in enumerate(inputs) if given_input.kind not in unreadable]
    if readable and draw(st.booleans()):
        n = draw(st.sampled_from(readable))
        inputs[n] = replace(inputs[n], stdin=True)
    return inputs


def lay_out(inputs: list[Input], folder: Path) -> list[str]:
    """The inputs on disk, each in a folder of its own so no two paths are the same."""
    args = []
    for n, given_input in enumerate(inputs):
        if given_input.stdin:
            args.append("-")
            continue
        path = folder / str(n) / given_input.name
        path.parent.mkdir(parents=True)
        if given_input.kind == "folder":
            path.mkdir()
        elif given_input.kind == "loop":
            path.symlink_to(path.name)
        elif given_input.kind != "missing":
            path.write_bytes(given_input.data)
            if given_input.kind == "unreadable":
                path.chmod(0)
        args.append(str(path))
    return args


class Recorder(io.StringIO):
    """stdout or stderr, each line written kept in one log of both, in the order written."""

    def __init__(self, stream: str, log: list[tuple[str, str]]):
        super().__init__()
        self.stream, self.log = stream, log

    def write(self, text: str) -> int:
        self.log.append((self.stream, text))
        return super().write(text)


def run_extract(args: list[str], stdin: bytes) -> tuple[int, list[tuple[str, str]]]:
    """The exit code and the lines of stdout and stderr, interleaved as written."""
    log: list[tuple[str, str]] = []
    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(sys, "stdout", Recorder("out", log)))
        stack.enter_context(mock.patch.object(sys, "stderr", Recorder("err", log)))
        stack.enter_context(mock.patch.object(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin))))
        code = main(["extract", *args])
    text = {"out": "", "err": ""}
    lines = []
    for stream, written in log:  # print() writes the text, then its newline
        text[stream] += written
        while "\n" in text[stream]:
            line, text[stream] = text[stream].split("\n", 1)
            lines.append((stream, line))
    assert text == {"out": "", "err": ""}, "a line not ended"
    return code, lines


def check_output(inputs: list[Input], args: list[str], code: int, lines) -> None:
    """Each input in turn: one JSON line, then perhaps a reject's reason naming it; or one
    message naming it and what is wrong."""
    lines = list(lines)
    read_all = True
    for given_input, arg in zip(inputs, args, strict=True):
        assert lines, f"nothing for {arg}"
        stream, line = lines.pop(0)
        event(f"{given_input.kind}: {'read' if stream == 'out' else 'not read'}")
        if stream == "out":
            row = json.loads(line)
            assert list(row) == COLUMNS
            assert given_input.error is None, (arg, given_input.kind)
            if given_input.kind in ("page", "cut"):
                # A cut page read is one whose article all came: the whole page's row.
                assert row == EXPECTED[given_input.stem]
            if lines and lines[0][0] == "err" and lines[0][1].startswith(f"{PREFIX}{arg}: "):
                problem = lines.pop(0)[1].removeprefix(f"{PREFIX}{arg}: ")
                assert problem.startswith(REJECT_PROBLEMS), problem
                assert given_input.kind != "page", problem
                read_all = False
        else:
            assert line.startswith(f"{PREFIX}{arg}: "), (line, arg)
            problem = line.removeprefix(f"{PREFIX}{arg}: ")
            if given_input.error is not None:
                assert problem == given_input.error
            else:
                assert problem and not problem.startswith(REJECT_PROBLEMS)
                assert given_input.kind != "page", problem
            read_all = False
    assert lines == []
    assert code == (0 if read_all else 1)


def fresh_folder(tmp_path: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=tmp_path))


@settings(
    max_examples=settings.default.max_examples // 4,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(inputs=input_lists())
def test_every_input_is_one_json_line_or_one_message_naming_it_in_order(tmp_path, inputs):
    args = lay_out(inputs, fresh_folder(tmp_path))
    stdin = next((i.data for i in inputs if i.stdin), b"")

    first = run_extract(args, stdin)
    check_output(inputs, args, *first)
    assert run_extract(args, stdin) == first
