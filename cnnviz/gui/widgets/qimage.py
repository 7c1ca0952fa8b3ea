"""numpy arrays <-> QImage: the one place pixels cross between the two.

Arrays are uint8 (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA with straight
(not premultiplied) alpha, unless a function says otherwise. Every QImage
returned owns its pixels (a copy), and every array is a copy.
"""
from __future__ import annotations

import numpy as np
from PyQt5.QtGui import QImage

_GRAY_SOURCE_FORMATS = (QImage.Format_Mono, QImage.Format_MonoLSB, QImage.Format_Indexed8)
_ARRAY_FORMATS = {1: QImage.Format_Grayscale8, 3: QImage.Format_RGB888, 4: QImage.Format_RGBA8888}


class ImageArrayError(ValueError):
    """An array cannot be a QImage (shape, dtype), or a QImage is null."""


def qimage_to_array(image: QImage) -> np.ndarray:
    """Copy a QImage into a new uint8 array.

    Gray formats (Grayscale8/16, gray palettes, 1-bit) without alpha give
    (H, W); images with an alpha channel give (H, W, 4) RGBA, straight alpha;
    everything else (H, W, 3) RGB. Raises :class:`ImageArrayError` for a null
    QImage.
    """
    if image.isNull():
        raise ImageArrayError("cannot convert a null (empty) QImage to an array")
    fmt = image.format()
    if fmt == QImage.Format_Grayscale8:
        return _pixels(image, np.uint8, 1)[:, :, 0]
    if fmt == QImage.Format_Grayscale16:
        wide = _pixels(image, np.uint16, 1)[:, :, 0].astype(np.uint32)
        return ((wide + 128) // 257).astype(np.uint8)          # round(v * 255 / 65535)
    if image.hasAlphaChannel():
        return _pixels(image.convertToFormat(QImage.Format_RGBA8888), np.uint8, 4)
    if fmt in _GRAY_SOURCE_FORMATS and image.allGray():
        return _pixels(image.convertToFormat(QImage.Format_Grayscale8), np.uint8, 1)[:, :, 0]
    return _pixels(image.convertToFormat(QImage.Format_RGB888), np.uint8, 3)


def array_to_qimage(array: np.ndarray) -> QImage:
    """A QImage owning a copy of ``array``.

    ``array``: uint8 (H, W) or (H, W, 1) -> Format_Grayscale8, (H, W, 3) ->
    Format_RGB888, (H, W, 4) straight-alpha RGBA -> Format_RGBA8888. Raises
    :class:`ImageArrayError` for other shapes or dtypes.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise ImageArrayError(f"expected a uint8 array, got {array.dtype} "
                              f"(scale floats in [0, 1] by 255 and round first)")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in _ARRAY_FORMATS or 0 in array.shape:
        raise ImageArrayError(f"expected an array of shape (H, W), (H, W, 3) or (H, W, 4), "
                              f"got {array.shape}")
    height, width, channels = array.shape
    pixels = np.ascontiguousarray(array).tobytes()
    view = QImage(pixels, width, height, width * channels, _ARRAY_FORMATS[channels])
    return view.copy()      # the view borrows ``pixels``; the copy owns its data


def rgb_to_qimage(img: np.ndarray) -> QImage:
    """A QImage of an (H, W, 3) uint8 array (no checks: for pictures the program made)."""
    img = np.ascontiguousarray(img)
    h, w, _ = img.shape
    return QImage(img.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def rgba_to_qimage(rgba: np.ndarray) -> QImage:
    """A QImage of an (H, W, 4) uint8 RGBA array (no checks: for pictures the program made)."""
    rgba = np.ascontiguousarray(rgba)
    h, w = rgba.shape[:2]
    return QImage(rgba.data, w, h, 4 * w, QImage.Format_RGBA8888).copy()


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """(H, W, 3) uint8 RGB copy of any QImage."""
    return _pixels(image.convertToFormat(QImage.Format_RGB888), np.uint8, 3)


def input_to_qimage(x: np.ndarray) -> QImage:
    """A (1, H, W) or (3, H, W) array in [0, 1] as a grey or RGB QImage (a copy)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3 or x.shape[0] not in (1, 3):
        raise ValueError(f"expected (1, H, W) or (3, H, W), got {x.shape}")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0 or hi > 1:                       # a normalised input: show its own range
        x = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
    pixels = np.ascontiguousarray(np.round(np.clip(x, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0))
    h, w, c = pixels.shape
    fmt = QImage.Format_Grayscale8 if c == 1 else QImage.Format_RGB888
    return QImage(pixels.data, w, h, w * c, fmt).copy()


def rgb32_to_array(image: QImage, gray: bool) -> np.ndarray:
    """Pixels of a Format_RGB32 image: (H, W) from the blue byte (grey images have R=G=B)
    or (H, W, 3) RGB. Read straight from the image memory: Qt's own conversion to
    Grayscale8 costs milliseconds, and this runs for every live update."""
    if image.format() != QImage.Format_RGB32:
        image = image.convertToFormat(QImage.Format_RGB32)
    w, h, bpl = image.width(), image.height(), image.bytesPerLine()
    ptr = image.constBits()
    ptr.setsize(h * bpl)
    px = np.frombuffer(ptr, np.uint32).reshape(h, bpl // 4)[:, :w]     # 0xffRRGGBB
    if gray:
        return (px & 0xFF).astype(np.uint8)
    return np.stack([(px >> 16) & 0xFF, (px >> 8) & 0xFF, px & 0xFF], axis=-1).astype(np.uint8)


def _pixels(image: QImage, dtype: type, channels: int) -> np.ndarray:
    """Copy (H, W, channels) pixels of ``dtype`` out of ``image``, dropping row padding."""
    height, width, row_bytes = image.height(), image.width(), image.bytesPerLine()
    buffer = image.constBits()
    buffer.setsize(row_bytes * height)
    rows = np.frombuffer(buffer, dtype=np.uint8).reshape(height, row_bytes)
    used = rows[:, :width * channels * np.dtype(dtype).itemsize]
    return used.copy().view(dtype).reshape(height, width, channels)
