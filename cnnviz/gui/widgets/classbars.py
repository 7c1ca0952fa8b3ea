"""A bar per class: the softmax as a chart whose class names never overlap."""
from __future__ import annotations

import math
from typing import List, Optional, Tuple

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QPointF
from PyQt5.QtGui import QFont, QFontMetrics
from PyQt5.QtWidgets import QGraphicsItem, QWidget

from . import theme

BAR_WIDTH = 0.72


def format_probability(p: float) -> str:
    """98.2%, 100%, <0.1% - a percentage a student can read at a glance."""
    if p >= 0.9995:
        return "100%"
    if p < 0.0005:
        return "<0.1%" if p > 0 else "0%"
    return f"{100 * p:.1f}%"


class NameAxis(pg.AxisItem):
    """The axis of class names. With two lanes (:attr:`lanes`), every other name is written one
    lane further out - a line lower under upright bars, a column further left beside lying
    ones - so names twice as wide (or tall) as a bar's room still never touch."""

    def __init__(self, orientation: str):
        super().__init__(orientation)
        self.lanes = 1
        self.lane_of: dict = {}          # name -> 0 (next to the axis) or 1 (one lane out)
        self.lane_step = 0.0             # pixels from one lane to the next

    def set_lanes(self, lanes: int, names: List[str], step: float) -> None:
        self.lanes, self.lane_step = lanes, step
        self.lane_of = {name: i % 2 for i, name in enumerate(names)} if lanes == 2 else {}
        self.picture = None
        self.update()

    def generateDrawSpecs(self, p):
        specs = super().generateDrawSpecs(p)
        if specs is None or self.lanes == 1:
            return specs
        axis, ticks, texts = specs
        dx, dy = (-self.lane_step, 0.0) if self.orientation == "left" else (0.0, self.lane_step)
        moved = [(rect.translated(dx, dy) if self.lane_of.get(text) else rect, flags, text)
                 for rect, flags, text in texts]
        return axis, ticks, moved


