"""One map drawn as crisp squares (nearest neighbour), with outlined boxes on it and an
optional hatched margin around it for padding: where a window sits on a layer's input,
which output cell it makes, or the heat of an explanation laid over the input.

Painted with QPainter (no scene graph): cheap enough to redraw on every step of a sweep.
"""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np
from PyQt5.QtCore import QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QImage, QPainter, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

from . import theme
from .cellwidget import CellWidget
from .qimage import rgba_to_qimage

Box = Tuple[float, float, float, float, str]     # top, left, bottom, right (cells, ends exclusive), colour


class MapImage(CellWidget):
    """A 2-D map (rows x cols) drawn from RGBA pixels, square cells, centred across the widget
    at its top.

    ``margin`` cells of hatched padding are drawn around the map (a window reaching into
    the padding is then seen whole). ``cellClicked(row, col)`` and ``cellHovered(row, col)``
    (-1, -1 when the mouse leaves the map) report cells of the map itself.
    """

    cellHovered = pyqtSignal(int, int)

    def __init__(self, parent: Optional[QWidget] = None, min_side: int = 60, hint_side: int = 140):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._min, self._hint = min_side, hint_side
        self._image: Optional[QImage] = None
        self._overlay: Optional[QImage] = None
        self.shape: Tuple[int, int] = (0, 0)
        self.margin = 0
        self.boxes: List[Box] = []
        self._hover: Optional[Tuple[int, int]] = None

    def sizeHint(self) -> QSize:
        return QSize(self._hint, self._hint)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._min, self._min)

    def set_map(self, rgba: Optional[np.ndarray], margin: int = 0) -> None:
        """Show uint8 RGBA pixels (rows, cols, 4) (None: an empty frame), with ``margin`` padding cells."""
        self._image = None if rgba is None else rgba_to_qimage(np.ascontiguousarray(rgba))
        self.shape = (0, 0) if rgba is None else tuple(rgba.shape[:2])
        self.margin = int(margin)
        self.update()

    def set_overlay(self, rgba: Optional[np.ndarray]) -> None:
        """Lay RGBA pixels of the map's shape (their alpha blends) over the map, or None."""
        self._overlay = None if rgba is None else rgba_to_qimage(np.ascontiguousarray(rgba))
        self.update()

    def set_boxes(self, boxes: List[Box]) -> None:
        """Outline each (top, left, bottom, right, colour) block of cells (may reach into the margin)."""
        self.boxes = list(boxes)
        self.update()

    def map_rect(self) -> Tuple[QRectF, float]:
        """(where the map itself is drawn, the side of one cell) in widget pixels."""
        h, w = self.shape if self.shape != (0, 0) else (1, 1)
        m = self.margin
        cell = max(min((self.width() - 2) / (w + 2 * m), (self.height() - 2) / (h + 2 * m)), 0.5)
        if cell >= 4:                    # crisp squares; below that every pixel counts
            cell = math.floor(cell)
        x0 = (self.width() - (w + 2 * m) * cell) / 2 + m * cell
        y0 = m * cell + 1                      # at the top: a caption above stays next to it
        return QRectF(x0, y0, w * cell, h * cell), cell

    def cell_at(self, x: float, y: float) -> Optional[Tuple[int, int]]:
        """The map's (row, col) under widget position (x, y), or None."""
        rect, cell = self.map_rect()
        r, c = math.floor((y - rect.top()) / cell), math.floor((x - rect.left()) / cell)
        return (r, c) if 0 <= r < self.shape[0] and 0 <= c < self.shape[1] else None

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        colors = theme.colors()
        rect, cell = self.map_rect()
        if self.margin:
            m = self.margin * cell
            outer = rect.adjusted(-m, -m, m, m)
            p.fillRect(outer, QBrush(QColor(colors["muted"]), Qt.BDiagPattern))
        if self._image is None:
            p.fillRect(rect, QColor("#000000"))
        else:
            p.setRenderHint(QPainter.SmoothPixmapTransform, False)
            p.drawImage(rect, self._image)
            if self._overlay is not None:
                p.drawImage(rect, self._overlay)
        p.setPen(QPen(QColor(colors["paper_border"]), 1))
        p.drawRect(rect)
        for top, left, bottom, right, color in self.boxes:
            pen = QPen(QColor(color), 2)
            p.setPen(pen)
            p.drawRect(QRectF(rect.left() + left * cell, rect.top() + top * cell,
                              (right - left) * cell, (bottom - top) * cell))
        p.end()

    def mouseMoveEvent(self, event) -> None:
        at = self.cell_at(event.pos().x(), event.pos().y())
        if at != self._hover:
            self._hover = at
            self.cellHovered.emit(*(at if at is not None else (-1, -1)))
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        if self._hover is not None:
            self._hover = None
            self.cellHovered.emit(-1, -1)
        super().leaveEvent(event)
