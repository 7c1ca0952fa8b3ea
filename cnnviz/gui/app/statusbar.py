"""A status bar whose messages never run into its permanent widgets.

QStatusBar clips a long temporary message 2 px before the first permanent widget, so
"…starts before t" runs straight into "Untrained 'resnet-mini' network". This one draws
the message elided ("…") in the room left of the permanent widgets, with a gap, and
keeps the whole message as its tooltip. Messages shown by Qt itself (status tips of
actions) go through the same painting.
"""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import QRect, Qt
from PyQt5.QtGui import QPainter
from PyQt5.QtWidgets import QStatusBar, QStyle, QStyleOption, QWidget

GAP = 16          # pixels between the end of a message and the permanent widgets


class StatusBar(QStatusBar):
    """See the module doc. :meth:`shown_message` is the text as drawn (elided or whole)."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self._permanent = []
        self.messageChanged.connect(self._on_message)

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:
        super().addPermanentWidget(widget, stretch)
        self._permanent.append(widget)

    def message_rect(self) -> QRect:
        """Where a temporary message is drawn: left of the visible permanent widgets, with a gap."""
        right = self.width() - 12
        for w in self._permanent:
            if w.isVisible():
                right = min(right, w.x() - GAP)
        return QRect(6, 0, max(0, right - 6), self.height())

    def shown_message(self) -> str:
        text = self.currentMessage()
        return self.fontMetrics().elidedText(text, Qt.ElideRight, self.message_rect().width())

    def _on_message(self, text: str) -> None:
        self.setToolTip(text if text and self.shown_message() != text else "")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._on_message(self.currentMessage())

    def paintEvent(self, event) -> None:
        if not self.currentMessage():
            super().paintEvent(event)
            return
        p = QPainter(self)
        opt = QStyleOption()
        opt.initFrom(self)
        self.style().drawPrimitive(QStyle.PE_PanelStatusBar, opt, p, self)
        p.setPen(self.palette().windowText().color())
        p.drawText(self.message_rect(), Qt.AlignLeading | Qt.AlignVCenter | Qt.TextSingleLine,
                   self.shown_message())
        p.end()
