"""The replica over HTTP: each scripted fault, the request log, clean start and stop."""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import time
import unicodedata
import zlib
from types import SimpleNamespace

import pytest
from parsel import Selector

from replica import ReplicaSite, faults, serve
from replica import site as site_module
from replica.render import SOFT_BLOCK_PAGE

SECTION = "/doanh-nghiep.chn"


@pytest.fixture
def site() -> ReplicaSite:
    return ReplicaSite(articles=30)


@pytest.fixture
def handle(site):
    with serve(site) as running:
        yield running


def fetch(handle, path: str, timeout: float = 5.0) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", handle.port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_serves_on_loopback_and_records_every_request(handle, site):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", handle.base_url)
    status, headers, _ = fetch(handle, SECTION)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert fetch(handle, "/timelinelist/18836/2.chn")[0] == 200
    assert [(r.method, r.path, r.status) for r in handle.requests] == [
        ("GET", SECTION, 200),
        ("GET", "/timelinelist/18836/2.chn", 200),
    ]
    assert all(r.host == f"127.0.0.1:{handle.port}" for r in handle.requests)
    assert handle.paths() == [SECTION, "/timelinelist/18836/2.chn"]
    assert handle.url(SECTION) == handle.base_url + SECTION


def test_each_replica_gets_a_free_port_of_its_own():
    with serve(ReplicaSite(articles=1)) as one, serve(ReplicaSite(articles=1)) as two:
        assert one.port != two.port and fetch(two, SECTION)[0] == 200


def test_refuses_any_address_but_loopback():
    with pytest.raises(ValueError):
        serve(ReplicaSite(articles=1), host="0.0.0.0")


def test_stop_leaves_no_thread_and_frees_the_port():
    before = set(threading.enumerate())
    running = serve(ReplicaSite(articles=3))
    idle = socket.create_connection(("127.0.0.1", running.port))  # an idle keep-alive client
    fetch(running, SECTION)
    running.stop()
    idle.close()
    assert set(threading.enumerate()) == before
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", running.port), timeout=1).close()


def test_stop_resets_a_response_held_back_and_joins_its_thread():
    before = set(threading.enumerate())
    site = ReplicaSite(articles=3)
    site.script(SECTION, [faults.delay(30)])
    running = serve(site)
    got = []
    client = threading.Thread(target=lambda: got.append(catch(lambda: fetch(running, SECTION))))
    client.start()
    while not running.requests:
        time.sleep(0.01)
    running.stop()
    assert set(threading.enumerate()) - {client} == before
    client.join()
    assert isinstance(got[0], ConnectionError)


def catch(call):
    try:
        return call()
    except Exception as error:
        return error


@pytest.mark.parametrize(("code", "retry_after"), [(500, None), (502, None), (503, 2), (429, 1)])
def test_status_faults_then_normal_service(handle, site, code, retry_after):
    site.script(SECTION, [faults.status(code, retry_after=retry_after)])
    status, headers, _ = fetch(handle, SECTION)
    assert status == code
    assert headers["Retry-After"] == (str(retry_after) if retry_after else None)
    assert fetch(handle, SECTION)[0] == 200


def test_faults_come_in_order_and_repeat_when_asked(handle, site):
    path = site.article(0).path
    site.script(path, [faults.status(500), faults.status(503)])
    assert [fetch(handle, path)[0] for _ in range(3)] == [500, 503, 200]
    site.script(path, [faults.status(502)], repeat=True)
    assert [fetch(handle, path)[0] for _ in range(3)] == [502, 502, 502]


def test_reset_closes_without_a_response(handle, site):
    """A reset, not an orderly close: the client's read fails, it does not just end."""
    site.script(SECTION, [faults.reset()])
    with pytest.raises(ConnectionResetError) as reset:
        fetch(handle, SECTION)
    assert not isinstance(reset.value, http.client.RemoteDisconnected)  # read as a clean end
    assert handle.requests[-1].status is None


def test_delay_outlasts_a_client_timeout(handle, site):
    site.script(SECTION, [faults.delay(1.0)])
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        fetch(handle, SECTION, timeout=0.2)
    assert time.monotonic() - started < 0.9


