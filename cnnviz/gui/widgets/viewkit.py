"""Parts every layer view is built from: the :class:`LayerView` base and its layout
(:func:`view_layout`), labels that never cut text (:class:`WrapLabel`, :class:`ElidedLabel`),
colour bars whose ticks never overlap (:class:`ColorBar`), outline boxes and backdrops, and
the tolerance that tells real zeros from floating-point noise (:data:`NOISE_FRACTION`).
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QEvent, QRectF, Qt
from PyQt5.QtGui import QColor, QFontMetrics, QPainter, QPen
from PyQt5.QtWidgets import QBoxLayout, QGraphicsRectItem, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .lazy import CatchUpOnShow, is_hidden

#: values within this fraction of a map's largest |value| of each other (or of zero) are
#: the same number: FFT convolutions leave ~1e-16 (float64) or ~1e-7 (float32) where the
#: exact result is 0, and such noise must not count as "positive" or as a pooling winner
NOISE_FRACTION = 1e-4


def nearest_entry(entries, index: int, kinds) -> Optional[int]:
    """Trace position of the entry of one of ``kinds`` closest to ``index`` (earlier wins a tie), or None."""
    for d in range(len(entries)):
        for j in (index - d, index + d):
            if 0 <= j < len(entries) and entries[j][1] in kinds:
                return j
    return None


class LayerView(CatchUpOnShow, QWidget):
    """What the layer views share: the inspector and its entries (renewed with the network),
    the selected position, and one enlarged item (``focused``) with the way back to all.

    Subclasses decorate ``refresh`` with :func:`cnnviz.gui.widgets.lazy.skip_while_hidden` and reset
    their own state for a new network in :meth:`_forget_layer`.
    """

    def __init__(self, inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.inspector = inspector
        self.focused: Optional[int] = None
        self._entries = inspector.entries()
        self._fit_key = None                 # what the view range was last fitted to

    def selected_index(self) -> int:
        """The inspector's selection, clamped to this network's entries."""
        return min(max(self.inspector.selected, 0), len(self._entries) - 1)

    def show_grid(self) -> None:
        """Back from one enlarged item to all of them."""
        self.focused = None
        self.refresh()

    def _on_network(self) -> None:
        self._entries = self.inspector.entries()
        self.focused = None
        self._forget_layer()
        self.refresh()

    def _forget_layer(self) -> None:
        """Drop what belonged to the previous network's layers (before the redraw)."""


class ElidedLabel(QLabel):
    """A one-line plain-text label that never widens its parent: text that does not fit ends in '…'."""

    def __init__(self, text: str = "", parent: Optional[QWidget] = None):
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

    def paintEvent(self, _ev):
        painter = QPainter(self)
        width = self.contentsRect().width()
        text = self.fontMetrics().elidedText(self.text(), Qt.ElideRight, width)
        painter.drawText(self.contentsRect(), int(self.alignment()), text)


class WrapLabel(QLabel):
    """A word-wrapped (rich text) label that keeps the height its text needs at its width.

    A plain wrapped QLabel inside a dock is squeezed below that height when space is short,
    and its last line is then cut in half; this one raises its minimum height instead, so
    the view's plot (which can shrink) gives way.
    """

    def __init__(self, text: str = "", parent: Optional[QWidget] = None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.setTextInteractionFlags(Qt.LinksAccessibleByMouse)
        self._fitted = (-1, None)
        self._no_hfw()

    def _no_hfw(self) -> None:
        # its own minimum height does what height-for-width would; without the flag a layout
        # holding it is not height-for-width either (a scroll area would size it by hints).
        # QLabel sets the flag again whenever its text, format or font changes
        policy = QSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        policy.setHeightForWidth(False)
        if self.sizePolicy() != policy:
            self.setSizePolicy(policy)

    def sizeHint(self):
        hint = super().sizeHint()
        if self._fitted[0] > 0:                     # as tall as the text is at the present width
            hint.setHeight(self.minimumHeight())
        return hint

    def setTextFormat(self, fmt) -> None:
        super().setTextFormat(fmt)
        self._no_hfw()

    def setText(self, text: str) -> None:
        if text == self.text():
            return                       # no new layout for the same words
        super().setText(text)
        self._no_hfw()
        self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.FontChange, QEvent.StyleChange, QEvent.ContentsRectChange):
            self._no_hfw()                  # QLabel reset the policy; the text's height changed
            self._fitted = (-1, None)
            self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def paintEvent(self, event) -> None:
        if self._fitted[0] == 0:              # fitted while out of sight: fit for what is shown
            self._fit()
        super().paintEvent(event)

    def _fit(self) -> None:
        width = self.width()
        if width <= 0 or self._fitted == (width, self.text()):
            return
        if not self.isVisible() or is_hidden(self):
            # not laid out yet, or a tab behind another with a stale (narrow) size: the height
            # there must not set the window's (or the group of tabs') minimum
            self._fitted = (0, None)
            self.setMinimumHeight(self.fontMetrics().lineSpacing())
            return
        self._fitted = (width, self.text())
        old = self.minimumHeight()
        self.setMinimumHeight(0)             # QLabel's heightForWidth is never below the minimum
        h = self.heightForWidth(width) if self.text() else 0
        self.setMinimumHeight(max(h, 0) if h != old else old)


