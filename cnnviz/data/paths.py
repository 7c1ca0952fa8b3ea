"""Where data sets live: the per-user cache folder and the local look-up order."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping, Optional, Sequence, Tuple

from ..fileread import is_regular_file

APP_NAME = "cnnviz"
DATA_DIR_ENV = "CNNVIZ_DATA_DIR"


def user_cache_dir(platform: Optional[str] = None, environ: Optional[Mapping[str, str]] = None,
                   home: Optional[Path] = None) -> Path:
    """The platform's per-user cache folder for cnnviz (not created here).

    Linux and other Unix: ``$XDG_CACHE_HOME/cnnviz`` (if set to an absolute
    path) else ``~/.cache/cnnviz``; macOS: ``~/Library/Caches/cnnviz``;
    Windows: ``%LOCALAPPDATA%\\cnnviz\\Cache`` (else ``~\\AppData\\Local\\...``).
    ``platform``, ``environ`` and ``home`` default to the running system's.
    """
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else Path(home)
    if platform.startswith("win"):
        base = environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / APP_NAME / "Cache"
    if platform == "darwin":
        return home / "Library" / "Caches" / APP_NAME
    xdg = environ.get("XDG_CACHE_HOME", "")
    # The XDG spec says relative values are invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache"
    return base / APP_NAME


def user_data_dir(platform: Optional[str] = None, environ: Optional[Mapping[str, str]] = None,
                  home: Optional[Path] = None) -> Path:
    """The platform's per-user folder for what the user makes with cnnviz (e.g. the drawings
    collected as data sets), which, unlike the cache, is never cleared for space.

    Linux and other Unix: ``$XDG_DATA_HOME/cnnviz`` (if set to an absolute path) else
    ``~/.local/share/cnnviz``; macOS: ``~/Library/Application Support/cnnviz``; Windows:
    ``%APPDATA%\\cnnviz`` (else ``~\\AppData\\Roaming\\cnnviz``). Not created here.
    """
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    home = Path.home() if home is None else Path(home)
    if platform.startswith("win"):
        return Path(environ.get("APPDATA") or str(home / "AppData" / "Roaming")) / APP_NAME
    if platform == "darwin":
        return home / "Library" / "Application Support" / APP_NAME
    xdg = environ.get("XDG_DATA_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"
    return base / APP_NAME


def resolve_data_dir(data_dir=None, environ: Optional[Mapping[str, str]] = None) -> Path:
    """The data folder to use: ``data_dir`` if given, else $CNNVIZ_DATA_DIR, else the user cache."""
    environ = os.environ if environ is None else environ
    chosen = data_dir if data_dir not in (None, "") else environ.get(DATA_DIR_ENV) or None
    if chosen is None:
        return user_cache_dir(environ=environ)
    return Path(chosen).expanduser()


def search_dirs(data_dir: Path, dataset_name: str) -> Tuple[Path, ...]:
    """Folders searched for a data set's files, in order: ``<dir>/<name>/`` then ``<dir>/``."""
    return (data_dir / dataset_name, data_dir)


def download_dir(data_dir: Path, dataset_name: str) -> Path:
    """The folder downloads of ``dataset_name`` are written to."""
    return data_dir / dataset_name


def _accepted_names(filename: str) -> Tuple[str, ...]:
    # An IDX file may also be kept un-gzipped (the readers sniff the gzip magic).
    if filename.endswith("-ubyte.gz"):
        return (filename, filename[:-3])
    return (filename,)


def find_local(filename: str, dirs: Sequence[Path]) -> Optional[Path]:
    """The first existing regular file named ``filename`` in ``dirs`` (or its un-gzipped IDX twin).

    ``.part`` files are never returned: they are unfinished downloads.
    """
    for folder in dirs:
        for name in _accepted_names(filename):
            candidate = folder / name
            if is_regular_file(candidate):
                return candidate
    return None
