"""Downloading one file safely: resume, verify, retry, fall back to a mirror.

Bytes go to ``<name>.part`` next to the target; only after the MD5 matches is
the file moved into place with ``os.replace`` (atomic on one file system), so
a file under its real name is always complete and verified. A ``.part`` file
is only ever used to resume, never read as data; it survives a cancel (so the
next download resumes) and is deleted after a failure.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional, Sequence

from .errors import DownloadCancelled, DownloadError

Progress = Callable[[int, Optional[int]], None]
Cancel = Callable[[], bool]

CHUNK_BYTES = 64 * 1024
USER_AGENT = "cnnviz (numpy CNN visualiser; python urllib)"


class _TransferBroken(Exception):
    """The connection ended early; what arrived is kept in the .part file for resuming."""


def md5_of_file(path: Path) -> str:
    """The MD5 of a file's contents as 32 lower-case hex digits (read in 1 MiB blocks)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def part_path(dest: Path) -> Path:
    """Where the unfinished download of ``dest`` is kept: ``<dest>.part``."""
    return dest.with_name(dest.name + ".part")


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _describe(error: BaseException, timeout: float) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"the server answered HTTP {error.code} {error.reason}"
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.gaierror):
        return "the host name could not be resolved (no network, or DNS is failing)"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused (server down, or no network)"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return f"no answer within {timeout:g} s"
    return f"{type(reason).__name__}: {reason}"


def _total_size(response, offset: int) -> Optional[int]:
    """The full file size in bytes if the response says it, else None."""
    if response.status == 206:
        match = re.match(r"bytes\s+\d+-\d+/(\d+)", response.headers.get("Content-Range", ""))
        if match:
            return int(match.group(1))
    length = response.headers.get("Content-Length")
    return offset + int(length) if length and length.isdigit() else None


def _range_start(response) -> Optional[int]:
    match = re.match(r"bytes\s+(\d+)-", response.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def _open_response(url: str, offset: int, timeout: float):
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


def _write(file, chunk: bytes, part: Path) -> None:
    try:
        file.write(chunk)
    except OSError as e:
        raise DownloadError(f"cannot write {part}: {e.strerror or e}; free some disk space "
                            f"or choose another data folder", {"disk"}) from None


def _fetch(url: str, part: Path, progress: Optional[Progress], cancel: Optional[Cancel],
           timeout: float) -> None:
    """Fetch ``url`` into ``part``, appending when the server honours a Range request.

    Raises urllib/socket errors for a failed request, _TransferBroken when the
    body ends before its announced length, DownloadCancelled, or DownloadError
    when the .part file cannot be written.
    """
    offset = part.stat().st_size if part.is_file() else 0
    try:
        response = _open_response(url, offset, timeout)
    except urllib.error.HTTPError as e:
        if e.code != 416 or not offset:
            raise
        # 416: the .part does not fit the file on the server; start over.
        _remove(part)
        offset = 0
        response = _open_response(url, 0, timeout)
    with response:
        if not (offset and response.status == 206 and _range_start(response) == offset):
            offset = 0      # the server sent the whole file (200): start over
        total = _total_size(response, offset)
        try:
            file = open(part, "ab" if offset else "wb")
        except OSError as e:
            raise DownloadError(f"cannot write to {part.parent}: {e.strerror or e}; "
                                f"choose a data folder you can write to", {"disk"}) from None
        done = offset
        with file:
            if progress:
                progress(done, total)
            while True:
                if cancel is not None and cancel():
                    raise DownloadCancelled(
                        f"download of {url} cancelled after {done} bytes; they are kept in "
                        f"{part} and the next download resumes from there")
                try:
                    chunk = response.read(CHUNK_BYTES)
                except (OSError, http.client.HTTPException) as e:
                    raise _TransferBroken(f"the connection broke after {done} bytes ({e})") from None
                if not chunk:
                    break
                _write(file, chunk, part)
                done += len(chunk)
                if progress:
                    progress(done, total)
            file.flush()
            os.fsync(file.fileno())
    if total is not None and done < total:
        raise _TransferBroken(f"the transfer stopped after {done} of {total} bytes")


def download_file(urls: Sequence[str], dest, md5: str, progress: Optional[Progress] = None,
                  cancel: Optional[Cancel] = None, timeout: float = 30.0) -> Path:
    """Download one file to ``dest`` (a path), verified against ``md5`` (32 hex digits).

    ``urls`` are tried in order (official site, then mirrors). An existing
    ``<dest>.part`` is resumed with an HTTP Range request (appended on 206,
    restarted on 200). On a checksum mismatch the .part is deleted and the URL
    retried once from scratch; a broken transfer is resumed once; an HTTP
    error or an unreachable host moves on to the next URL.
    ``progress(done_bytes, total_bytes_or_None)`` is called after each chunk
    (counts restart at 0 when a download starts over); ``cancel()`` is asked
    before each chunk and True raises DownloadCancelled (the .part is kept).
    ``timeout`` is in seconds per network operation.
    Returns ``Path(dest)``. Raises DownloadError listing what failed at each URL
    (its ``causes`` name the kinds of failure); nothing is left behind then:
    no .part file, and no folder this call created.
    """
    dest = Path(dest)
    if not urls:
        raise DownloadError(f"no download address is known for {dest.name}")
    created = _first_missing(dest.parent)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"cannot create the folder {dest.parent}: {e.strerror or e}; "
                            f"choose a data folder you can write to", {"disk"}) from None
    try:
        return _download(urls, dest, md5, progress, cancel, timeout)
    except DownloadError:
        _remove_empty_folders(dest.parent, created)
        raise


def _first_missing(folder: Path) -> Optional[Path]:
    """The outermost folder of ``folder``'s ancestry (itself included) that does not exist yet."""
    missing = None
    for candidate in (folder, *folder.parents):
        if os.path.exists(candidate):      # False, not an error, for a name the system refuses
            break
        missing = candidate
    return missing


def _remove_empty_folders(folder: Path, up_to: Optional[Path]) -> None:
    """Remove ``folder`` and its parents up to ``up_to`` while they are empty."""
    if up_to is None:
        return
    for candidate in (folder, *folder.parents):
        try:
            candidate.rmdir()
        except OSError:
            return
        if candidate == up_to:
            return


def _download(urls: Sequence[str], dest: Path, md5: str, progress: Optional[Progress],
              cancel: Optional[Cancel], timeout: float) -> Path:
    part = part_path(dest)
    failures, causes = [], set()
    for url in urls:
        for attempt in range(2):
            if cancel is not None and cancel():
                raise DownloadCancelled(f"download of {dest.name} cancelled before it started")
            try:
                _fetch(url, part, progress, cancel, timeout)
            except DownloadError:
                _remove(part)   # the disk refused the bytes; free what was written
                raise
            except _TransferBroken as e:
                failures.append(f"{url}: {e}")
                causes.add("truncated")
                continue        # resume once from what arrived
            except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
                failures.append(f"{url}: {_describe(e, timeout)}")
                causes.add("http" if isinstance(e, urllib.error.HTTPError) else "network")
                break           # next mirror
            got = md5_of_file(part)
            if got == md5.lower():
                os.replace(part, dest)
                return dest
            failures.append(f"{url}: wrong checksum (md5 {got}, expected {md5})")
            causes.add("checksum")
            _remove(part)       # the retry starts cleanly from scratch
        _remove(part)
    raise DownloadError(f"could not download {dest.name}:\n  - " + "\n  - ".join(failures), causes)
