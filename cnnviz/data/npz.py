"""Reading the KMNIST ``.npz`` files: one array stored under the key 'arr_0'."""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Union

import numpy as np

from .errors import DataFormatError

NPZ_KEY = "arr_0"
ZIP_MAGIC = b"PK\x03\x04"


def read_npz_array(path: Union[str, Path], ndim: int) -> np.ndarray:
    """Read the 'arr_0' array of an npz file; it must be uint8 with ``ndim`` dimensions.

    Images are (N, H, W) uint8, labels (N,) uint8. Pickled (object) arrays are
    refused (``allow_pickle=False``). Raises DataFormatError for anything else.
    """
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise DataFormatError(f"cannot read {path}: {e.strerror or e}") from None
    if magic != ZIP_MAGIC:
        raise DataFormatError(f"{path} is not an .npz archive (it does not start with a zip header)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if NPZ_KEY not in archive.files:
                raise DataFormatError(
                    f"{path} has no array named {NPZ_KEY!r} (it holds {archive.files}); "
                    f"is it really a KMNIST file?")
            array = archive[NPZ_KEY]
    except DataFormatError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, zlib.error) as e:
        raise DataFormatError(f"{path} is not a readable .npz file ({e}); "
                              f"replace it with a complete copy") from None
    if array.dtype != np.uint8 or array.ndim != ndim:
        raise DataFormatError(f"{path} holds {array.dtype} data of shape {array.shape}; "
                              f"expected uint8 with {ndim} dimension(s)")
    return array
