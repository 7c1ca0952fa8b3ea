"""A colour bar whose tick labels never overlap, and the round ticks it writes."""
from __future__ import annotations

import math
from typing import List

import numpy as np
import pyqtgraph as pg
from PyQt5.QtGui import QFontMetrics

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
        if values is not None and None not in values and \
                tuple(float(v) for v in values) == tuple(float(v) for v in self.levels()):
            return          # unchanged (levels are round numbers): the axes need no new picture
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
