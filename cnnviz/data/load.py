"""One entry point: a data set by name, as uint8 image arrays and int64 labels."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, Iterable, Optional, Tuple

import numpy as np

from .cifar import read_cifar10_archive
from .dataset import Dataset
from .download import Cancel, Progress, download_file
from .emnist import read_emnist_files, read_emnist_zip
from .errors import DataError, DownloadError, MissingFilesError
from .idx import read_idx_images, read_idx_labels
from .imagefolder import Reader, is_image_folder, load_image_folder
from .letters import read_split as read_letters, write_split as write_letters
from .npz import read_npz_array
from .registry import SPLITS, DatasetInfo
from .status import DatasetFiles, FileStatus, check_splits, dataset_files
from .validate import to_split_arrays


def _names(statuses: Iterable[FileStatus]) -> str:
    return ", ".join(s.filename for s in statuses)


def _where(plan: DatasetFiles) -> str:
    return " and ".join(str(d) for d in plan.search_dirs)


def _missing_message(plan: DatasetFiles) -> str:
    """'<name>: the train split needs A, B; the test split needs C, which were not found in DIR'.

    A file several splits need (an archive holding both) is named once, for all of them.
    """
    needed_by: Dict[str, list] = {}                 # missing file -> the splits that need it
    for split, statuses in plan.by_split.items():
        for status in statuses:
            if not status.present:
                needed_by.setdefault(status.filename, []).append(split)
    files_of: Dict[Tuple[str, ...], list] = {}      # splits -> the missing files they all need
    for filename, splits in needed_by.items():
        files_of.setdefault(tuple(splits), []).append(filename)
    lines = [f"the {splits[0]} split needs {', '.join(names)}" if len(splits) == 1 else
             f"the {' and '.join(splits)} splits need {', '.join(names)}" for splits, names in files_of.items()]
    return f"{plan.info.name}: " + "; ".join(lines) + f", which were not found in {_where(plan)}"


# What to do about each kind of download failure (see DownloadError.causes), in this order.
_ADVICE = {
    "checksum": "the file arrived but did not match its official checksum: it was damaged on the way or "
                "has changed on the server, and it was deleted. Try again later",
    "truncated": "the connection broke before the file was complete: try again",
    "network": "check the internet connection and try again",
    "http": "the server did not hand out the file: try again later",
    "disk": "free some disk space or choose another data folder",
}


def _download_advice(error: DownloadError, still_missing: Iterable[FileStatus], folder: Path) -> str:
    """What the user can do after ``error``: the remedies for its causes, then where to put the files."""
    remedies = [text for cause, text in _ADVICE.items() if cause in error.causes]
    if "checksum" in error.causes:
        remedies.append(f"if it fails the same way, get {_names(still_missing)} from the data set's "
                        f"official site yourself and put them in {folder}")
    else:
        remedies.append(f"{'or ' if remedies else ''}put the files {_names(still_missing)} in {folder}")
    text = "; ".join(remedies)
    return text[0].upper() + text[1:]


def _fetch_missing(plan: DatasetFiles, progress: Optional[Progress], cancel: Optional[Cancel],
                   status: Optional[Callable[[str], None]], timeout: float) -> None:
    missing = plan.missing
    for number, needed in enumerate(missing, 1):
        urls = [base + needed.filename for base in plan.info.mirrors]
        if status:
            status(f"Downloading {needed.filename} ({number} of {len(missing)})")
        try:
            download_file(urls, plan.download_dir / needed.filename, needed.file.md5,
                          progress=progress, cancel=cancel, timeout=timeout)
        except DownloadError as e:
            raise DownloadError(f"{_missing_message(plan)}, and downloading failed: {e}\n"
                                f"{_download_advice(e, missing[number - 1:], plan.download_dir)}",
                                e.causes) from None


def _generate_missing(plan: DatasetFiles, progress: Optional[Progress], cancel: Optional[Cancel],
                      status: Optional[Callable[[str], None]]) -> None:
    """Make the plan's missing generated files (the letters data set) in its download folder."""
    missing = plan.to_generate
    for number, needed in enumerate(missing, 1):
        if status:
            status(f"Generating {needed.filename} ({number} of {len(missing)})")
        if plan.info.reader != "letters":
            raise ValueError(f"data set {plan.info.name!r} has no generator")
        write_letters(plan.download_dir / needed.filename, needed.file.split, progress=progress, cancel=cancel)


