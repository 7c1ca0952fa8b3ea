"""Writing a PNG file from a numpy image, with the standard library only (zlib, struct).

The app saves the drawings of a collected data set through this, so the data
layer can write them without Qt. Reading PNGs (any kind, from any program)
is left to an image reader the caller passes in (see :mod:`.imagefolder`).
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def encode_png(image: np.ndarray, level: int = 6) -> bytes:
    """The bytes of a PNG file holding ``image``: uint8 (H, W) grey or (H, W, 3) RGB.

    8 bits per sample, no filtering, deflated at zlib ``level``. Raises
    ValueError for another shape or type.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"a PNG is written from uint8 (H, W) or (H, W, 3), got {image.dtype} {image.shape}")
    h, w = image.shape[:2]
    if h == 0 or w == 0:
        raise ValueError("an image without pixels cannot be written")
    colour_type = 0 if image.ndim == 2 else 2
    rows = np.ascontiguousarray(image).reshape(h, -1)
    raw = np.zeros((h, rows.shape[1] + 1), np.uint8)      # each row starts with filter type 0
    raw[:, 1:] = rows
    header = struct.pack(">IIBBBBB", w, h, 8, colour_type, 0, 0, 0)
    return (SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw.tobytes(), level))
            + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
