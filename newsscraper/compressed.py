"""Compressed bodies that stop short: Scrapy decompresses as much as came, without a word.

`CompressedBodyMiddleware` flags such a response `COMPRESSED_CUT_SHORT_FLAG`, and
`newsscraper.cut_short.is_cut_short` has it retried as a body cut short; one that comes out
larger than DOWNLOAD_MAXSIZE, cut short or not, it drops as too large (a robots.txt it reads up
to its read limit instead, `read_up_to`). Every coding named
that Scrapy undoes is checked: under `gzip, br`, the br stream, then the gzip one it holds.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import zlib

from scrapy.exceptions import IgnoreRequest

try:
    import brotli
except ImportError:  # Scrapy decodes br with either
    import brotlicffi as brotli
if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

COMPRESSED_CUT_SHORT_FLAG = "compressed_cut_short"
# Set with it on a zstd body whose frames are whole, followed by bytes that start no frame: the
# number of those bytes, as `zstd_stray_bytes=<n>`, for the retry and the log to say so.
ZSTD_STRAY_BYTES_FLAG = "zstd_stray_bytes="
# On a request whose body is read up to a limit rather than dropped past it (robots.txt, read
# past DOWNLOAD_MAXSIZE on the wire, its download stopped there): the most of it decompressed.
DECOMPRESSED_MAXSIZE_META = "newsscraper_decompressed_maxsize"
# Set on such a response whose body decompressed past that limit, or whose download was stopped
# inside its stream: its body is then the first bytes decompressed, up to the limit.
DECOMPRESSED_UP_TO_FLAG = "decompressed_up_to_limit"

logger = logging.getLogger(__name__)


class CompressedBodyMiddleware:
    """Flags a response whose compressed body (Content-Encoding gzip, deflate, br or zstd)
    stops before the end of its stream, or is not that stream at all; drops one that comes out
    larger than DOWNLOAD_MAXSIZE, cut short or not.

    Scrapy decompresses such a body into as much of the page as it holds, without a word: a
    cache or proxy that stored a cut copy, under a Content-Length for what it kept, would hand
    the crawl an article cut mid-sentence, or a listing without its last entries. Numbered
    above Scrapy's HttpCompressionMiddleware, so it sees the body before it is decompressed;
    PoliteRetryMiddleware retries a flagged response as a body cut short.

    Under several codings (`gzip, br`), each that Scrapy undoes is checked, the last named
    first, on what the one before it gave: a cut inner stream would otherwise come out as a
    shorter page, unflagged, and an inner one that is no such stream (a body gzipped once under
    `gzip, gzip`) would raise in Scrapy's decompression, an error that goes past the retry
    middleware to the spider. One coding, nearly every response, costs one pass and no copy.

    A body that comes out larger than DOWNLOAD_MAXSIZE is dropped here, with the words of
    Scrapy's HttpCompressionMiddleware (the spider rejects it as `response_too_large`): a page
    too large to store stays so however often it is asked for, also when its stream is cut
    too. Scrapy's own check is not left to say so: on a cut zstd stream it loses what the
    frame being read gave, and may pass on a cut page smaller than the limit, unflagged.
    """

    def __init__(self, max_size: int = 0):
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(self, request, response, spider=None):
        named = [
            encoding.strip().lower()
            for header in response.headers.getlist("Content-Encoding")
            for encoding in header.split(b",")
        ]
        encodings = [encoding for encoding in named if encoding not in NO_CODING]
        if len(encodings) != len(named):
            response = naming_only(response, encodings)
        # An empty body has nothing to decompress (a HEAD, an empty fragment sent as it is).
        if not encodings or not response.body:
            return response
        if DECOMPRESSED_MAXSIZE_META in request.meta:
            return read_up_to(response, encodings, request.meta[DECOMPRESSED_MAXSIZE_META])
        max_size = request.meta.get("download_maxsize", self.max_size)  # as Scrapy reads it
        try:
            # The last encoding applied is the first undone: a cut stops its stream first.
            if layers_are_whole(response.body, undone(encodings), max_size):
                return response
        except TooLarge as error:
            message = (
                f"Ignored response {response} because its body ({len(response.body)} B "
                f"compressed, {error.size} B decompressed so far) exceeded DOWNLOAD_MAXSIZE "
                f"({max_size} B) during decompression."
            )
            logger.warning(message)
            raise IgnoreRequest(message) from error
        return cut_short(response, encodings)


def cut_short(response, encodings: list[bytes]):
    """`response` flagged as a compressed body cut short, passed on with no body to
    decompress: Scrapy's HttpCompressionMiddleware raises on a stream that gives not one byte
    (a gzip cut inside its header, a body that is no gzip at all), and that error would go past
    the retry middleware to the spider, the page given up at once. Flagged, the body is never
    read as the page anyway."""
    flags = [*response.flags, COMPRESSED_CUT_SHORT_FLAG]
    stray = zstd_stray_bytes(response.body) if undone(encodings)[0] == b"zstd" else 0
    if stray:
        flags.append(f"{ZSTD_STRAY_BYTES_FLAG}{stray}")
    return naming_only(response, [], body=b"", flags=flags)


def read_up_to(response, encodings: list[bytes], max_size: int):
    """`response`, whose body is read up to `max_size` bytes decompressed (robots.txt, RFC
    9309, 2.5), as a plain body is read up to that many: one within it, whole, is passed on for
    Scrapy to decompress; one that comes out past it, or whose download was stopped inside its
    stream, is passed on decompressed, its first `max_size` bytes, flagged
    DECOMPRESSED_UP_TO_FLAG (no more than one chunk past them is ever decompressed: a small
    bomb stays small). Any other stream that stops short, or gives nothing, is cut short."""
    layers = undone(encodings)
    try:
        if layers_are_whole(response.body, layers, max_size):
            return response
        if "download_stopped" not in response.flags:
            return cut_short(response, encodings)
    except TooLarge:
        pass
    body = decompressed_prefix(response.body, layers, max_size)
    if not body:
        return cut_short(response, encodings)
    left = encodings[: len(encodings) - len(layers)]  # those Scrapy would not undo either
    flags = [*response.flags, DECOMPRESSED_UP_TO_FLAG]
    return naming_only(response, left, body=body, flags=flags)


def decompressed_prefix(body: bytes, encodings: list[bytes], max_size: int) -> bytes:
    """The first `max_size` bytes (or fewer: all there are) of `body` decompressed through
    `encodings` in turn, in the order they are undone, each layer read only as far as it gives
    them, and from a stream that stops short as far as it goes."""
    for encoding in encodings:
        output = _KeptOutput(max_size)
        with contextlib.suppress(TooLarge):
            _stream_is_whole(body, encoding, output)
        body = output.kept()[:max_size]
    return body


# `identity` changes nothing, and an empty name (`gzip,`) is none; Scrapy's
# HttpCompressionMiddleware stops undoing encodings at either, leaving a body gzipped under
# `gzip, identity` as it came.
NO_CODING = (b"identity", b"")


def naming_only(response, encodings: list[bytes], **changes):
    """`response` with its Content-Encoding naming only `encodings` (none: no header), and
    whatever else `changes` gives `replace`."""
    headers = response.headers.copy()
    del headers["Content-Encoding"]
    if encodings:
        headers["Content-Encoding"] = b", ".join(encodings)
    return response.replace(headers=headers, **changes)


# The codings Scrapy's HttpCompressionMiddleware undoes.
UNDONE = (b"gzip", b"x-gzip", b"deflate", b"br", b"zstd")


def undone(encodings: list[bytes]) -> list[bytes]:
    """The codings of `encodings` Scrapy undoes, in the order it does: from the last named,
    stopping at the first it does not know (`br, compress, gzip`: gzip only)."""
    layers = []
    for encoding in reversed(encodings):
        if encoding not in UNDONE:
            break
        layers.append(encoding)
    return layers


def layers_are_whole(body: bytes, encodings: list[bytes], max_size: int = 0) -> bool:
    """True when `body` is a whole stream of each of `encodings` in turn, in the order they are
    undone, each checked on what the one before it gave (as Scrapy undoes them); True for none.

    Raises TooLarge once more than `max_size` bytes came out of any layer, as Scrapy counts
    each: also after a layer cut short, whose output is read on, as Scrapy reads it. What a
    layer gives is held, as Scrapy holds it; the last is only checked."""
    whole = True
    for encoding in encodings[:-1]:
        output = _KeptOutput(max_size)
        whole = _stream_is_whole(body, encoding, output) and whole
        body = output.kept()
        if not body:  # nothing to decompress, as for an empty body: Scrapy gives none
            return whole
    return not encodings or (stream_is_whole(body, encodings[-1], max_size) and whole)


_DECOMPRESS_CHUNK = 65536  # bytes of output at a time: a check never holds the whole page


def stream_is_whole(body: bytes, encoding: bytes, max_size: int = 0) -> bool:
    """True when `body` is a whole `encoding` stream (every gzip member, or zstd frame, to its
    end); True also for an encoding that is not decompressed here (Scrapy leaves it as is).

    Raises TooLarge once more than `max_size` bytes (0: no limit) came out, whether the stream
    is whole or not: such a page is never stored, and a small bomb is not decompressed whole
    to say so. Every chunk counts, also the one that ends a member or frame, and the last
    before a cut."""
    return _stream_is_whole(body, encoding, _Output(max_size))


def _stream_is_whole(body: bytes, encoding: bytes, output: _Output) -> bool:
    """`stream_is_whole`, with what comes out counted (and, for a `_KeptOutput`, kept) in
    `output`."""
    try:
        if encoding in (b"gzip", b"x-gzip"):
            return _zlib_members_whole(body, output, wbits=31, magic=b"\x1f\x8b")
        if encoding == b"deflate":
            try:
                return _zlib_members_whole(body, output, wbits=15)
            except zlib.error:  # raw deflate, as some servers send it
                output.start_over()
                return _zlib_members_whole(body, output, wbits=-15)
        if encoding == b"br":
            decompressor = brotli.Decompressor()
            chunk = decompressor.process(body, output_buffer_limit=_DECOMPRESS_CHUNK)
            output.add(chunk)
            while chunk and not decompressor.is_finished():
                chunk = decompressor.process(b"", output_buffer_limit=_DECOMPRESS_CHUNK)
                output.add(chunk)
            return decompressor.is_finished()
        if encoding == b"zstd":
            return _zstd_frames_whole(body, output)
    except TooLarge:
        raise
    except Exception:  # corrupt data: the stream does not end where it should
        return False
    return True


class TooLarge(Exception):
    """More than DOWNLOAD_MAXSIZE bytes came out of a compressed body."""

    def __init__(self, size: int):
        super().__init__(f"{size} B decompressed so far")
        self.size = size


class _Output:
    """How much a check has decompressed, against the most a response may hold."""

    def __init__(self, max_size: int):
        self.max_size = max_size
        self.size = 0

    def add(self, chunk: bytes) -> None:
        """Count `chunk`; TooLarge once more than `max_size` came out in all."""
        self.size += len(chunk)
        if 0 < self.max_size < self.size:
            raise TooLarge(self.size)

    def start_over(self) -> None:
        """Count from nothing again: the stream is read anew another way."""
        self.size = 0


class _KeptOutput(_Output):
    """An `_Output` that keeps what it counts: a layer under another, checked next."""

    def __init__(self, max_size: int):
        super().__init__(max_size)
        self.chunks: list[bytes] = []

    def add(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        super().add(chunk)

    def start_over(self) -> None:
        super().start_over()
        self.chunks.clear()

    def kept(self) -> bytes:
        return b"".join(self.chunks)


def _zlib_members_whole(body: bytes, output: _Output, wbits: int, magic: bytes | None = None):
    """Each member of `body` (gzip: several, each starting with `magic`) runs to its end."""
    while True:
        decompressor = zlib.decompressobj(wbits)
        chunk = decompressor.decompress(body, _DECOMPRESS_CHUNK)
        output.add(chunk)
        # On while it gives output (some may wait behind a full chunk) or has input left.
        while not decompressor.eof and (chunk or decompressor.unconsumed_tail):
            chunk = decompressor.decompress(decompressor.unconsumed_tail, _DECOMPRESS_CHUNK)
            output.add(chunk)
        if not decompressor.eof:
            return False
        body = decompressor.unused_data
        if magic is None or not body.startswith(magic):
            return True  # trailing bytes that start no member are ignored, as Scrapy does


def _zstd_frames_whole(body: bytes, output: _Output) -> bool:
    """Each frame of `body` runs to its end, and nothing but frames follows the first: unlike
    gzip's, Scrapy's zstd decoder raises on trailing bytes that start no frame (zeros a proxy
    padded it with), an error that would reach the spider and give the page up at once. A
    skippable frame it reads past, and so does this."""
    while True:
        decompressor = zstd.ZstdDecompressor()
        output.add(decompressor.decompress(body, _DECOMPRESS_CHUNK))
        while not decompressor.eof and not decompressor.needs_input:
            output.add(decompressor.decompress(b"", _DECOMPRESS_CHUNK))
        if not decompressor.eof:
            return False
        body = decompressor.unused_data
        if not body:
            return True


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_SKIPPABLE_MAGIC_END = b"\x2a\x4d\x18"  # after a first byte 0x50 to 0x5f


def zstd_stray_bytes(body: bytes) -> int:
    """How many bytes follow the whole zstd frames of `body` that start no frame (zeros a
    proxy padded it with); 0 when there are none, no whole frame came first, or they are the
    start of a frame (a body cut inside its next frame: cut short). Only called on a body
    judged not whole, and so not too large: its frames are decompressed at once."""
    rest, frames = body, 0
    while rest:
        decompressor = zstd.ZstdDecompressor()
        try:
            decompressor.decompress(rest)
        except zstd.ZstdError:
            break
        if not decompressor.eof:
            return 0
        rest, frames = decompressor.unused_data, frames + 1
    if not frames or not rest or _ZSTD_MAGIC.startswith(rest[:4]):
        return 0
    if 0x50 <= rest[0] <= 0x5F and _SKIPPABLE_MAGIC_END.startswith(rest[1:4]):
        return 0
    return len(rest)
