"""The drawing surface: marker-like ink from mouse or pen, undo per stroke, loaded images.

The canvas holds a *paper* image (white by default, or an opened image) and
the strokes drawn on it, in paper pixels. The screen shows both as vectors at
screen resolution (crisp on any display); :meth:`DrawingCanvas.to_array`
renders them at paper resolution for the network. An opened image with an alpha
channel is made opaque as ``predict`` does (:func:`cnnviz.preprocess.flatten_alpha`:
light ink on a transparent background goes over black), so both classify the same
pixels; such a grey picture is *shown* inverted, dark ink on light paper, with the
strokes drawn on it. ``contentChanged(final)``
fires on every change: ``final`` is False while a stroke is still being drawn
and True when a stroke ends, on undo, clear and when an image is loaded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np
from PyQt5.QtCore import QEvent, QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPixmap
from PyQt5.QtWidgets import QSizePolicy, QWidget

from ...preprocess import flatten_alpha
from . import theme
from .qimage import array_to_qimage, qimage_to_array, rgb32_to_array

#: side of the blank paper; the brush size is given in pixels of this paper
PAPER_SIDE = 280
#: smallest loaded-image side (smaller images are enlarged by a whole factor)
MIN_IMAGE_SIDE = 280
#: largest loaded-image side (larger images are shrunk, keeping their aspect)
MAX_IMAGE_SIDE = 1024
DEFAULT_BRUSH = 22
BRUSH_RANGE = (4, 60)
_HISTORY_LIMIT = 200

Point = Tuple[float, float, float]      # x, y in paper pixels; pen pressure 0..1


@dataclass(frozen=True)
class Stroke:
    """One stroke of ink: points in paper pixels with pressure, nominal width, colour."""
    points: Tuple[Point, ...]
    width: float
    color: str = "#000000"


def stroke_width(width: float, pressure: float) -> float:
    """Pen width at ``pressure``: light touches stay visible, full pressure is ``width``."""
    return width * (0.35 + 0.65 * max(0.0, min(1.0, pressure)))


def paint_stroke(painter: QPainter, stroke: Stroke) -> None:
    """Draw ``stroke`` with round caps and joins, in the painter's coordinates."""
    pts = stroke.points
    if not pts:
        return
    color = QColor(stroke.color)
    pen = QPen(color, stroke_width(stroke.width, pts[0][2]), Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
    if len(pts) == 1:
        painter.setPen(Qt.NoPen)
        painter.setBrush(color)
        r = pen.widthF() / 2
        painter.drawEllipse(QPointF(pts[0][0], pts[0][1]), r, r)
        return
    painter.setBrush(Qt.NoBrush)
    if all(p[2] == pts[0][2] for p in pts):
        # constant width: one smoothed path (quadratic curves through the midpoints)
        path = QPainterPath(QPointF(pts[0][0], pts[0][1]))
        for (x0, y0, _), (x1, y1, _) in zip(pts[1:-1], pts[2:]):
            path.quadTo(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
        path.lineTo(pts[-1][0], pts[-1][1])
        painter.setPen(pen)
        painter.drawPath(path)
        return
    for (x0, y0, p0), (x1, y1, p1) in zip(pts, pts[1:]):
        pen.setWidthF(stroke_width(stroke.width, (p0 + p1) / 2))
        painter.setPen(pen)
        painter.drawLine(QPointF(x0, y0), QPointF(x1, y1))


def _blank_paper() -> QImage:
    img = QImage(PAPER_SIDE, PAPER_SIDE, QImage.Format_RGB32)
    img.fill(Qt.white)
    return img


def _fit_paper(image: QImage) -> Tuple[QImage, Optional[QImage]]:
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


def _mean_brightness(image: QImage) -> float:
    small = image.scaled(32, 32, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
    return float(rgb32_to_array(small, gray=True).mean())


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
        self._paper = _blank_paper()
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
        self._paper, self._blank_paper, self._strokes, self._ink = _blank_paper(), True, [], "#000000"
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
        self._paper, self._shown_paper = _fit_paper(image)
        self._blank_paper = False
        self._gray_paper = self._paper.allGray()
        self._strokes = []
        self._ink = "#000000" if _mean_brightness(self._paper) >= 128 else "#ffffff"
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
        """The picture at paper resolution as a QImage (for copying or saving)."""
        arr = self.to_array()
        h, w = arr.shape[:2]
        if arr.ndim == 2:
            return QImage(arr.data, w, h, arr.strides[0], QImage.Format_Grayscale8).copy()
        return QImage(arr.data, w, h, arr.strides[0], QImage.Format_RGB888).copy()

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
                p.drawText(r, Qt.AlignCenter, self._hint)
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
        elif self._hover is not None and r.contains(self._hover):
            radius = self._stroke_width() * scale / 2
            p.setPen(QPen(QColor(128, 128, 128, 200), 1))
            p.setBrush(Qt.NoBrush)
            p.drawEllipse(self._hover, radius, radius)
        p.end()

    def resizeEvent(self, event) -> None:
        self._screen_cache = None
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.PaletteChange, QEvent.StyleChange):
            self._screen_cache = None
            self.update()
        super().changeEvent(event)

    def _hover_to(self, pos: Optional[QPointF]) -> None:
        old = self._hover
        self._hover = pos
        r = self._stroke_width() * self.paper_rect().width() / self._paper.width() / 2 + 3
        for c in (old, pos):
            if c is not None:
                self.update(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r).toAlignedRect())

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and not self._tablet_down:
            q = self.widget_to_paper(QPointF(event.localPos()))
            self.begin_stroke(q.x(), q.y())
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = QPointF(event.localPos())
        if self._live is not None and event.buttons() & Qt.LeftButton and not self._tablet_down:
            q = self.widget_to_paper(pos)
            self.extend_stroke(q.x(), q.y())
        elif self._live is None:
            self._hover_to(pos)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self._live is not None and not self._tablet_down:
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

