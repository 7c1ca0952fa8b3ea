"""The paper the canvas draws on: blank, or an opened image made fit to be drawn on and read.

An opened image with an alpha channel is made opaque as ``predict`` does
(:func:`cnnviz.preprocess.flatten_alpha`: light ink on a transparent background
goes over black), so both classify the same pixels; such a grey picture is
*shown* inverted, dark ink on light paper.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage

from ...preprocess import flatten_alpha
from .qimage import array_to_qimage, qimage_to_array, rgb32_to_array

#: side of the blank paper; the brush size is given in pixels of this paper
PAPER_SIDE = 280
#: smallest loaded-image side (smaller images are enlarged by a whole factor)
MIN_IMAGE_SIDE = 280
#: largest loaded-image side (larger images are shrunk, keeping their aspect)
MAX_IMAGE_SIDE = 1024


def blank_paper() -> QImage:
    """White RGB32 paper, PAPER_SIDE pixels square."""
    img = QImage(PAPER_SIDE, PAPER_SIDE, QImage.Format_RGB32)
    img.fill(Qt.white)
    return img


def fit_paper(image: QImage) -> Tuple[QImage, Optional[QImage]]:
    """An opened image as paper: RGB32, enlarged (pixel-exact) or shrunk to a workable size.

    Returns (paper, shown): the paper is what the network reads; ``shown`` is how to
    show it when that differs (None otherwise). Light grey ink on a transparent
    background is composited over black, as ``predict`` does, and shown inverted - dark
    ink on light paper, as the user drew it.
    """
    dark_ground = False
    if image.hasAlphaChannel():
        img, dark_ground = _flatten_alpha(image)
    else:
        img = image.convertToFormat(QImage.Format_RGB32)
    w, h = img.width(), img.height()
    if max(w, h) > MAX_IMAGE_SIDE:
        img = img.scaled(MAX_IMAGE_SIDE, MAX_IMAGE_SIDE, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    elif min(w, h) < MIN_IMAGE_SIDE:
        k = math.ceil(MIN_IMAGE_SIDE / min(w, h))
        if max(w, h) * k > MAX_IMAGE_SIDE:
            k = max(1, MAX_IMAGE_SIDE // max(w, h))
        img = img.scaled(w * k, h * k, Qt.IgnoreAspectRatio, Qt.FastTransformation)
    shown = None
    if dark_ground and img.allGray():
        shown = img.copy()
        shown.invertPixels()
    return img, shown


def mean_brightness(image: QImage) -> float:
    """Mean grey level of ``image``, 0 (black) to 255 (white), from a 32x32 thumbnail."""
    small = image.scaled(32, 32, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
    return float(rgb32_to_array(small, gray=True).mean())


def _flatten_alpha(image: QImage) -> Tuple[QImage, bool]:
    """An image with alpha made opaque by :func:`cnnviz.preprocess.flatten_alpha` - the
    decision ``predict`` takes: over white, or over black for light ink on a transparent
    background. Returns (RGB32 image, whether it went over black)."""
    rgba = qimage_to_array(image)                       # (H, W, 4), straight alpha
    flat = flatten_alpha(rgba)                          # (H, W, 3) uint8
    alpha = rgba[..., 3]
    i = np.unravel_index(int(np.argmin(alpha)), alpha.shape)
    # at the most transparent pixel (alpha a < 1/2) over black gives <= a, over white >= 1 - a
    over_black = bool(alpha[i] < 128 and flat[i].max() < 128)
    return array_to_qimage(np.ascontiguousarray(flat)).convertToFormat(QImage.Format_RGB32), over_black
