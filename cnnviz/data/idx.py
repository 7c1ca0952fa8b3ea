"""Reading IDX files (the MNIST format), gzip-compressed or raw.

Layout: two zero bytes, a dtype code, the number of dimensions, then one
big-endian uint32 per dimension, then the data in C order, big-endian.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Optional, Union

import numpy as np

from .errors import DataFormatError

Source = Union[str, Path, bytes, bytearray]

IDX_DTYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
GZIP_MAGIC = b"\x1f\x8b"


def display_name(source: Source, name: Optional[str] = None) -> str:
    """``name`` if given, else the path, else '<bytes>': how messages refer to a source."""
    if name:
        return name
    return "<bytes>" if isinstance(source, (bytes, bytearray)) else str(source)


def read_bytes(source: Source, name: Optional[str] = None) -> bytes:
    """The bytes of a file (or bytes as given), gunzipped when they start with the gzip magic.

    Raises DataFormatError for an unreadable file or a damaged gzip stream.
    """
    name = display_name(source, name)
    if isinstance(source, (bytes, bytearray)):
        raw = bytes(source)
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as e:
            raise DataFormatError(f"cannot read {name}: {e.strerror or e}") from None
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise DataFormatError(
            f"{name} is a damaged gzip file ({e}); delete it and download it again") from None


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
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
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
