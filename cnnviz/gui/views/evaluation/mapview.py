"""The embedding map: test images placed by what the penultimate layer makes of them.

Each point is one test image, coloured by its true class, at the PCA projection of
the layer's output; images the network tells apart lie apart. A star marks the
input shown in every view (the drawing as it is drawn, or a picked test image).
Hovering a point shows its image; a click sends it to every view (``picked``).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ....evaluation import Embedding, Evaluation
from ...widgets.labels import WrapLabel
from .gallery import percent, thumbnail
from .palette import class_colors, color_chips
from .words import with_article

POINT_SIZE = 5
HOVER_PX = 8          # a point within this many pixels of the mouse is the hovered one
PREVIEW = 48          # the hovered image's side (pixels)
HOVER_HINT = "Hover a point to see its image; click it to see it in every view."


class MapView(QWidget):
    """Public: ``plot``, ``points`` (one ScatterPlotItem per class), ``marker`` (the shown
    input's star), ``caption``, ``legend``, ``preview`` / ``readout`` (the hovered image),
    :attr:`hovered` (its test-split index or None), :meth:`set_map`, :meth:`set_marker`,
    :meth:`hover_at_data`, ``picked(int)`` (a test-split index)."""

    picked = pyqtSignal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.embedding: Optional[Embedding] = None
        self.evaluation: Optional[Evaluation] = None
        self.images: Optional[np.ndarray] = None
        self.hovered: Optional[int] = None
        self.points = []
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMinimumHeight(150)
        self.plot.setLabel("bottom", "first principal direction")
        self.plot.setLabel("left", "second")
        self.marker = pg.ScatterPlotItem(size=20, symbol="star", brush=pg.mkBrush("#ffd54f"),
                                         pen=pg.mkPen("#202020", width=1.5))
        self.marker.setZValue(10)
        self.marker_label = pg.TextItem(anchor=(0, 1), color="#202020", fill=pg.mkBrush(255, 255, 255, 200))
        self.marker_label.setZValue(11)
        self.ring = pg.ScatterPlotItem(size=13, symbol="o", brush=None, pen=pg.mkPen("#202020", width=2))
        self.ring.setZValue(9)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.caption = WrapLabel("Evaluate to see the test images on a map.")
        self.legend = WrapLabel()
        self.preview = QLabel()
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.readout = WrapLabel(HOVER_HINT)
        row = QHBoxLayout()
        row.addWidget(self.preview)
        row.addWidget(self.readout, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self.plot, 1)
        layout.addStretch(0)
        layout.addWidget(self.legend)
        layout.addLayout(row)

    def set_map(self, embedding: Optional[Embedding], evaluation: Optional[Evaluation],
                images: Optional[np.ndarray], caption: str) -> None:
        """Draw ``embedding`` (None: an empty map with ``caption`` saying why)."""
        self.embedding, self.evaluation, self.images = embedding, evaluation, images
        self.plot.clear()
        self.points = []
        self.hovered = None
        self.preview.clear()
        self.readout.setText(HOVER_HINT)
        self.caption.setText(caption)
        for w in (self.plot, self.readout, self.preview):
            w.setVisible(embedding is not None)         # an empty map's old axes would say nothing true
        if embedding is None:
            self.legend.setText("")
            return
        colors = class_colors(len(embedding.class_names))
        for k, color in enumerate(colors):
            mine = embedding.labels == k
            item = pg.ScatterPlotItem(embedding.points[mine, 0], embedding.points[mine, 1], size=POINT_SIZE,
                                      pen=None, brush=pg.mkBrush(color))
            self.plot.addItem(item)
            self.points.append(item)
        self.legend.setText(color_chips(embedding.class_names, colors))
        for item in (self.ring, self.marker, self.marker_label):
            self.plot.addItem(item)
        self.ring.setData([])
        self.marker.setData([])
        self.marker_label.hide()
        self.plot.autoRange()

    def set_marker(self, point: Optional[np.ndarray], label: str = "") -> None:
        """Put the star at map coordinates ``point`` (2,) named ``label``; None hides it."""
        if self.embedding is None or point is None:
            self.marker.setData([])
            self.marker_label.hide()
            return
        x, y = float(point[0]), float(point[1])
        self.marker.setData([x], [y])
        self.marker_label.setText(label)
        (x0, x1), _ = self.plot.getViewBox().viewRange()
        self.marker_label.setAnchor((1, 1) if x > (x0 + x1) / 2 else (0, 1))     # the words on the roomier side
        self.marker_label.setPos(x, y)
        self.marker_label.show()

    @property
    def marker_position(self) -> Optional[np.ndarray]:
        """The star's map coordinates, or None while it is hidden."""
        x, y = self.marker.getData()
        return None if len(x) == 0 else np.array([x[0], y[0]])

    # -- hovering ----------------------------------------------------------------------
    def nearest(self, x: float, y: float, within_px: float = HOVER_PX) -> Optional[int]:
        """Row of the map point nearest data point (x, y), if it is within ``within_px`` screen pixels."""
        if self.embedding is None or not len(self.embedding.points):
            return None
        pw, ph = self.plot.getViewBox().viewPixelSize()
        d = ((self.embedding.points[:, 0] - x) / max(pw, 1e-12)) ** 2 + \
            ((self.embedding.points[:, 1] - y) / max(ph, 1e-12)) ** 2
        row = int(np.argmin(d))
        return row if d[row] <= within_px ** 2 else None

    def hover_at_data(self, x: float, y: float) -> Optional[int]:
        """Hover at data point (x, y): show the nearest image (if near); its test-split index."""
        row = self.nearest(x, y)
        if row is None:
            self.hovered = None
            self.ring.setData([])
            return None
        emb, ev = self.embedding, self.evaluation
        index = int(emb.indices[row])
        self.hovered = index
        self.ring.setData([emb.points[row, 0]], [emb.points[row, 1]])
        names = emb.class_names
        true, pred = int(ev.labels[index]), int(ev.predictions[index])
        p = float(ev.probabilities[index, pred])
        verdict = "read right" if true == pred else f"read as {names[pred]}"
        self.preview.setPixmap(thumbnail(self.images[index], PREVIEW))
        self.readout.setText(f"test #{index:,}: {with_article(names[true])}, {verdict} ({percent(p)}) · "
                             f"click to see it in every view")
        return index

    def _mouse_moved(self, scene_pos) -> None:
        if self.embedding is None:
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self.hovered = None
            self.ring.setData([])
            return
        p = vb.mapSceneToView(scene_pos)
        self.hover_at_data(p.x(), p.y())

    def _clicked(self, event) -> None:
        if event.button() != Qt.LeftButton or self.embedding is None:
            return
        p = self.plot.getViewBox().mapSceneToView(event.scenePos())
        index = self.hover_at_data(p.x(), p.y())
        if index is not None:
            self.picked.emit(index)
