"""Small pieces drawn in a pyqtgraph view: outline boxes, backdrops, a fit that leaves room for a header."""
from __future__ import annotations

from typing import Tuple

import pyqtgraph as pg
from PyQt5.QtCore import QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QPen
from PyQt5.QtWidgets import QGraphicsRectItem

def outline_box(color: str, width: int = 2, z: float = 20) -> QGraphicsRectItem:
    """A hidden rectangle outline in screen pixels (cosmetic pen), for hover and pick marks."""
    box = QGraphicsRectItem()
    pen = QPen(QColor(color))
    pen.setCosmetic(True)
    pen.setWidth(width)
    box.setPen(pen)
    box.setZValue(z)
    box.hide()
    return box


def backdrop(color: str) -> QGraphicsRectItem:
    """A filled rectangle behind a mosaic: it shows through the NaN gutters between tiles."""
    frame = QGraphicsRectItem()
    frame.setBrush(QColor(color))
    frame.setPen(QPen(Qt.NoPen))
    frame.setZValue(-1)
    return frame


def fit_with_header(view: pg.ViewBox, rect: QRectF, header_px: float) -> Tuple[float, float]:
    """Show ``rect`` as large as a locked-aspect ``view`` allows with ``header_px`` screen pixels
    free above it; returns (the header's height in data units, screen pixels per data unit)."""
    vw, vh = max(view.width(), 20.0), max(view.height(), 20.0)
    per_px = max(rect.width() / vw, rect.height() / max(vh - header_px, 10.0))
    top = header_px * per_px
    view.setRange(QRectF(rect.left(), rect.top() - top, rect.width(), rect.height() + top), padding=0)
    return top, 1.0 / per_px


class LeavingLayoutWidget(pg.GraphicsLayoutWidget):
    """A GraphicsLayoutWidget that says when the mouse leaves it (``left``): the scene's
    ``sigMouseMoved`` never reports a position outside."""

    left = pyqtSignal()

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.left.emit()
