"""What the replica answers to one request, before it goes on the wire."""

from __future__ import annotations

from dataclasses import dataclass, field

HTML_UTF8 = "text/html; charset=utf-8"


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = HTML_UTF8
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering
    declared_length: int | None = None  # a Content-Length that differs from len(body)
    reset: bool = False  # close the connection without answering (a reset for the client)
    # No Content-Length: the body ends when the connection closes (HTTP/1.0, `Connection: close`).
    close_delimited: bool = False

    @classmethod
    def html(cls, text: str, status: int = 200) -> Response:
        return cls(status=status, body=text.encode("utf-8"))
