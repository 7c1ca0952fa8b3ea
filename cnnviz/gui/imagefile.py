"""Image files <-> numpy arrays, through Qt's QImage (no imaging library).

This is the one place image files are read. It uses only QtCore/QtGui and
needs no QApplication. Arrays are uint8: (H, W) gray, (H, W, 3) RGB or
(H, W, 4) RGBA (straight, not premultiplied, alpha).
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Union

import numpy as np
from PyQt5.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PyQt5.QtGui import QImage, QImageReader

from ..fileread import FileReadError, read_regular
from .widgets.qimage import qimage_to_array

#: the largest image file read, in bytes
MAX_FILE_BYTES = 64 << 20
#: the most pixels decoded (12.6 megapixels: a 12-megapixel photo fits); the app never needs more
MAX_PIXELS = 3 << 22
#: formats decoded straight to a smaller size when they are over MAX_PIXELS (libjpeg scales
#: while it decodes; other decoders would build the full image first)
_SCALED_ON_READ = ("jpeg",)
#: refused: rendering SVG text needs a running QGuiApplication (without one Qt crashes), and an
#: SVG can reference other files or expand entities; a drawing for the network is a raster image
_VECTOR_FORMATS = ("svg", "svgz")

_JPEG_SOI = b"\xff\xd8"
# A marker inside entropy-coded data: 0xFF followed by anything but a stuffed
# zero, a restart marker (D0-D7) or another fill 0xFF.
_JPEG_SCAN_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


class ImageReadError(ValueError):
    """An image file is missing, unreadable, corrupt, truncated or not an image."""




def read_image(path: Union[str, Path]) -> np.ndarray:
    """Read an image file (PNG, JPEG, BMP, GIF, TIFF, WebP, ... whatever Qt decodes but SVG).

    Returns uint8 (H, W) for grayscale files without alpha (8- or 16-bit
    gray, gray palettes, 1-bit), (H, W, 4) RGBA when the file has an alpha
    channel (including gray + alpha), (H, W, 3) RGB otherwise. 16-bit gray is
    rounded to 8 bits. JPEG EXIF orientation is applied.

    Only regular files of at most :data:`MAX_FILE_BYTES` are read, and the
    pixel count is taken from the header before decoding: a JPEG over
    :data:`MAX_PIXELS` is decoded scaled down to fit (keeping its aspect
    ratio), any other format over it is refused. SVG is refused (rendering
    its text needs a running QGuiApplication, and it can pull in other
    files). Raises :class:`ImageReadError` naming the file and the reason.
    """
    path = Path(path)
    data = _read_bytes(path)
    if data.startswith(_JPEG_SOI) and not _jpeg_is_complete(data):
        raise ImageReadError(f"cannot read image {path}: the JPEG data is truncated")
    byte_array = QByteArray(data)
    buffer = QBuffer(byte_array)
    buffer.open(QIODevice.ReadOnly)
    reader = QImageReader(buffer)
    try:
        image = _decode(reader, path)
    finally:
        # The TIFF handler closes its file through the device when it is destroyed:
        # the reader must drop its handler while the buffer still exists.
        reader.setDevice(None)
        buffer.close()
    return qimage_to_array(image)


def _decode(reader: QImageReader, path: Path) -> QImage:
    """Check format and size from the header, then decode (scaled down where that is cheap)."""
    fmt = bytes(reader.format()).decode("ascii", "replace").lower()
    if not fmt:
        raise ImageReadError(f"cannot read image {path}: {_reader_reason(reader)}")
    if fmt in _VECTOR_FORMATS:
        raise ImageReadError(f"cannot read image {path}: SVG drawings are not read (their text needs "
                             f"fonts and they can pull in other files); export it as PNG first")
    size = reader.size()
    if not size.isValid():
        raise ImageReadError(f"cannot read image {path}: its {fmt.upper()} header gives no usable size "
                             f"(a damaged file?), so it is not decoded")
    if size.isEmpty():
        raise ImageReadError(f"cannot read image {path}: its header says it is {size.width()}x{size.height()} "
                             f"pixels: it has no pixels")
    width, height = size.width(), size.height()
    if width * height > MAX_PIXELS:
        if fmt not in _SCALED_ON_READ:
            raise ImageReadError(
                f"cannot read image {path}: it is {width}x{height} pixels ({width * height / 1e6:,.1f} "
                f"megapixels); at most {MAX_PIXELS / 1e6:.1f} megapixels are read, so scale it down first")
        shrink = math.sqrt(MAX_PIXELS / (width * height))
        reader.setScaledSize(QSize(max(1, int(width * shrink)), max(1, int(height * shrink))))
    reader.setAutoTransform(True)
    image = reader.read()
    if image.isNull():
        raise ImageReadError(f"cannot read image {path}: {_reader_reason(reader)}")
    return image


def _read_bytes(path: Path) -> bytes:
    try:
        data = read_regular(path, MAX_FILE_BYTES, "image")
    except FileReadError as error:
        raise ImageReadError(str(error)) from None
    if not data:
        raise ImageReadError(f"cannot read image {path}: the file is empty")
    return data


def _reader_reason(reader: QImageReader) -> str:
    error = reader.error()
    if error == QImageReader.UnsupportedFormatError:
        return "not an image file, or a format Qt cannot decode"
    if error == QImageReader.InvalidDataError:
        return f"the image data is corrupt or truncated ({reader.errorString()})"
    return reader.errorString() or "unknown decoder error"


def _jpeg_is_complete(data: bytes) -> bool:
    """Whether the JPEG segment chain reaches its end-of-image marker.

    Qt's JPEG decoder fills a truncated file with grey and only prints a
    warning, so the chain is walked here: each segment by its length, each
    scan up to the next marker. Bytes after the end marker (thumbnails
    appended by cameras, say) are ignored.
    """
    position = 2
    size = len(data)
    while position + 4 <= size:
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:                      # fill byte before a marker
            position += 1
            continue
        if marker == 0xD9:                      # end of image
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:   # markers without a length
            position += 2
            continue
        segment_end = position + 2 + int.from_bytes(data[position + 2:position + 4], "big")
        if marker == 0xDA:                      # start of scan: entropy-coded data follows
            found = _JPEG_SCAN_END.search(data, segment_end)
            if found is None:
                return False
            position = found.start()
        else:
            position = segment_end
    return position + 2 <= size and data[position:position + 2] == b"\xff\xd9"
