"""Reading CIFAR-10's python batches straight out of ``cifar-10-python.tar.gz``.

The archive is never extracted to disk: each batch member is unpickled from
the tar stream, and only through :func:`cnnviz.safepickle.safe_load`, which
admits nothing but arrays and plain containers.
"""
from __future__ import annotations

import posixpath
import tarfile
import zlib
from pathlib import Path
from typing import Dict, Iterable, Tuple, Union

import numpy as np

from ..safepickle import UnsafePickleError, safe_load
from .errors import DataFormatError

BATCHES = {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)}
IMAGE_SHAPE = (3, 32, 32)
PIXELS = 3 * 32 * 32
#: the largest batch member read (each official batch is about 31 MB)
MAX_BATCH_BYTES = 64 << 20


def _field(batch: dict, key: str):
    # encoding='bytes' keeps Python 2 str keys as bytes; Python 3 pickles have str keys.
    for k in (key.encode(), key):
        if k in batch:
            return batch[k]
    return None


def decode_batch(batch, name: str) -> Tuple[np.ndarray, np.ndarray]:
    """Turn one unpickled batch dict into images uint8 (N, 3, 32, 32) and labels (N,) as stored.

    Raises DataFormatError when 'data' or 'labels' is missing or misshaped.
    """
    if not isinstance(batch, dict):
        raise DataFormatError(f"{name} is not a CIFAR batch (it holds a {type(batch).__name__})")
    data, labels = _field(batch, "data"), _field(batch, "labels")
    if not isinstance(data, np.ndarray) or labels is None:
        raise DataFormatError(f"{name} is not a CIFAR-10 batch: it lacks 'data' or 'labels'")
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != PIXELS:
        raise DataFormatError(f"{name}: 'data' is {data.dtype} of shape {data.shape}; "
                              f"expected uint8 rows of {PIXELS} values (3x32x32)")
    return data.reshape(-1, *IMAGE_SHAPE), np.asarray(labels)


def read_cifar10_archive(path: Union[str, Path], splits: Iterable[str] = ("train", "test")
                         ) -> Dict[str, Tuple[np.ndarray, np.ndarray]]:
    """Read the requested splits from the CIFAR-10 python .tar.gz.

    Returns {split: (images uint8 (N, 3, 32, 32), labels (N,) integers as stored)};
    the train split concatenates data_batch_1..5. Raises DataFormatError for a
    damaged archive, a missing batch or a batch that is not plain data.
    """
    wanted = {member: split for split in splits for member in BATCHES[split]}
    decoded = {}
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            # Members are visited in archive order so the gzip stream is read once.
            for member in archive:
                base = posixpath.basename(member.name)
                if not member.isfile() or base not in wanted or base in decoded:
                    continue
                name = f"{path}:{member.name}"
                if member.size > MAX_BATCH_BYTES:
                    raise DataFormatError(f"{name} is {member.size:,} bytes; a CIFAR-10 batch is about 31 MB "
                                          f"(at most {MAX_BATCH_BYTES:,} are read)")
                try:
                    batch = safe_load(archive.extractfile(member), encoding="bytes")
                except UnsafePickleError as e:
                    raise DataFormatError(f"{name} was refused: {e}") from None
                except ValueError as e:
                    raise DataFormatError(f"{name} is damaged ({e}); delete {path} "
                                          f"and download it again") from None
                decoded[base] = decode_batch(batch, name)
    except DataFormatError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise DataFormatError(f"{path} is not a readable .tar.gz archive ({e}); "
                              f"delete it and download it again") from None
    missing = [m for m in wanted if m not in decoded]
    if missing:
        raise DataFormatError(f"{path} lacks the batch(es) {', '.join(missing)}; "
                              f"is it really cifar-10-python.tar.gz?")
    result = {}
    for split in splits:
        parts = [decoded[m] for m in BATCHES[split]]
        result[split] = (np.concatenate([p[0] for p in parts]),
                         np.concatenate([p[1] for p in parts]))
    return result
