"""Opening a file the user named, safely: regular files only, with a size cap.

Every reader of user-named files (images, model files, data sets) goes
through here, so that a FIFO cannot hang it, ``/dev/zero`` cannot fill the
memory, and a name the file system refuses (over 255 bytes, say) becomes a
sentence instead of an internal error.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO, Union

PathLike = Union[str, Path]


class FileReadError(ValueError):
    """A file cannot be read: missing, not a regular file, too large, unreadable.

    The message is a full sentence naming the file ("cannot read image x.png:
    it is a named pipe (FIFO), not a regular file"); ``reason`` is the part
    after the colon, for callers that word the start themselves.
    """

    def __init__(self, what: str, path, reason: str):
        super().__init__(f"cannot read {what} {path}: {reason}")
        self.path = str(path)
        self.reason = reason


_KINDS = ((stat.S_ISDIR, "it is a directory"), (stat.S_ISFIFO, "it is a named pipe (FIFO)"),
          (stat.S_ISCHR, "it is a device"), (stat.S_ISBLK, "it is a device"),
          (stat.S_ISSOCK, "it is a socket"))


def os_error_text(error: OSError) -> str:
    """An OSError about a path in words: 'no such file', 'the name is too long', ..."""
    known = {errno.ENOENT: "no such file", errno.ENOTDIR: "a part of the path is not a folder",
             errno.ENAMETOOLONG: "the name is too long for the file system",
             errno.EACCES: "permission denied", errno.EPERM: "permission denied",
             errno.EISDIR: "it is a directory", errno.ELOOP: "too many symbolic links"}
    return known.get(error.errno) or error.strerror or str(error)


def open_regular(path: PathLike, limit: int, what: str = "file") -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file of at most ``limit`` bytes.

    The file is opened without blocking (a FIFO's open would wait for a writer)
    and then checked through its descriptor, so what is checked is what is
    read. ``what`` names the file in messages ("image", "model"). Raises
    :class:`FileReadError`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise FileReadError(what, path, os_error_text(e)) from None
    try:
        info = os.fstat(fd)
        for test, text in _KINDS:
            if test(info.st_mode):
                raise FileReadError(what, path, f"{text}, not a regular file")
        if not stat.S_ISREG(info.st_mode):
            raise FileReadError(what, path, "not a regular file")
        if info.st_size > limit:
            raise FileReadError(what, path, f"it is {info.st_size:,} bytes; at most {limit:,} are read")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (see :func:`open_regular`).

    Memory is taken for the bytes there are, not for ``limit``; a file that
    grows past the limit while it is read is refused too. Raises
    :class:`FileReadError`.
    """
    with open_regular(path, limit, what) as fh:
        try:
            chunks = [fh.read(os.fstat(fh.fileno()).st_size + 1)]
            total = len(chunks[0])
            while chunks[-1] and total <= limit:
                chunks.append(fh.read(min(1 << 20, limit + 1 - total)))
                total += len(chunks[-1])
        except OSError as e:
            raise FileReadError(what, path, os_error_text(e)) from None
    if total > limit:
        raise FileReadError(what, path, f"it is over {limit:,} bytes; at most {limit:,} are read")
    return chunks[0] if not any(chunks[1:]) else b"".join(chunks)


def is_regular_file(path: PathLike) -> bool:
    """Whether ``path`` names a regular file; False also for names the system refuses."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False
