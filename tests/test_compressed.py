import gzip
import hashlib
import zlib

import pytest
from scrapy import Request
from scrapy.http import Response

from newsscraper.compressed import (
    COMPRESSED_CUT_SHORT_FLAG,
    CompressedBodyMiddleware,
    TooLarge,
    brotli,
    layers_are_whole,
    stream_is_whole,
    zstd,
)
from newsscraper.cut_short import cut_short_reason

PAGE = " ".join(f"trang {n} của bài viết" for n in range(4000)).encode()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-15)
    return compressor.compress(data) + compressor.flush()


# Every form a whole body arrives in: each must be read as whole, or every page of a site
# sending it would be retried as cut short.
WHOLE = {
    "gzip": (b"gzip", gzip.compress(PAGE)),
    "x-gzip": (b"x-gzip", gzip.compress(PAGE)),
    "gzip, two members": (b"gzip", gzip.compress(PAGE[:5000]) + gzip.compress(PAGE[5000:])),
    "gzip, padded with zeros": (b"gzip", gzip.compress(PAGE) + b"\0" * 8),
    "deflate, zlib-wrapped": (b"deflate", zlib.compress(PAGE)),
    "deflate, raw": (b"deflate", raw_deflate(PAGE)),
    "br": (b"br", brotli.compress(PAGE)),
    "zstd": (b"zstd", zstd.compress(PAGE)),
    "zstd, two frames": (b"zstd", zstd.compress(PAGE[:5000]) + zstd.compress(PAGE[5000:])),
    "an encoding not decoded here": (b"compress", b"\x1f\x9d anything"),
}


@pytest.mark.parametrize("form", WHOLE)
def test_a_whole_stream_is_whole(form):
    encoding, body = WHOLE[form]
    assert stream_is_whole(body, encoding)


