"""Reading EMNIST letters, from NIST's ``gzip.zip`` or from its members kept as files.

EMNIST stores each image transposed (column-major) compared with MNIST, and
numbers the letters 1..26; both are fixed here so that images look upright and
labels 0..25 mean 'A'..'Z'.
"""
from __future__ import annotations

import posixpath
import zipfile
import zlib
from pathlib import Path
from typing import Tuple, Union

import numpy as np

from .errors import DataFormatError
from .idx import MAX_IDX_BYTES, read_idx_images, read_idx_labels

LETTERS = 26


def member_names(split: str) -> Tuple[str, str]:
    """The images and labels file names of an EMNIST letters split ('train' or 'test')."""
    return (f"emnist-letters-{split}-images-idx3-ubyte.gz",
            f"emnist-letters-{split}-labels-idx1-ubyte.gz")


def fix_orientation_and_labels(images: np.ndarray, labels: np.ndarray, name: str
                               ) -> Tuple[np.ndarray, np.ndarray]:
    """Transpose images (N, H, W) -> upright (N, W, H) and map labels 1..26 -> int64 0..25.

    Raises DataFormatError when a label is outside 1..26.
    """
    labels = labels.astype(np.int64)
    bad = (labels < 1) | (labels > LETTERS)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{name}: label {int(labels[first])} at index {first} is out of "
                              f"range 1..{LETTERS} for EMNIST letters")
    return np.ascontiguousarray(images.transpose(0, 2, 1)), labels - 1


def read_emnist_zip(path: Union[str, Path], split: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read one split from gzip.zip: images uint8 (N, 28, 28) upright, labels int64 0..25.

    Members are found by base name (normally under ``gzip/``) and read in
    memory. Raises DataFormatError for a damaged zip or missing members.
    """
    wanted = member_names(split)
    try:
        with zipfile.ZipFile(path) as archive:
            by_base = {posixpath.basename(n): n for n in archive.namelist()}
            missing = [w for w in wanted if w not in by_base]
            if missing:
                raise DataFormatError(f"{path} lacks {', '.join(missing)}; "
                                      f"is it really EMNIST's gzip.zip?")
            for w in wanted:
                size = archive.getinfo(by_base[w]).file_size
                if size > MAX_IDX_BYTES:
                    raise DataFormatError(f"{path}: {w} unpacks to {size:,} bytes, more than any data set this "
                                          f"program reads ({MAX_IDX_BYTES:,}); is it really EMNIST's gzip.zip?")
            raw_images, raw_labels = (archive.read(by_base[w]) for w in wanted)
    except DataFormatError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, KeyError) as e:
        raise DataFormatError(f"{path} is not a readable zip archive ({e}); "
                              f"delete it and download it again") from None
    images = read_idx_images(raw_images, f"{path}:{wanted[0]}")
    labels = read_idx_labels(raw_labels, f"{path}:{wanted[1]}")
    return fix_orientation_and_labels(images, labels, f"{path}:{wanted[1]}")


def read_emnist_files(images_path: Union[str, Path], labels_path: Union[str, Path]
                      ) -> Tuple[np.ndarray, np.ndarray]:
    """Read a split from its two IDX files (gzip or raw): images uint8 (N, 28, 28) upright, labels int64 0..25."""
    images = read_idx_images(images_path)
    labels = read_idx_labels(labels_path)
    return fix_orientation_and_labels(images, labels, str(labels_path))
