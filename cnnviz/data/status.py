"""Which files a data set needs, and which of them are already on disk.

The GUI shows this list; :func:`cnnviz.data.load.load_dataset` uses the same
answer to decide what to download.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

from .errors import DataError
from .paths import download_dir, find_local, resolve_data_dir, search_dirs
from .registry import SPLITS, DataFile, DatasetInfo, get_info


@dataclass(frozen=True)
class FileStatus:
    """One needed file: ``path`` is where it was found, or None when it is missing."""
    file: DataFile
    path: Optional[Path]

    @property
    def filename(self) -> str:
        return self.file.filename

    @property
    def present(self) -> bool:
        return self.path is not None

    @property
    def downloadable(self) -> bool:
        return self.file.md5 is not None

    @property
    def generated(self) -> bool:
        """True for a file made on this computer when missing (see DataFile.generated)."""
        return self.file.generated


@dataclass(frozen=True)
class DatasetFiles:
    """The files the requested splits need and where they were looked for.

    ``by_split`` maps each split to its FileStatus tuple; ``search_dirs`` are
    the folders searched in order; ``download_dir`` is where downloads go.
    """
    info: DatasetInfo
    by_split: Dict[str, Tuple[FileStatus, ...]]
    search_dirs: Tuple[Path, ...]
    download_dir: Path

    @property
    def files(self) -> Tuple[FileStatus, ...]:
        """Every needed file once (an archive serving both splits is listed once)."""
        seen = {}
        for statuses in self.by_split.values():
            for status in statuses:
                seen.setdefault(status.filename, status)
        return tuple(seen.values())

    @property
    def missing(self) -> Tuple[FileStatus, ...]:
        return tuple(s for s in self.files if not s.present)

    @property
    def ready(self) -> bool:
        """True when every requested split can be read as it is: nothing to download or make."""
        return not self.missing

    @property
    def to_generate(self) -> Tuple[FileStatus, ...]:
        """The missing files that loading makes on this computer instead of downloading."""
        return tuple(s for s in self.missing if s.generated)


def check_splits(splits: Iterable[str]) -> Tuple[str, ...]:
    """Validate a collection of split names; returns them as a tuple in canonical order."""
    chosen = tuple(splits)
    unknown = [s for s in chosen if s not in SPLITS]
    if unknown or not chosen:
        raise DataError(f"splits must be chosen from {SPLITS}, got {chosen!r}")
    return tuple(s for s in SPLITS if s in chosen)


def _split_files(info: DatasetInfo, split: str, dirs: Tuple[Path, ...]) -> Tuple[FileStatus, ...]:
    official = tuple(FileStatus(f, find_local(f.filename, dirs)) for f in info.download_files(split))
    if all(s.present for s in official):
        return official
    alternative = tuple(FileStatus(f, find_local(f.filename, dirs)) for f in info.local_alternative(split))
    if alternative and all(s.present for s in alternative):
        return alternative
    return official


def dataset_files(name, data_dir=None, splits: Iterable[str] = SPLITS) -> DatasetFiles:
    """Say which files data set ``name`` (or a DatasetInfo) needs for ``splits``, and which exist.

    ``data_dir`` as for :func:`cnnviz.data.paths.resolve_data_dir`. Nothing is
    read or downloaded. Raises UnknownDatasetError or DataError (bad split).
    """
    info = get_info(name)
    root = resolve_data_dir(data_dir)
    dirs = search_dirs(root, info.name)
    by_split = {split: _split_files(info, split, dirs) for split in check_splits(splits)}
    return DatasetFiles(info, by_split, dirs, download_dir(root, info.name))
