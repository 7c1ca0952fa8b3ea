"""A label for text that must not change the layout: a fixed number of lines, each cut with '…'."""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import QRect, QSize, Qt
from PyQt5.QtGui import QPainter
from PyQt5.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLines(QLabel):
    """Plain text in ``lines`` lines ('\\n' separates them); a line too long for the width is
    shortened with '…' (at its end, or in its middle with ``Qt.ElideMiddle``, for paths).

    Its height is fixed and its width never pushes its parent wider, so a new text (ten
    times a second while training) never relays the panel out.
    """

    def __init__(self, lines: int = 1, elide=Qt.ElideRight, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.lines = int(lines)
        self.elide = elide
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setFixedHeight(self.lines * self.fontMetrics().lineSpacing() + 2)

    def sizeHint(self) -> QSize:
        return QSize(200, self.height())

    def minimumSizeHint(self) -> QSize:
        return QSize(20, self.height())

    def paintEvent(self, _ev):
        painter = QPainter(self)
        painter.setPen(self.palette().windowText().color())
        fm = self.fontMetrics()
        r = self.contentsRect()
        for i, line in enumerate(self.text().split("\n")[:self.lines]):
            box = QRect(r.left(), r.top() + i * fm.lineSpacing(), r.width(), fm.lineSpacing())
            painter.drawText(box, int(Qt.AlignLeft | Qt.AlignVCenter), fm.elidedText(line, self.elide, r.width()))
