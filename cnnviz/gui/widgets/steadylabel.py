"""SteadyLabel: wrapped rich text that asks for a new layout only when its height changes.

A QLabel asks its window for a new layout on every ``setText``; for a label whose words
change many times a second while its size stays (the sums of a step-through being
played), that layout pass is most of the cost of showing the new words. This label
lays its text out itself (a QTextDocument) and only calls ``updateGeometry`` when the
wrapped text's height at its width changes.
"""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import QSize
from PyQt5.QtGui import QAbstractTextDocumentLayout, QPainter, QTextDocument, QTextOption
from PyQt5.QtWidgets import QSizePolicy, QWidget


class SteadyLabel(QWidget):
    """Rich text (or plain text with ``plain=True``), word-wrapped to the widget's width."""

    def __init__(self, text: str = "", parent: Optional[QWidget] = None, plain: bool = False):
        super().__init__(parent)
        self.plain = plain
        self._text = ""
        # no Qt parent: a parent deletes its children before the last resize events of its end
        self._doc = QTextDocument()
        self._doc.setDocumentMargin(0)
        option = QTextOption()
        option.setWrapMode(QTextOption.WordWrap)          # never inside a number
        self._doc.setDefaultTextOption(option)
        self._height = 0
        self._fitting = False
        self._narrowest = 40                    # the least width the text fits in (a table's, a long word's)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.setText(text)

    def text(self) -> str:
        """The text as given (rich text source, or plain text)."""
        return self._text

    def toPlainText(self) -> str:
        return self._doc.toPlainText()

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self._doc.setDefaultFont(self.font())
        if self.plain:
            self._doc.setPlainText(text)
        else:
            self._doc.setHtml(text)
        self._fit()
        self.update()

    def _fit(self) -> None:
        self._doc.setTextWidth(40)
        narrowest = int(self._doc.size().width() + 0.999)
        self._doc.setTextWidth(max(self.width(), narrowest))
        height = int(self._doc.size().height() + 0.999) if self._text else 0
        if height != self._height or narrowest != self._narrowest:
            self._height, self._narrowest = height, narrowest
            self.setFixedHeight(height)             # the cases that need a new layout
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(int(self._doc.idealWidth()) + 1, self._height)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._narrowest, self._height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        # a new height can change the width again (a scroll bar comes or goes): fitting inside a
        # fit would recurse without end, so the inner resize keeps the outer fit's wrapping
        if event.oldSize().width() != event.size().width() and not self._fitting:
            self._fitting = True
            try:
                self._fit()
            finally:
                self._fitting = False

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (event.FontChange, event.PaletteChange):
            self._doc.setDefaultFont(self.font())
            text, self._text = self._text, None
            self.setText(text)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette.setColor(context.palette.Text, self.palette().windowText().color())
        self._doc.documentLayout().draw(p, context)
        p.end()
