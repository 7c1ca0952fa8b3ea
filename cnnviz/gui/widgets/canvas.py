"""The drawing surface: marker-like ink from mouse or pen, undo per stroke, loaded images.

The canvas holds a *paper* image (white by default, or an opened image fitted
by :mod:`.paper`) and the strokes (:mod:`.stroke`) drawn on it, in paper
pixels. The screen shows both as vectors at screen resolution (crisp on any
display); :meth:`DrawingCanvas.to_array` renders them at paper resolution for
the network. A grey picture opened from light ink on a transparent background
is *shown* inverted, dark ink on light paper, with the strokes drawn on it.
``contentChanged(final)`` fires on every change: ``final`` is False while a
stroke is still being drawn and True when a stroke ends, on undo, clear and
when an image is loaded.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from typing import List, Optional

import numpy as np
from PyQt5.QtCore import QEvent, QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PyQt5.QtWidgets import QSizePolicy, QWidget

from . import theme
from .paper import PAPER_SIDE, blank_paper, fit_paper, mean_brightness
from .qimage import array_to_qimage, rgb32_to_array
from .stroke import Point, Stroke, paint_stroke

DEFAULT_BRUSH = 22
BRUSH_RANGE = (4, 60)
_HISTORY_LIMIT = 200


class DrawingCanvas(QWidget):
    """Paper to draw on with mouse or tablet pen; see the module doc for the model."""

    #: the picture changed; True when the change is complete (stroke ended, undo, ...)
    contentChanged = pyqtSignal(bool)
    #: the undo history changed (enable/disable an Undo action)
    historyChanged = pyqtSignal()
    #: a local file was dropped onto the canvas
    fileDropped = pyqtSignal(str)
    #: image data (not a file) was dropped onto the canvas
    imageDropped = pyqtSignal(QImage)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.ClickFocus)
        self.setCursor(Qt.CrossCursor)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(130, 130)
        self._paper = blank_paper()
        self._shown_paper: Optional[QImage] = None      # the paper as shown, when not as read
        self._blank_paper = True
        self._gray_paper = True
        self._ink = "#000000"
        self._strokes: List[Stroke] = []
        self._live: Optional[List[Point]] = None
        self._history: List[tuple] = []
        self._brush = float(DEFAULT_BRUSH)
        self._hint = "Draw here"
        self._hover: Optional[QPointF] = None
        self._cursor_hidden = False
        self._tablet_down = False
        self._screen_cache: Optional[QPixmap] = None
        self._paper_cache: Optional[QImage] = None      # paper + committed strokes
        #: increases with every change of the picture (live stroke points included)
        self.revision = 0

    # -- public API -------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def brush_size(self) -> float:
        """Brush width in pixels of the 280-pixel blank paper."""
        return self._brush

    def set_brush_size(self, size: float) -> None:
        self._brush = float(max(BRUSH_RANGE[0], min(BRUSH_RANGE[1], size)))
        self.update()

    def set_hint(self, text: str) -> None:
        """Text shown on blank paper (never part of the picture)."""
        self._hint = text
        self._invalidate()

    def strokes(self) -> List[Stroke]:
        return list(self._strokes)

    def paper_size(self) -> QSize:
        return self._paper.size()

    def is_blank(self) -> bool:
        """True when nothing is drawn and no image is loaded."""
        return self._blank_paper and not self._strokes and not self._live

    def is_drawing(self) -> bool:
        return self._live is not None

    def can_undo(self) -> bool:
        return bool(self._history)

    def clear(self) -> None:
        """Blank paper, no strokes (undoable)."""
        if self.is_blank():
            return
        self._live = None
        self._push_history()
        self._paper, self._blank_paper, self._strokes, self._ink = blank_paper(), True, [], "#000000"
        self._shown_paper = None
        self._gray_paper = True
        self._changed(final=True)

    def undo(self) -> bool:
        """Take back the last stroke (or clear, or image load). False if nothing to undo."""
        if self._live is not None:
            self._live = None
            self._changed(final=True)
            return True
        if not self._history:
            return False
        self._paper, self._shown_paper, self._blank_paper, strokes, self._ink = self._history.pop()
        self._gray_paper = self._paper.allGray()
        self._strokes = list(strokes)
        self._changed(final=True)
        self.historyChanged.emit()
        return True

    def set_image(self, image: QImage) -> None:
        """Use ``image`` as the paper (undoable); the strokes are cleared."""
        if image.isNull():
            raise ValueError("the image is empty")
        self._live = None
        self._push_history()
        self._paper, self._shown_paper = fit_paper(image)
        self._blank_paper = False
        self._gray_paper = self._paper.allGray()
        self._strokes = []
        self._ink = "#000000" if mean_brightness(self._paper) >= 128 else "#ffffff"
        self._changed(final=True)

    def to_array(self) -> np.ndarray:
        """The picture at paper resolution: uint8 (H, W) if grey, else (H, W, 3) RGB."""
        img = self._committed()
        if self._live:
            img = img.copy()
            p = QPainter(img)
            p.setRenderHint(QPainter.Antialiasing)
            paint_stroke(p, Stroke(tuple(self._live), self._stroke_width(), self._ink))
            p.end()
        return rgb32_to_array(img, gray=self._gray_paper)

    def to_qimage(self) -> QImage:
        """The picture at paper resolution as a QImage (for copying or saving): Grayscale8
        if grey, else RGB888."""
        return array_to_qimage(self.to_array())

    # -- strokes in paper coordinates (mouse, pen and programs all come here) ------
    def begin_stroke(self, x: float, y: float, pressure: float = 1.0) -> None:
        self._live = [(float(x), float(y), float(pressure))]
        self._changed(final=False, dirty=self._live_rect(1))

    def extend_stroke(self, x: float, y: float, pressure: float = 1.0) -> None:
        if self._live is None:
            return
        last = self._live[-1]
        if (x - last[0]) ** 2 + (y - last[1]) ** 2 < 0.25 and abs(pressure - last[2]) < 0.02:
            return
        self._live.append((float(x), float(y), float(pressure)))
        self._changed(final=False, dirty=self._live_rect(3))

    def end_stroke(self) -> None:
        if self._live is None:
            return
        stroke = Stroke(tuple(self._live), self._stroke_width(), self._ink)
        self._live = None
        self._push_history()
        self._strokes.append(stroke)
        self._changed(final=True)

    def widget_to_paper(self, pos: QPointF) -> QPointF:
        r = self.paper_rect()
        s = self._paper.width() / r.width()
        return QPointF((pos.x() - r.left()) * s, (pos.y() - r.top()) * s)

    def paper_to_widget(self, pos: QPointF) -> QPointF:
        r = self.paper_rect()
        s = r.width() / self._paper.width()
        return QPointF(r.left() + pos.x() * s, r.top() + pos.y() * s)

    def paper_rect(self) -> QRectF:
        """Where the paper is shown in widget coordinates (aspect kept, centred)."""
        margin = 6.0
        w, h = self.width() - 2 * margin, self.height() - 2 * margin
        pw, ph = self._paper.width(), self._paper.height()
        s = max(1e-6, min(w / pw, h / ph))
        return QRectF((self.width() - pw * s) / 2, (self.height() - ph * s) / 2, pw * s, ph * s)

    # -- internals ------------------------------------------------------------
    def _stroke_width(self) -> float:
        return self._brush * min(self._paper.width(), self._paper.height()) / PAPER_SIDE

    def _push_history(self) -> None:
        self._history.append((self._paper, self._shown_paper, self._blank_paper, tuple(self._strokes), self._ink))
        del self._history[:-_HISTORY_LIMIT]
        self.historyChanged.emit()

    def _changed(self, final: bool, dirty: Optional[QRectF] = None) -> None:
        self.revision += 1
        if final:
            self._invalidate()
        elif dirty is not None:
            self.update(dirty.toAlignedRect())
        self.contentChanged.emit(final)

    def _invalidate(self) -> None:
        self._screen_cache = None
        self._paper_cache = None
        self.update()

    def _committed(self) -> QImage:
        if self._paper_cache is None:
            img = self._paper.copy()
            p = QPainter(img)
            p.setRenderHint(QPainter.Antialiasing)
            for s in self._strokes:
                paint_stroke(p, s)
            p.end()
            self._paper_cache = img
        return self._paper_cache

    def _as_shown(self, stroke: Stroke) -> Stroke:
        """``stroke`` in the colour it is shown in (inverted over an inverted paper)."""
        if self._shown_paper is None:
            return stroke
        c = QColor(stroke.color)
        return Stroke(stroke.points, stroke.width, QColor(255 - c.red(), 255 - c.green(), 255 - c.blue()).name())

    def _live_rect(self, last_n: int) -> QRectF:
        """Widget rectangle covering the last ``last_n`` points of the live stroke."""
        pts = self._live[-last_n:]
        r = self.paper_rect()
        s = r.width() / self._paper.width()
        pad = self._stroke_width() * s / 2 + 3
        xs = [r.left() + p[0] * s for p in pts]
        ys = [r.top() + p[1] * s for p in pts]
        return QRectF(min(xs) - pad, min(ys) - pad, max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad)

    def _screen(self) -> QPixmap:
        """Background, paper and committed strokes at screen resolution (cached)."""
        dpr = self.devicePixelRatioF()
        size = QSize(math.ceil(self.width() * dpr), math.ceil(self.height() * dpr))
        if self._screen_cache is None or self._screen_cache.size() != size:
            pm = QPixmap(size)
            pm.setDevicePixelRatio(dpr)
            c = theme.colors()
            pm.fill(self.palette().window().color())
            p = QPainter(pm)
            p.setRenderHint(QPainter.Antialiasing)
            r = self.paper_rect()
            p.setPen(QPen(QColor(c["paper_border"]), 1))
            p.setBrush(QColor(c["paper"]))
            p.drawRect(r.adjusted(-1, -1, 1, 1))
            scale = r.width() / self._paper.width()
            if not self._blank_paper:
                p.setRenderHint(QPainter.SmoothPixmapTransform, scale < 3)
                p.drawImage(r, self._paper if self._shown_paper is None else self._shown_paper)
            elif not self._strokes and self._hint:
                p.setPen(QColor(c["muted"]))
                f = p.font()
                f.setPointSizeF(max(9.0, r.height() / 22))
                p.setFont(f)
                # a long prompt ('Draw "circle", "triangle" or ...') wraps instead of being cut
                p.drawText(r.adjusted(8, 8, -8, -8), Qt.AlignCenter | Qt.TextWordWrap, self._hint)
            p.setClipRect(r)
            p.translate(r.topLeft())
            p.scale(scale, scale)
            for s in self._strokes:
                paint_stroke(p, self._as_shown(s))
            p.end()
            self._screen_cache = pm
        return self._screen_cache

    # -- Qt events ------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.drawPixmap(0, 0, self._screen())
        r = self.paper_rect()
        scale = r.width() / self._paper.width()
        p.setRenderHint(QPainter.Antialiasing)
        if self._live:
            p.save()
            p.setClipRect(r)
            p.translate(r.topLeft())
            p.scale(scale, scale)
            paint_stroke(p, self._as_shown(Stroke(tuple(self._live), self._stroke_width(), self._ink)))
            p.restore()
        elif self._hover is not None and r.contains(self._hover) and not self._cursor_hidden:
            radius = self._stroke_width() * scale / 2
            p.setPen(QPen(QColor(128, 128, 128, 200), 1))
            p.setBrush(Qt.NoBrush)
            p.drawEllipse(self._hover, radius, radius)
        p.end()

    def resizeEvent(self, event) -> None:
        self._screen_cache = None
        self._hover = None               # in widget coordinates: stale once the paper moved
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.PaletteChange, QEvent.StyleChange):
            self._screen_cache = None
            self.update()
        super().changeEvent(event)

    def brush_outline(self) -> Optional[QRectF]:
        """Where the brush's outline (the pointer over the paper) is drawn, or None."""
        if self._hover is None or self._live or self._cursor_hidden or not self.paper_rect().contains(self._hover):
            return None
        radius = self._stroke_width() * self.paper_rect().width() / self._paper.width() / 2
        return QRectF(self._hover.x() - radius, self._hover.y() - radius, 2 * radius, 2 * radius)

    @contextmanager
    def without_cursor(self):
        """While inside, the brush outline is not painted (an export shows the drawing only)."""
        self._cursor_hidden = True
        try:
            yield
        finally:
            self._cursor_hidden = False
            self.update()

    def _hover_to(self, pos: Optional[QPointF]) -> None:
        old = self._hover
        self._hover = pos
        r = self._stroke_width() * self.paper_rect().width() / self._paper.width() / 2 + 3
        for c in (old, pos):
            if c is not None:
                self.update(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r).toAlignedRect())

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and not self._tablet_down:
            self._hover = QPointF(event.localPos())     # the brush outline follows the pointer
            q = self.widget_to_paper(QPointF(event.localPos()))
            self.begin_stroke(q.x(), q.y())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = QPointF(event.localPos())
        if self._live is None:
            self._hover_to(pos)
            return
        self._hover = pos                 # drawn again where the stroke ends, not where it began
        if event.buttons() & Qt.LeftButton and not self._tablet_down:
            q = self.widget_to_paper(pos)
            self.extend_stroke(q.x(), q.y())

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self._live is not None and not self._tablet_down:
            self._hover = QPointF(event.localPos())
            q = self.widget_to_paper(QPointF(event.localPos()))
            self.extend_stroke(q.x(), q.y())
            self.end_stroke()
        else:
            super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:
        self._hover_to(None)
        super().leaveEvent(event)

    def tabletEvent(self, event) -> None:
        q = self.widget_to_paper(QPointF(event.posF()))
        kind = event.type()
        if kind == QEvent.TabletPress:
            self._tablet_down = True
            self.begin_stroke(q.x(), q.y(), event.pressure())
        elif kind == QEvent.TabletMove and self._tablet_down:
            self.extend_stroke(q.x(), q.y(), event.pressure())
        elif kind == QEvent.TabletRelease and self._tablet_down:
            self._tablet_down = False
            self.end_stroke()
        event.accept()   # no synthesized mouse events: the pen draws once, with pressure

    def dragEnterEvent(self, event) -> None:
        md = event.mimeData()
        if md.hasImage() or any(u.isLocalFile() for u in md.urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        md = event.mimeData()
        files = [u.toLocalFile() for u in md.urls() if u.isLocalFile()]
        if files:
            self.fileDropped.emit(files[0])
        elif md.hasImage():
            self.imageDropped.emit(QImage(md.imageData()))
        else:
            return
        event.acceptProposedAction()