class ClassBarChart(pg.PlotWidget):
    """A bar per class (its probability), the top class highlighted and its percentage written
    at the end of its bar.

    Short class names ("7", "a") stand under upright bars; names too long for the room under
    a bar ("T-shirt/top", "automobile") turn the chart on its side: bars grow to the right
    from the names on the left. The orientation follows the chart's size
    (:attr:`orientation`: 'vertical' or 'horizontal'). When the names do not fit side by side,
    they take two lanes (:attr:`lanes`: every other name one line lower, or one column further
    left; 26 letters in a small panel); when even that leaves too little room, only every k-th
    name is written (the hover still names every bar).
    """

    PERCENT_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent, axisItems={"bottom": NameAxis("bottom"), "left": NameAxis("left")})
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMinimumSize(120, 110)
        item = self.getPlotItem()
        for name in ("left", "bottom"):
            item.getAxis(name).enableAutoSIPrefix(False)
            # the bars change with every stroke and the axes reach over them: kept as pixels,
            # an axis is copied, not drawn again from its text, until it changes itself
            item.getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.bars = pg.BarGraphItem(x=[0], height=[0], width=BAR_WIDTH)
        item.addItem(self.bars)
        self.top_text = pg.TextItem(anchor=(0.5, 1.0))
        item.addItem(self.top_text)
        self.orientation = "vertical"
        self.label_step = 1                  # every k-th class name is written on the axis
        self.lanes = 1                       # 2: every other name one lane further out
        self.names: List[str] = []
        self.values = np.zeros(0)
        self.hovered: Optional[int] = None
        self._layout_key = None
        self._category: Optional[pg.AxisItem] = None     # the axis of class names
        self._ticked_top: Optional[int] = -1
        self._colors = None                             # what the bars' brushes and pens show
        item.getViewBox().sigResized.connect(self._layout)
        theme.theme_signals().changed.connect(self._on_theme)

    # -- public -------------------------------------------------------------------
    def set_classes(self, names: List[str]) -> None:
        self.names = [str(n) for n in names]
        self.values = np.zeros(len(self.names))
        self.hovered = None
        self._layout_key = None
        self._layout()

    def set_values(self, p: Optional[np.ndarray]) -> None:
        """Show probabilities ``p`` (one per class), or all zeros with None."""
        n = len(self.names)
        self.values = np.zeros(n) if p is None else np.asarray(p, dtype=float)
        self._draw()

    def top_index(self) -> Optional[int]:
        v = self.values
        return int(np.argmax(v)) if v.size and v.max() > 0 else None

    def index_at(self, scene_pos: QPointF) -> Optional[int]:
        """The class whose bar is under a scene position (None between bars or outside)."""
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        along = p.x() if self.orientation == "vertical" else p.y()
        i = int(round(along))
        if 0 <= i < len(self.values) and abs(along - i) <= BAR_WIDTH / 2:
            return i
        return None

    def set_hovered(self, index: Optional[int]) -> None:
        if index != self.hovered:
            self.hovered = index
            self._draw()

    # -- layout ---------------------------------------------------------------------
    def _name_fonts(self, lanes: int = 1) -> List[QFont]:
        """Fonts to try for the class names, largest first (short names in two lanes may be
        smaller still: a letter in a lane of its own stays readable)."""
        base = QFont(self.font())
        short = all(len(n) <= 2 for n in self.names)
        sizes = (1.15, 1.0, 0.85, 0.75) + ((0.68,) if lanes == 2 else ()) if short else (1.0, 0.9, 0.8)
        fonts = []
        for k in sizes:
            f = QFont(base)
            f.setPointSizeF(base.pointSizeF() * k)
            fonts.append(f)
        return fonts

    def _choose(self) -> Tuple[str, int, QFont, int]:
        """(orientation, k, name font, lanes): the look that writes every k-th class name with the
        smallest k; every name in one lane, then in two, upright bars and larger type preferred."""
        n = max(1, len(self.names))
        pm = QFontMetrics(self.font())
        width = max(self.width() - pm.horizontalAdvance("100%") - 24, 20)
        height = max(self.height() - pm.height() - 18, 20)
        best = None
        for lanes in (1, 2):
            for font in self._name_fonts(lanes):
                fm = QFontMetrics(font)
                widths = [fm.horizontalAdvance(s) for s in self.names] or [0]
                for option in (("vertical", self._k_upright(widths, width / n, lanes), font, lanes),
                               ("horizontal", self._k_lying(fm, widths, height / n, lanes), font, lanes)):
                    if option[1] == 1:
                        return option
                    if lanes == 1 and (best is None or option[1] < best[1]):
                        best = option
        return best

    def _k_upright(self, widths: List[int], room: float, lanes: int) -> int:
        """Every k-th name written under upright bars ``room`` pixels apart (two lanes: 1 or never)."""
        n = len(widths)
        # neighbours in a lane must not touch: every label is centred under its bar
        pair = max((a + b) / 2 for a, b in zip(widths, widths[lanes:])) if n > lanes else widths[0]
        if pair + 3 <= lanes * room:
            return 1
        return max(2, math.ceil((max(widths) + 3) / room)) if lanes == 1 else len(widths) + 1

    def _k_lying(self, fm: QFontMetrics, widths: List[int], room: float, lanes: int) -> int:
        """Every k-th name written beside lying bars ``room`` pixels apart (two lanes: 1 or never,
        and only when the two columns of names leave the bars room)."""
        # the names' own ink (capitals are shorter than the line) and a gap keep them apart
        tallest = max((fm.tightBoundingRect(s).height() for s in self.names), default=fm.height())
        k = max(1, math.ceil(min(0.8 * fm.height(), tallest + 3) / (lanes * room)))
        if lanes == 1:
            return k
        bars = self.width() - 2 * max(widths) - 30 - QFontMetrics(self.font()).horizontalAdvance("100%")
        return 1 if k == 1 and bars >= 80 else len(widths) + 1

    def _percent_ticks(self, px_per_unit: float, need: float) -> List[Tuple[float, str]]:
        """0% and 100% and as many quarter or half steps between as leave ``need`` pixels
        for each label ("0" instead of "0%" when even the two ends are cramped)."""
        for step in (0.25, 0.5, 1.0):
            if step * px_per_unit >= need:
                return [(v, f"{int(round(v * 100))}%") for v in np.arange(0, 1.0001, step)]
        fm = QFontMetrics(self.font())
        if px_per_unit >= (fm.horizontalAdvance("0") + fm.horizontalAdvance("100%")) / 2 + 6:
            return [(0.0, "0"), (1.0, "100%")]
        return [(1.0, "100%")]

    def _layout(self) -> None:
        """Pick the orientation for the present size and set axes, ranges and ticks."""
        orientation, step, name_font, lanes = self._choose()
        vb = self.getPlotItem().getViewBox()
        # the view box's own size too: it changes again once the axes take their new widths
        key = (orientation, step, lanes, tuple(self.names), self.width(), self.height(), vb.width(), vb.height())
        if key == self._layout_key:
            return
        self._layout_key = key
        self.orientation, self.label_step, self.lanes = orientation, step, lanes
        fm = QFontMetrics(name_font)
        item = self.getPlotItem()
        n = len(self.names)
        pct_font = QFont(self.font())
        pm = QFontMetrics(pct_font)
        pct_w = pm.horizontalAdvance("100%")
        if orientation == "vertical":
            category, value = item.getAxis("bottom"), item.getAxis("left")
            vb.invertY(False)
            item.showGrid(x=False, y=True, alpha=0.25)
            item.getAxis("left").setWidth(pct_w + 12)
            category.setHeight(None if lanes == 1 else int(2 * fm.height() + 8))
            h = max(vb.height(), 40.0)
            # room below 0 for half the "0%" label (labels past the plot's edge are not drawn)
            # and above 100% for the top bar's percentage
            below, above = pm.height() / 2 + 1, pm.height() + 4
            per_px = 1.0 / max(h - below - above, 20.0)
            item.setXRange(-0.6, n - 0.4, padding=0)
            item.setYRange(-below * per_px, 1.0 + above * per_px, padding=0)
            ticks = self._percent_ticks(1.0 / per_px, 1.3 * pm.height())
        else:
            category, value = item.getAxis("left"), item.getAxis("bottom")
            vb.invertY(True)                                     # the first class on top
            item.showGrid(x=True, y=False, alpha=0.25)
            # every name: the winner's is always written
            widest = max((fm.horizontalAdvance(s) for s in self.names), default=20)
            item.getAxis("left").setWidth(lanes * widest + 6 * (lanes - 1) + 12)
            item.getAxis("bottom").setHeight(None)
            w = max(vb.width(), 40.0)
            per_px = 1.0 / max(w - pct_w - 12 - pct_w / 2, 20.0)    # data units of one pixel
            low, room = (pct_w / 4 + 2) * per_px, (pct_w + 10) * per_px
            item.setYRange(-0.6, n - 0.4, padding=0)
            item.setXRange(-low, 1.0 + room, padding=0)
            ticks = self._percent_ticks(1.0 / per_px, pct_w + 10)
        self._category, self._ticked_top = category, -1      # -1: names not written yet
        for axis in (category, value):
            axis.set_lanes(1, [], 0.0)
        if lanes == 2:
            step_px = fm.height() if orientation == "vertical" else max(fm.horizontalAdvance(s) for s in self.names) + 6
            category.set_lanes(2, self.names, step_px)
        category.setTickFont(name_font)
        value.setTicks([ticks])
        value.setTickFont(pct_font)
        self._draw()

    def _name_ticks(self, top: Optional[int]) -> None:
        """Every k-th class name on the axis, and always the top class's (its neighbours
        that would touch it give way)."""
        if top == self._ticked_top:
            return
        self._ticked_top = top
        k = self.label_step
        shown = [i for i in range(len(self.names)) if i % k == 0]
        if top is not None and k > 1:
            shown = sorted({i for i in shown if abs(i - top) >= k} | {top})
        self._category.setTicks([[(i, self.names[i]) for i in shown]])

    # -- drawing ------------------------------------------------------------------
    def _on_theme(self, _name: str) -> None:
        self._draw()

    def _draw(self) -> None:
        n = len(self.names)
        if len(self.values) != n:
            self.values = np.zeros(n)
        if n == 0:                              # no classes yet (an empty list trips pyqtgraph)
            return
        c = theme.colors()
        top = self.top_index()
        if self._category is not None:
            self._name_ticks(top)
        colors = (n, top, self.hovered, c["bar_top"], c["bar"], c["plot_fg"])
        paint = {}
        if colors != self._colors:          # brushes and pens only when the top or hover moved
            self._colors = colors
            paint = dict(brushes=[pg.mkBrush(c["bar_top"] if i == top else c["bar"]) for i in range(n)],
                         pens=[pg.mkPen(c["plot_fg"], width=1.5) if i == self.hovered else pg.mkPen(None)
                               for i in range(n)])
        idx = np.arange(n)
        if self.orientation == "vertical":
            self.bars.setOpts(x=idx, height=self.values, width=BAR_WIDTH, x0=None, y=None, y0=0, **paint)
        else:
            self.bars.setOpts(x0=np.zeros(n), y=idx, width=self.values, height=BAR_WIDTH, x=None, y0=None,
                              **paint)
        if top is None:
            self.top_text.setText("")
            return
        value = min(float(self.values[top]), 1.0)
        self.top_text.setText(format_probability(value), color=c["bar_top"])
        vb = self.getPlotItem().getViewBox()
        if self.orientation == "vertical":
            # centred over the bar, but never past the plot's left or right edge
            (x0, x1), _ = vb.viewRange()
            half = (self.top_text.textItem.boundingRect().width() / 2 + 1) * vb.viewPixelSize()[0]
            x = top if x1 - x0 <= 2 * half else min(max(top, x0 + half), x1 - half)
            self.top_text.setAnchor((0.5, 1.0))
            self.top_text.setPos(x, value + 0.01)
        else:
            self.top_text.setAnchor((0.0, 0.5))
            self.top_text.setPos(value + 0.01, top)