def test_truncated_declares_the_whole_page_and_sends_its_first_half(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.truncated()])
    with pytest.raises(http.client.IncompleteRead) as cut:
        fetch(handle, SECTION)
    assert cut.value.partial == whole[: len(whole) // 2]
    assert len(cut.value.partial) + cut.value.expected == len(whole)


def test_truncated_gzip_is_part_of_the_page_in_a_gzip_stream_that_never_ends(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.truncated_gzip(0.4)])
    _, headers, body = fetch(handle, SECTION)
    assert (headers["Content-Encoding"], headers["Content-Length"]) == ("gzip", str(len(body)))
    stream = zlib.decompressobj(wbits=31)
    assert stream.decompress(body) == whole[: int(len(whole) * 0.4)] and not stream.eof


def test_gzip_named_twice_is_the_whole_page_compressed_once(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.gzip_named_twice()])
    _, headers, body = fetch(handle, SECTION)
    assert headers["Content-Encoding"] == "gzip, gzip"
    assert zlib.decompress(body, wbits=31) == whole


def test_cut_without_length_sends_no_content_length_and_closes_after_part_of_the_body(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.cut_without_length(0.5), faults.cut_without_length(1)])
    for keep in (len(whole) // 2, len(whole)):
        status, headers, body = fetch(handle, SECTION)
        assert status == 200 and body == whole[:keep]
        assert headers["Content-Length"] is None and headers["Connection"] == "close"


def test_cut_copy_sends_part_of_the_body_under_a_content_length_for_that_part(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.cut_copy(0.4)])
    status, headers, body = fetch(handle, SECTION)
    assert status == 200 and body == whole[: int(len(whole) * 0.4)]
    assert headers["Content-Length"] == str(len(body))
    assert fetch(handle, SECTION)[2] == whole


def test_partial_content_is_a_206_of_the_first_part_its_content_range_saying_so(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.partial_content(0.4)])
    status, headers, body = fetch(handle, SECTION)
    assert status == 206 and body == whole[: int(len(whole) * 0.4)]
    assert headers["Content-Range"] == f"bytes 0-{len(body) - 1}/{len(whole)}"


def test_whole_range_is_a_206_of_all_the_fault_answers_its_content_range_saying_so(handle, site):
    site.script(SECTION, [faults.whole_range(faults.soft_block())])
    status, headers, body = fetch(handle, SECTION)
    assert status == 206 and body.decode("utf-8") == SOFT_BLOCK_PAGE
    assert headers["Content-Range"] == f"bytes 0-{len(body) - 1}/{len(body)}"


def test_not_modified_is_a_304_without_a_body(handle, site):
    site.script(SECTION, [faults.not_modified()])
    status, _, body = fetch(handle, SECTION)
    assert (status, body) == (304, b"")
    assert fetch(handle, SECTION)[0] == 200


def test_short_length_sends_the_whole_page_under_a_shorter_length_then_closes(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.short_length(0.1)])
    with socket.create_connection(("127.0.0.1", handle.port), timeout=5) as raw:
        raw.sendall(f"GET {SECTION} HTTP/1.1\r\nHost: replica\r\n\r\n".encode())
        sent = b"".join(iter(lambda: raw.recv(65536), b""))  # until the server closes
    head, _, body = sent.partition(b"\r\n\r\n")
    assert body == whole
    assert f"Content-Length: {int(len(whole) * 0.1)}".encode() in head.split(b"\r\n")
    assert b"Connection: close" in head.split(b"\r\n")


def test_zstd_stray_is_the_whole_page_in_zstd_then_bytes_of_no_frame(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.zstd_stray()])
    _, headers, body = fetch(handle, SECTION)
    assert (headers["Content-Encoding"], headers["Content-Length"]) == ("zstd", str(len(body)))
    stream = faults.zstd.ZstdDecompressor()
    assert stream.decompress(body) == whole and stream.eof
    assert stream.unused_data == b"\0\0\0\0"


