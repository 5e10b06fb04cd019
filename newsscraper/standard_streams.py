"""What the commands do with their standard streams: a stream the caller closed, a stdout that
cannot spell a character, a stdout whose file refuses what it is given (a reader gone, a full
disk). Used by `newsscraper <command>` and by the project's `scrapy` commands alike."""

from __future__ import annotations

import contextlib
import os
import sys


def escape_what_stdout_cannot_spell() -> None:
    """A terminal or locale in a legacy encoding (Latin-1) cannot show every character of a
    help text, a summary or a Vietnamese folder name (`dữ liệu`): those are escaped, as Python
    does on stderr, rather than end a command (or a run that went well) in a traceback."""
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")


def drop_what_stdout_holds() -> None:
    """Point stdout at /dev/null: what its buffer still holds, which its file refused (a reader
    gone, a full disk), is not tried again at exit, where the failure would make the exit code
    Python's 120 (or a traceback's 1) instead of the command's own."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def say_stdout_refused(program: str, error: OSError, what: str = "") -> None:
    """Say on stderr, if that takes it, that stdout refused `what` (`the summary `), and drop
    what stdout still holds."""
    with contextlib.suppress(OSError):  # stderr is often the same file, on the same disk
        print(f"{program}: cannot write {what}to stdout: {error}", file=sys.stderr)
    drop_what_stdout_holds()


def say_summary(text: str, program: str) -> None:
    """Print a run's summary on stdout. A stdout that refuses it (the crontab line's log on a
    full disk, a reader gone) is said on stderr, and what stdout holds is dropped: the exit
    code stays the run's own."""
    try:
        print(text, flush=True)
    except OSError as error:
        say_stdout_refused(program, error, "the summary ")


class StdoutRefused(OSError):
    """A write its file refused to stdout (a full disk; a reader gone stays BrokenPipeError),
    told apart from the faults of the dataset's own disk, which each command says itself."""

    # Who says it (`newsscraper stats`), when the caller knows better than main: a help text.
    program: str | None = None


class _RefusalsNamed:
    """Stands in for `sys.stdout`: what its file refuses raises `StdoutRefused`; everything
    else (its encoding, `fileno`, `reconfigure`) is the stream's own."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        return self._named(self._stream.write, text)

    def flush(self) -> None:
        self._named(self._stream.flush)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)

    @staticmethod
    def _named(action, *args):
        try:
            return action(*args)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise StdoutRefused(error.errno, error.strerror) from error


@contextlib.contextmanager
def stdout_refusals_named():
    """While it lasts, a write or flush stdout's file refuses raises `StdoutRefused`."""
    stream = sys.stdout
    sys.stdout = _RefusalsNamed(stream)
    try:
        yield
    finally:
        sys.stdout = stream


def open_closed_standard_streams() -> None:
    """A standard stream the caller closed (a crontab line's `>&-` or `2>&-`) is opened on
    /dev/null: what would go there is dropped, as asked, and the command ends with its own exit
    code, not in a traceback (Python leaves `sys.stdout` None, and Scrapy's log handler asks
    None whether it is a terminal). The descriptor is taken first, so no file the command opens
    (the lock, a part file, the log) gets it, and nothing written to stdout lands in one."""
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        try:
            os.fstat(fd)
        except OSError:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:
                os.dup2(opened, fd)
                os.close(opened)
        if getattr(sys, name) is None:
            # Open for the life of the process, as Python's own standard streams are.
            stream = open(fd, "r" if fd == 0 else "w", closefd=False)  # noqa: SIM115
            setattr(sys, name, stream)
