"""`python -m replica`: the command a person starts, with faults given on its command line."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from scrapy.http import HtmlResponse, Request

from newsscraper.pages.section import SectionPage
from replica import serve
from replica.__main__ import main, parse_fault, parse_jitter
from replica.crawl import PROJECT_ROOT
from replica.faults import (
    EncodingNamedPlain,
    ItemsOf,
    NotModified,
    PageOf,
    PartialContent,
    Redirect,
    ShortLength,
    Status,
    ZstdStray,
)


def status_of(url: str) -> tuple[int, str | None]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Retry-After")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After")


def test_a_fault_given_on_the_command_line_is_served_on_every_request_for_its_path():
    command = [
        sys.executable, "-m", "replica", "--articles", "5", "--port", "0",
        "--fault", "/doanh-nghiep.chn=429:120", "--fault", "/timelinelist/18836/2.chn=503",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        # Both lines come at once, while it serves: stdout is a pipe here, not a terminal.
        assert process.stdout.readline() == f"section page: {base_url}/doanh-nghiep.chn\n"
        for _ in range(3):
            assert status_of(f"{base_url}/doanh-nghiep.chn") == (429, "120")
            assert status_of(f"{base_url}/timelinelist/18836/2.chn") == (503, None)
        assert status_of(f"{base_url}/timelinelist/18836/3.chn")[0] == 200  # others served
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.mark.parametrize("folder", ["elsewhere", "tests"])
def test_the_venv_s_python_runs_it_from_any_folder(folder, tmp_path):
    # From tests/, tests/replica/ (its tests) is no package to run: the replica is found instead.
    cwd = tmp_path if folder == "elsewhere" else PROJECT_ROOT / folder
    command = [sys.executable, "-m", "replica", "--help"]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("usage: python -m replica")


def test_a_listing_page_can_be_served_in_a_new_layout_from_the_command_line():
    command = [
        sys.executable, "-m", "replica", "--articles", "12", "--page-size", "3", "--port", "0",
        "--fault", "/timelinelist/18836/2.chn=renamed_entries",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().strip()

        def page(path: str) -> str:
            with urllib.request.urlopen(f"{base_url}{path}", timeout=10) as response:
                return response.read().decode()

        def read(path: str) -> SectionPage:
            url = f"{base_url}{path}"
            request = Request(url, meta={"cafef_page": "timeline"})
            body = page(path).encode()
            return SectionPage(HtmlResponse(url, body=body, encoding="utf-8", request=request))

        # Its stream still links to its three stories, none of which reads as an entry.
        renamed, as_usual = read("/timelinelist/18836/2.chn"), read("/timelinelist/18836/3.chn")
        assert renamed.entries() == [] and renamed.unread_article_links() == 3
        assert len(as_usual.entries()) == 3
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/a.chn=503", ("/a.chn", Status(503))),
        ("/a.chn=429:60", ("/a.chn", Status(429, 60))),
        ("/a.chn=page_of:/b.chn", ("/a.chn", PageOf("/b.chn"))),
        ("/t/3.chn=items_of:/s.chn", ("/t/3.chn", ItemsOf("/s.chn"))),
        ("/t/3.chn=redirect:/s.chn", ("/t/3.chn", Redirect("/s.chn"))),
        ("/robots.txt=503", ("/robots.txt", Status(503))),
        ("/a.chn=partial_content", ("/a.chn", PartialContent())),
        ("/a.chn=not_modified", ("/a.chn", NotModified())),
        ("/a.chn=short_length", ("/a.chn", ShortLength())),
        ("/a.chn=zstd_stray", ("/a.chn", ZstdStray())),
        ("/a.chn=encoding_named_plain", ("/a.chn", EncodingNamedPlain())),
    ],
)
def test_a_fault_reads_its_status_and_retry_after_or_the_other_path(value, expected):
    assert parse_fault(value) == expected


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("doanh-nghiep.chn=503", "give PATH=KIND"),
        ("/a.chn", "give PATH=KIND"),
        ("/a.chn=200", "a fault is an HTTP status 400-599"),
        ("/a.chn=429:soon", "a fault is an HTTP status 400-599"),
        ("/a.chn=sleep", "reset, soft_block, cut_copy, truncated, empty, renamed_entries"),
        ("/a.chn=page_of:b.chn", "page_of:PATH, items_of:PATH, redirect:PATH"),
    ],
)
def test_a_fault_that_is_none_is_refused_saying_what_to_give(value, said, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--fault", value])
    assert exit_.value.code == 2
    assert said in capsys.readouterr().err


def test_jitter_is_given_in_milliseconds_and_a_bad_one_is_refused(capsys):
    assert parse_jitter("300") == 0.3
    assert parse_jitter("0") == 0 and parse_jitter("60000") == 60
    for value in ("-5", "soon", "nan", "60001"):
        with pytest.raises(SystemExit) as exit_:
            main(["--jitter", value])
        assert exit_.value.code == 2
        assert "give milliseconds, 0 to 60000" in capsys.readouterr().err


def test_ctrl_c_as_the_address_is_printed_stops_the_replica(monkeypatch):
    """README: `python -m replica …  # first terminal; Ctrl-C stops it`, also a Ctrl-C that
    comes while it prints where it serves (it used to leave the server running, the process
    never ending)."""
    printed, handles = [], []

    def interrupted_print(*args, **kwargs):
        printed.append(args)
        if len(printed) == 2:
            raise KeyboardInterrupt

    def recorded_serve(*args, **kwargs):
        handles.append(serve(*args, **kwargs))
        return handles[-1]

    monkeypatch.setattr("builtins.print", interrupted_print)
    monkeypatch.setattr("replica.__main__.serve", recorded_serve)
    try:
        code = main(["--articles", "5", "--port", "0"])
    except KeyboardInterrupt:
        code = "interrupted"
    finally:
        (handle,) = handles
        serving = handle._thread.is_alive()
        handle.stop()
    assert (code, serving) == (0, False)


def test_a_status_fault_is_any_code_from_400_to_599(capsys):
    assert [parse_fault(f"/a.chn={code}")[1] for code in (400, 599)] == [Status(400), Status(599)]
    for code in (399, 600):
        with pytest.raises(SystemExit):
            main(["--fault", f"/a.chn={code}"])
        assert "a fault is an HTTP status 400-599" in capsys.readouterr().err


def test_without_options_it_serves_40_articles_on_port_8080_and_jitter_holds_responses(
    monkeypatch,
):
    """The defaults `--help` states (40 articles, port 8080, pages of 20, seed 0), and a
    `--jitter` the site's responses get."""
    served = []

    def recorded_serve(site, port):
        served.append((site, port))
        raise KeyboardInterrupt  # as a Ctrl-C before it binds: nothing to stop

    monkeypatch.setattr("replica.__main__.serve", recorded_serve)
    for argv in ([], ["--jitter", "300"]):
        with pytest.raises(KeyboardInterrupt):
            main(argv)
    (plain, port), (jittered, _) = served
    assert (len(plain.articles), port, plain.page_size, plain.seed) == (40, 8080, 20, 0)
    assert plain.respond("GET", "/doanh-nghiep.chn").delay == 0
    delays = [jittered.respond("GET", "/doanh-nghiep.chn").delay for _ in range(5)]
    assert all(0 <= d <= 0.3 for d in delays) and len(set(delays)) == 5


def test_a_port_in_use_is_said_in_one_line_naming_what_to_give_instead(capsys):
    """`--port 8080` where another program listens: one line naming the port and `--port 0`,
    exit 1, not the traceback of the failed bind."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exit_:
            main(["--articles", "5", "--port", str(port)])
    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        f"python -m replica: port {port} is in use by another program; give another --port, "
        "or --port 0 for any free one\n"
    )


@pytest.mark.parametrize("value", ["65536", "-1", "eighty", ""])
def test_a_port_that_is_none_is_refused_with_the_usage(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--port", value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m replica")
    assert f"argument --port: {value!r}: give a port, 0 to 65535 (0: any free)" in err