#: a layer view's plot is never squeezed below this height (pixels)
PLOT_MIN_HEIGHT = 80
#: what a layer view's readout says before anything is drawn
NO_INPUT = "no input yet: draw something"


def view_layout(view: QWidget, title: QWidget, body: QWidget, readout: QWidget,
                top: Sequence = (), bottom: Sequence = ()) -> QBoxLayout:
    """The layout every layer view shares: the title; a row of controls (``top``, left to
    right; it takes no room while they are all hidden); the plot (all the spare room);
    the hover readout with more controls (``bottom``) at its right. Items are widgets,
    or None for a stretch."""
    body.setMinimumHeight(max(body.minimumHeight(), PLOT_MIN_HEIGHT))
    layout = QVBoxLayout(view)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.setSpacing(4)
    layout.addWidget(title)
    for items, stretch_last in ((top, True), (bottom, False)):
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        if not stretch_last:
            row.addWidget(readout, 1)
        for item in items:
            if item is None:
                row.addStretch(1)
            else:
                row.addWidget(item)
        if stretch_last:
            row.addStretch(1)
            layout.addLayout(row)
            layout.addWidget(body, 1)
        else:
            layout.addLayout(row)
    return layout


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


_NICE_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)


def _is_nice(step: float) -> bool:
    mantissa = step / 10.0 ** math.floor(math.log10(step))
    return any(abs(mantissa - n) < 1e-6 for n in _NICE_STEPS)


def tick_values(lo: float, hi: float, count: int) -> List[float]:
    """At most ``count`` (>= 2) ticks from ``lo`` to ``hi`` at a round step, 0 among them when
    the range spans it (colour-bar levels are round numbers, so their ends are ticks)."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return [lo]
    span = hi - lo
    for k in range(max(1, int(count) - 1), 0, -1):
        step = span / k
        zero_ok = not (lo < 0 < hi) or abs(lo / step - round(lo / step)) < 1e-6
        if k == 1 or (_is_nice(step) and zero_ok):
            return [round(lo + i * step, 12) for i in range(k + 1)]
    return [lo, hi]


def tick_text(v: float) -> str:
    """A short tick label: 0, 0.5, -0.02, 2.5e-05, 1200."""
    if v == 0:
        return "0"
    return f"{v:.3g}"


class ColorBar(pg.ColorBarItem):
    """A non-interactive colour bar whose tick labels never overlap: as many round ticks as
    its height holds (both ends and 0 first), recomputed when it is resized or re-levelled."""

    def __init__(self, cmap: pg.ColorMap, width: int = 14, axis_width: int = 60):
        super().__init__(interactive=False, width=width, colorMap=cmap, colorMapMenu=False)
        self.axis.setWidth(axis_width)
        self._tick_key = None

    def setLevels(self, values=None, low=None, high=None) -> None:
        super().setLevels(values, low, high)
        self._retick()

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._retick()

    def _retick(self) -> None:
        lo, hi = (float(v) for v in self.levels())
        length = self.axis.geometry().height() if not self.horizontal else self.axis.geometry().width()
        text = QFontMetrics(self.axis.style.get("tickFont") or self.axis.font()).height()
        room = text * (1.6 if not self.horizontal else 4.0)
        count = max(2, int(length // room) + 1) if length > 0 else 2
        key = (lo, hi, count)
        if key == self._tick_key:
            return
        self._tick_key = key
        self.axis.setTicks([[(v, tick_text(v)) for v in tick_values(lo, hi, count)], []])


def fit_with_header(view: pg.ViewBox, rect: QRectF, header_px: float) -> Tuple[float, float]:
    """Show ``rect`` as large as a locked-aspect ``view`` allows with ``header_px`` screen pixels
    free above it; returns (the header's height in data units, screen pixels per data unit)."""
    vw, vh = max(view.width(), 20.0), max(view.height(), 20.0)
    per_px = max(rect.width() / vw, rect.height() / max(vh - header_px, 10.0))
    top = header_px * per_px
    view.setRange(QRectF(rect.left(), rect.top() - top, rect.width(), rect.height() + top), padding=0)
    return top, 1.0 / per_px
