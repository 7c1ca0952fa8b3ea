"""The prediction in large type under the drawing: "prediction: 7 (98.2%)" and the runner-ups."""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
from PyQt5.QtCore import QRect, QSize, Qt
from PyQt5.QtGui import QFont, QFontMetrics, QPainter
from PyQt5.QtWidgets import QSizePolicy, QWidget

from ..model.inspector import Inspector
from ..model.modelchoice import is_untrained
from ..model.modeltext import what_to_draw
from ..widgets.classbars import format_probability


class PredictionLabel(QWidget):
    """"prediction: 7 (98.2%)" in large type, the runner-ups below; a prompt without input.

    Painted rather than made of QLabels: a label's new text asks the whole
    window to lay itself out again, and this text changes on every update.
    """

    def __init__(self, inspector: Inspector, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("predictionLabel")
        self.inspector = inspector
        self._main = ""
        self._detail = ""
        self.big_font = QFont(self.font())
        self.big_font.setPointSizeF(max(16.0, self.font().pointSizeF() * 1.9))
        self.big_font.setBold(True)
        big, small = QFontMetrics(self.big_font), self.fontMetrics()
        self._big_height = big.height()
        # two lines of detail when there is room, one in a short window
        self._full_height = big.height() + 2 * small.lineSpacing() + 6
        self.setMinimumHeight(big.height() + small.lineSpacing() + 6)
        self.setMaximumHeight(self._full_height)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        inspector.traceChanged.connect(self.refresh)
        inspector.networkChanged.connect(self.refresh)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(QFontMetrics(self.big_font).horizontalAdvance("prediction: 8 (100.0%)"), self._full_height)

    def text(self) -> str:
        """The main line, e.g. "prediction: 7 (98.2%)" or "draw a digit"."""
        return self._main

    def detail(self) -> str:
        """The second line: runner-up classes, or a hint."""
        return self._detail

    def refresh(self) -> None:
        names = self.inspector.class_names
        p = self.inspector.probabilities()
        if p is None:
            self._main = f"draw {what_to_draw(names)}"
            self._detail = "The network's answer appears here while you draw."
        else:
            order = np.argsort(p)[::-1]
            best = int(order[0])
            source = self.inspector.source
            # not the drawing: the line names what it describes (the canvas still shows the drawing)
            what = "prediction" if source.is_drawing else source.label
            self._main = f"{what}: {names[best]} ({format_probability(float(p[best]))})"
            parts = [f"then {names[int(i)]} ({format_probability(float(p[int(i)]))})" for i in order[1:3]]
            note = ""
            if not source.is_drawing:
                note = f" - this is {source.text}, not your drawing"
            elif is_untrained(self.inspector.meta):
                note = " - untrained network: its answers are guesses"
            self._detail = ", ".join(parts) + note
        self.setToolTip(self._main + "\n" + self._detail)
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        text, font = self._fitting_main()
        p.setFont(font)
        p.drawText(QRect(0, 0, self.width(), self._big_height), Qt.AlignLeft | Qt.AlignVCenter,
                   QFontMetrics(font).elidedText(text, Qt.ElideRight, self.width()))
        p.setFont(self.font())
        rect = QRect(0, self._big_height + 4, self.width(), self.height() - self._big_height - 4)
        p.drawText(rect, Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap, self._fitting_detail(rect))
        p.end()

    def _fitting_main(self) -> Tuple[str, QFont]:
        """The main line and its font as they fit the width: the big font made smaller (down
        to 65%) when "prediction: automobile (10.0%)" would not fit, then without the word
        "prediction:" (down to 50%); cut with '…' only when even that does not fit."""
        size = self.big_font.pointSizeF()
        # only the word "prediction" may go; a source's name ("test image #0 (a 7): ...") stays
        short = self._main.split(": ", 1)[1] if self._main.startswith("prediction: ") else self._main
        font = QFont(self.big_font)
        for text in (self._main, short):
            width = QFontMetrics(self.big_font).horizontalAdvance(text)
            scale = min(1.0, self.width() / width * 0.98) if width > 0 and self.width() > 0 else 1.0
            if scale >= 0.65 or text is short:
                font.setPointSizeF(size * max(scale, 0.65 if text is not short else 0.5))
                return text, font
        return short, font

    def _fitting_detail(self, rect: QRect) -> str:
        """The detail line as it fits in ``rect``: without the untrained note (it stays in the
        tooltip) if need be, cut with '…' only as a last resort."""
        fm = self.fontMetrics()
        flags = Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap
        for text in (self._detail, self._detail.split(" - ")[0]):
            if fm.boundingRect(rect, flags, text).height() <= rect.height():
                return text
        return fm.elidedText(self._detail.split(" - ")[0], Qt.ElideRight, rect.width())
