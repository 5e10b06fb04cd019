"""Compressed bodies that stop short: Scrapy decompresses as much as came, without a word.

`CompressedBodyMiddleware` flags such a response `COMPRESSED_CUT_SHORT_FLAG`, and
`newsscraper.middlewares.is_cut_short` has it retried as a body cut short.
"""

from __future__ import annotations

import sys
import zlib

try:
    import brotli
except ImportError:  # Scrapy decodes br with either
    import brotlicffi as brotli
if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

COMPRESSED_CUT_SHORT_FLAG = "compressed_cut_short"


class CompressedBodyMiddleware:
    """Flags a response whose compressed body (Content-Encoding gzip, deflate, br or zstd)
    stops before the end of its stream, or is not that stream at all.

    Scrapy decompresses such a body into as much of the page as it holds, without a word: a
    cache or proxy that stored a cut copy, under a Content-Length for what it kept, would hand
    the crawl an article cut mid-sentence, or a listing without its last entries. Numbered
    above Scrapy's HttpCompressionMiddleware, so it sees the body before it is decompressed;
    PoliteRetryMiddleware retries a flagged response as a body cut short.
    """

    def __init__(self, max_size: int = 0):
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(self, request, response, spider=None):
        encodings = [
            encoding.strip().lower()
            for header in response.headers.getlist("Content-Encoding")
            for encoding in header.split(b",")
        ]
        # The last encoding applied is the first undone: a cut stops its stream first. An
        # empty body has nothing to decompress (a HEAD, an empty fragment sent as it is).
        if (
            not encodings
            or not response.body
            or stream_is_whole(response.body, encodings[-1], self.max_size)
        ):
            return response
        # Passed on with no body to decompress: Scrapy's HttpCompressionMiddleware raises on a
        # stream that gives not one byte (a gzip cut inside its header, a body that is no gzip
        # at all), and that error would go past the retry middleware to the spider, the page
        # given up at once. Flagged, the body is never read as the page anyway.
        headers = response.headers.copy()
        del headers["Content-Encoding"]
        return response.replace(
            body=b"", headers=headers, flags=[*response.flags, COMPRESSED_CUT_SHORT_FLAG]
        )


_DECOMPRESS_CHUNK = 65536  # bytes of output at a time: a check never holds the whole page


def stream_is_whole(body: bytes, encoding: bytes, max_size: int = 0) -> bool:
    """True when `body` is a whole `encoding` stream (every gzip member, or zstd frame, to its
    end); True also for an encoding that is not decompressed here (Scrapy leaves it as is),
    and once more than `max_size` bytes (0: no limit) came out: Scrapy drops such a body as
    too large (DOWNLOAD_MAXSIZE), and a small bomb is not decompressed whole to say so."""
    output = _Output(max_size)
    try:
        if encoding in (b"gzip", b"x-gzip"):
            return _zlib_members_whole(body, output, wbits=31, magic=b"\x1f\x8b")
        if encoding == b"deflate":
            try:
                return _zlib_members_whole(body, output, wbits=15)
            except zlib.error:  # raw deflate, as some servers send it
                return _zlib_members_whole(body, _Output(max_size), wbits=-15)
        if encoding == b"br":
            decompressor = brotli.Decompressor()
            chunk = decompressor.process(body, output_buffer_limit=_DECOMPRESS_CHUNK)
            while chunk and not decompressor.is_finished():
                if output.too_much(chunk):
                    return True
                chunk = decompressor.process(b"", output_buffer_limit=_DECOMPRESS_CHUNK)
            return decompressor.is_finished()
        if encoding == b"zstd":
            return _zstd_frames_whole(body, output)
    except Exception:  # corrupt data: the stream does not end where it should
        return False
    return True


class _Output:
    """How much a check has decompressed, against the most a response may hold."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self.size = 0

    def too_much(self, chunk: bytes) -> bool:
        self.size += len(chunk)
        return 0 < self.max_size < self.size


def _zlib_members_whole(body: bytes, output: _Output, wbits: int, magic: bytes | None = None):
    """Each member of `body` (gzip: several, each starting with `magic`) runs to its end."""
    while True:
        decompressor = zlib.decompressobj(wbits)
        chunk = decompressor.decompress(body, _DECOMPRESS_CHUNK)
        # On while it gives output (some may wait behind a full chunk) or has input left.
        while not decompressor.eof and (chunk or decompressor.unconsumed_tail):
            if output.too_much(chunk):
                return True
            chunk = decompressor.decompress(decompressor.unconsumed_tail, _DECOMPRESS_CHUNK)
        if not decompressor.eof:
            return False
        body = decompressor.unused_data
        if magic is None or not body.startswith(magic):
            return True  # trailing bytes that start no member are ignored, as Scrapy does


def _zstd_frames_whole(body: bytes, output: _Output) -> bool:
    """Each frame of `body` runs to its end."""
    while True:
        decompressor = zstd.ZstdDecompressor()
        chunk = decompressor.decompress(body, _DECOMPRESS_CHUNK)
        while not decompressor.eof and not decompressor.needs_input:
            if output.too_much(chunk):
                return True
            chunk = decompressor.decompress(b"", _DECOMPRESS_CHUNK)
        if not decompressor.eof:
            return False
        body = decompressor.unused_data
        if not body.startswith(b"\x28\xb5\x2f\xfd"):
            return True