@pytest.mark.parametrize("form", [form for form in WHOLE if form != "an encoding not decoded here"])
def test_a_stream_cut_anywhere_is_not_whole(form):
    encoding, body = WHOLE[form]
    if form == "gzip, padded with zeros":
        body = body[:-8]
    for cut in (1, 10, len(body) // 3, len(body) // 2, len(body) - 9, len(body) - 1):
        assert not stream_is_whole(body[:cut], encoding), cut


def test_bytes_that_are_not_the_stream_are_not_whole():
    assert not stream_is_whole(PAGE, b"gzip")
    assert not stream_is_whole(PAGE, b"deflate")
    # Nor is a zlib stream labelled gzip: Scrapy's gunzip raises on it.
    assert not stream_is_whole(zlib.compress(PAGE), b"gzip")
    # Scrapy inflates deflate as zlib-wrapped or raw, never gzip: a gzip body labelled
    # deflate is an error of decompression there.
    assert not stream_is_whole(gzip.compress(PAGE), b"deflate")
    assert not stream_is_whole(PAGE, b"br")
    assert not stream_is_whole(PAGE, b"zstd")


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "deflate, raw", "br", "zstd"])
def test_a_body_past_download_maxsize_is_not_decompressed_whole_to_judge_it(encoding):
    # Dropped as too large; a few KB of zeros that come out as 64 MB are left to it.
    compress = {
        "gzip": gzip.compress,
        "deflate": zlib.compress,
        "deflate, raw": raw_deflate,
        "br": brotli.compress,
        "zstd": zstd.compress,
    }[encoding]
    bomb = compress(b"\0" * (64 * 1024 * 1024))
    cut = bomb[: len(bomb) * 3 // 4]
    content_encoding = encoding.split(",")[0].encode()
    assert not stream_is_whole(cut, content_encoding)  # no limit: read to where it stops
    with pytest.raises(TooLarge) as too_large:
        stream_is_whole(cut, content_encoding, max_size=1024 * 1024)
    assert too_large.value.size <= 1024 * 1024 + 65536  # one chunk past the limit, no more


def test_a_raw_deflate_stream_whose_last_bytes_come_out_past_a_full_chunk_is_whole():
    # Raw deflate has no trailer: every byte of it can be read while what it says still waits
    # to come out behind a full chunk. Judged by that alone, a page of more than 64 KB sent so
    # would be taken for one cut short, and retried run after run.
    body = raw_deflate(b"a" * 65537)
    decompressor = zlib.decompressobj(-15)
    assert len(decompressor.decompress(body, 65536)) == 65536
    assert (decompressor.unconsumed_tail, decompressor.eof) == (b"", False)
    assert stream_is_whole(body, b"deflate")
    assert not stream_is_whole(body[:-1], b"deflate")


@pytest.mark.parametrize("form", ["gzip", "deflate, zlib-wrapped", "deflate, raw", "br", "zstd"])
def test_a_whole_stream_is_too_large_only_past_download_maxsize(form):
    # Scrapy drops only a body larger than DOWNLOAD_MAXSIZE, down to a limit of one byte.
    encoding, body = WHOLE[form]
    assert stream_is_whole(body, encoding, max_size=len(PAGE))
    for max_size in (len(PAGE) - 1, 1):
        with pytest.raises(TooLarge):
            stream_is_whole(body, encoding, max_size=max_size)


def test_a_body_dropped_as_too_large_is_logged_with_its_sizes(caplog):
    from scrapy.exceptions import IgnoreRequest

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    body = gzip.compress(PAGE)
    request = Request(url)
    response = Response(url, body=body, headers={"Content-Encoding": b"gzip"}, request=request)
    with caplog.at_level("WARNING", logger="newsscraper.compressed"), pytest.raises(IgnoreRequest):
        CompressedBodyMiddleware(max_size=1000).process_response(request, response)
    [record] = caplog.records
    assert record.levelname == "WARNING"
    assert record.getMessage() == (
        f"Ignored response <200 {url}> because its body ({len(body)} B compressed, 65536 B "
        "decompressed so far) exceeded DOWNLOAD_MAXSIZE (1000 B) during decompression."
    )


def test_a_flagged_response_keeps_the_flags_it_came_with():
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    body = gzip.compress(PAGE)[:100]
    response = Response(url, body=body, headers={"Content-Encoding": b"gzip"}, flags=["cached"])
    response = CompressedBodyMiddleware().process_response(Request(url), response)
    assert response.flags == ["cached", COMPRESSED_CUT_SHORT_FLAG]
    assert (response.body, response.headers.get("Content-Encoding")) == (b"", None)


def test_the_middleware_judges_with_the_crawls_download_maxsize():
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": 12345})
    assert CompressedBodyMiddleware.from_crawler(crawler).max_size == 12345


def test_the_middleware_judges_with_a_requests_own_download_maxsize_as_scrapy_does():
    from scrapy.exceptions import IgnoreRequest

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    body = gzip.compress(PAGE)
    middleware = CompressedBodyMiddleware(max_size=len(PAGE))  # the whole page fits
    request = Request(url, meta={"download_maxsize": len(PAGE) - 1})
    response = Response(url, body=body, headers={"Content-Encoding": b"gzip"}, request=request)
    with pytest.raises(IgnoreRequest, match=rf"exceeded DOWNLOAD_MAXSIZE \({len(PAGE) - 1} B\)"):
        middleware.process_response(request, response)
    request = Request(url, meta={"download_maxsize": len(PAGE)})
    response = Response(url, body=body, headers={"Content-Encoding": b"gzip"}, request=request)
    assert CompressedBodyMiddleware(max_size=1000).process_response(request, response) is response


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "zstd"])
def test_a_robots_txt_decompressed_past_its_read_limit_is_read_up_to_it_and_no_further(
    encoding, monkeypatch
):
    # A bomb of 13 MB: its first 1000 B passed on decompressed, as a plain one is read.
    import newsscraper.compressed
    from newsscraper.compressed import DECOMPRESSED_MAXSIZE_META, DECOMPRESSED_UP_TO_FLAG

    came = []

    class CountedOutput(newsscraper.compressed._KeptOutput):
        def add(self, chunk: bytes) -> None:
            came.append(self.size)  # what came out before this chunk
            super().add(chunk)

    monkeypatch.setattr(newsscraper.compressed, "_KeptOutput", CountedOutput)
    text = b"Disallow: /x\n" * 1_000_000
    url = "http://127.0.0.1:8123/robots.txt"
    request = Request(url, meta={DECOMPRESSED_MAXSIZE_META: 1000, "download_maxsize": 0})
    headers = {"Content-Encoding": encoding.encode()}
    body = COMPRESS[encoding](text)
    response = Response(url, body=body, headers=headers, request=request)
    read = CompressedBodyMiddleware(max_size=len(text)).process_response(request, response)
    assert read.body == text[:1000]
    assert DECOMPRESSED_UP_TO_FLAG in read.flags and "Content-Encoding" not in read.headers
    assert max(came) <= 1000  # no chunk once past the limit: one chunk past it, no more
    # Within the limit, it is left for Scrapy to decompress; cut short within it, retried.
    within = COMPRESS[encoding](text[:999])
    response = Response(url, body=within, headers=headers)
    assert CompressedBodyMiddleware().process_response(request, response) is response
    response = Response(url, body=within[: len(within) // 2], headers=headers)
    read = CompressedBodyMiddleware().process_response(request, response)
    assert read.flags == [COMPRESSED_CUT_SHORT_FLAG] and read.body == b""
    # Unless its download was stopped there, at the read limit on the wire: read as far as it
    # goes (lines of hashes: a stream that gives its first 200 kB before its end).
    text = b"".join(b"%s\n" % hashlib.sha256(b"%d" % n).hexdigest().encode() for n in range(3000))
    request = request.replace(meta={DECOMPRESSED_MAXSIZE_META: 1_000_000})
    stopped = Response(
        url, body=COMPRESS[encoding](text)[:-100], headers=headers, flags=["download_stopped"]
    )
    read = CompressedBodyMiddleware().process_response(request, stopped)
    assert 0 < len(read.body) < len(text) and text.startswith(read.body)
    assert read.flags == ["download_stopped", DECOMPRESSED_UP_TO_FLAG]


def test_a_robots_txt_stopped_at_its_read_limit_that_decompresses_to_nothing_is_cut_short():
    # Named gzip, sent plain: not one byte of it is the stream; retried, never read as rules.
    from newsscraper.compressed import DECOMPRESSED_MAXSIZE_META

    url = "http://127.0.0.1:8123/robots.txt"
    request = Request(url, meta={DECOMPRESSED_MAXSIZE_META: 1000, "download_maxsize": 0})
    stopped = Response(
        url,
        body=b"User-agent: *\nDisallow: /x\n" * 100,
        headers={"Content-Encoding": b"gzip"},
        flags=["download_stopped"],
    )
    read = CompressedBodyMiddleware().process_response(request, stopped)
    assert read.flags == ["download_stopped", COMPRESSED_CUT_SHORT_FLAG] and read.body == b""
    assert cut_short_reason(request, read) == "body cut short"


def flagged(body: bytes, content_encoding: bytes | None) -> bool:
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    headers = {"Content-Encoding": content_encoding} if content_encoding is not None else {}
    response = Response(url, body=body, headers=headers, request=Request(url))
    response = CompressedBodyMiddleware().process_response(response.request, response)
    return COMPRESSED_CUT_SHORT_FLAG in response.flags


# gzip applied first, then br: br is the first undone, so the first whose end is checked.
GZIP_THEN_BR = brotli.compress(gzip.compress(PAGE))


@pytest.mark.parametrize("header", [b"gzip, br", b"gzip,br", b"GZIP, Br", b"identity, gzip , br"])
def test_the_middleware_reads_the_encodings_named_however_they_are_written(header):
    assert not flagged(GZIP_THEN_BR, header)
    assert flagged(GZIP_THEN_BR[: len(GZIP_THEN_BR) // 2], header)
    assert flagged(brotli.compress(gzip.compress(PAGE)[:-9]), header)


def through_both(body: bytes, content_encoding: bytes, max_size: int = 0):
    """`body` under `content_encoding` through our middleware, then Scrapy's decompression, in
    the order Scrapy calls them: the highest number first."""
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": max_size})
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    request = Request(url)
    response = Response(url, body=body, headers={"Content-Encoding": content_encoding})
    response = CompressedBodyMiddleware.from_crawler(crawler).process_response(request, response)
    return HttpCompressionMiddleware.from_crawler(crawler).process_response(request, response)


# Several codings, an inner one cut short or not its stream at all: Scrapy undoes them all,
# raising at such a layer (an error that would go past the retry middleware to the spider),
# or passing on what came out of a cut one as a shorter page.
INNER_LAYER_NOT_WHOLE = {
    "gzip, gzip over a body gzipped once": (b"gzip, gzip", gzip.compress(PAGE)),
    "deflate, gzip, the inner layer no deflate": (b"deflate, gzip", gzip.compress(PAGE)),
    "deflate, gzip, the inner layer gzip": (
        b"deflate, gzip",
        gzip.compress(gzip.compress(PAGE)),
    ),
    "zstd, gzip, zeros after the inner frame": (
        b"zstd, gzip",
        gzip.compress(zstd.compress(PAGE) + b"\0" * 8),
    ),
    "br, gzip, the inner stream cut": (
        b"br, gzip",
        gzip.compress(brotli.compress(PAGE)[: len(brotli.compress(PAGE)) // 2]),
    ),
    "gzip, gzip, the inner stream cut": (
        b"gzip, gzip",
        gzip.compress(gzip.compress(PAGE)[: len(gzip.compress(PAGE)) // 2]),
    ),
    "gzip, gzip, the inner stream cut before its checksum": (
        b"gzip, gzip",
        gzip.compress(gzip.compress(PAGE)[:-8]),
    ),
    "gzip, br, x-gzip, the middle layer cut": (
        b"gzip, br, x-gzip",
        gzip.compress(brotli.compress(gzip.compress(PAGE))[:-5]),
    ),
}


@pytest.mark.parametrize("form", INNER_LAYER_NOT_WHOLE)
def test_an_inner_layer_cut_short_or_not_its_stream_is_flagged_not_an_error(form):
    content_encoding, body = INNER_LAYER_NOT_WHOLE[form]
    decompressed = through_both(body, content_encoding)
    assert COMPRESSED_CUT_SHORT_FLAG in decompressed.flags
    assert decompressed.body == b""


@pytest.mark.parametrize(
    "content_encoding, body",
    [
        (b"gzip, br", brotli.compress(gzip.compress(PAGE))),
        (b"gzip, gzip", gzip.compress(gzip.compress(PAGE))),
        (b"br, zstd, deflate", zlib.compress(zstd.compress(brotli.compress(PAGE)))),
        (b"gzip, gzip", gzip.compress(gzip.compress(PAGE[:5000]) + gzip.compress(PAGE[5000:]))),
    ],
    ids=["gzip then br", "gzip twice", "br, zstd then deflate", "gzip of two members, gzip"],
)
def test_a_whole_body_of_several_layers_reaches_the_page(content_encoding, body):
    decompressed = through_both(body, content_encoding)
    assert COMPRESSED_CUT_SHORT_FLAG not in decompressed.flags
    assert decompressed.body == PAGE
    assert b"Content-Encoding" not in decompressed.headers


def test_layers_are_checked_with_no_size_limit_unless_given_one():
    body = brotli.compress(gzip.compress(PAGE))  # `gzip, br`: br undone first
    assert layers_are_whole(body, [b"br", b"gzip"])
    with pytest.raises(TooLarge):
        layers_are_whole(body, [b"br", b"gzip"], max_size=len(PAGE) - 1)


def test_layers_scrapy_leaves_undone_are_not_checked():
    # Scrapy undoes the gzip named last, then stops at `compress`: the gzip named first is
    # never undone, so what lies under `compress` is not read as a gzip stream.
    body = gzip.compress(b"\x1f\x9d not gzip")
    decompressed = through_both(body, b"gzip, compress, gzip")
    assert COMPRESSED_CUT_SHORT_FLAG not in decompressed.flags
    assert decompressed.body == b"\x1f\x9d not gzip"


def test_one_coding_is_checked_without_keeping_what_comes_out(monkeypatch):
    # Nearly every response: one pass over its stream, nothing decompressed twice or held.
    import newsscraper.compressed

    def kept_output(max_size):
        raise AssertionError("kept the output of a single coding")

    monkeypatch.setattr(newsscraper.compressed, "_KeptOutput", kept_output)
    for content_encoding in (b"gzip", b"compress, gzip", b"gzip, identity"):
        decompressed = through_both(gzip.compress(PAGE), content_encoding)
        assert COMPRESSED_CUT_SHORT_FLAG not in decompressed.flags
    assert flagged(gzip.compress(PAGE)[:-9], b"gzip")


@pytest.mark.parametrize(
    "content_encoding, body",
    [
        (b"gzip, br", brotli.compress(gzip.compress(PAGE))),
        (b"gzip, gzip", gzip.compress(gzip.compress(PAGE))),
        (b"gzip, gzip", gzip.compress(gzip.compress(PAGE)[:-8])),
    ],
    ids=["gzip then br", "gzip twice", "gzip twice, the inner stream cut"],
)
def test_a_body_of_several_layers_that_comes_out_past_download_maxsize_is_dropped_here(
    content_encoding, body, caplog
):
    # Its outer layer comes out well under the limit: only the last one passes it.
    from scrapy.exceptions import IgnoreRequest
    from twisted.python.failure import Failure

    from newsscraper.spiders.cafef import permanent_failure

    max_size = len(PAGE) - 1000
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    request = Request(url)
    response = Response(url, body=body, headers={"Content-Encoding": content_encoding})
    with (
        caplog.at_level("WARNING", logger="newsscraper.compressed"),
        pytest.raises(IgnoreRequest) as dropped,
    ):
        CompressedBodyMiddleware(max_size=max_size).process_response(request, response)
    [record] = caplog.records
    assert record.getMessage() == str(dropped.value)
    assert f"({len(body)} B compressed, " in str(dropped.value)
    assert f"exceeded DOWNLOAD_MAXSIZE ({max_size} B)" in str(dropped.value)
    failure = Failure(dropped.value)
    failure.request = request
    assert permanent_failure(failure) == "response_too_large"


def test_the_middleware_flags_a_cut_body_whatever_the_case_of_its_encoding():
    body = gzip.compress(PAGE)
    assert not flagged(body, b"GZIP")
    assert flagged(body[: len(body) // 2], b"GZIP")


@pytest.mark.parametrize(
    "body",
    [gzip.compress(PAGE)[:10], gzip.compress(PAGE)[:30], PAGE],
    ids=["gzip header only", "gzip cut before its first byte out", "plain, said to be gzip"],
)
def test_a_flagged_body_reaches_the_retry_middleware_not_an_error_of_decompression(body):
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.utils.test import get_crawler

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    response = Response(url, body=body, headers={"Content-Encoding": b"gzip"})
    response = CompressedBodyMiddleware().process_response(Request(url), response)
    assert COMPRESSED_CUT_SHORT_FLAG in response.flags
    # Next in the chain: Scrapy's decompression, which raised on these bodies.
    scrapy_middleware = HttpCompressionMiddleware.from_crawler(get_crawler())
    decompressed = scrapy_middleware.process_response(Request(url), response)
    assert COMPRESSED_CUT_SHORT_FLAG in decompressed.flags


ZSTD_SKIPPABLE_FRAME = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"abcd"


@pytest.mark.parametrize(
    "tail, whole",
    [(b"\0" * 8, False), (b"hello", False), (ZSTD_SKIPPABLE_FRAME, True)],
    ids=["padded with zeros", "other bytes", "a skippable frame"],
)
def test_a_zstd_stream_followed_by_bytes_that_start_no_frame_is_flagged_not_an_error(tail, whole):
    # Scrapy's zstd decoder, unlike its gzip one, raises on them: passed on, the error would
    # go past the retry middleware to the spider. A skippable frame it reads past.
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.utils.test import get_crawler

    body = zstd.compress(PAGE) + tail
    assert stream_is_whole(body, b"zstd") is whole
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    response = Response(url, body=body, headers={"Content-Encoding": b"zstd"})
    response = CompressedBodyMiddleware().process_response(Request(url), response)
    scrapy_middleware = HttpCompressionMiddleware.from_crawler(get_crawler())
    decompressed = scrapy_middleware.process_response(Request(url), response)
    assert (COMPRESSED_CUT_SHORT_FLAG in decompressed.flags) is not whole
    assert decompressed.body == (PAGE if whole else b"")
    # The retry, and the page pending once they are used up, say so, not "body cut short".
    reason = cut_short_reason(Request(url, meta={"cafef_page": "article"}), decompressed)
    assert reason == (None if whole else f"zstd body followed by {len(tail)} bytes no frame starts")
    # A body cut inside its second frame is cut short, its bytes a frame's start.
    cut = zstd.compress(PAGE) + zstd.compress(PAGE)[:-5]
    response = Response(url, body=cut, headers={"Content-Encoding": b"zstd"})
    response = CompressedBodyMiddleware().process_response(Request(url), response)
    assert cut_short_reason(Request(url), response) == "body cut short"


@pytest.mark.parametrize(
    "header", [b"gzip, identity", b"identity, gzip", b"gzip,", b"Identity, gzip , IDENTITY"]
)
def test_identity_or_an_empty_name_in_content_encoding_leaves_the_rest_undone(header):
    # Scrapy's decompression stops at `identity` or an empty name: the page would stay gzipped.
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.utils.test import get_crawler

    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    response = Response(url, body=gzip.compress(PAGE), headers={"Content-Encoding": header})
    response = CompressedBodyMiddleware().process_response(Request(url), response)
    assert COMPRESSED_CUT_SHORT_FLAG not in response.flags
    scrapy_middleware = HttpCompressionMiddleware.from_crawler(get_crawler())
    decompressed = scrapy_middleware.process_response(Request(url), response)
    assert decompressed.body == PAGE
    assert b"Content-Encoding" not in decompressed.headers


def test_identity_alone_in_content_encoding_is_no_encoding():
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    response = Response(url, body=PAGE, headers={"Content-Encoding": b"identity"})
    response = CompressedBodyMiddleware().process_response(Request(url), response)
    assert response.body == PAGE and b"Content-Encoding" not in response.headers


def test_the_middleware_passes_a_body_that_is_not_compressed_or_empty():
    assert not flagged(PAGE[:1000], None)
    assert not flagged(b"", b"gzip")
    assert not flagged(gzip.compress(b""), b"gzip, gzip")  # an outer layer holding nothing


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_a_stream_cut_where_it_came_out_as_download_maxsize_is_not_whole(encoding):
    # Scrapy keeps a body of DOWNLOAD_MAXSIZE bytes, dropping only a larger one: a cut stream
    # that came out as exactly that much is a page cut short, not a body too large to judge.
    compress, decompress = {
        "gzip": (gzip.compress, lambda data: zlib.decompressobj(31).decompress(data)),
        "deflate": (zlib.compress, lambda data: zlib.decompressobj().decompress(data)),
        "br": (brotli.compress, lambda data: brotli.Decompressor().process(data)),
    }[encoding]
    whole = compress(PAGE[:20000])
    cut = whole[: len(whole) // 2]
    came_out = len(decompress(cut))
    assert 0 < came_out < 20000
    assert not stream_is_whole(cut, encoding.encode(), max_size=came_out)


def came_out(body: bytes, encoding: str) -> int:
    """Bytes a whole decoder gets out of `body` before it stops (each member or frame)."""
    size = 0
    while body:
        if encoding == "br":
            # One call gives at most a buffer's worth of a cut stream: ask until none comes.
            decompressor = brotli.Decompressor()
            chunk = decompressor.process(body)
            size = len(chunk)
            while chunk and not decompressor.is_finished():
                chunk = decompressor.process(b"")
                size += len(chunk)
            return size
        if encoding == "zstd":
            decompressor = zstd.ZstdDecompressor()
        else:
            decompressor = zlib.decompressobj(31 if encoding == "gzip" else 15)
        size += len(decompressor.decompress(body))
        if not decompressor.eof or encoding == "deflate":
            return size
        body = decompressor.unused_data
    return size


BIG_PAGE = " ".join(f"trang {n} của bài viết" for n in range(16000)).encode()
COMPRESS = {"gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress}
COMPRESS["zstd"] = zstd.compress
# Cut short and too large at once: what came out of the cut stream passes DOWNLOAD_MAXSIZE,
# in its first chunk, in the chunk that ends a whole member or frame, or in its last one.
CUT_AND_TOO_LARGE = {
    **{
        f"{encoding}, cut in the middle": (
            encoding,
            compress(BIG_PAGE)[: len(compress(BIG_PAGE)) // 2],
        )
        for encoding, compress in COMPRESS.items()
    },
    **{
        f"{encoding}, cut within its first chunk": (
            encoding,
            compress(PAGE[:20000])[: len(compress(PAGE[:20000])) // 2],
        )
        for encoding, compress in COMPRESS.items()
        if encoding != "zstd"  # a cut zstd block gives nothing at all
    },
    **{
        f"{encoding}, a whole member then one cut": (
            encoding,
            compress(PAGE[:5000]) + compress(PAGE[5000:])[:40],
        )
        for encoding, compress in COMPRESS.items()
        if encoding in ("gzip", "zstd")
    },
}


@pytest.mark.parametrize("form", CUT_AND_TOO_LARGE)
@pytest.mark.parametrize("below", [1, 1000])
def test_a_cut_stream_that_came_out_past_download_maxsize_is_dropped_as_too_large(form, below):
    # It can never be stored, whatever else is wrong with it: a final reject for the spider
    # (response_too_large), not a page cut short that is retried and asked for run after run.
    from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils.test import get_crawler
    from twisted.python.failure import Failure

    from newsscraper.spiders.cafef import permanent_failure

    encoding, body = CUT_AND_TOO_LARGE[form]
    max_size = came_out(body, encoding) - below
    assert max_size > 0
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": max_size})
    url = "http://127.0.0.1:8123/bai-viet-188260704171525847.chn"
    request = Request(url)
    response = Response(url, body=body, headers={"Content-Encoding": encoding}, request=request)
    with pytest.raises(IgnoreRequest) as dropped:
        # In the order Scrapy calls them: the highest number first.
        response = CompressedBodyMiddleware.from_crawler(crawler).process_response(
            request, response
        )
        HttpCompressionMiddleware.from_crawler(crawler).process_response(request, response)
    failure = Failure(dropped.value)
    failure.request = request
    assert permanent_failure(failure) == "response_too_large"
    assert f"exceeded DOWNLOAD_MAXSIZE ({max_size} B)" in str(dropped.value)


# The outer layer (the first undone) cut short, what came out of it an inner stream that is
# whole: the body is cut all the same, and never passed on as the page.
OUTER_LAYER_CUT = {
    "br, gzip, the gzip cut in its checksum": (
        b"br, gzip",
        gzip.compress(brotli.compress(PAGE))[:-4],
    ),
    "gzip, gzip, gzip, the outer gzip cut in its checksum": (
        b"gzip, gzip, gzip",
        gzip.compress(gzip.compress(gzip.compress(PAGE)))[:-4],
    ),
    "br, gzip, the gzip cut in its header, nothing out of it": (
        b"br, gzip",
        gzip.compress(brotli.compress(PAGE))[:5],
    ),
}


@pytest.mark.parametrize("form", OUTER_LAYER_CUT)
def test_an_outer_layer_cut_short_over_a_whole_inner_stream_is_flagged(form):
    content_encoding, body = OUTER_LAYER_CUT[form]
    assert flagged(body, content_encoding)
    decompressed = through_both(body, content_encoding)
    assert COMPRESSED_CUT_SHORT_FLAG in decompressed.flags
    assert decompressed.body == b""
