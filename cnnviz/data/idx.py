"""Reading IDX files (the MNIST format), gzip-compressed or raw.

Layout: two zero bytes, a dtype code, the number of dimensions, then one
big-endian uint32 per dimension, then the data in C order, big-endian.
"""
from __future__ import annotations

import gzip
import io
import math
import zlib
from pathlib import Path
from typing import Optional, Union

import numpy as np

from ..fileread import FileReadError, read_regular
from .errors import DataFormatError

Source = Union[str, Path, bytes, bytearray]

IDX_DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
GZIP_MAGIC = b"\x1f\x8b"
#: the most bytes an IDX file may hold, after gunzipping (EMNIST letters' training images: 98 MB)
MAX_IDX_BYTES = 1 << 28


def display_name(source: Source, name: Optional[str] = None) -> str:
    """``name`` if given, else the path, else '<bytes>': how messages refer to a source."""
    if name:
        return name
    return "<bytes>" if isinstance(source, (bytes, bytearray)) else str(source)


def read_bytes(source: Source, name: Optional[str] = None) -> bytes:
    """The bytes of a file (or bytes as given), gunzipped when they start with the gzip magic.

    Only regular files are read, and at most :data:`MAX_IDX_BYTES` (before and
    after gunzipping). Raises DataFormatError for an unreadable or oversized
    file or a damaged gzip stream.
    """
    name = display_name(source, name)
    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
    else:
        try:
            raw = read_regular(source, MAX_IDX_BYTES, "data file")
        except FileReadError as e:
            raise DataFormatError(str(e)) from None
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            return _gunzip_bounded(stream, name)
    except (OSError, EOFError, zlib.error) as e:
        raise DataFormatError(
            f"{name} is a damaged gzip file ({e}); delete it and download it again") from None


def _gunzip_bounded(stream, name: str) -> bytes:
    """At most MAX_IDX_BYTES of a gzip stream; an IDX header promising more is refused before
    the rest is unpacked (a small file can unpack to gigabytes)."""
    head = stream.read(4)
    if len(head) == 4 and head[:2] == b"\0\0" and head[2] in IDX_DTYPES:
        head += stream.read(4 * head[3])
        dims = np.frombuffer(head, ">u4", count=(len(head) - 4) // 4, offset=4)
        declared = len(head) + math.prod(int(d) for d in dims) * IDX_DTYPES[head[2]].itemsize
        if declared > MAX_IDX_BYTES:
            raise DataFormatError(f"{name} declares {declared:,} bytes of data, more than any data set this "
                                  f"program reads ({MAX_IDX_BYTES:,}); it is not a data file it can use")
    data = head + stream.read(MAX_IDX_BYTES + 1 - len(head))
    if len(data) > MAX_IDX_BYTES:
        raise DataFormatError(f"{name} unpacks to more than {MAX_IDX_BYTES:,} bytes, more than any data set "
                              f"this program reads; it is not a data file it can use")
    return data


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode uncompressed IDX bytes into an array of the header's shape (native byte order, a copy).

    Raises DataFormatError when the magic number, dtype code, header or data
    length is wrong.
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataFormatError(
            f"{name} is not an IDX file (bad magic number {raw[:4].hex() or 'empty'}; "
            f"expected 0000 then a type byte and a dimension count)")
    code, ndim = raw[2], raw[3]
    dtype = IDX_DTYPES.get(code)
    if dtype is None:
        raise DataFormatError(f"{name}: unknown IDX data type code 0x{code:02x}")
    if ndim == 0:
        raise DataFormatError(f"{name}: IDX header declares zero dimensions")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DataFormatError(f"{name}: file ends inside the IDX header ({len(raw)} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = math.prod(dims) * dtype.itemsize
    actual = len(raw) - header_len
    if actual != expected:
        what = "truncated" if actual < expected else "too long"
        raise DataFormatError(
            f"{name} is {what}: its header promises shape {dims} ({expected} bytes of data) "
            f"but {actual} bytes follow; replace the file with a complete copy")
    data = np.frombuffer(raw, dtype, count=expected // dtype.itemsize, offset=header_len)
    return data.astype(dtype.newbyteorder("="), copy=True).reshape(dims)


def read_idx(source: Source, name: Optional[str] = None) -> np.ndarray:
    """Read an IDX file (path or bytes, gzip or raw) into an array of its declared shape and dtype."""
    name = display_name(source, name)
    return parse_idx(read_bytes(source, name), name)


def _require(array: np.ndarray, ndim: int, what: str, name: str) -> np.ndarray:
    if array.dtype != np.uint8 or array.ndim != ndim:
        raise DataFormatError(
            f"{name} holds {array.dtype} data of shape {array.shape}; "
            f"an IDX {what} file must hold unsigned bytes in {ndim} dimension(s)")
    return array


def read_idx_images(source: Source, name: Optional[str] = None) -> np.ndarray:
    """Read an IDX image file: uint8 array (N, H, W), pixel values 0..255."""
    name = display_name(source, name)
    return _require(read_idx(source, name), 3, "images", name)


def read_idx_labels(source: Source, name: Optional[str] = None) -> np.ndarray:
    """Read an IDX label file: uint8 array (N,) of class indices as stored."""
    name = display_name(source, name)
    return _require(read_idx(source, name), 1, "labels", name)
