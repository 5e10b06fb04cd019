"""What a download's error says, for a person: the reasons Twisted wraps in one error
(`ResponseNeverReceived`, `ResponseFailed`: a connection lost or reset), which Scrapy wraps
again in its own (`DownloadFailedError`) with the same words, said in their own words, not as
the list of `Failure` objects the wrapper prints."""

from __future__ import annotations

from twisted.python.failure import Failure


def error_message(error: BaseException) -> str:
    """`error`'s message: for an error wrapping the reasons a response failed (its list
    `reasons`, or that of the error it was raised from with the same words), each reason's,
    once, joined by `; ` (`Connection to the other side was lost in a non-clean fashion.`);
    else its own, or its type's name when it has none."""
    said = str(error)
    wrapped: BaseException | None = error
    while wrapped is not None and str(wrapped) == said:
        reasons = getattr(wrapped, "reasons", None)
        if isinstance(reasons, list):
            texts = [
                reason.getErrorMessage() if isinstance(reason, Failure) else str(reason)
                for reason in reasons
            ]
            return "; ".join(dict.fromkeys(text for text in texts if text)) or type(error).__name__
        wrapped = wrapped.__cause__
    return said or type(error).__name__
