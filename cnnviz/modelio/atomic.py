"""Writing a file atomically, and clearing the temporary files a killed save left behind.

A save writes a hidden temporary file beside its target (``.<name>.<8 hex>.tmp``),
flushes it to disk and renames it over the target, so a crash never leaves a
half-written file in its place. While it writes, the save holds an exclusive
``flock`` on its temporary file (where the system has one); a temporary file
that nobody holds and that has not changed for :data:`ORPHAN_SECONDS` belongs
to a save that was killed, and the next save to that folder removes it.
"""
from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import BinaryIO, Callable

try:
    import fcntl
except ImportError:          # Windows: no flock; orphans are told by their age alone
    fcntl = None

#: a temporary file untouched for this long, and not locked, is an orphan (where there
#: is no flock, ORPHAN_SECONDS_UNLOCKED is used instead: no save runs that long without writing)
ORPHAN_SECONDS = 5.0
ORPHAN_SECONDS_UNLOCKED = 3600.0
_TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")


def write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(fh)`` on a temporary file beside ``path``, then put it in place of ``path``.

    Orphaned temporary files of earlier, killed saves in the folder are
    removed first. Raises OSError when the folder cannot be written; the
    target is then unchanged and the temporary file removed.
    """
    folder = path.parent
    remove_orphans(folder)
    fd, tmp = create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
            os.replace(tmp, path)       # before the close releases the lock
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def create_temporary(path: Path):
    """A new hidden file beside ``path``, locked while it is open: (descriptor, path).

    Made with os.open rather than tempfile so the umask applies as it would to
    any file the user creates (tempfile's files are private to the owner).
    """
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        if fcntl is not None:
            with contextlib.suppress(OSError):      # a file system without locks: orphans are then told by age
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd, tmp


def check_writable(path: Path) -> None:
    """Create and remove the temporary file a save to ``path`` would write; raises OSError when
    that fails (a read-only folder, one such as /proc that passes a permission check yet refuses
    new files, or a name too long for the file system)."""
    fd, tmp = create_temporary(Path(path))
    os.close(fd)
    os.unlink(tmp)


def remove_orphans(folder: Path) -> int:
    """Remove the temporary files of killed saves in ``folder``; returns how many.

    Problems (a folder that cannot be listed, a file removed meanwhile) are
    ignored: cleaning up must never make a save fail.
    """
    removed = 0
    try:
        names = [n for n in os.listdir(folder) if _TEMPORARY.match(n)]
    except OSError:
        return 0
    for name in names:
        if _is_orphan(folder / name):
            with contextlib.suppress(OSError):
                os.unlink(folder / name)
                removed += 1
    return removed


def _is_orphan(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return False
        age = time.time() - info.st_mtime
        if fcntl is None:
            return age > ORPHAN_SECONDS_UNLOCKED
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False            # a save is writing it
        return age > ORPHAN_SECONDS
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):   # a file system that cannot sync: the rename still happens
            os.fsync(fd)
    finally:
        os.close(fd)
