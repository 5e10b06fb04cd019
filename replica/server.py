"""Serve a `ReplicaSite` over HTTP on 127.0.0.1, in a background thread.

    with serve(ReplicaSite(articles=40)) as handle:
        crawl(handle.base_url)
        assert not [r for r in handle.requests if r.path.startswith("/timelinelist/")][2:]

Standard library only: `ThreadingHTTPServer` with keep-alive (HTTP/1.1), so one Scrapy process
can fetch tens of thousands of pages from it. `stop()` closes every connection and joins every
thread it started.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from .site import ReplicaSite

LOOPBACK = "127.0.0.1"


@dataclass
class RecordedRequest:
    method: str
    path: str  # as sent: path and query
    time: float  # time.monotonic() when it arrived
    host: str | None  # the Host header
    status: int | None = None  # None: no response (reset, or still in progress)
    user_agent: str | None = None  # the User-Agent header


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ReplicaHTTPServer
    timeout = 30  # an idle keep-alive connection is closed after this

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, add=False)

    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def _answer(self) -> None:
        record = RecordedRequest(
            self.command,
            self.path,
            time.monotonic(),
            self.headers["Host"],
            user_agent=self.headers["User-Agent"],
        )
        self.server.record(record)
        response = self.server.site.respond(self.command, self.path)
        if response.delay and self.server.stopping.wait(response.delay):
            response.reset = True  # stopping: do not hold up the shutdown
        if response.reset:
            # SO_LINGER 0: close() sends a TCP RST, what "connection reset by peer" is.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.server.reset_on_close(self.connection)
            self.close_connection = True
            return
        length = response.declared_length
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        if not response.close_delimited:
            declared = len(response.body) if length is None else length
            self.send_header("Content-Length", str(declared))
        for name, value in response.headers.items():
            self.send_header(name, value)
        # A Content-Length other than the body's: the connection closes after the body, as a
        # client reads only that many bytes (the rest would read as the next response).
        misframed = length is not None and length != len(response.body) and self.command != "HEAD"
        if misframed or response.close_delimited:
            self.send_header("Connection", "close")
            self.close_connection = True
        record.status = response.status
        self.end_headers()
        if self.command != "HEAD":
            # A client that read all the Content-Length said may close before the rest.
            with contextlib.suppress(ConnectionError) if misframed else contextlib.nullcontext():
                self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the recorded requests are the log."""


class _ReplicaHTTPServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins the handler threads
    request_queue_size = 128  # a crawl opens many connections at once

    def __init__(self, address: tuple[str, int], site: ReplicaSite) -> None:
        self.site = site
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._resets: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def reset_on_close(self, connection: socket.socket) -> None:
        with self._lock:
            self._resets.add(connection)

    def shutdown_request(self, request: socket.socket) -> None:
        """Close the connection; one to reset is closed without the FIN that the standard
        shutdown sends first, which the client would read as an orderly end, not a reset."""
        with self._lock:
            reset = request in self._resets
            self._resets.discard(request)
        if reset:
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class ServerHandle:
    """A running replica: its address, what it was asked, and how to stop it."""

    def __init__(self, site: ReplicaSite, host: str = LOOPBACK, port: int = 0) -> None:
        if host != LOOPBACK:
            raise ValueError(f"the replica only binds {LOOPBACK}, not {host!r}")
        self.site = site
        self._server = _ReplicaHTTPServer((host, port), site)
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"replica-{self.port}",
        )
        self._thread.start()
        self._stopped = False

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in order of arrival (a copy)."""
        with self._server._lock:
            return list(self._server.requests)

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.stopping.set()
        self._server.shutdown()
        self._thread.join()
        self._server.close_connections()
        self._server.server_close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(site: ReplicaSite, host: str = LOOPBACK, port: int = 0) -> ServerHandle:
    """Start serving `site` in a background thread; use as a context manager or call stop()."""
    return ServerHandle(site, host, port)