def test_encoding_named_plain_is_the_page_as_it_is_under_gzip(handle, site):
    _, _, whole = fetch(handle, SECTION)
    site.script(SECTION, [faults.encoding_named_plain()])
    _, headers, body = fetch(handle, SECTION)
    assert (headers["Content-Encoding"], body) == ("gzip", whole)


def test_soft_block_is_a_200_without_the_site_markup(handle, site):
    path = site.article(2).path
    site.script(path, [faults.soft_block(), faults.soft_block(bare=True)])
    status, _, body = fetch(handle, path)
    page = Selector(text=body.decode("utf-8"))
    assert status == 200 and body.decode("utf-8") == SOFT_BLOCK_PAGE  # the rate-limit page
    assert not page.css('[data-role="content"], [data-role="title"], #hdZoneId')
    status, _, bare = fetch(handle, path)
    assert status == 200 and bare.strip() and b"<html" not in bare and b"data-role" not in bare
    assert b"data-role" in fetch(handle, path)[2]


def test_meta_refresh_is_a_200_sending_a_browser_on_at_once(handle, site):
    path = site.article(2).path
    site.script(path, [faults.meta_refresh("/captcha?from=article")])
    status, _, body = fetch(handle, path)
    page = Selector(text=body.decode("utf-8"))
    assert status == 200 and not page.css('[data-role="content"]')
    assert (
        page.css('meta[http-equiv="refresh"]::attr(content)').get() == "0;url=/captcha?from=article"
    )


def test_redirect_faults(handle, site):
    site.script(SECTION, [faults.redirect_loop(), faults.redirect_offsite()])
    status, headers, _ = fetch(handle, SECTION)
    assert (status, headers["Location"]) == (302, SECTION)
    status, headers, _ = fetch(handle, SECTION)
    assert (status, headers["Location"]) == (302, "http://example.invalid" + SECTION)
    site.script("/a.chn", [faults.redirect("/b.chn")], repeat=True)
    site.script("/b.chn", [faults.redirect("/a.chn")], repeat=True)
    status, headers, _ = fetch(handle, "/b.chn")
    assert (status, headers["Location"]) == (302, "/a.chn")


def test_oversized_body(handle, site):
    whole = len(fetch(handle, SECTION)[2])
    site.script(SECTION, [faults.oversized(3_000_000), faults.oversized(whole + 1)])
    status, headers, body = fetch(handle, SECTION)
    assert status == 200 and len(body) >= 3_000_000
    assert int(headers["Content-Length"]) == len(body)
    assert len(fetch(handle, SECTION)[2]) >= whole + 1


def test_wrong_charset_declares_latin1_for_utf8_bytes(handle, site):
    site.script(SECTION, [faults.wrong_charset()])
    _, headers, body = fetch(handle, SECTION)
    assert headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert "Doanh nghiệp" in body.decode("utf-8")


def test_empty_timeline_fragment_in_the_middle(handle, site):
    site.script("/timelinelist/18836/2.chn", [faults.empty()])
    status, _, body = fetch(handle, "/timelinelist/18836/2.chn")
    assert (status, body) == (200, b"")
    assert b"tlitem" in fetch(handle, "/timelinelist/18836/2.chn")[2]


def test_malformed_html_keeps_the_content(handle, site):
    article = site.article(0)
    site.script(article.path, [faults.malformed_html()])
    _, _, body = fetch(handle, article.path)
    assert b"</body>" not in body and body.count(b"</p>") < fetch(handle, article.path)[2].count(
        b"</p>"
    )
    page = Selector(text=body.decode("utf-8"))
    assert " ".join(page.css('h1[data-role="title"]::text').get().split()) == article.title
    content = " ".join(" ".join(page.css('[data-role="content"] ::text').getall()).split())
    for paragraph in article.story.paragraphs:
        assert " ".join(paragraph.split()) in content


