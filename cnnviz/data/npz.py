"""Reading the KMNIST ``.npz`` files: one array stored under the key 'arr_0'."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Union

import numpy as np

from ..fileread import FileReadError, open_regular
from ..npymember import READ_ERRORS, NpyHeaderError, npy_member_header
from .errors import DataFormatError

NPZ_KEY = "arr_0"
ZIP_MAGIC = b"PK\x03\x04"
#: the largest array read (KMNIST's training images are 47 MB)
MAX_ARRAY_BYTES = 1 << 28


def read_npz_array(path: Union[str, Path], ndim: int) -> np.ndarray:
    """Read the 'arr_0' array of an npz file; it must be uint8 with ``ndim`` dimensions.

    Images are (N, H, W) uint8, labels (N,) uint8. Pickled (object) arrays are
    refused (``allow_pickle=False``), and the array's header is checked before
    it is loaded (at most :data:`MAX_ARRAY_BYTES`). Raises DataFormatError for
    anything else.
    """
    try:
        fh = open_regular(path, 2 * MAX_ARRAY_BYTES, "data file")
    except FileReadError as e:
        raise DataFormatError(str(e)) from None
    with fh:
        if fh.read(4) != ZIP_MAGIC:
            raise DataFormatError(f"{path} is not an .npz archive (it does not start with a zip header)")
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as archive:
                array = _read_member(archive, path)
        except DataFormatError:
            raise
        except READ_ERRORS as e:
            raise DataFormatError(f"{path} is not a readable .npz file ({e}); "
                                  f"replace it with a complete copy") from None
    if array.dtype != np.uint8 or array.ndim != ndim:
        raise DataFormatError(f"{path} holds {array.dtype} data of shape {array.shape}; "
                              f"expected uint8 with {ndim} dimension(s)")
    return array


def _read_member(archive: zipfile.ZipFile, path) -> np.ndarray:
    names = [n[:-4] if n.endswith(".npy") else n for n in archive.namelist()]
    if NPZ_KEY not in names:
        raise DataFormatError(f"{path} has no array named {NPZ_KEY!r} (it holds {names}); "
                              f"is it really a KMNIST file?")
    info = archive.getinfo(NPZ_KEY + ".npy")
    if info.file_size > MAX_ARRAY_BYTES:
        raise DataFormatError(f"{path}: its array unpacks to {info.file_size:,} bytes (at most "
                              f"{MAX_ARRAY_BYTES:,} are read)")
    try:
        npy_member_header(archive, info)
    except NpyHeaderError as e:
        raise DataFormatError(f"{path} is not a readable .npz file: {NPZ_KEY!r} {e}") from None
    with archive.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)