def _read_raw(info: DatasetInfo, paths_by_split: Dict[str, Dict[str, Path]]
              ) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Run the data set's reader: {split: (images, labels as stored)}."""
    if info.reader == "cifar10":
        archive = next(iter(paths_by_split.values()))["archive"]
        return read_cifar10_archive(archive, tuple(paths_by_split))
    raw = {}
    for split, paths in paths_by_split.items():
        if info.reader == "idx":
            raw[split] = (read_idx_images(paths["images"]), read_idx_labels(paths["labels"]))
        elif info.reader == "npz":
            raw[split] = (read_npz_array(paths["images"], 3), read_npz_array(paths["labels"], 1))
        elif info.reader == "letters":
            raw[split] = read_letters(paths["archive"])
        elif info.reader == "emnist-letters":
            raw[split] = (read_emnist_zip(paths["archive"], split) if "archive" in paths
                          else read_emnist_files(paths["images"], paths["labels"]))
        else:
            raise ValueError(f"data set {info.name!r} names an unknown reader {info.reader!r}")
    return raw


def load_dataset(name, data_dir=None, download: bool = True, progress: Optional[Progress] = None,
                 cancel: Optional[Cancel] = None, splits: Iterable[str] = SPLITS,
                 status: Optional[Callable[[str], None]] = None, timeout: float = 30.0,
                 image_reader: Optional[Reader] = None) -> Dataset:
    """Load data set ``name`` (a registry name or a DatasetInfo) from disk, downloading what is missing.

    ``name`` may also be a folder of images with one sub-folder per class: it is
    read by :func:`cnnviz.data.imagefolder.load_image_folder` with ``image_reader``
    (which decodes one image file; the data layer decodes none itself).

    Files are looked for in ``<data_dir>/<name>/`` then ``<data_dir>/``;
    ``data_dir`` defaults to $CNNVIZ_DATA_DIR, then the user cache folder.
    Local files are checked for structure (magic numbers, shapes, counts,
    label range), downloads also against the official MD5. A generated data
    set's missing files (``letters``) are made in ``<data_dir>/<name>/``,
    whatever ``download`` says: nothing is fetched. ``splits`` picks
    'train' and/or 'test'. ``progress(done_bytes, total_bytes_or_None)`` and
    ``cancel()`` are passed to each file's download or generation (counts
    restart per file); ``status(text)`` announces each file; ``timeout`` is in
    seconds. Raises MissingFilesError (files absent, download=False),
    DownloadError (files absent and not downloadable), DownloadCancelled,
    DataFormatError (a file is malformed), UnknownDatasetError or DataError
    (bad split name, or a data folder a generated file cannot be written to).
    """
    if is_image_folder(name):
        if image_reader is None:
            raise DataError(f"{name} is a folder of images; reading them needs an image reader")
        if status:
            status(f"Reading the images of {Path(name).name}")
        return load_image_folder(name, image_reader, splits=check_splits(splits), progress=progress, cancel=cancel)
    plan = dataset_files(name, data_dir, splits)
    if plan.to_generate:
        _generate_missing(plan, progress, cancel, status)
        plan = dataset_files(plan.info, data_dir, splits)
    if plan.missing:
        if not download:
            raise MissingFilesError(
                f"{_missing_message(plan)}. Downloading is switched off: put the files "
                f"{_names(plan.missing)} in {plan.download_dir}, or allow downloading")
        _fetch_missing(plan, progress, cancel, status, timeout)
        plan = dataset_files(plan.info, data_dir, splits)
        if plan.missing:    # only if a downloaded file vanished under us
            raise MissingFilesError(_missing_message(plan))
    paths_by_split = {split: {s.file.role: s.path for s in statuses}
                      for split, statuses in plan.by_split.items()}
    info = plan.info
    arrays = {}
    for split, (images, labels) in _read_raw(info, paths_by_split).items():
        origin = " + ".join(str(p) for p in paths_by_split[split].values())
        arrays[split] = to_split_arrays(images, labels, info.image_shape, info.num_classes, origin)
    folders = dict.fromkeys(str(s.path.parent) for s in plan.files)
    empty = (None, None)
    return Dataset(name=info.name,
                   x_train=arrays.get("train", empty)[0], y_train=arrays.get("train", empty)[1],
                   x_test=arrays.get("test", empty)[0], y_test=arrays.get("test", empty)[1],
                   class_names=info.class_names, image_shape=info.image_shape,
                   source=", ".join(folders), splits=tuple(arrays))