def test_bad_json_ld_is_not_json(handle, site):
    article = site.article(0)
    site.script(article.path, [faults.bad_json_ld()])
    _, _, body = fetch(handle, article.path)
    blocks = Selector(text=body.decode("utf-8")).css('script[type="application/ld+json"]::text')
    damaged = blocks[0].get()
    unquoted = damaged.replace('"headline": ""', '"headline": "', 1)
    uncomma = re.sub(r",\s*}\s*$", "}", damaged)
    for text in (damaged, unquoted, uncomma):  # an unescaped quote, and a trailing comma
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
    assert json.loads(re.sub(r",\s*}\s*$", "}", unquoted))["headline"] == article.title
    assert json.loads(blocks[1].get())["@type"] == "BreadcrumbList"


def test_junk_items_link_javascript_and_off_site(handle, site):
    site.script(SECTION, [faults.junk_items()])
    _, _, body = fetch(handle, SECTION)
    hrefs = Selector(text=body.decode("utf-8")).css(
        "div.listchungkhoannew div.tlitem.box-category-item[data-id] h3 > a::attr(href)"
    )
    assert hrefs.getall()[:2] == [
        "javascript:;",
        "https://example.invalid/tin-tai-tro-188990101000000003.chn",
    ]


def test_extra_items_come_first_with_their_listing_time_when_given(handle, site):
    item = ("188990101000000001", "/tin-188990101000000001.chn", "Tin")
    site.script(SECTION, [faults.extra_items([item], listed_at="2026-03-07T10:00:00")])
    _, _, body = fetch(handle, SECTION)
    first = Selector(text=body.decode("utf-8")).css("div.tlitem.box-category-item[data-id]")[0]
    assert first.attrib["data-id"] == item[0]
    assert first.css("span.time.time-ago::attr(title)").get() == "2026-03-07T10:00:00"


def test_global_soft_block_every_nth_and_for_a_while(handle, site, monkeypatch):
    site.soft_block_every(3)
    served = [b"hdZoneId" in fetch(handle, site.article(0).path)[2] for _ in range(6)]
    assert served == [True, True, False, True, True, False]
    site.soft_block_every(2)
    served = [b"hdZoneId" in fetch(handle, site.article(0).path)[2] for _ in range(4)]
    assert served == [True, False, True, False]
    site.soft_block_off()
    # The replica's clock moves by hand: a fetch a busy machine makes late is still inside.
    clock = [1000.0]
    monkeypatch.setattr(site_module, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    site.soft_block_all(seconds=0.3)
    clock[0] += 0.29
    assert fetch(handle, SECTION)[2].decode("utf-8") == SOFT_BLOCK_PAGE
    clock[0] += 0.02
    assert b"hdZoneId" in fetch(handle, SECTION)[2]


def test_soft_blocked_article_always_gets_the_rate_limit_page():
    site = ReplicaSite(articles=5, soft_block={1})
    with serve(site) as running:
        for _ in range(2):
            status, _, body = fetch(running, site.article(1).path)
            assert status == 200 and b"data-role" not in body


def test_nfd_text_is_decomposed_on_the_wire():
    site = ReplicaSite(articles=5, nfd={2})
    article = site.article(2)
    with serve(site) as running:
        _, _, body = fetch(running, article.path)
    assert unicodedata.normalize("NFD", article.story.title).encode("utf-8") in body
    assert article.story.title.encode("utf-8") not in body


def test_publish_while_serving_shows_on_page_one(handle, site):
    new = site.publish(3)
    _, _, body = fetch(handle, SECTION)
    page = Selector(text=body.decode("utf-8"))
    focus = page.css("div.list-focus-main h2 > a::attr(href), div.cate-hl-row2 h3 > a::attr(href)")
    assert focus.getall() == [a.path for a in new]


def test_a_path_answered_with_another_paths_page_or_its_stream_items(handle, site):
    article, other = site.article(2), site.article(5)
    site.script(article.path, [faults.page_of(other.path)])
    assert fetch(handle, article.path)[2] == fetch(handle, other.path)[2]
    past_the_end = "/timelinelist/18836/3.chn"  # 30 articles: page 2 is the last
    site.script(past_the_end, [faults.items_of(SECTION)])
    body = fetch(handle, past_the_end)[2].decode("utf-8")
    page_1_stream = [a.article_id for a in site.listing()[3:23]]
    assert re.findall(r'data-id="(\d+)"', body) == page_1_stream and "<html" not in body
