"""Labels that never cut text in half or push their parent wider: a wrapped label that keeps
the height its text needs (:class:`WrapLabel`), one elided line (:class:`ElidedLabel`), a
fixed number of elided lines (:class:`ElidedLines`)."""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import QEvent, QRect, QSize, Qt
from PyQt5.QtGui import QPainter
from PyQt5.QtWidgets import QLabel, QSizePolicy, QWidget

from .lazy import is_hidden


class ElidedLines(QLabel):
    """Plain text in ``lines`` lines ('\\n' separates them); a line too long for the width is
    shortened with '…' (at its end, or in its middle with ``Qt.ElideMiddle``, for paths).
    With ``wrap``, a long line is first wrapped at spaces onto the lines left unused.

    Its height is fixed and its width never pushes its parent wider, so a new text (ten
    times a second while training) never relays the panel out.
    """

    def __init__(self, lines: int = 1, elide=Qt.ElideRight, parent: Optional[QWidget] = None, wrap: bool = False):
        super().__init__(parent)
        self.lines = int(lines)
        self.elide = elide
        self.wrap = wrap
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
        lines = self.text().split("\n")
        if self.wrap:
            lines = _wrapped(lines, self.lines, fm, r.width())
        for i, line in enumerate(lines[:self.lines]):
            box = QRect(r.left(), r.top() + i * fm.lineSpacing(), r.width(), fm.lineSpacing())
            painter.drawText(box, int(Qt.AlignLeft | Qt.AlignVCenter), fm.elidedText(line, self.elide, r.width()))


def _wrapped(lines, most: int, fm, width: int):
    """``lines`` with long ones broken at spaces while there are fewer than ``most`` lines;
    the last line keeps the rest (it is elided when drawn)."""
    out = []
    for k, line in enumerate(lines):
        words = line.split(" ")
        while words and len(out) < most - 1 - (len(lines) - 1 - k) and fm.horizontalAdvance(" ".join(words)) > width:
            n = len(words)
            while n > 1 and fm.horizontalAdvance(" ".join(words[:n])) > width:
                n -= 1
            out.append(" ".join(words[:n]))
            words = words[n:]
        out.append(" ".join(words))
    return out


class ElidedLabel(QLabel):
    """A one-line plain-text label that never widens its parent: text that does not fit ends in '…'."""

    def __init__(self, text: str = "", parent: Optional[QWidget] = None):
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

    def paintEvent(self, _ev):
        painter = QPainter(self)
        width = self.contentsRect().width()
        text = self.fontMetrics().elidedText(self.text(), Qt.ElideRight, width)
        painter.drawText(self.contentsRect(), int(self.alignment()), text)


class WrapLabel(QLabel):
    """A word-wrapped (rich text) label that keeps the height its text needs at its width.

    A plain wrapped QLabel inside a dock is squeezed below that height when space is short,
    and its last line is then cut in half; this one raises its minimum height instead, so
    the view's plot (which can shrink) gives way.
    """

    def __init__(self, text: str = "", parent: Optional[QWidget] = None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.setTextInteractionFlags(Qt.LinksAccessibleByMouse)
        self._fitted = (-1, None)
        self._no_hfw()

    def _no_hfw(self) -> None:
        # its own minimum height does what height-for-width would; without the flag a layout
        # holding it is not height-for-width either (a scroll area would size it by hints).
        # QLabel sets the flag again whenever its text, format or font changes
        policy = QSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        policy.setHeightForWidth(False)
        if self.sizePolicy() != policy:
            self.setSizePolicy(policy)

    def sizeHint(self):
        hint = super().sizeHint()
        if self._fitted[0] > 0:                     # as tall as the text is at the present width
            hint.setHeight(self.minimumHeight())
        return hint

    def setTextFormat(self, fmt) -> None:
        super().setTextFormat(fmt)
        self._no_hfw()

    def setText(self, text: str) -> None:
        if text == self.text():
            return                       # no new layout for the same words
        super().setText(text)
        self._no_hfw()
        self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.FontChange, QEvent.StyleChange, QEvent.ContentsRectChange):
            self._no_hfw()                  # QLabel reset the policy; the text's height changed
            self._fitted = (-1, None)
            self._fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def paintEvent(self, event) -> None:
        if self._fitted[0] == 0:              # fitted while out of sight: fit for what is shown
            self._fit()
        super().paintEvent(event)

    def _fit(self) -> None:
        width = self.width()
        if width <= 0 or self._fitted == (width, self.text()):
            return
        if not self.isVisible() or is_hidden(self):
            # not laid out yet, or a tab behind another with a stale (narrow) size: the height
            # there must not set the window's (or the group of tabs') minimum
            self._fitted = (0, None)
            self.setMinimumHeight(self.fontMetrics().lineSpacing())
            return
        self._fitted = (width, self.text())
        old = self.minimumHeight()
        self.setMinimumHeight(0)             # QLabel's heightForWidth is never below the minimum
        h = self.heightForWidth(width) if self.text() else 0
        self.setMinimumHeight(max(h, 0) if h != old else old)
