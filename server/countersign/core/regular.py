"""Reading a file that a repository, an agent or a hook payload named: regular files only.

A path can name a FIFO (opening it waits for a writer forever), a device such as
``/dev/zero`` behind a symlink (reading it never ends), a directory, a socket or a symlink
loop. Every countersign reader of such paths goes through here: anything but a regular
file is refused with a reason a person can act on, before it is opened when possible and
again on the open descriptor (``fstat``), so swapping the file in between gains nothing;
and no read takes more than ``max_bytes`` + 1 bytes, even from a file that keeps growing.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
    getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


SETTINGS_MAX_BYTES = 4 * 1024 * 1024
"""Configuration, policy and rule-pack files: far larger than any real one, and a bound on
what a repository can make every countersign command (and CI) read."""


class Refused(Exception):
    """``path`` is not a regular file countersign may read; ``reason`` says why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def _kind(mode: int) -> str | None:
    """Why a file of this mode is refused (``None`` for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop (or a chain of links too long to follow)"
    if exc.errno == errno.ENOENT:
        return "no such file (or a symbolic link to a missing file)"
    return exc.strerror or str(exc)


def open_regular(path: Path) -> BinaryIO:
    """``path`` opened for reading in binary, or ``Refused`` unless it is a regular file.

    FIFOs and devices are never opened (``stat`` first); the open itself does not block
    (``O_NONBLOCK``) and is checked again with ``fstat``.
    """
    try:
        kind = _kind(os.stat(path).st_mode)
        if kind is not None:
            raise Refused(path, f"it is {kind}, not a regular file")
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        raise Refused(path, _reason(exc)) from None
    try:
        kind = _kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise Refused(path, f"it is {kind}, not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file ``path``; ``Refused`` if it is anything else or
    larger than ``max_bytes``."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise Refused(path, f"larger than {max_bytes // 1024} KiB ({size // 1024} KiB)")
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise Refused(path, _reason(exc)) from None
    if len(data) > max_bytes:
        raise Refused(path, f"larger than {max_bytes // 1024} KiB (it grew while read)")
    return data
