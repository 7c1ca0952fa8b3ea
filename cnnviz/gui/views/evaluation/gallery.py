"""The mistakes gallery: test images the model got wrong (or one confusion cell's images),
most confident answer first, each with its true label, the predicted one and the probability.

A click on an image emits ``picked(Mistake)``; the panel sends it to the inspector.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QIcon, QPixmap
from PyQt5.QtWidgets import QHBoxLayout, QListView, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from ....evaluation import Mistake
from ...widgets.classbars import format_probability
from ...widgets.labels import WrapLabel
from ...widgets.qimage import input_to_qimage
from .words import with_article

#: thumbnail side (pixels): a 28x28 digit at twice its size
THUMB = 56
#: at most this many images are listed (the most confident); the header says how many there are
MOST = 300


def thumbnail(image: np.ndarray, side: int = THUMB) -> QPixmap:
    """A test image (C, H, W) uint8 0..255 as a ``side`` x ``side`` pixmap, pixels kept sharp."""
    q = input_to_qimage(np.asarray(image, np.float32) / 255.0)
    return QPixmap.fromImage(q.scaled(side, side, Qt.KeepAspectRatio, Qt.FastTransformation))


def percent(p: float) -> str:
    """A probability as the gallery writes it: "97.1%", ">99.9%" (never "100%" short of 1), "<0.1%"."""
    if p >= 1:
        return "100%"
    if p >= 0.9995:
        return ">99.9%"
    return format_probability(p)


def caption(m: Mistake) -> str:
    """E.g. "test #4,512: an 8 read as 3 (97.1%); it gave 8 2.5%"."""
    text = f"test #{m.index:,}: {with_article(m.true_name)} read as {m.predicted_name} ({percent(m.probability)})"
    return text + (f"; it gave {m.true_name} {percent(m.true_probability)}" if m.is_error else "")


def item_text(m: Mistake) -> str:
    """Two short lines under a thumbnail: "4 → 9" and the probability of the answer."""
    return f"{m.true_name} → {m.predicted_name}\n{percent(m.probability)}"


class MistakeGallery(QWidget):
    """Public: ``list`` (one item per shown image, in order), ``header``, ``all_button``
    ("all mistakes", shown while a cell's images are listed), :attr:`shown` (the listed
    Mistakes), :attr:`total` (how many images the selection holds), :meth:`show_images`,
    ``picked(Mistake)``, ``allRequested()``."""

    picked = pyqtSignal(object)
    allRequested = pyqtSignal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.shown: Sequence[Mistake] = ()
        self.total = 0
        self.header = WrapLabel("Evaluate to see the test images the network gets wrong.")
        self.all_button = QPushButton("All mistakes")
        self.all_button.setToolTip("List every misclassified test image again, not only one cell's")
        self.all_button.clicked.connect(self.allRequested)
        self.all_button.hide()
        self.list = QListWidget()
        self.list.setViewMode(QListView.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setResizeMode(QListView.Adjust)
        self.list.setMovement(QListView.Static)
        self.list.setTextElideMode(Qt.ElideNone)     # ">99.9%" is wider than the image
        self.list.setSpacing(2)
        self.list.setWordWrap(True)
        self.list.setGridSize(QSize(THUMB + 30, THUMB + 2 * self.fontMetrics().lineSpacing() + 10))
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.header, 1)
        top.addWidget(self.all_button, 0, Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)

    def show_images(self, mistakes: Sequence[Mistake], images: Optional[np.ndarray], heading: str,
                    cell: bool = False) -> None:
        """List ``mistakes`` (already sorted; the first :data:`MOST`) with thumbnails of
        ``images`` (the test split, uint8 (N, C, H, W)) under ``heading``; ``cell``: they
        are one confusion cell's (the "All mistakes" button is offered)."""
        self.total = len(mistakes)
        self.shown = tuple(mistakes[:MOST])
        more = f" The {MOST} most confident are shown." if self.total > MOST else ""
        self.header.setText(heading + more)
        self.all_button.setVisible(cell)
        self.list.setUpdatesEnabled(False)
        self.list.clear()
        for i, m in enumerate(self.shown):
            pixmap = thumbnail(images[m.index])
            icon = QIcon(pixmap)
            icon.addPixmap(pixmap, QIcon.Selected)        # no selection tint over the image
            item = QListWidgetItem(icon, item_text(m))
            item.setToolTip(caption(m) + " · click to see it in every view")
            item.setData(Qt.UserRole, i)
            item.setTextAlignment(Qt.AlignHCenter | Qt.AlignTop)
            self.list.addItem(item)
        self.list.setUpdatesEnabled(True)

    def clear(self, text: str) -> None:
        self.shown, self.total = (), 0
        self.list.clear()
        self.all_button.hide()
        self.header.setText(text)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.picked.emit(self.shown[int(item.data(Qt.UserRole))])
