"""The header of one ``.npy`` array inside a zip (``.npz``) archive, read without its data.

numpy allocates an array of the shape its header declares before reading the
data, so a header is checked first: a small archive could otherwise declare a
terabyte, or an object array whose items would be unpickled.
"""
from __future__ import annotations

import lzma
import math
import tokenize
import zipfile
import zlib
from typing import Tuple

import numpy as np

#: errors a damaged member can raise while zipfile and numpy read it (numpy parses the
#: header's Python literal with tokenize and ast, which raise their own)
READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, lzma.LZMAError,
               NotImplementedError, RuntimeError, MemoryError, KeyError, TypeError, OverflowError,
               SyntaxError, tokenize.TokenError, RecursionError)


class NpyHeaderError(ValueError):
    """A member whose header cannot be used; the message completes "entry 'x' ..." ("is an object array ...")."""


def npy_member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Tuple[tuple, np.dtype]:
    """(shape, dtype) of the .npy member ``info``, checked to be safe to load.

    Refused (:class:`NpyHeaderError`): an unreadable header, an unknown .npy
    version, an object dtype, and a declared size larger than the member's
    uncompressed size in the zip directory.
    """
    try:
        with zf.open(info) as member:
            version = np.lib.format.read_magic(member)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(member)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(member)
            else:
                raise NpyHeaderError(f"uses .npy format version {version}, which is not supported")
    except READ_ERRORS as e:
        raise NpyHeaderError(f"is not a readable array: {e}") from None
    if dtype.hasobject:
        raise NpyHeaderError("is an object array (pickled Python objects); refused without loading it")
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > info.file_size:
        raise NpyHeaderError(f"declares shape {shape} ({nbytes:,} bytes) but holds only "
                             f"{info.file_size:,} bytes")
    return tuple(shape), dtype
