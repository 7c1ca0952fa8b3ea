"""Spin boxes for the settings: numbers stepped 1-2-5 on a log scale."""
from __future__ import annotations

import math
from typing import Optional

from PyQt5.QtGui import QFontMetrics, QValidator
from PyQt5.QtWidgets import QWidget

from .wheelguard import DoubleSpinBox


class LogSpinBox(DoubleSpinBox):
    """A positive number such as a learning rate: shown like ``0.001``, stepped 1-2-5
    (0.001 -> 0.002 -> 0.005 -> 0.01). With ``allow_zero`` stepping below the minimum gives 0."""

    def __init__(self, value: float, minimum: float = 1e-6, maximum: float = 10.0, allow_zero: bool = False,
                 parent: Optional[QWidget] = None):
        super().__init__(parent)
        self._floor = minimum
        self.setDecimals(10)
        self.setRange(0.0 if allow_zero else minimum, maximum)
        self.setKeyboardTracking(False)
        self.setValue(value)

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(min(hint.width(), QFontMetrics(self.font()).horizontalAdvance("0.000005") + 40))
        return hint

    def minimumSizeHint(self):
        return self.sizeHint()

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        stripped = text.strip()
        if stripped in ("", ".", "-", "e", "1e", "1e-"):
            return QValidator.Intermediate, text, pos
        try:
            v = float(stripped)
        except ValueError:
            ok = all(c in "0123456789.eE-+" for c in stripped)
            return (QValidator.Intermediate if ok else QValidator.Invalid), text, pos
        return (QValidator.Acceptable if self.minimum() <= v <= self.maximum() else QValidator.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:
        v = self.value()
        for _ in range(abs(steps)):
            v = _next_125(v, steps > 0, self._floor, self.minimum() == 0.0)
        self.setValue(min(max(v, self.minimum()), self.maximum()))


def _next_125(v: float, up: bool, floor: float, allow_zero: bool) -> float:
    if v <= 0:
        return floor if up else 0.0
    exp = math.floor(math.log10(v) + 1e-9)
    ladder = [m * 10.0 ** e for e in (exp - 1, exp, exp + 1) for m in (1, 2, 5)]
    if up:
        return next(x for x in ladder if x > v * (1 + 1e-9))
    lower = [x for x in ladder if x < v * (1 - 1e-9)]
    nxt = lower[-1]
    if nxt < floor * (1 - 1e-9):
        return 0.0 if allow_zero else floor
    return nxt
