"""What the network actually receives: the preprocessed input, pixel by pixel.

The (C, H, W) input in [0, 1] is drawn with nearest-neighbour upscaling at a
whole number of screen pixels per input pixel, so each of the 28 x 28 values
is a crisp square; a faint grid separates them once they are large enough.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, QSize, Qt
from PyQt5.QtGui import QColor, QImage, QPainter, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

from . import theme
from .qimage import input_to_qimage, rgba_to_qimage

FIELD_COLOR = "#39ff6a"        # the receptive field's box and text


class InputPreview(QWidget):
    """Shows the network input nearest-neighbour upscaled; empty frame when there is none."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("inputPreview")
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        self.setMinimumSize(84, 84)
        self._image: Optional[QImage] = None
        self._shape = None
        self._field: Optional[np.ndarray] = None       # (H, W) bool: the hovered cell's receptive field
        self._field_text = ""
        self.setToolTip("The image the network receives: your drawing cropped, scaled and "
                        "centred like an MNIST digit, then read as numbers 0 (black) .. 1 (white).")

    def sizeHint(self) -> QSize:
        return QSize(168, 168)

    def set_input(self, x: Optional[np.ndarray]) -> None:
        """Show input ``x`` (C, H, W), or nothing with None."""
        self._image = None if x is None else input_to_qimage(x)
        self._shape = None if x is None else tuple(x.shape)
        self.update()

    def set_field(self, spatial: Optional[np.ndarray], text: str = "") -> None:
        """Highlight the input pixels ``spatial`` (H, W) bool (a receptive field; the rest is
        dimmed and its box outlined) with ``text`` written under it; None removes it."""
        self._field = None if spatial is None else np.asarray(spatial, bool)
        self._field_text = text if spatial is not None else ""
        self.update()

    def field(self) -> Optional[np.ndarray]:
        """The highlighted pixels (H, W) bool, or None."""
        return self._field

    @property
    def field_text(self) -> str:
        """The words written with the highlighted field ("" without one)."""
        return self._field_text

    def image(self) -> Optional[QImage]:
        """The shown input at its own resolution (None when empty)."""
        return self._image

    def target_rect(self) -> QRectF:
        """Where the input is drawn: at the top, centred across, a whole number of
        device pixels per input pixel."""
        h, w = (self._shape[1], self._shape[2]) if self._shape else (28, 28)
        dpr = self.devicePixelRatioF()
        cell = max(1, math.floor(min(self.width() / w, self.height() / h) * dpr)) / dpr
        tw, th = cell * w, cell * h
        return QRectF(round((self.width() - tw) / 2), 0.5, tw, th)

    def _paint_field(self, p: QPainter, r: QRectF, cell: float) -> None:
        """Dim the pixels outside the field, outline its box, write its text at the bottom."""
        outside = np.zeros(self._field.shape + (4,), np.uint8)
        outside[~self._field] = (0, 40, 80, 170)
        p.drawImage(r, rgba_to_qimage(outside))
        rows, cols = np.nonzero(self._field.any(axis=1))[0], np.nonzero(self._field.any(axis=0))[0]
        if rows.size:
            pen = QPen(QColor(FIELD_COLOR), 2)
            p.setPen(pen)
            p.drawRect(QRectF(r.left() + cols[0] * cell, r.top() + rows[0] * cell,
                              (cols[-1] + 1 - cols[0]) * cell, (rows[-1] + 1 - rows[0]) * cell))
        if self._field_text:
            font = p.font()
            font.setPointSizeF(font.pointSizeF() * 0.85)       # the preview is small
            p.setFont(font)
            fm = p.fontMetrics()
            band = QRectF(r.left(), r.bottom() - fm.height() - 2, r.width(), fm.height() + 2)
            p.fillRect(band, QColor(0, 0, 0, 190))
            p.setPen(QColor(FIELD_COLOR))
            p.drawText(band, Qt.AlignCenter, fm.elidedText(self._field_text, Qt.ElideRight, int(r.width())))

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        r = self.target_rect()
        c = theme.colors()
        if self._image is None:
            p.fillRect(r, QColor("#000000"))
            p.setPen(QColor(c["muted"]))
            p.drawText(r, Qt.AlignCenter, "no input")
        else:
            p.setRenderHint(QPainter.SmoothPixmapTransform, False)
            p.drawImage(r, self._image)
            cell = r.width() / self._image.width()
            if cell * self.devicePixelRatioF() >= 6:
                pen = QPen(QColor(128, 128, 128, 45))
                pen.setCosmetic(True)
                p.setPen(pen)
                for i in range(1, self._image.width()):
                    x = r.left() + i * cell
                    p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()))
                for j in range(1, self._image.height()):
                    y = r.top() + j * cell
                    p.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
            if self._field is not None and self._field.shape == (self._image.height(), self._image.width()):
                self._paint_field(p, r, cell)
        p.setPen(QPen(QColor(c["paper_border"]), 1))
        p.setBrush(Qt.NoBrush)
        p.drawRect(r.adjusted(-0.5, -0.5, 0.5, 0.5))
        p.end()
