"""A disk fault under one directory, for a crawl run as a subprocess (see test_disk_faults.py).

On PYTHONPATH, Python imports this module at start-up. It does nothing unless
NEWSSCRAPER_DISK_FAULT is set; then, once NEWSSCRAPER_DISK_FAULT_AFTER files have been renamed
into NEWSSCRAPER_DISK_FAULT_DIR (0: from the start), file system calls under that directory
fail the way the kernel fails them:

- ENOSPC, a full disk: creating a directory fails, and so does every write to a file (the
  file itself is created: a half-written file is what a full disk leaves).
- EROFS, a file system (re)mounted read-only: opening for writing, creating, renaming,
  removing, and writing or truncating a file opened before.

Only Python-level calls are intercepted (`open`, `os.*`), which is how
`newsscraper.dataset_write` and `newsscraper.lock` touch the disk; production code has no hook
of its own.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import threading

_KIND = os.environ.get("NEWSSCRAPER_DISK_FAULT", "")
_ERRNO = {"ENOSPC": errno.ENOSPC, "EROFS": errno.EROFS}.get(_KIND)


def _install(root: str, after: int) -> None:
    lock = threading.Lock()
    renamed = [0]
    real = {
        name: getattr(os, name)
        for name in ("open", "mkdir", "replace", "rename", "unlink", "remove", "rmdir")
    }
    real.update(ftruncate=os.ftruncate, pwrite=os.pwrite, write=os.write)
    real_open = builtins.open
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def under_root(path) -> bool:
        try:
            full = os.path.abspath(os.fsdecode(path))
        except TypeError:  # a file descriptor
            return False
        return full == root or full.startswith(root + os.sep)

    def fd_under_root(fd: int) -> bool:
        try:
            return under_root(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return False

    def failing() -> bool:
        with lock:
            return renamed[0] >= after

    def fail(path=None):
        code = _ERRNO
        raise OSError(code, os.strerror(code), *([os.fsdecode(path)] if path else []))

    def fault_open(file, mode="r", *args, **kwargs):
        writing = any(flag in mode for flag in "wax+")
        if writing and under_root(file) and failing():
            if _ERRNO == errno.EROFS:
                fail(file)
            return _FullFile(real_open(file, mode, *args, **kwargs))
        return real_open(file, mode, *args, **kwargs)

    def fault_os_open(path, flags, *args, **kwargs):
        if flags & write_flags and _ERRNO == errno.EROFS and under_root(path) and failing():
            fail(path)
        return real["open"](path, flags, *args, **kwargs)

    def fault_mkdir(path, *args, **kwargs):
        if under_root(path) and failing() and not os.path.lexists(path):
            fail(path)
        return real["mkdir"](path, *args, **kwargs)

    def fault_rename(name):
        def rename(src, dst, *args, **kwargs):
            if _ERRNO == errno.EROFS and under_root(dst) and failing():
                fail(dst)
            result = real[name](src, dst, *args, **kwargs)
            if under_root(dst):
                with lock:
                    renamed[0] += 1
            return result

        return rename

    def fault_remove(name):
        def remove(path, *args, **kwargs):
            if _ERRNO == errno.EROFS and under_root(path) and failing():
                fail(path)
            return real[name](path, *args, **kwargs)

        return remove

    def fault_fd(name):
        def call(fd, *args):
            # Truncating frees space: only a read-only file system refuses it.
            applies = name != "ftruncate" or _ERRNO == errno.EROFS
            if applies and fd_under_root(fd) and failing():
                fail()
            return real[name](fd, *args)

        return call

    builtins.open = io.open = fault_open
    os.open = fault_os_open
    os.mkdir = fault_mkdir
    os.replace, os.rename = fault_rename("replace"), fault_rename("rename")
    os.unlink, os.remove, os.rmdir = (fault_remove(n) for n in ("unlink", "remove", "rmdir"))
    os.ftruncate, os.pwrite, os.write = (fault_fd(n) for n in ("ftruncate", "pwrite", "write"))


class _FullFile:
    """A file on a full disk: it opens, and every write fails with ENOSPC."""

    def __init__(self, file):
        self._file = file

    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self._file.name)

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._file.close()


if _ERRNO is not None:
    _install(
        os.path.abspath(os.environ["NEWSSCRAPER_DISK_FAULT_DIR"]),
        int(os.environ.get("NEWSSCRAPER_DISK_FAULT_AFTER", "0")),
    )
