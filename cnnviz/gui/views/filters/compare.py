""""Compare with start": a layer's weights at step 0 of a training run, drawn beside the current ones.

:class:`StartComparison` owns the step-0 picture's items in the filter view's
ViewBox (backdrop, image, "start" / "now" labels), its colour levels (one scale
shared with the current weights, or each its own), where it goes (left of the
current picture in a wide view, above it in a tall one) and a cache: the step-0
mosaic is refilled only when what it shows changes, not on every snapshot.
"""
from __future__ import annotations

import math
from typing import Callable, Optional, Tuple

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QRectF
from PyQt5.QtGui import QColor, QFont, QFontMetrics

from ...widgets import colormaps as cm
from ...widgets import theme
from ...widgets.mosaic import Mosaic, MosaicGeometry
from ...widgets.plotitems import backdrop

Levels = Tuple[float, float]


def compare_gap(w: int) -> int:
    """Pixels between the step-0 picture and the current one."""
    return max(3, int(round(0.06 * w)))


class StartComparison:
    """The step-0 side of the filter view's ``view`` (a ViewBox). ``font`` sizes the labels."""

    def __init__(self, view: pg.ViewBox, font: QFont):
        self.view = view
        self.font = font
        self.frame = backdrop(cm.MAP_BACKGROUND)
        self.image = pg.ImageItem(axisOrder="row-major")
        # the step-0 image gets the weights' colour map but its own levels (with "own
        # scales" they differ from the colour bar's)
        self.image.setColorMap(cm.WEIGHTS)
        self.start_label = pg.TextItem("start (step 0)", anchor=(0, 1))
        self.now_label = pg.TextItem("now", anchor=(0, 1))
        for item in self.items:
            view.addItem(item, ignoreBounds=True)
            item.hide()
        self.picture_px = 1e9             # on-screen width of one picture
        self._mosaic: Optional[Mosaic] = None
        self._key = None                  # what the step-0 image shows
        self._owner = None                # the step-0 weights the key's id refers to
        self._like = None                 # (geometry, extra) of the current picture

    @property
    def items(self):
        return (self.frame, self.image, self.start_label, self.now_label)

    @staticmethod
    def levels(W: np.ndarray, W0: Optional[np.ndarray], own: bool) -> Tuple[Levels, Optional[Levels]]:
        """(levels of the current weights, levels of the step-0 ones): symmetric, shared by both
        unless ``own``; (levels, None) without step-0 weights."""
        now = cm.symmetric_range(W)
        if W0 is None:
            return now, None
        start = cm.symmetric_range(W0)
        if own:
            return now, start
        shared = (min(now[0], start[0]), max(now[1], start[1]))
        return shared, shared

    def picture(self, key, owner, make: Callable[[Callable], np.ndarray]) -> np.ndarray:
        """The step-0 picture: ``make(mosaic_for)`` draws it (``mosaic_for`` lays it out like the
        current picture), called only when ``key`` (what it shows) changed. ``owner`` (the
        step-0 weights) is kept alive so that an id in the key stays theirs."""
        if key == self._key and self.image.image is not None:
            return self.image.image
        self._owner, self._key = owner, key
        return make(self._mosaic_like).copy()

    def layout_like(self, geometry: MosaicGeometry, extra: tuple) -> None:
        """Lay the step-0 picture out like the current one: ``geometry`` with ``extra`` dims."""
        self._like = (geometry, extra)

    def _mosaic_like(self, *_args) -> Mosaic:
        g, extra = self._like
        m = self._mosaic
        if m is None or m.geometry != g or m.extra != extra:
            m = self._mosaic = Mosaic(g.count, g.tile_h, g.tile_w, cols=g.cols, gap=g.gap, extra=extra)
        return m

    def show(self, start: Optional[np.ndarray], levels: Optional[Levels]) -> None:
        """Draw the step-0 picture ``start`` with ``levels``, or hide everything with None."""
        if start is None:
            for item in self.items:
                item.hide()
            return
        if start is not self.image.image:
            self.image.setImage(start, autoLevels=False, levels=levels)
        else:
            self.image.setLevels(levels)
        fg = QColor(theme.colors()["plot_fg"])
        self.start_label.setColor(fg)
        self.now_label.setColor(fg)
        for item in self.items:
            item.show()

    def place(self, w: int, h: int, side: bool, rgb: bool) -> QRectF:
        """Put the step-0 picture left of (``side``) or above the current one (w x h, at the
        origin) and return the range both need, with room above for the labels."""
        top = self._label_room(w, h, side)
        gap = compare_gap(w) if side else int(math.ceil(top)) + compare_gap(h)
        x0, y0 = (-w - gap, 0) if side else (0, -h - gap)
        self.frame.setRect(QRectF(x0 - 1, y0 - 1, w + 2, h + 2))
        self.frame.setBrush(QColor("#202020" if rgb else cm.MAP_BACKGROUND))
        self.image.setPos(x0, y0)
        self.start_label.setPos(x0 - 1, y0 - 1)
        self.now_label.setPos(-1, -1)
        return QRectF(min(x0, 0) - 1, y0 - 1 - top, w - min(x0, 0) + 2, h - y0 + 2 + top)

    def _label_room(self, w: int, h: int, side: bool) -> float:
        """Data units above a picture that hold a label line of fixed pixel height at the
        zoom the two pictures will be shown at."""
        px = QFontMetrics(self.font).height() + 4
        vw, vh = max(self.view.width(), 20.0), max(self.view.height(), 20.0)
        top = 2.0
        for _ in range(4):          # the zoom depends on the room, the room on the zoom
            gap = compare_gap(w) if side else top + compare_gap(h)
            width = 2 * w + gap + 2 if side else w + 2
            height = h + 2 + top if side else 2 * h + gap + 2 + top
            per_px = max(width / vw, height / vh) if self.view.state["aspectLocked"] else height / vh
            top = px * per_px
        self.picture_px = w / per_px
        return top

    def label(self, step: Optional[int]) -> None:
        """'start (step 0)' / 'now (step N)', or just 'start' / 'now' when the pictures are narrow."""
        start, now = "start (step 0)", "now" if step is None else f"now (step {step:,})"
        fm = QFontMetrics(self.font)
        if max(fm.horizontalAdvance(start), fm.horizontalAdvance(now)) > self.picture_px:
            start, now = "start", "now"
        self.start_label.setText(start)
        self.now_label.setText(now)


def movement_text(W: np.ndarray, W0: np.ndarray, conv: bool) -> str:
    """Which filters (conv: W's first axis) or units (dense: its last) moved since the start,
    for the title: "most moved: filter 7 (by 0.045, 3% of the start's largest |w|); 30 of 32
    moved over a tenth of that", or that none moved at all (frozen ones)."""
    change = np.abs(np.asarray(W, np.float64) - W0)
    per = change.reshape(len(W), -1).max(axis=1) if conv else change.max(axis=0)
    what = "filter" if conv else "unit"
    top = int(np.argmax(per)) if per.size else 0
    if not per.size or per[top] == 0:
        return f"no {what} moved since the start"
    scale = float(np.max(np.abs(W0))) or 1.0
    moved = int(np.sum(per > 0.1 * per[top]))
    return (f"most moved: {what} {top} (by {per[top]:.2g}, {100 * per[top] / scale:.2g}% of the start's largest "
            f"|w|); {moved} of {len(per)} moved over a tenth of that")
